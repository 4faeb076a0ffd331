//! The delivery chart worked out from `GET /api/campaigns/{id}/timeline`: the order its bars
//! stack the statuses in, the top of its y axis, where each bar and each part of it goes, the
//! times its x axis names (round times of the user's time zone, a few of them), the width of
//! its stretches in words, and how long a new read of it waits. Imports nothing, so it is
//! tested on its own.

/**
 * The recipients reached (claimed) in one stretch, by where each stands now. The shape of
 * the API's `TimelinePoint`, written out so the chart does not wait on the generated types.
 */
export interface TimelinePoint {
  /** The stretch's start (RFC 3339). */
  at: string;
  queued: number;
  sent: number;
  delivered: number;
  read: number;
  replied: number;
  failed: number;
}

/** `GET /api/campaigns/{id}/timeline`: at most 120 stretches of `bucket_minutes`, oldest first. */
export interface Timeline {
  bucket_minutes: number;
  points: TimelinePoint[];
}

/** The statuses a bar stacks, from the bottom up: failed first, the furthest (replied) on top. */
export const STACK = ['failed', 'queued', 'sent', 'delivered', 'read', 'replied'] as const;
export type Stacked = (typeof STACK)[number];

const MINUTE = 60_000;
const DAY = 1440;

/** Every recipient of a stretch. */
export function totalOf(p: TimelinePoint): number {
  return STACK.reduce((s, k) => s + p[k], 0);
}

/** The recipients of every stretch added up, by status, and all of them. */
export function totals(points: TimelinePoint[]): Record<Stacked | 'total', number> {
  const sum = { failed: 0, queued: 0, sent: 0, delivered: 0, read: 0, replied: 0, total: 0 };
  for (const p of points) {
    for (const k of STACK) sum[k] += p[k];
    sum.total += totalOf(p);
  }
  return sum;
}

/** The top of the y axis: the smallest round number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10ⁿ, whole) at or above `max`. */
export function axisTop(max: number): number {
  if (!(max > 1)) return 1;
  const mag = 10 ** Math.floor(Math.log10(max));
  for (const k of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) {
    const v = Math.round(k * mag);
    if (v >= max && Number.isInteger(k * mag)) return v;
  }
  return 10 * mag;
}

/** Fewest stretches the x axis spans: a campaign of one stretch draws one slim bar, not a wall. */
export const MIN_SLOTS = 12;

/** The plot's place in the SVG. */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface BarPart {
  status: Stacked;
  value: number;
  y: number;
  height: number;
}

export interface Bar {
  /** The stretch's start and end, in ms. */
  start: number;
  end: number;
  x: number;
  width: number;
  total: number;
  point: TimelinePoint;
  /** From the bottom up, without the empty statuses. */
  parts: BarPart[];
}

export interface Layout {
  /** The time the x axis spans, in ms. */
  start: number;
  end: number;
  /** The y axis's top value. */
  top: number;
  /** Where an instant falls on the x axis. */
  xAt: (ms: number) => number;
  bars: Bar[];
}

/**
 * Places one bar per stretch in `box`: the x axis runs from the first stretch's start over
 * at least MIN_SLOTS stretches, a bar fills its stretch but for a small gap, and its parts
 * stack in STACK's order from the bottom, scaled to the y axis's round top.
 */
export function layout(t: Timeline, box: Box): Layout {
  const bucket = Math.max(1, t.bucket_minutes) * MINUTE;
  const start = t.points.length ? Date.parse(t.points[0].at) : 0;
  const end = start + Math.max(t.points.length, MIN_SLOTS) * bucket;
  const top = axisTop(Math.max(0, ...t.points.map(totalOf)));
  const xAt = (ms: number) => box.left + ((ms - start) / (end - start)) * box.width;
  const slot = box.width / Math.max(t.points.length, MIN_SLOTS);
  const gap = Math.min(slot * 0.2, 6);
  const base = box.top + box.height;
  const bars = t.points.map((point) => {
    const s = Date.parse(point.at);
    let acc = 0;
    const parts: BarPart[] = [];
    for (const status of STACK) {
      const value = point[status];
      if (value <= 0) continue;
      const y0 = base - (acc / top) * box.height;
      acc += value;
      const y1 = base - (acc / top) * box.height;
      parts.push({ status, value, y: y1, height: y0 - y1 });
    }
    return { start: s, end: s + bucket, x: xAt(s) + gap / 2, width: Math.max(1, slot - gap), total: acc, point, parts };
  });
  return { start, end, top, xAt, bars };
}

/** The steps, in minutes, the x axis may name times at. */
const TICK_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 28 * DAY];

/** The user's time zone's offset from UTC at `ms`, in minutes (east positive). */
export const localOffset = (ms: number) => -new Date(ms).getTimezoneOffset();

/** How a tick names its time: the time of day, the date with it (a new day), or only the date. */
export type TickKind = 'time' | 'dateTime' | 'date';

export interface Tick {
  at: number;
  kind: TickKind;
}

/**
 * The times the x axis names from `start` to before `end` (ms): round times of the user's time
 * zone (`offset` gives it, in minutes), a step of at least one stretch, at most `most` of them.
 * A chart over several days names the date on the first tick and where a day begins.
 */
export function timeTicks(start: number, end: number, bucketMinutes: number, most = 6, offset: (ms: number) => number = localOffset): { step: number; ticks: Tick[] } {
  const span = (end - start) / MINUTE;
  const step = TICK_STEPS.find((s) => s >= bucketMinutes && span / s <= most) ?? TICK_STEPS[TICK_STEPS.length - 1];
  const stepMs = step * MINUTE;
  const off0 = offset(start) * MINUTE;
  const dayOf = (ms: number) => Math.floor((ms + offset(ms) * MINUTE) / (DAY * MINUTE));
  const multiDay = dayOf(start) !== dayOf(end - 1);
  const ticks: Tick[] = [];
  for (let local = Math.ceil((start + off0) / stepMs) * stepMs; ; local += stepMs) {
    const at = local - offset(local - off0) * MINUTE;
    if (at >= end) break;
    if (at < start) continue;
    const kind: TickKind = step >= DAY ? 'date' : multiDay && (ticks.length === 0 || dayOf(at) !== dayOf(ticks[ticks.length - 1].at)) ? 'dateTime' : 'time';
    ticks.push({ at, kind });
  }
  return { step, ticks };
}

/** A stretch's width as a number of whole days, hours or minutes (for Intl's units). */
export function bucketUnit(minutes: number): { value: number; unit: 'day' | 'hour' | 'minute' } {
  if (minutes >= DAY && minutes % DAY === 0) return { value: minutes / DAY, unit: 'day' };
  if (minutes >= 60 && minutes % 60 === 0) return { value: minutes / 60, unit: 'hour' };
  return { value: minutes, unit: 'minute' };
}

/** How long a read asked for now waits: none the first time, else until `every` ms after the last. */
export function throttleWait(lastAt: number | null, now: number, every: number): number {
  return lastAt == null ? 0 : Math.max(0, lastAt + every - now);
}
