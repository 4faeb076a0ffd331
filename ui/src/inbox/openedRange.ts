//! The inbox list's "opened from / until" dates as the instants `GET /api/tickets` takes:
//! `since` at the local midnight that starts the first day, `until` at the one that ends the
//! last day (the midnight after it), so both days are whole. It imports nothing, so the unit
//! tests load it on its own.

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Local midnight at the start of `date` (`YYYY-MM-DD`, as a date input holds it), `days` later. */
function midnight(date: string, days = 0): Date | undefined {
  const m = DAY.exec(date);
  if (!m) return undefined;
  const at = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

export interface OpenedRange {
  /** RFC 3339: tickets opened at or after it. */
  since?: string;
  /** RFC 3339: tickets opened before it. */
  until?: string;
}

/** The instants of a from / to pair of dates; an empty or unreadable date leaves its side open. */
export function openedRange(from: string, to: string): OpenedRange {
  return { since: midnight(from)?.toISOString(), until: midnight(to, 1)?.toISOString() };
}

/** Whether the ticket opened at `createdAt` falls in `range`. */
export function inRange(createdAt: string, range: OpenedRange): boolean {
  const at = Date.parse(createdAt);
  if (range.since && at < Date.parse(range.since)) return false;
  if (range.until && at >= Date.parse(range.until)) return false;
  return true;
}

/** Whether `to` is a day before `from` (both set): a range nothing can fall in. */
export function reversed(from: string, to: string): boolean {
  const a = midnight(from);
  const b = midnight(to);
  return !!a && !!b && b < a;
}
