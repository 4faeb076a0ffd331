//! What the schedule dialog sends, worked out from what it holds: the body of
//! `POST /api/scheduled`, and for an edit the `PATCH /api/scheduled/{id}` with only what
//! changed. Times are typed in the browser's time zone: a date-time input's value
//! (`2026-05-04T09:30`, seconds optional) and, for the end of a repeat, a date whose whole
//! day still counts.
import type { Schemas } from '../api/client';

export type Scheduled = Schemas['ScheduledMessage'];
export type Repeat = Scheduled['repeat'];
export type ScheduleStatus = Scheduled['status'];
export type TemplateUse = Schemas['TemplateUse'];
/** A PATCH body: every field may be left out (the flags that default to false too). */
export type PatchBody = Partial<Schemas['SchedulePatch']>;

export const REPEATS: Repeat[] = ['none', 'daily', 'weekly', 'monthly'];
export const STATUSES: ScheduleStatus[] = ['scheduled', 'sent', 'cancelled', 'failed'];

/** What the dialog holds. A template goes instead of the body and the file. */
export interface Draft {
  connectionId: string;
  body: string;
  /** The file's id (uploaded with `POST /api/media`), or null for none. */
  mediaId: string | null;
  template: TemplateUse | null;
  /** A date-time input's value, in the browser's time zone. */
  sendAt: string;
  repeat: Repeat;
  /** A date input's value (`2026-05-31`), or '' for no end. */
  repeatUntil: string;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `d` as a date input's value, in the browser's time zone. */
export function toDateInput(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** `d` as a date-time input's value, in the browser's time zone (seconds only when there are some). */
export function toLocalInput(d: Date): string {
  const s = d.getSeconds();
  return `${toDateInput(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}${s ? `:${pad(s)}` : ''}`;
}

/** A date-time input's value as a moment, or null when it is not one. */
export function parseLocal(v: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(v)) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** The last moment of the day a date input names, or null when it names none. */
export function endOfDay(v: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return null;
  const d = new Date(`${v}T23:59:59`);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** The next full hour from `now`: where a new schedule's time starts. */
export function nextHour(now: Date = new Date()): string {
  const d = new Date(now.getTime());
  d.setMinutes(0, 0, 0);
  d.setHours(d.getHours() + 1);
  return toLocalInput(d);
}

/** The same template with the same values. */
export function sameTemplate(a: TemplateUse | null | undefined, b: TemplateUse | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  return a.name === b.name && a.language === b.language && a.variables.length === b.variables.length && a.variables.every((v, i) => v === b.variables[i]);
}

/** The draft of an existing scheduled message, as the dialog shows it. */
export function draftOf(s: Scheduled): Draft {
  return {
    connectionId: s.connection_id,
    body: s.body,
    mediaId: s.media_id ?? null,
    template: s.template ?? null,
    sendAt: toLocalInput(new Date(s.send_at)),
    repeat: s.repeat,
    repeatUntil: s.repeat_until ? toDateInput(new Date(s.repeat_until)) : '',
  };
}

const iso = (d: Date | null) => (d ? d.toISOString() : undefined);

/** The body of `POST /api/scheduled` for the contact `contactId`. */
export function newSchedule(contactId: string, d: Draft): Schemas['NewSchedule'] {
  const req: Schemas['NewSchedule'] = {
    contact_id: contactId,
    connection_id: d.connectionId,
    body: d.template ? '' : d.body.trim(),
    send_at: iso(parseLocal(d.sendAt)) ?? d.sendAt,
    repeat: d.repeat,
  };
  if (d.template) req.template = d.template;
  else if (d.mediaId) req.media_id = d.mediaId;
  const until = d.repeat !== 'none' ? endOfDay(d.repeatUntil) : null;
  if (until) req.repeat_until = until.toISOString();
  return req;
}

/**
 * The body of `PATCH /api/scheduled/{id}` that turns `s` into `d`: only the fields that
 * changed (an empty object when nothing did). Switching to a template clears the body and
 * the file; switching back drops the template.
 */
export function schedulePatch(s: Scheduled, d: Draft): PatchBody {
  const was = draftOf(s);
  const p: PatchBody = {};
  if (d.connectionId !== was.connectionId) p.connection_id = d.connectionId;
  if (d.template) {
    if (!sameTemplate(d.template, was.template)) p.template = d.template;
    if (was.body.trim()) p.body = '';
    if (was.mediaId) p.media_id = '';
  } else {
    if (was.template) p.clear_template = true;
    if (d.body.trim() !== was.body.trim()) p.body = d.body.trim();
    if ((d.mediaId ?? '') !== (was.mediaId ?? '')) p.media_id = d.mediaId ?? '';
  }
  if (d.sendAt !== was.sendAt) {
    const at = parseLocal(d.sendAt);
    if (at) p.send_at = at.toISOString();
  }
  if (d.repeat !== was.repeat) p.repeat = d.repeat;
  const until = d.repeat === 'none' ? '' : d.repeatUntil;
  if (until !== was.repeatUntil) {
    const end = endOfDay(until);
    if (end) p.repeat_until = end.toISOString();
    else p.clear_repeat_until = true;
  }
  return p;
}
