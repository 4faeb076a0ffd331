//! Campaigns worked out from what the API answers and what the form holds: which actions a
//! status allows, the recipients' funnel (sent, delivered, read… each counting those that
//! went further), the parts of the status bar, and the body the form sends (times typed in
//! the browser's time zone). Imports only types, so it is tested on its own.
import type { Schemas } from '../api/client';

export type Campaign = Schemas['Campaign'];
export type CampaignView = Schemas['CampaignView'];
export type Counts = Schemas['CampaignCounts'];
export type CampaignStatus = Campaign['status'];
export type RecipientStatus = Schemas['CampaignRecipient']['status'];
export type ContentKind = Campaign['content']['kind'];
export type Schedule = Schemas['Schedule'];
export type TemplateUse = Schemas['TemplateUse'];
export type Usage = Schemas['CampaignUsage'];

export const STATUSES: CampaignStatus[] = ['draft', 'scheduled', 'running', 'waiting', 'paused', 'cancelled', 'completed'];
export const RECIPIENT_STATUSES: RecipientStatus[] = ['pending', 'queued', 'sent', 'delivered', 'read', 'replied', 'failed', 'opted_out'];

/** Most message variants, and most numbers, a campaign has. */
export const MAX_VARIANTS = 5;
export const MAX_NUMBERS = 10;
export const MAX_TEXT = 4096;
export const MAX_PER_MINUTE = 6000;

export type Action = 'start' | 'pause' | 'resume' | 'cancel' | 'edit' | 'delete';

/** What a campaign in `status` can be told to do. */
export function actionsFor(status: CampaignStatus): Action[] {
  switch (status) {
    case 'draft':
      return ['start', 'edit', 'delete'];
    case 'scheduled':
    case 'running':
    case 'waiting':
      return ['pause', 'cancel'];
    case 'paused':
      return ['resume', 'cancel'];
    default:
      return ['delete'];
  }
}

/** Whether the campaign is on its way: its counts still change by themselves. */
export function isActive(status: CampaignStatus): boolean {
  return status === 'scheduled' || status === 'running' || status === 'waiting';
}

/** No recipients yet (a draft's counts). */
export const NO_COUNTS: Counts = { total: 0, pending: 0, queued: 0, sent: 0, delivered: 0, read: 0, replied: 0, failed: 0, opted_out: 0 };

/**
 * The funnel: each recipient is in one status, and one that was read was delivered and sent
 * too. `done` counts those the campaign finished with (reached, failed or opted out).
 */
export function funnel(c: Counts) {
  const replied = c.replied;
  const read = c.read + replied;
  const delivered = c.delivered + read;
  const sent = c.sent + delivered;
  const done = sent + c.failed + c.opted_out;
  return { total: c.total, sent, delivered, read, replied, failed: c.failed, optedOut: c.opted_out, waiting: c.pending + c.queued, done };
}

/** The share of `part` in `whole`, 0 to 100 (rounded down, so 100 only when all are done). */
export function percent(part: number, whole: number): number {
  if (whole <= 0) return 0;
  return Math.max(0, Math.min(100, Math.floor((part / whole) * 100)));
}

/** The status bar's parts, furthest first, without the empty ones; `share` in percent. */
export function segments(c: Counts): { status: RecipientStatus; value: number; share: number }[] {
  const order: RecipientStatus[] = ['replied', 'read', 'delivered', 'sent', 'queued', 'failed', 'opted_out', 'pending'];
  return order
    .map((status) => ({ status, value: c[status], share: c.total > 0 ? (c[status] / c.total) * 100 : 0 }))
    .filter((s) => s.value > 0);
}

/** What the campaign form holds. */
export interface Draft {
  name: string;
  listId: string;
  connectionIds: string[];
  kind: ContentKind;
  variants: string[];
  /** A file uploaded with `POST /api/media`, sent with each variant as its caption. */
  mediaId: string | null;
  flowId: string;
  /** The per-minute input's text. */
  perMinute: string;
  /** A date-time input's value in the browser's time zone, or '' to begin at once. */
  startAt: string;
  /** The weekly window, or null to send at any time. */
  window: Schedule | null;
  /**
   * On Cloud API numbers, the approved template sent instead when the recipient's 24-hour
   * window is closed (a flow campaign sends it first), or null for none.
   */
  template: TemplateUse | null;
}

export function emptyDraft(): Draft {
  return { name: '', listId: '', connectionIds: [], kind: 'message', variants: [''], mediaId: null, flowId: '', perMinute: '60', startAt: '', window: null, template: null };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An instant as a date-time input's value in the browser's time zone (`2026-05-04T09:30`). */
export function localInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A date-time input's value (browser's time zone) as an instant, or null when it is not one. */
export function instantOf(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** The draft of a saved campaign. */
export function draftOf(c: Campaign): Draft {
  return {
    name: c.name,
    listId: c.list_id,
    connectionIds: [...c.connection_ids],
    kind: c.content.kind,
    variants: c.content.variants?.length ? [...c.content.variants] : [''],
    mediaId: c.content.media_id ?? null,
    flowId: c.content.flow_id ?? '',
    perMinute: String(c.per_minute),
    startAt: localInput(c.start_at),
    window: c.window ?? null,
    template: c.content.template ? { ...c.content.template, variables: [...(c.content.template.variables ?? [])] } : null,
  };
}

export type Problem =
  | 'required'
  | 'listRequired'
  | 'numbersRequired'
  | 'numbersMax'
  | 'textOrFile'
  | 'variantTooLong'
  | 'flowRequired'
  | 'perMinuteRange'
  | 'startInvalid'
  | 'startPast'
  | 'templateFill';

type Field = 'name' | 'list' | 'numbers' | 'content' | 'template' | 'perMinute' | 'startAt';

/** What keeps the draft from being saved, by field. `now` is the time to compare a start with. */
export function problemsOf(d: Draft, now = Date.now()): Partial<Record<Field, Problem>> {
  const p: Partial<Record<Field, Problem>> = {};
  if (!d.name.trim()) p.name = 'required';
  if (!d.listId) p.list = 'listRequired';
  if (d.connectionIds.length === 0) p.numbers = 'numbersRequired';
  else if (d.connectionIds.length > MAX_NUMBERS) p.numbers = 'numbersMax';
  if (d.kind === 'message') {
    if (d.variants.some((v) => v.length > MAX_TEXT)) p.content = 'variantTooLong';
    else if (!d.variants.some((v) => v.trim()) && !d.mediaId) p.content = 'textOrFile';
  } else if (!d.flowId) p.content = 'flowRequired';
  if (d.template && d.template.variables.some((v) => !v.trim())) p.template = 'templateFill';
  const pace = Number(d.perMinute);
  if (!/^\d+$/.test(d.perMinute.trim()) || pace < 1 || pace > MAX_PER_MINUTE) p.perMinute = 'perMinuteRange';
  if (d.startAt) {
    const at = instantOf(d.startAt);
    if (!at) p.startAt = 'startInvalid';
    else if (Date.parse(at) < now - 60_000) p.startAt = 'startPast';
  }
  return p;
}

/** Whether a schedule has an interval on some day. */
export function hasWindow(s: Schedule | null | undefined): boolean {
  return !!s && Object.values(s.week ?? {}).some((l) => (l?.length ?? 0) > 0);
}

/**
 * The body of `POST /api/campaigns` (and of a draft's PATCH): blank variants left out, the
 * template only when one is picked, a window only when it has an interval. For a PATCH, a
 * window with no intervals removes one the campaign had.
 */
export function bodyOf(d: Draft, forPatch = false): Schemas['NewCampaign'] {
  const content: Schemas['CampaignContent'] =
    d.kind === 'message'
      ? { kind: 'message', variants: d.variants.filter((v) => v.trim()), media_id: d.mediaId ?? undefined }
      : { kind: 'flow', variants: [], flow_id: d.flowId };
  if (d.template) content.template = { name: d.template.name, language: d.template.language, variables: d.template.variables.map((v) => v.trim()) };
  const body: Schemas['NewCampaign'] = {
    name: d.name.trim(),
    list_id: d.listId,
    connection_ids: d.connectionIds,
    content,
    per_minute: Number(d.perMinute),
  };
  const at = d.startAt ? instantOf(d.startAt) : null;
  if (at) body.start_at = at;
  if (hasWindow(d.window)) body.window = d.window!;
  else if (forPatch) body.window = { week: {}, holidays: [] };
  return body;
}

/** This month's share of the plan's campaign recipients, 0 to 100 (100 once used up). */
export function usageShare(u: Pick<Usage, 'used' | 'limit'>): number {
  if (u.limit <= 0) return 100;
  return Math.max(0, Math.min(100, (u.used / u.limit) * 100));
}
