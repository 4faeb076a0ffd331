//! Editing a weekly schedule (the API's `Schedule`): the grid of opening intervals per
//! weekday, its time zone and its holidays. The company's business hours and a queue's own
//! hours are both edited with these pieces; `useScheduleDraft` keeps the draft and says
//! whether it can be saved.
import { useId, useState } from 'react';
import type { Schemas } from '../api/client';
import { useLang, useT } from '../i18n';
import { FormField, timeZones } from './common';
import { m } from './messages';

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Day = (typeof DAYS)[number];

export interface Range {
  key: number;
  start: string;
  end: string;
}

export type Grid = Record<Day, Range[]>;

/** A schedule as the API reads and answers it (`timezone` may come back as null). */
export interface ScheduleValue {
  timezone?: string | null;
  week?: Partial<Record<string, string[]>>;
  holidays?: string[] | null;
}

const START = /^([01]\d|2[0-3]):[0-5]\d$/;
const END = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;
const minutes = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
/** Most intervals the server takes on one day. */
const MAX_RANGES = 12;
const MAX_HOLIDAYS = 366;

let keys = 0;
const range = (start: string, end: string): Range => ({ key: keys++, start, end });

export function toGrid(s: ScheduleValue | null | undefined): Grid {
  const g = {} as Grid;
  for (const d of DAYS) {
    g[d] = (s?.week?.[d] ?? []).map((i) => {
      const [a, b] = i.split('-');
      return range((a ?? '').trim(), (b ?? '').trim());
    });
  }
  return g;
}

export const emptyGrid = (): Grid => toGrid({ week: {} });

/** The schedule as the API stores it (holidays always listed: the API needs the field). */
export function toSchedule(grid: Grid, timezone: string, holidays: string[]): Schemas['Schedule'] {
  const week: Record<string, string[]> = {};
  for (const d of DAYS) {
    if (grid[d].length) week[d] = [...grid[d]].sort((a, b) => a.start.localeCompare(b.start)).map((r) => `${r.start}-${r.end}`);
  }
  const s: Schemas['Schedule'] = { week, holidays: [...holidays].sort() };
  if (timezone) s.timezone = timezone;
  return s;
}

/** `s` as `toSchedule` writes it, to compare a draft with what was loaded. */
export function normalSchedule(s: ScheduleValue | null | undefined): Schemas['Schedule'] {
  return toSchedule(toGrid(s), s?.timezone ?? '', s?.holidays ?? []);
}

/** A schedule with no intervals and no holidays: what removes a queue's own hours. */
export const NO_HOURS: Schemas['Schedule'] = { week: {}, holidays: [] };

/** Whether a schedule sets anything up (an interval or a holiday). */
export function hasHours(s: ScheduleValue | null | undefined): boolean {
  return !!s && (Object.values(s.week ?? {}).some((l) => (l?.length ?? 0) > 0) || (s.holidays?.length ?? 0) > 0);
}

/** The days of the week with at least one interval. */
export function openDays(s: ScheduleValue | null | undefined): number {
  return Object.values(s?.week ?? {}).filter((l) => (l?.length ?? 0) > 0).length;
}

type ProblemKey = 'timeInvalid' | 'endBeforeStart' | 'overlap';

/** The problem of each range, by its key. */
export function problems(grid: Grid, t: (k: ProblemKey) => string): Record<number, string> {
  const out: Record<number, string> = {};
  for (const d of DAYS) {
    const ok: Range[] = [];
    for (const r of grid[d]) {
      if (!START.test(r.start) || !END.test(r.end)) out[r.key] = t('timeInvalid');
      else if (minutes(r.end) <= minutes(r.start)) out[r.key] = t('endBeforeStart');
      else ok.push(r);
    }
    ok.sort((a, b) => minutes(a.start) - minutes(b.start));
    for (let i = 1; i < ok.length; i++) {
      if (minutes(ok[i].start) < minutes(ok[i - 1].end)) out[ok[i].key] = t('overlap');
    }
  }
  return out;
}

/** True when every interval is well formed and no day has too many. */
export function gridValid(grid: Grid): boolean {
  return Object.keys(problems(grid, (k) => k)).length === 0 && DAYS.every((d) => grid[d].length <= MAX_RANGES);
}

/** A schedule being edited: its grid, time zone and holidays, and the schedule they make. */
export function useScheduleDraft(initial: ScheduleValue | null | undefined) {
  const [grid, setGrid] = useState<Grid>(() => toGrid(initial));
  const [timezone, setTimezone] = useState(initial?.timezone ?? '');
  const [holidays, setHolidays] = useState<string[]>(initial?.holidays ?? []);
  const reset = (s: ScheduleValue | null | undefined) => {
    setGrid(toGrid(s));
    setTimezone(s?.timezone ?? '');
    setHolidays(s?.holidays ?? []);
  };
  return {
    grid,
    setGrid,
    timezone,
    setTimezone,
    holidays,
    setHolidays,
    reset,
    schedule: toSchedule(grid, timezone, holidays),
    valid: gridValid(grid),
  };
}

export type ScheduleDraft = ReturnType<typeof useScheduleDraft>;

/** The buttons above a week grid: a Monday-to-Friday preset and clearing every day. */
export function WeekTools({ setGrid }: { setGrid: (g: Grid) => void }) {
  const t = useT(m);
  const preset = () => {
    const g = {} as Grid;
    for (const d of DAYS) g[d] = ['sat', 'sun'].includes(d) ? [] : [range('09:00', '18:00')];
    setGrid(g);
  };
  return (
    <div className="row">
      <button className="btn" type="button" onClick={preset} data-testid="hours-preset">
        {t('presetWeekdays')}
      </button>
      <button className="btn" type="button" onClick={() => setGrid(emptyGrid())}>
        {t('clearAll')}
      </button>
    </div>
  );
}

/**
 * The weekly grid: per day its intervals (a timeline and HH:MM inputs), adding and removing
 * intervals and copying a day to every day. Problems show once `tried` (a save was attempted)
 * or once the closing time is typed in full.
 */
export function WeekGrid({ grid, setGrid, tried, compact }: { grid: Grid; setGrid: (f: (g: Grid) => Grid) => void; tried: boolean; compact?: boolean }) {
  const t = useT(m);
  const errs = problems(grid, t);
  const dayName = (d: Day) => t(`day_${d}` as 'day_mon');
  const setDay = (d: Day, f: (l: Range[]) => Range[]) => setGrid((g) => ({ ...g, [d]: f(g[d]) }));
  const setRange = (d: Day, key: number, patch: Partial<Range>) => setDay(d, (l) => l.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  const copyToAll = (from: Day) =>
    setGrid((g) => {
      const n = { ...g };
      for (const d of DAYS) if (d !== from) n[d] = g[from].map((r) => range(r.start, r.end));
      return n;
    });

  return (
    <>
      <div className={compact ? 'adm-week adm-week-compact' : 'adm-week'} role="table" aria-label={t('weeklySchedule')} data-testid="week-grid">
        <div className="adm-week-row adm-week-scale" role="row" aria-hidden="true">
          <span />
          <div className="adm-timeline-scale">
            {[0, 6, 12, 18, 24].map((h) => (
              <span key={h} style={{ left: `${(h / 24) * 100}%` }}>
                {String(h).padStart(2, '0')}h
              </span>
            ))}
          </div>
          <span />
        </div>
        {DAYS.map((d) => (
          <div key={d} className="adm-week-row" role="row" data-testid={`day-${d}`}>
            <div role="rowheader" className="adm-day-name">
              <strong>{dayName(d)}</strong>
              <span className={grid[d].length ? 'badge badge-success' : 'badge badge-neutral'}>{grid[d].length ? t('open') : t('closed')}</span>
            </div>
            <div role="cell" className="adm-day-cell">
              <div className="adm-timeline" aria-hidden="true">
                {grid[d]
                  .filter((r) => !errs[r.key] && START.test(r.start) && END.test(r.end))
                  .map((r) => (
                    <span
                      key={r.key}
                      className="adm-timeline-seg"
                      style={{ left: `${(minutes(r.start) / 1440) * 100}%`, width: `${((minutes(r.end) - minutes(r.start)) / 1440) * 100}%` }}
                    />
                  ))}
              </div>
              <div className="adm-ranges">
                {grid[d].map((r, i) => (
                  <div key={r.key} className="adm-range">
                    <input
                      className="adm-time"
                      inputMode="numeric"
                      placeholder="09:00"
                      maxLength={5}
                      aria-label={t('rangeStart', { day: dayName(d), n: i + 1 })}
                      aria-invalid={errs[r.key] ? true : undefined}
                      value={r.start}
                      onChange={(e) => setRange(d, r.key, { start: e.target.value })}
                    />
                    <span aria-hidden="true">–</span>
                    <input
                      className="adm-time"
                      inputMode="numeric"
                      placeholder="18:00"
                      maxLength={5}
                      aria-label={t('rangeEnd', { day: dayName(d), n: i + 1 })}
                      aria-invalid={errs[r.key] ? true : undefined}
                      value={r.end}
                      onChange={(e) => setRange(d, r.key, { end: e.target.value })}
                    />
                    <button
                      type="button"
                      className="icon-btn"
                      aria-label={t('rangeRemove', { day: dayName(d), n: i + 1 })}
                      onClick={() => setDay(d, (l) => l.filter((x) => x.key !== r.key))}
                    >
                      ×
                    </button>
                    {errs[r.key] && (tried || r.end.length >= 5) && <small className="error-text">{errs[r.key]}</small>}
                  </div>
                ))}
                {grid[d].length > MAX_RANGES && <small className="error-text">{t('rangesMax')}</small>}
              </div>
            </div>
            <div role="cell" className="adm-day-actions">
              <button
                type="button"
                className="btn btn-sm"
                onClick={() => {
                  const last = grid[d][grid[d].length - 1];
                  setDay(d, (l) => [...l, last ? range(last.end < '23:00' ? last.end : '09:00', '24:00') : range('09:00', '18:00')]);
                }}
                aria-label={t('rangeAddFor', { day: dayName(d) })}
                data-testid={`add-range-${d}`}
              >
                {t('rangeAdd')}
              </button>
              {grid[d].length > 0 && (
                <button type="button" className="btn btn-sm" onClick={() => copyToAll(d)} aria-label={t('copyToAllFor', { day: dayName(d) })}>
                  {t('copyToAll')}
                </button>
              )}
            </div>
          </div>
        ))}
      </div>
      <p className="muted small">{t('hoursFormatHint')}</p>
    </>
  );
}

/** The time zone of a schedule: any IANA zone, empty for the company's. */
export function TimeZoneField({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const t = useT(m);
  const listId = useId();
  const zones = timeZones();
  return (
    <FormField label={t('timezone')} hint={t('timezoneHint')}>
      {(p) => (
        <>
          <input {...p} list={listId} value={value} placeholder={t('companyTimezone')} onChange={(e) => onChange(e.target.value.trim())} data-testid="hours-timezone" />
          <datalist id={listId}>
            {zones.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
        </>
      )}
    </FormField>
  );
}

/** The dates closed all day: a date picker to add one, and the list with a remove button each. */
export function HolidaysEditor({ holidays, setHolidays }: { holidays: string[]; setHolidays: (f: (h: string[]) => string[]) => void }) {
  const t = useT(m);
  const { lang } = useLang();
  const [newHoliday, setNewHoliday] = useState('');
  const [holidayError, setHolidayError] = useState('');
  const dateFmt = new Intl.DateTimeFormat(lang, { weekday: 'short', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

  const addHoliday = () => {
    setHolidayError('');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(newHoliday)) return setHolidayError(t('dateInvalid'));
    if (holidays.includes(newHoliday)) return setHolidayError(t('holidayDuplicate'));
    if (holidays.length >= MAX_HOLIDAYS) return setHolidayError(t('holidaysMax'));
    setHolidays((h) => [...h, newHoliday].sort());
    setNewHoliday('');
  };

  return (
    <>
      <p className="muted small">{t('holidaysHint')}</p>
      <div className="row adm-holiday-add">
        <input type="date" aria-label={t('holidayDate')} value={newHoliday} onChange={(e) => setNewHoliday(e.target.value)} data-testid="holiday-date" />
        <button type="button" className="btn" onClick={addHoliday} disabled={!newHoliday} data-testid="holiday-add">
          {t('holidayAdd')}
        </button>
        {holidayError && (
          <small className="error-text" role="alert">
            {holidayError}
          </small>
        )}
      </div>
      {holidays.length === 0 ? (
        <p className="muted">{t('holidaysEmpty')}</p>
      ) : (
        <ul className="adm-chips adm-holidays" data-testid="holidays">
          {holidays.map((h) => (
            <li key={h} className="badge adm-holiday">
              <time dateTime={h}>{dateFmt.format(new Date(h + 'T00:00:00Z'))}</time>
              <button type="button" className="icon-btn" aria-label={t('holidayRemove', { date: h })} onClick={() => setHolidays((l) => l.filter((x) => x !== h))}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
