//! A queue's own auto-close limits (`auto_close` of `/api/queues`): minutes an open ticket may
//! wait for the customer, and a pending one for any activity, before it closes by itself. An
//! empty field follows the company's `auto_close_open_minutes` / `auto_close_pending_minutes`;
//! 0 never closes the queue's tickets.
import { useState } from 'react';
import type { Schemas } from '../api/client';
import { useT } from '../i18n';
import { FormField } from './common';
import { m } from './messages';

type AutoClose = Schemas['QueueAutoClose'];
type Setting = Schemas['Setting'];

/** The most minutes the server takes (30 days). */
export const MAX_AUTO_CLOSE = 43200;

const KEYS = { open: 'auto_close_open_minutes', pending: 'auto_close_pending_minutes' } as const;

/** What the two fields hold ('' = the company's), and what they send. */
export function useAutoCloseDraft(own: AutoClose | undefined) {
  const [open, setOpen] = useState(own?.open_minutes != null ? String(own.open_minutes) : '');
  const [pending, setPending] = useState(own?.pending_minutes != null ? String(own.pending_minutes) : '');
  const read = (v: string) => (v.trim() === '' ? undefined : Number(v.trim()));
  const bad = (v: string) => {
    const n = read(v);
    return n !== undefined && (!/^\d+$/.test(v.trim()) || n > MAX_AUTO_CLOSE);
  };
  const value: AutoClose = {};
  if (read(open) !== undefined) value.open_minutes = read(open);
  if (read(pending) !== undefined) value.pending_minutes = read(pending);
  return {
    open,
    setOpen,
    pending,
    setPending,
    problems: { open: bad(open), pending: bad(pending) },
    /** The limits to send: `{}` when both follow the company (a PATCH then removes the queue's). */
    value,
    /** Whether the queue has a limit of its own. */
    any: value.open_minutes !== undefined || value.pending_minutes !== undefined,
  };
}

export type AutoCloseDraft = ReturnType<typeof useAutoCloseDraft>;

/** The queue form's auto-close fields; `settings` are the company's, when they could be read. */
export function AutoCloseFields({ draft, settings, tried }: { draft: AutoCloseDraft; settings?: Setting[]; tried: boolean }) {
  const t = useT(m);
  const company = (key: string) => {
    const v = settings?.find((s) => s.key === key)?.value;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined;
    if (n === undefined) return t('queueAutoCompanyHint');
    return t('queueAutoCompanyIs', { value: n === 0 ? t('queueAutoNever') : t('queueAutoMinutes', { n }) });
  };
  const range = t('intRange', { min: 0, max: MAX_AUTO_CLOSE });
  return (
    <fieldset className="adm-fieldset" data-testid="queue-auto-close">
      <legend>{t('queueAutoClose')}</legend>
      <p className="adm-hint-box small">{t('queueAutoCloseNote')}</p>
      <div className="grid-2">
        <FormField label={t('queueAutoOpen')} hint={company(KEYS.open)} error={tried && draft.problems.open ? range : undefined}>
          {(p) => (
            <input
              {...p}
              type="number"
              inputMode="numeric"
              min={0}
              max={MAX_AUTO_CLOSE}
              step={1}
              value={draft.open}
              onChange={(e) => draft.setOpen(e.target.value)}
              data-testid="queue-auto-open"
            />
          )}
        </FormField>
        <FormField label={t('queueAutoPending')} hint={company(KEYS.pending)} error={tried && draft.problems.pending ? range : undefined}>
          {(p) => (
            <input
              {...p}
              type="number"
              inputMode="numeric"
              min={0}
              max={MAX_AUTO_CLOSE}
              step={1}
              value={draft.pending}
              onChange={(e) => draft.setPending(e.target.value)}
              data-testid="queue-auto-pending"
            />
          )}
        </FormField>
      </div>
    </fieldset>
  );
}

/** The queue card's line: each limit in minutes, "never", or the company's. */
export function AutoCloseSummary({ own }: { own: AutoClose | undefined }) {
  const t = useT(m);
  const part = (n: number | undefined) => (n === undefined ? t('queueAutoCompanyPart') : n === 0 ? t('queueAutoNever') : t('queueAutoMinutes', { n }));
  const mine = own?.open_minutes !== undefined || own?.pending_minutes !== undefined;
  return (
    <span className="small" data-testid="queue-auto-close-summary" data-own={mine}>
      {mine ? t('queueAutoSummary', { open: part(own?.open_minutes), pending: part(own?.pending_minutes) }) : t('queueHoursCompany')}
    </span>
  );
}
