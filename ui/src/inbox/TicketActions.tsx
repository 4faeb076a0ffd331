//! What an agent can do with a ticket from the conversation header: accept (taking over from
//! a flow knowingly, `useAccept`), take over from the queue's bot, transfer to a queue or an
//! agent, return to the queue, close, reopen, tag, and read its timeline.
import { useEffect, useRef, useState } from 'react';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { Icons } from '../shell/icons';
import { Button, EmptyState, Field, IconButton, Modal, Spinner, useConfirm, useFormat, useToast } from '../shell/ui';
import { useAccept } from './accept';
import { useInboxData, type Ticket } from './data';
import { detailText } from './detailText';
import { inboxText, type InboxKey } from './messages';

export interface TicketActionsProps {
  ticket: Ticket;
  onChange: (t: Ticket) => void;
  panelOpen: boolean;
  onTogglePanel: () => void;
}

export function TicketActions({ ticket, onChange, panelOpen, onTogglePanel }: TicketActionsProps) {
  const t = useT(inboxText);
  const td = useT(detailText);
  const toast = useToast();
  const confirm = useConfirm();
  const [busy, setBusy] = useState<string | null>(null);
  const [transferring, setTransferring] = useState(false);
  const [tagsOpen, setTagsOpen] = useState(false);
  const [timelineOpen, setTimelineOpen] = useState(false);
  const takeTicket = useAccept();

  const accept = async (takeOver?: boolean) => {
    setBusy('accept');
    try {
      const next = await takeTicket(ticket, { takeOver });
      if (next) onChange(next);
    } finally {
      setBusy(null);
    }
  };

  const act = async (action: 'return' | 'close' | 'reopen', done: InboxKey) => {
    setBusy(action);
    try {
      const next = await api<Ticket>('POST', `/api/tickets/${ticket.id}/${action}`);
      onChange(next);
      toast.success(t(done));
    } catch (e) {
      toast.error(e);
    } finally {
      setBusy(null);
    }
  };

  const close = async () => {
    if (await confirm({ title: t('closeConfirm'), message: t('closeConfirmText'), confirmLabel: t('close') })) await act('close', 'closed');
  };

  return (
    <div className="conv-actions">
      {ticket.status === 'pending' ? (
        <Button variant="primary" size="sm" loading={busy === 'accept'} onClick={() => void accept()} data-testid="accept">
          {t('accept')}
        </Button>
      ) : ticket.status === 'bot' ? (
        <Button variant="primary" size="sm" loading={busy === 'accept'} onClick={() => void accept(true)} data-testid="take-over">
          {td('takeOver')}
        </Button>
      ) : null}
      {ticket.status !== 'closed' ? (
        <Button size="sm" onClick={() => setTransferring(true)} data-testid="transfer">
          {t('transfer')}
        </Button>
      ) : null}
      {ticket.status === 'open' ? (
        <Button size="sm" variant="ghost" loading={busy === 'return'} onClick={() => void act('return', 'returned')} data-testid="return">
          {t('returnToQueue')}
        </Button>
      ) : null}
      {ticket.status !== 'closed' ? (
        <Button size="sm" loading={busy === 'close'} onClick={() => void close()} data-testid="close-ticket">
          {t('close')}
        </Button>
      ) : (
        <Button variant="primary" size="sm" loading={busy === 'reopen'} onClick={() => void act('reopen', 'reopened')} data-testid="reopen">
          {t('reopen')}
        </Button>
      )}
      <span style={{ position: 'relative' }}>
        <IconButton label={t('tags')} onClick={() => setTagsOpen((o) => !o)} active={tagsOpen} aria-expanded={tagsOpen} data-testid="tags">
          <Icons.tags />
        </IconButton>
        {tagsOpen ? <TagMenu ticket={ticket} onChange={onChange} onClose={() => setTagsOpen(false)} /> : null}
      </span>
      <IconButton label={t('timeline')} onClick={() => setTimelineOpen(true)} data-testid="timeline">
        <Icons.history />
      </IconButton>
      <IconButton label={panelOpen ? t('closePanel') : t('contactInfo')} onClick={onTogglePanel} active={panelOpen}>
        <Icons.info />
      </IconButton>
      {transferring ? <TransferModal ticket={ticket} onDone={onChange} onClose={() => setTransferring(false)} /> : null}
      {timelineOpen ? <TimelineModal ticketId={ticket.id} onClose={() => setTimelineOpen(false)} /> : null}
    </div>
  );
}

function TagMenu({ ticket, onChange, onClose }: { ticket: Ticket; onChange: (t: Ticket) => void; onClose: () => void }) {
  const t = useT(inboxText);
  const toast = useToast();
  const { tags } = useInboxData();
  const box = useRef<HTMLDivElement>(null);
  const [busy, setBusy] = useState<string | null>(null);

  useEffect(() => {
    box.current?.querySelector<HTMLElement>('input, button')?.focus();
    const onDown = (e: MouseEvent) => {
      if (box.current && !box.current.parentElement?.contains(e.target as Node)) onClose();
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [onClose]);

  const toggle = async (id: string, on: boolean) => {
    setBusy(id);
    try {
      const next = await api<Ticket>(on ? 'PUT' : 'DELETE', `/api/tickets/${ticket.id}/tags/${id}`);
      onChange(next);
    } catch (e) {
      toast.error(e);
    } finally {
      setBusy(null);
    }
  };

  return (
    <div
      ref={box}
      className="popover tag-menu"
      role="group"
      aria-label={t('tags')}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onClose();
        }
      }}
    >
      {tags.length === 0 ? (
        <p className="muted small" style={{ padding: 8, maxWidth: 240 }}>
          {t('noTags')}
        </p>
      ) : (
        tags.map((tag) => {
          const on = ticket.tags.includes(tag.id);
          return (
            <label key={tag.id} className="popover-item check">
              <input type="checkbox" checked={on} disabled={busy === tag.id} onChange={() => void toggle(tag.id, !on)} />
              <span className="dot" style={{ background: tag.color }} />
              {tag.name}
            </label>
          );
        })
      )}
    </div>
  );
}

function TransferModal({ ticket, onDone, onClose }: { ticket: Ticket; onDone: (t: Ticket) => void; onClose: () => void }) {
  const t = useT(inboxText);
  const toast = useToast();
  const { queues, agents, me, reloadAgents } = useInboxData();
  const [queueId, setQueueId] = useState('');
  const [userId, setUserId] = useState('');
  const [find, setFind] = useState('');
  const [busy, setBusy] = useState(false);
  const effectiveQueue = queueId || ticket.queue_id;
  const queue = queues.find((q) => q.id === effectiveQueue);

  useEffect(() => {
    void reloadAgents();
  }, [reloadAgents]);

  const candidates = agents
    .filter((a) => a.role !== 'platform_admin' && (!queue || queue.user_ids.includes(a.id) || a.role !== 'agent'))
    .sort((a, b) => Number(b.online) - Number(a.online) || a.open_tickets - b.open_tickets || a.name.localeCompare(b.name));
  const needle = find.trim().toLowerCase();
  const shown = needle ? candidates.filter((a) => a.name.toLowerCase().includes(needle)) : candidates;
  const chosen = candidates.some((a) => a.id === userId) ? userId : '';

  const submit = async () => {
    setBusy(true);
    try {
      const body: Schemas['Transfer'] = {};
      if (queueId) body.queue_id = queueId;
      if (chosen) body.user_id = chosen;
      const next = await api<Ticket>('POST', `/api/tickets/${ticket.id}/transfer`, { body });
      onDone(next);
      toast.success(t('transferred'));
      onClose();
    } catch (e) {
      toast.error(e);
      setBusy(false);
    }
  };

  return (
    <Modal
      title={t('transferTitle')}
      onClose={onClose}
      size="sm"
      footer={
        <>
          <Button onClick={onClose}>{t('cancel')}</Button>
          <Button variant="primary" loading={busy} disabled={!queueId && !chosen} onClick={() => void submit()} data-testid="transfer-submit">
            {t('transfer')}
          </Button>
        </>
      }
    >
      <p className="muted small">{t('transferHint')}</p>
      <Field label={t('transferQueue')}>
        <select value={queueId} onChange={(e) => setQueueId(e.target.value)} data-testid="transfer-queue">
          <option value="">{t('keepQueue')}</option>
          {queues
            .filter((q) => q.id !== ticket.queue_id)
            .map((q) => (
              <option key={q.id} value={q.id}>
                {q.name}
              </option>
            ))}
        </select>
      </Field>
      <fieldset className="agent-picker">
        <legend className="field-label">{t('transferAgent')}</legend>
        {candidates.length > 6 ? (
          <input type="search" className="input" aria-label={t('findAgent')} placeholder={t('findAgent')} value={find} onChange={(e) => setFind(e.target.value)} />
        ) : null}
        <div className="agent-options" role="radiogroup" aria-label={t('transferAgent')} data-testid="transfer-agent">
          <label className={chosen === '' ? 'agent-option is-selected' : 'agent-option'}>
            <input type="radio" name="transfer-agent" value="" checked={chosen === ''} onChange={() => setUserId('')} />
            <span className="grow">{t('anyAgent')}</span>
          </label>
          {shown.map((a) => (
            <label
              key={a.id}
              className={chosen === a.id ? 'agent-option is-selected' : 'agent-option'}
              data-testid="transfer-agent-option"
              data-user-id={a.id}
              data-online={a.online}
            >
              <input type="radio" name="transfer-agent" value={a.id} checked={chosen === a.id} onChange={() => setUserId(a.id)} />
              <span className={a.online ? 'dot dot-success' : 'dot dot-neutral'} aria-hidden="true" />
              <span className="grow stack" style={{ gap: 0, minWidth: 0 }}>
                <span className="truncate">{a.id === me.id ? `${a.name} (${t('you')})` : a.name}</span>
                <span className="small muted">
                  {a.online ? t('agentOnline') : t('agentOffline')} · {t('openTickets', { n: a.open_tickets })}
                </span>
              </span>
            </label>
          ))}
          {candidates.length === 0 ? <p className="muted small">{t('noAgents')}</p> : shown.length === 0 ? <p className="muted small">{t('noAgentMatch')}</p> : null}
        </div>
      </fieldset>
    </Modal>
  );
}

const ACTIONS: Record<string, InboxKey> = {
  created: 'actCreated',
  accepted: 'actAccepted',
  transferred: 'actTransferred',
  returned: 'actReturned',
  closed: 'actClosed',
  reopened: 'actReopened',
  tagged: 'actTagged',
  untagged: 'actUntagged',
  note: 'actNote',
  assigned: 'actAssigned',
  rated: 'actRated',
};

function TimelineModal({ ticketId, onClose }: { ticketId: string; onClose: () => void }) {
  const t = useT(inboxText);
  const fmt = useFormat();
  const data = useInboxData();
  const [entries, setEntries] = useState<Schemas['TicketLogEntry'][] | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    api<Schemas['TicketLogEntry'][]>('GET', `/api/tickets/${ticketId}/timeline`).then(setEntries, setError);
  }, [ticketId]);

  const actor = (a: string) => {
    if (a === 'customer') return t('customer');
    if (a === 'system') return t('system');
    if (a.startsWith('run:')) return t('flow');
    if (a.startsWith('user:')) {
      const id = a.slice(5);
      return id === data.me.id ? t('you') : (data.userName(id) ?? t('agent'));
    }
    return a;
  };

  const detail = (raw: string) => {
    let d: Record<string, unknown>;
    try {
      d = JSON.parse(raw);
    } catch {
      return raw;
    }
    if (!d || typeof d !== 'object') return '';
    const parts: string[] = [];
    const q = (d.queue_id ?? d.queue) as string | undefined;
    const u = (d.user_id ?? d.user) as string | undefined;
    const tg = (d.tag_id ?? d.tag) as string | undefined;
    if (q) parts.push(t('inQueue', { name: data.queueName(q) ?? q }));
    if (u) parts.push(t('handledBy', { name: data.userName(u) ?? t('agent') }));
    if (tg) parts.push(data.tag(tg)?.name ?? tg);
    if (typeof d.rating === 'number') parts.push(t('ratingScore', { n: d.rating }));
    return parts.join(' · ');
  };

  return (
    <Modal title={t('timelineTitle')} onClose={onClose}>
      {error ? (
        <p className="error-text">{String((error as Error).message ?? error)}</p>
      ) : !entries ? (
        <Spinner />
      ) : entries.length === 0 ? (
        <EmptyState title={t('timelineEmpty')} />
      ) : (
        <ol className="timeline" data-testid="timeline-list">
          {entries.map((e) => (
            <li key={e.id}>
              <div className="strong">{ACTIONS[e.action] ? t(ACTIONS[e.action]) : e.action}</div>
              <div className="small muted">
                {actor(e.actor)} · <time dateTime={e.at}>{fmt.dateTime(e.at)}</time>
              </div>
              {detail(e.detail) ? <div className="small">{detail(e.detail)}</div> : null}
            </li>
          ))}
        </ol>
      )}
    </Modal>
  );
}
