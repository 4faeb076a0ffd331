//! The company's business hours (the `business_hours` setting): a weekly grid of opening
//! intervals, a time zone and holidays, plus whose hours apply and the out-of-hours message.
import { useEffect, useRef, useState } from 'react';
import { api, type Schemas } from '../api/client';
import { useLang, useT } from '../i18n';
import { ErrorNote, FormField, Loading, PageHeader, timeZones, useLoad, useNotice } from './common';
import { choiceLabel, m } from './messages';

type Setting = Schemas['Setting'];

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
type Day = (typeof DAYS)[number];

interface Range {
  key: number;
  start: string;
  end: string;
}

interface Schedule {
  timezone?: string;
  week: Partial<Record<Day, string[]>>;
  holidays?: string[];
}

const START = /^([01]\d|2[0-3]):[0-5]\d$/;
const END = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;
const minutes = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

let keys = 0;
const range = (start: string, end: string): Range => ({ key: keys++, start, end });

function toGrid(s: Schedule): Record<Day, Range[]> {
  const g = {} as Record<Day, Range[]>;
  for (const d of DAYS) {
    g[d] = (s.week?.[d] ?? []).map((i) => {
      const [a, b] = i.split('-');
      return range((a ?? '').trim(), (b ?? '').trim());
    });
  }
  return g;
}

/** The schedule as the API stores it. */
function toSchedule(grid: Record<Day, Range[]>, timezone: string, holidays: string[]): Schedule {
  const week: Partial<Record<Day, string[]>> = {};
  for (const d of DAYS) {
    if (grid[d].length) week[d] = [...grid[d]].sort((a, b) => a.start.localeCompare(b.start)).map((r) => `${r.start}-${r.end}`);
  }
  const s: Schedule = { week };
  if (timezone) s.timezone = timezone;
  if (holidays.length) s.holidays = [...holidays].sort();
  return s;
}

/** The problem of each range, by its key. */
function problems(grid: Record<Day, Range[]>, t: (k: 'timeInvalid' | 'endBeforeStart' | 'overlap') => string) {
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

export function BusinessHoursPage() {
  const t = useT(m);
  const { lang } = useLang();
  const say = useNotice();
  const settings = useLoad(() => api<Setting[]>('GET', '/api/settings'), []);
  const [grid, setGrid] = useState<Record<Day, Range[]>>(() => toGrid({ week: {} }));
  const [timezone, setTimezone] = useState('');
  const [holidays, setHolidays] = useState<string[]>([]);
  const [scope, setScope] = useState('disabled');
  const [message, setMessage] = useState('');
  const [newHoliday, setNewHoliday] = useState('');
  const [holidayError, setHolidayError] = useState('');
  const [saveError, setSaveError] = useState<unknown>(undefined);
  const [saving, setSaving] = useState(false);
  const [tried, setTried] = useState(false);
  const loadedRef = useRef('');

  const byKey = (k: string) => settings.data?.find((s) => s.key === k);
  const scopeSetting = byKey('business_hours_scope');

  const reset = (list: Setting[]) => {
    const s = (list.find((x) => x.key === 'business_hours')?.value ?? { week: {} }) as Schedule;
    setGrid(toGrid(s));
    setTimezone(s.timezone ?? '');
    setHolidays(s.holidays ?? []);
    setScope(String(list.find((x) => x.key === 'business_hours_scope')?.value ?? 'disabled'));
    setMessage(String(list.find((x) => x.key === 'out_of_hours_message')?.value ?? ''));
    loadedRef.current = JSON.stringify([toSchedule(toGrid(s), s.timezone ?? '', s.holidays ?? []), list.find((x) => x.key === 'business_hours_scope')?.value, list.find((x) => x.key === 'out_of_hours_message')?.value ?? '']);
  };

  useEffect(() => {
    if (settings.data) reset(settings.data);
  }, [settings.data]);

  const schedule = toSchedule(grid, timezone, holidays);
  const dirty = settings.data !== undefined && JSON.stringify([schedule, scope, message]) !== loadedRef.current;
  const errs = problems(grid, t);
  const tooMany = DAYS.filter((d) => grid[d].length > 12);
  const zones = timeZones();
  const dayName = (d: Day) => t(`day_${d}` as 'day_mon');

  const setDay = (d: Day, f: (l: Range[]) => Range[]) => setGrid((g) => ({ ...g, [d]: f(g[d]) }));
  const setRange = (d: Day, key: number, patch: Partial<Range>) => setDay(d, (l) => l.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  const copyToAll = (from: Day, only?: Day[]) =>
    setGrid((g) => {
      const n = { ...g };
      for (const d of only ?? DAYS) if (d !== from) n[d] = g[from].map((r) => range(r.start, r.end));
      return n;
    });
  const preset = () => {
    const g = {} as Record<Day, Range[]>;
    for (const d of DAYS) g[d] = ['sat', 'sun'].includes(d) ? [] : [range('09:00', '18:00')];
    setGrid(g);
  };

  const addHoliday = () => {
    setHolidayError('');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(newHoliday)) return setHolidayError(t('dateInvalid'));
    if (holidays.includes(newHoliday)) return setHolidayError(t('holidayDuplicate'));
    if (holidays.length >= 366) return setHolidayError(t('holidaysMax'));
    setHolidays((h) => [...h, newHoliday].sort());
    setNewHoliday('');
  };

  const save = async () => {
    setTried(true);
    if (Object.keys(errs).length || tooMany.length || message.length > 4096) return;
    setSaving(true);
    setSaveError(undefined);
    try {
      const body: Record<string, unknown> = { business_hours: schedule, out_of_hours_message: message };
      if (scopeSetting) body.business_hours_scope = scope;
      const list = await api<Setting[]>('PATCH', '/api/settings', { body });
      settings.setData(() => list);
      setTried(false);
      say(t('saved'));
    } catch (e) {
      setSaveError(e);
    } finally {
      setSaving(false);
    }
  };

  const dateFmt = new Intl.DateTimeFormat(lang, { weekday: 'short', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

  return (
    <div className="page adm" data-testid="business-hours-page">
      <PageHeader
        title={t('hoursTitle')}
        subtitle={t('hoursSubtitle')}
        actions={
          <>
            <button className="btn" onClick={() => settings.data && reset(settings.data)} disabled={!dirty || saving}>
              {t('discard')}
            </button>
            <button className="btn btn-primary" onClick={save} disabled={!dirty || saving} data-testid="hours-save">
              {saving ? t('saving') : t('saveChanges')}
            </button>
          </>
        }
      />
      <ErrorNote error={settings.error} onRetry={settings.reload} />
      <ErrorNote error={saveError} />
      {settings.loading && !settings.data ? (
        <Loading />
      ) : settings.data ? (
        <>
          <section className="card adm-section">
            <div className="grid-2">
              {scopeSetting && (
                <FormField label={t('hoursScope')} hint={t('hoursScopeHint')}>
                  {(p) => (
                    <select {...p} value={scope} onChange={(e) => setScope(e.target.value)} data-testid="hours-scope">
                      {scopeSetting.choices.map((c) => (
                        <option key={c} value={c}>
                          {choiceLabel(t, c)}
                        </option>
                      ))}
                    </select>
                  )}
                </FormField>
              )}
              <FormField label={t('timezone')} hint={t('timezoneHint')}>
                {(p) => (
                  <>
                    <input {...p} list="adm-tz-list" value={timezone} placeholder={t('companyTimezone')} onChange={(e) => setTimezone(e.target.value.trim())} />
                    <datalist id="adm-tz-list">
                      {zones.map((z) => (
                        <option key={z} value={z} />
                      ))}
                    </datalist>
                  </>
                )}
              </FormField>
            </div>
            {scope === 'disabled' && <p className="adm-hint-box">{t('hoursDisabledNote')}</p>}
          </section>

          <section className="card adm-section" aria-labelledby="adm-week-title">
            <div className="adm-section-head">
              <h2 id="adm-week-title">{t('weeklySchedule')}</h2>
              <div className="row">
                <button className="btn" type="button" onClick={preset}>
                  {t('presetWeekdays')}
                </button>
                <button className="btn" type="button" onClick={() => setGrid(toGrid({ week: {} }))}>
                  {t('clearAll')}
                </button>
              </div>
            </div>
            <div className="adm-week" role="table" aria-label={t('weeklySchedule')} data-testid="week-grid">
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
                      {grid[d].length > 12 && <small className="error-text">{t('rangesMax')}</small>}
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
          </section>

          <section className="card adm-section" aria-labelledby="adm-holidays-title">
            <h2 id="adm-holidays-title">{t('holidays')}</h2>
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
          </section>

          <section className="card adm-section">
            <FormField label={t('outOfHoursMessage')} hint={t('outOfHoursHint')} error={message.length > 4096 ? t('maxChars', { n: 4096 }) : undefined}>
              {(p) => <textarea {...p} rows={3} value={message} onChange={(e) => setMessage(e.target.value)} />}
            </FormField>
          </section>
        </>
      ) : null}
    </div>
  );
}
