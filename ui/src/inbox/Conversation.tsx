//! One ticket's conversation: its header and actions, the message history (newest page first,
//! older pages as the agent scrolls up), live messages and delivery ticks from the
//! websocket, the customer's "typing…" under the name, the customer's rating of a closed
//! ticket, the composer, and the contact panel beside it. The customer's messages are marked
//! read while the agent who has the ticket looks at it. A ticket the queue's bot holds shows
//! a banner in place of the composer, with a button to take over from the bot.
import { Fragment, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { ApiError, api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { hasRole } from '../shell/auth';
import { Icons } from '../shell/icons';
import { live } from '../shell/live';
import { formatPhone } from '../shell/phone';
import { useTypingShown, type ChatState } from '../shell/typing';
import { Avatar, Badge, Button, EmptyState, IconButton, Spinner, useFormat, useToast } from '../shell/ui';
import { Composer } from './Composer';
import { useAccept } from './accept';
import { ContactPanel } from './ContactPanel';
import { newer, useInboxData, type Message, type Ticket } from './data';
import { detailText } from './detailText';
import { BotBadge } from './lastLine';
import { MessageBubble } from './MessageBubble';
import { inboxText } from './messages';
import { RatingStrip } from './Rating';
import { useStatusLabel } from './status';
import { TicketActions } from './TicketActions';

const byTime = (a: Message, b: Message) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function merge(list: Message[], incoming: Message[]): Message[] {
  const byId = new Map(list.map((m) => [m.id, m]));
  for (const m of incoming) byId.set(m.id, newer(byId.get(m.id), m));
  return [...byId.values()].sort(byTime);
}

export interface ConversationProps {
  ticketId: string;
  panelOpen: boolean;
  onTogglePanel: () => void;
}

export function Conversation({ ticketId, panelOpen, onTogglePanel }: ConversationProps) {
  const t = useT(inboxText);
  const td = useT(detailText);
  const toast = useToast();
  const navigate = useNavigate();
  const fmt = useFormat();
  const data = useInboxData();
  const statusLabelOf = useStatusLabel();
  const [ticket, setTicket] = useState<Ticket | null>(null);
  const [gone, setGone] = useState(false);
  const [messages, setMessages] = useState<Message[] | null>(null);
  const [older, setOlder] = useState<string | undefined>();
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [quoting, setQuoting] = useState<Message | null>(null);
  const [highlight, setHighlight] = useState<string | null>(null);
  const [unseen, setUnseen] = useState(0);
  const [accepting, setAccepting] = useState(false);
  /** The customer (in a group, the member `phone`) writing right now, as the channel told. */
  const [typing, showTyping] = useTypingShown<{ state: ChatState; phone: string }>();
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const stick = useRef(true);
  const anchor = useRef<{ height: number; top: number } | null>(null);
  const reading = useRef(false);

  const updateTicket = useCallback((next: Ticket) => setTicket((old) => newer(old ?? undefined, next)), []);

  useEffect(() => {
    let alive = true;
    Promise.all([
      api<Ticket>('GET', `/api/tickets/${ticketId}`),
      api<Schemas['MessagePageView']>('GET', `/api/tickets/${ticketId}/messages`, { query: { limit: 50 } }),
    ])
      .then(([tk, page]) => {
        if (!alive) return;
        updateTicket(tk);
        stick.current = true;
        setMessages((old) => merge(old ?? [], page.items));
        setOlder(page.next_cursor);
      })
      .catch((e) => {
        if (!alive) return;
        if (e instanceof ApiError && (e.status === 404 || e.status === 403)) setGone(true);
        else toast.error(e);
      });
    return () => {
      alive = false;
    };
  }, [ticketId, toast, updateTicket]);

  const onSentOrEvent = useCallback(
    (m: Message, mine: boolean) => {
      setMessages((list) => {
        const known = list?.some((x) => x.id === m.id);
        if (!known) {
          if (atBottom.current || mine) stick.current = true;
          else setUnseen((n) => n + 1);
        }
        return merge(list ?? [], [m]);
      });
    },
    [],
  );

  useEffect(
    () =>
      live.subscribe({ view: 'ticket', ticket_id: ticketId }, (ev) => {
        if (ev.kind === 'ticket' && ev.data) updateTicket(ev.data as Ticket);
        else if (ev.kind === 'ticket_gone') setGone(true);
        else if (ev.kind === 'typing' && ev.data) showTyping({ state: ev.data.state, phone: ev.data.phone });
        else if (ev.kind === 'message' && ev.data) {
          const m = ev.data as Message;
          if (m.direction === 'in') showTyping(null);
          onSentOrEvent(m, false);
        }
      }),
    [ticketId, updateTicket, onSentOrEvent, showTyping],
  );

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (anchor.current) {
      el.scrollTop = el.scrollHeight - anchor.current.height + anchor.current.top;
      anchor.current = null;
    } else if (stick.current) {
      el.scrollTop = el.scrollHeight;
      stick.current = false;
      atBottom.current = true;
    }
  }, [messages]);

  const loadOlder = useCallback(async () => {
    if (!older || loadingOlder) return;
    const el = scroller.current;
    setLoadingOlder(true);
    try {
      const page = await api<Schemas['MessagePageView']>('GET', `/api/tickets/${ticketId}/messages`, { query: { before: older, limit: 50 } });
      if (el) anchor.current = { height: el.scrollHeight, top: el.scrollTop };
      setMessages((list) => merge(list ?? [], page.items));
      setOlder(page.next_cursor);
    } catch (e) {
      toast.error(e);
    } finally {
      setLoadingOlder(false);
    }
  }, [older, loadingOlder, ticketId, toast]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    if (atBottom.current && unseen) setUnseen(0);
    if (el.scrollTop < 40 && older && !loadingOlder) void loadOlder();
  };

  const jumpToLatest = () => {
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
    setUnseen(0);
  };

  const jumpTo = (id: string) => {
    document.getElementById(`msg-${id}`)?.scrollIntoView({ block: 'center', behavior: 'smooth' });
    setHighlight(id);
    window.setTimeout(() => setHighlight((h) => (h === id ? null : h)), 1600);
  };

  const mine = ticket?.user_id === data.me.id;

  useEffect(() => {
    const markRead = () => {
      if (!ticket || ticket.unread === 0 || ticket.status !== 'open' || !mine || reading.current) return;
      if (document.visibilityState !== 'visible') return;
      reading.current = true;
      api<Ticket>('POST', `/api/tickets/${ticket.id}/read`)
        .then(updateTicket)
        .catch(() => {})
        .finally(() => {
          reading.current = false;
        });
    };
    markRead();
    document.addEventListener('visibilitychange', markRead);
    return () => document.removeEventListener('visibilitychange', markRead);
  }, [ticket, mine, updateTicket]);

  const takeTicket = useAccept();
  const accept = async (takeOver?: boolean) => {
    if (!ticket) return;
    setAccepting(true);
    try {
      const next = await takeTicket(ticket, { takeOver });
      if (next) updateTicket(next);
    } finally {
      setAccepting(false);
    }
  };

  const reopen = async () => {
    if (!ticket) return;
    setAccepting(true);
    try {
      updateTicket(await api<Ticket>('POST', `/api/tickets/${ticket.id}/reopen`));
      toast.success(t('reopened'));
    } catch (e) {
      toast.error(e);
    } finally {
      setAccepting(false);
    }
  };

  if (gone) {
    return (
      <section className="conversation">
        <div className="conv-header">
          <IconButton label={t('back')} className="back-btn" onClick={() => navigate('/inbox')}>
            <Icons.back />
          </IconButton>
        </div>
        <EmptyState title={t('notFound')} action={<Button onClick={() => navigate('/inbox')}>{t('back')}</Button>} />
      </section>
    );
  }

  if (!ticket || !messages) {
    return (
      <section className="conversation">
        <Spinner />
      </section>
    );
  }

  const name = ticket.contact_name || formatPhone(ticket.contact_phone);
  const queue = data.queues.find((q) => q.id === ticket.queue_id);
  const agentName = ticket.user_id ? (data.userName(ticket.user_id) ?? t('agent')) : undefined;
  const canWrite = ticket.status === 'open' && (mine || hasRole(data.me, 'supervisor'));
  const byId = new Map(messages.map((m) => [m.id, m]));
  const today = new Date().toDateString();
  const yesterday = new Date(Date.now() - 86400000).toDateString();
  const dayLabel = (iso: string) => {
    const d = new Date(iso).toDateString();
    return d === today ? t('today') : d === yesterday ? t('yesterday') : fmt.date(iso);
  };
  const statusTone = ticket.status === 'pending' ? 'warning' : ticket.status === 'open' ? 'success' : ticket.status === 'bot' ? 'accent' : 'neutral';
  const typingText = (() => {
    if (!typing) return null;
    const recording = typing.state === 'recording';
    if (!ticket.is_group) return t(recording ? 'recording' : 'typing');
    const member = messages.find((m) => m.author?.phone === typing.phone)?.author;
    return t(recording ? 'memberRecording' : 'memberTyping', { name: member?.name || formatPhone(typing.phone) });
  })();
  const statusLabel = statusLabelOf(ticket.status);

  let lastDay = '';
  return (
    <>
      <section className="conversation" aria-label={name} data-testid="conversation" data-ticket-id={ticket.id} data-status={ticket.status}>
        <header className="conv-header">
          <IconButton label={t('back')} className="back-btn" onClick={() => navigate('/inbox')}>
            <Icons.back />
          </IconButton>
          <Avatar name={name} />
          <div className="conv-title">
            <h2 className="truncate">{name}</h2>
            <div className="row wrap small muted gap-sm">
              {typingText ? (
                <span className="typing-text" data-testid="typing" data-state={typing?.state}>
                  {typingText}
                </span>
              ) : ticket.is_group ? null : (
                <span data-testid="conv-phone">{formatPhone(ticket.contact_phone)}</span>
              )}
              {ticket.is_group ? (
                <Badge tone="info" title={t('groupHint')}>
                  <span data-testid="group-badge">{t('group')}</span>
                </Badge>
              ) : null}
              <Badge tone={statusTone}>
                <span data-testid="ticket-status">{statusLabel}</span>
              </Badge>
              <BotBadge ticket={ticket} />
              {queue ? <Badge color={queue.color}>{queue.name}</Badge> : null}
              {agentName && ticket.status !== 'pending' ? <span>{mine ? t('withYou') : t('handledBy', { name: agentName })}</span> : null}
              {ticket.tags.map((id) => {
                const tg = data.tag(id);
                return tg ? (
                  <Badge key={id} color={tg.color}>
                    {tg.name}
                  </Badge>
                ) : null;
              })}
            </div>
          </div>
          <TicketActions ticket={ticket} onChange={updateTicket} panelOpen={panelOpen} onTogglePanel={onTogglePanel} />
        </header>
        <RatingStrip ticket={ticket} />
        <div style={{ position: 'relative', flex: 1, minHeight: 0, display: 'flex', flexDirection: 'column' }}>
          <div className="messages" ref={scroller} onScroll={onScroll} data-testid="messages" aria-live="polite">
            {older ? (
              <Button size="sm" variant="ghost" className="load-older" loading={loadingOlder} onClick={() => void loadOlder()}>
                {t('olderMessages')}
              </Button>
            ) : (
              <div className="day-sep">{t('startOfConversation')}</div>
            )}
            {messages.map((m) => {
              const day = new Date(m.created_at).toDateString();
              const sep = day !== lastDay ? <div className="day-sep">{dayLabel(m.created_at)}</div> : null;
              lastDay = day;
              return (
                <Fragment key={m.id}>
                  {sep}
                  <MessageBubble
                    message={m}
                    quoted={m.quoted_id ? (byId.get(m.quoted_id) ?? null) : undefined}
                    contactName={name}
                    highlight={highlight === m.id}
                    onReply={canWrite ? setQuoting : undefined}
                    onJumpTo={jumpTo}
                  />
                </Fragment>
              );
            })}
          </div>
          {unseen > 0 ? (
            <Button size="sm" variant="primary" className="jump-latest" onClick={jumpToLatest}>
              {t('newMessages')} ({unseen}) ↓
            </Button>
          ) : null}
        </div>
        {canWrite ? (
          <Composer
            ticketId={ticket.id}
            connectionId={ticket.connection_id}
            contactName={name}
            quoting={quoting}
            onCancelQuote={() => setQuoting(null)}
            onSent={(m) => onSentOrEvent(m, true)}
          />
        ) : ticket.status === 'bot' ? (
          <div className="composer-blocked bot-banner" role="status" data-testid="bot-banner">
            <span className="bot-banner-text">
              <strong>{td('botHandling')}</strong>
              <span className="small muted">{td('botHandlingHint')}</span>
            </span>
            <Button variant="primary" loading={accepting} onClick={() => void accept(true)} data-testid="take-over-bar">
              {td('takeOver')}
            </Button>
          </div>
        ) : (
          <div className="composer-blocked" data-testid="composer-blocked">
            <span className="muted">
              {ticket.status === 'pending' ? t('blockedPending') : ticket.status === 'closed' ? t('blockedClosed') : t('blockedOther', { name: agentName ?? t('agent') })}
            </span>
            {ticket.status === 'pending' ? (
              <Button variant="primary" loading={accepting} onClick={() => void accept()} data-testid="accept-bar">
                {t('accept')}
              </Button>
            ) : ticket.status === 'closed' ? (
              <Button loading={accepting} onClick={() => void reopen()}>
                {t('reopen')}
              </Button>
            ) : null}
          </div>
        )}
      </section>
      {panelOpen ? <ContactPanel ticket={ticket} onClose={onTogglePanel} /> : null}
    </>
  );
}
