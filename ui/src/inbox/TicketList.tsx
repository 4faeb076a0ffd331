//! The left column of the inbox: tabs for waiting / open / closed tickets, filters by queue,
//! tag, kind of chat (one-to-one or group) and text, the agent's online switch, and the list
//! itself, kept current by the websocket. A new waiting ticket beeps and raises a desktop
//! notification. "New conversation" starts one with a customer; the list then follows the
//! ticket it opened (as it does when another page opens one with `followTicket`).
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { Icons } from '../shell/icons';
import { live, type LiveEvent, type LiveStatus } from '../shell/live';
import { Avatar, Badge, Button, EmptyState, Spinner, Tabs, useFormat, useToast } from '../shell/ui';
import { newer, useInboxData, type Ticket } from './data';
import { followed, followTicket } from './follow';
import { inboxText } from './messages';
import { NewConversationDialog } from './NewConversation';
import { RatingBadge } from './Rating';
import { askNotificationPermission, beep, desktopNotify, notificationPermission } from './notify';

type Status = Schemas['TicketStatus'];

/** Which chats the list shows: every one, only one-to-one chats, or only WhatsApp groups. */
type ChatKind = 'all' | 'direct' | 'group';

interface Filters {
  status: Status;
  queue: string;
  tag: string;
  chats: ChatKind;
  search: string;
  mine: boolean;
}

const TAB_KEY = 'tucan.inbox.tab';
const ONLINE_KEY = 'tucan.inbox.online';

function savedTab(): Status {
  const v = localStorage.getItem(TAB_KEY);
  return v === 'open' || v === 'closed' ? v : 'pending';
}

function matches(t: Ticket, f: Filters, me: string): boolean {
  if (t.status !== f.status) return false;
  if (f.queue === '-' ? !!t.queue_id : f.queue && t.queue_id !== f.queue) return false;
  if (f.tag && !t.tags.includes(f.tag)) return false;
  if (f.chats !== 'all' && t.is_group !== (f.chats === 'group')) return false;
  if (f.mine && t.user_id !== me) return false;
  if (f.search) {
    const q = f.search.toLowerCase();
    const digits = q.replace(/\D/g, '');
    const hay = `${t.contact_name} ${t.last_message}`.toLowerCase();
    if (!hay.includes(q) && !(digits && t.contact_phone.replace(/\D/g, '').includes(digits))) return false;
  }
  return true;
}

const byActivity = (a: Ticket, b: Ticket) => (a.activity < b.activity ? 1 : a.activity > b.activity ? -1 : 0);

/** Most tickets the list keeps in memory as live events arrive. */
const MAX_ROWS = 500;

export function TicketList({ selectedId }: { selectedId?: string }) {
  const t = useT(inboxText);
  const data = useInboxData();
  const toast = useToast();
  const navigate = useNavigate();
  const location = useLocation();
  const fmt = useFormat();
  const [status, setStatus] = useState<Status>(() => followed(location.state)?.status ?? savedTab());
  const [queue, setQueue] = useState('');
  const [tag, setTag] = useState('');
  const [chats, setChats] = useState<ChatKind>('all');
  const [searchInput, setSearchInput] = useState('');
  const [search, setSearch] = useState('');
  const [mine, setMine] = useState(false);
  const [tickets, setTickets] = useState<Ticket[] | null>(null);
  const [cursor, setCursor] = useState<string | undefined>();
  const [loadingMore, setLoadingMore] = useState(false);
  const [pending, setPending] = useState<Map<string, Ticket>>(new Map());
  /** Pending tickets the user may see, counted by the server (the tab's badge). */
  const [pendingCount, setPendingCount] = useState<number | null>(null);
  const countTimer = useRef<number | undefined>(undefined);
  const [liveStatus, setLiveStatus] = useState<LiveStatus>(live.status);
  const [permission, setPermission] = useState(notificationPermission());
  const [starting, setStarting] = useState(false);

  const filters = useMemo<Filters>(
    () => ({ status, queue, tag, chats, search, mine: mine && status !== 'pending' }),
    [status, queue, tag, chats, search, mine],
  );
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  const pendingRef = useRef<Map<string, Ticket> | null>(null);
  /** Events that arrive while a list load runs, merged into its answer. */
  const inFlight = useRef<Map<string, Ticket | null> | null>(null);
  const meId = data.me.id;

  useEffect(() => {
    const h = window.setTimeout(() => setSearch(searchInput.trim()), 300);
    return () => window.clearTimeout(h);
  }, [searchInput]);

  useEffect(() => localStorage.setItem(TAB_KEY, status), [status]);

  const query = useCallback(
    (f: Filters, after?: string) =>
      api<Schemas['TicketPageView']>('GET', '/api/tickets', {
        query: {
          status: f.status,
          queue_id: f.queue && f.queue !== '-' ? f.queue : undefined,
          tag: f.tag || undefined,
          group: f.chats === 'all' ? undefined : f.chats === 'group',
          search: f.search || undefined,
          user_id: f.mine ? meId : undefined,
          cursor: after,
          limit: 50,
        },
      }),
    [meId],
  );

  useEffect(() => {
    let alive = true;
    setTickets(null);
    setCursor(undefined);
    const buffer = new Map<string, Ticket | null>();
    inFlight.current = buffer;
    query(filters)
      .then((page) => {
        if (!alive) return;
        const byId = new Map(page.items.filter((x) => filters.queue !== '-' || !x.queue_id).map((x) => [x.id, x]));
        for (const [id, ev] of buffer) {
          if (ev === null) byId.delete(id);
          else if (matches(ev, filters, meId)) byId.set(id, newer(byId.get(id), ev));
          else if (byId.has(id) && newer(byId.get(id), ev) === ev) byId.delete(id);
        }
        setTickets([...byId.values()].sort(byActivity));
        setCursor(page.next_cursor);
      })
      .catch((e) => {
        if (!alive) return;
        toast.error(e);
        setTickets([]);
      })
      .finally(() => {
        if (inFlight.current === buffer) inFlight.current = null;
      });
    return () => {
      alive = false;
    };
  }, [filters, query, meId, toast]);

  useEffect(() => {
    let alive = true;
    api<Schemas['TicketPageView']>('GET', '/api/tickets', { query: { status: 'pending', limit: 200 } })
      .then((page) => {
        if (!alive) return;
        const m = new Map(page.items.map((x) => [x.id, x]));
        for (const [id, x] of pendingRef.current ?? []) m.set(id, x);
        pendingRef.current = m;
        setPending(new Map(m));
      })
      .catch(() => {
        pendingRef.current = new Map();
      });
    return () => {
      alive = false;
    };
  }, []);

  /** Ask the server again for the badge's count, at most a few times a second. */
  const recount = useCallback(() => {
    window.clearTimeout(countTimer.current);
    countTimer.current = window.setTimeout(() => {
      api<Schemas['StatusCounts']>('GET', '/api/tickets/counts')
        .then((c) => setPendingCount(c.pending))
        .catch(() => setPendingCount(null));
    }, 300);
  }, []);

  useEffect(() => {
    recount();
    return () => window.clearTimeout(countTimer.current);
  }, [recount]);

  useEffect(() => live.onStatus(setLiveStatus), []);

  const onEvent = useCallback(
    (ev: LiveEvent) => {
      const id = ev.ticket_id;
      if (!id) return;
      const ticket: Ticket | null = ev.kind === 'ticket' ? (ev.data as Ticket) : null;
      if (ev.kind !== 'ticket' && ev.kind !== 'ticket_gone') return;

      inFlight.current?.set(id, ticket);
      const f = filtersRef.current;
      setTickets((list) => {
        if (!list) return list;
        const old = list.find((x) => x.id === id);
        if (ticket && old && newer(old, ticket) !== ticket) return list;
        const rest = list.filter((x) => x.id !== id);
        if (ticket && matches(ticket, f, meId)) {
          const next = [...rest, ticket].sort(byActivity);
          if (next.length <= MAX_ROWS) return next;
          // A burst of arrivals keeps the newest; older ones come back with "load more".
          const kept = next.slice(0, MAX_ROWS);
          setCursor(kept[kept.length - 1].activity);
          return kept;
        }
        return rest;
      });
      recount();

      const known = pendingRef.current;
      if (known) {
        const wasPending = known.has(id);
        if (ticket && ticket.status === 'pending') {
          known.set(id, ticket);
          if (!wasPending) {
            beep();
            desktopNotify(
              t('newTicketTitle'),
              t('newTicketBody', { name: ticket.contact_name || ticket.contact_phone, text: ticket.last_message }),
              ticket.id,
              () => navigate(`/inbox/${ticket.id}`),
            );
          }
        } else {
          known.delete(id);
        }
        setPending(new Map(known));
      }
    },
    [meId, navigate, t, recount],
  );
  const onEventRef = useRef(onEvent);
  onEventRef.current = onEvent;

  useEffect(() => live.subscribe({ view: 'tickets' }, (ev) => onEventRef.current(ev)), []);

  // A ticket opened for the agent (a conversation just started): show its tab, clear the
  // filters that would hide it, and list it at once (its live event may come later).
  const follow = followed(location.state);
  useEffect(() => {
    if (!follow) return;
    const f = filtersRef.current;
    if (!matches(follow, { ...f, status: follow.status }, meId)) {
      setQueue('');
      setTag('');
      setChats('all');
      setSearchInput('');
      setSearch('');
      setMine(false);
    } else if (f.status === follow.status) {
      // Same view: the list does not load again, so the ticket joins it here.
      setTickets((list) => (list && !list.some((x) => x.id === follow.id) ? [...list, follow].sort(byActivity) : list));
    }
    setStatus(follow.status);
    // Done: a reload of the page should not follow it again.
    navigate(location.pathname, { replace: true, state: null });
  }, [follow, meId, navigate, location.pathname]);

  const loadMore = async () => {
    if (!cursor) return;
    setLoadingMore(true);
    try {
      const page = await query(filters, cursor);
      setTickets((list) => {
        const seen = new Set((list ?? []).map((x) => x.id));
        return [...(list ?? []), ...page.items.filter((x) => !seen.has(x.id))];
      });
      setCursor(page.next_cursor);
    } catch (e) {
      toast.error(e);
    } finally {
      setLoadingMore(false);
    }
  };

  const filtered = !!(queue || tag || chats !== 'all' || search || filters.mine);
  const emptyText = filtered ? t('emptyFiltered') : status === 'pending' ? t('emptyPending') : status === 'open' ? t('emptyOpen') : t('emptyClosed');

  return (
    <section className="inbox-list" aria-label={t('title')}>
      <div className="inbox-list-head">
        <div className="row">
          <h1 className="grow">{t('title')}</h1>
          <span className="row small muted" title={liveStatus === 'open' ? t('live') : t('reconnecting')} data-testid="live-status" data-status={liveStatus}>
            <span className={liveStatus === 'open' ? 'dot dot-success' : 'dot dot-warning'} />
            {liveStatus === 'open' ? t('live') : t('reconnecting')}
          </span>
          <Button size="sm" variant="primary" icon={<Icons.plus />} onClick={() => setStarting(true)} data-testid="new-conversation-open">
            {t('newConversation')}
          </Button>
        </div>
        <div className="row">
          <PresenceSwitch />
          <span className="spacer" />
          {permission === 'default' ? (
            <button type="button" className="link-btn small" onClick={() => void askNotificationPermission().then(setPermission)}>
              {t('enableNotifications')}
            </button>
          ) : null}
        </div>
        <div className="search-input">
          <Icons.search />
          <input type="search" aria-label={t('search')} placeholder={t('search')} value={searchInput} onChange={(e) => setSearchInput(e.target.value)} />
        </div>
        <div className="inbox-filters">
          <select aria-label={t('allQueues')} value={queue} onChange={(e) => setQueue(e.target.value)}>
            <option value="">{t('allQueues')}</option>
            {data.queues.map((q) => (
              <option key={q.id} value={q.id}>
                {q.name}
              </option>
            ))}
            <option value="-">{t('noQueue')}</option>
          </select>
          <select aria-label={t('allTags')} value={tag} onChange={(e) => setTag(e.target.value)}>
            <option value="">{t('allTags')}</option>
            {data.tags.map((x) => (
              <option key={x.id} value={x.id}>
                {x.name}
              </option>
            ))}
          </select>
          <select aria-label={t('chatKind')} value={chats} onChange={(e) => setChats(e.target.value as ChatKind)}>
            <option value="all">{t('allChats')}</option>
            <option value="direct">{t('directChats')}</option>
            <option value="group">{t('groupChats')}</option>
          </select>
        </div>
        {status !== 'pending' ? (
          <label className="check small">
            <input type="checkbox" checked={mine} onChange={(e) => setMine(e.target.checked)} />
            {t('mineOnly')}
          </label>
        ) : null}
        <Tabs
          label={t('ticketTabs')}
          value={status}
          onChange={(id) => setStatus(id as Status)}
          tabs={[
            { id: 'pending', label: t('tabPending'), badge: pendingCount ?? pending.size },
            { id: 'open', label: t('tabOpen') },
            { id: 'closed', label: t('tabClosed') },
          ]}
        />
      </div>
      {starting ? (
        <NewConversationDialog
          onClose={() => setStarting(false)}
          onStarted={(started) => {
            setStarting(false);
            const name = started.ticket.contact_name || started.ticket.contact_phone;
            toast.success(started.opened ? t('ncStarted', { name }) : t('ncJoined', { name }));
            followTicket(navigate, started.ticket);
          }}
        />
      ) : null}
      {tickets === null ? (
        <Spinner />
      ) : tickets.length === 0 ? (
        <EmptyState title={emptyText} />
      ) : (
        <ul className="ticket-items" data-testid="ticket-list">
          {tickets.map((x) => (
            <TicketItem key={x.id} ticket={x} active={x.id === selectedId} when={fmt.short(x.last_message_at ?? x.updated_at)} />
          ))}
          {cursor ? (
            <li className="list-more">
              <Button size="sm" variant="ghost" loading={loadingMore} onClick={() => void loadMore()}>
                {t('loadMore')}
              </Button>
            </li>
          ) : null}
        </ul>
      )}
    </section>
  );
}

function TicketItem({ ticket, active, when }: { ticket: Ticket; active: boolean; when: string }) {
  const t = useT(inboxText);
  const data = useInboxData();
  const queue = data.queues.find((q) => q.id === ticket.queue_id);
  const agent = ticket.user_id && ticket.status !== 'pending' ? data.userName(ticket.user_id) : undefined;
  const name = ticket.contact_name || ticket.contact_phone;
  const cls = ['ticket-item', active && 'is-active', ticket.unread > 0 && 'has-unread'].filter(Boolean).join(' ');
  return (
    <li>
      <Link
        to={`/inbox/${ticket.id}`}
        className={cls}
        aria-current={active ? 'page' : undefined}
        data-testid="ticket-item"
        data-ticket-id={ticket.id}
        data-status={ticket.status}
        data-unread={ticket.unread}
        data-group={ticket.is_group}
      >
        <Avatar name={name} />
        <div className="ticket-main">
          <div className="ticket-top">
            <span className="ticket-name truncate">{name}</span>
            <span className="ticket-time">{when}</span>
          </div>
          <div className="ticket-preview">
            <span className="truncate">{ticket.last_message}</span>
            {ticket.unread > 0 ? (
              <span className="unread-badge" data-testid="unread-badge" aria-label={t('unread', { n: ticket.unread })}>
                {ticket.unread}
              </span>
            ) : null}
          </div>
          {ticket.is_group || queue || agent || ticket.tags.length || ticket.rating != null ? (
            <div className="ticket-meta">
              <RatingBadge ticket={ticket} />
              {ticket.is_group ? (
                <Badge tone="info" title={t('groupHint')}>
                  <span data-testid="group-badge">{t('group')}</span>
                </Badge>
              ) : null}
              {queue ? <Badge color={queue.color}>{queue.name}</Badge> : null}
              {agent ? <Badge>{agent}</Badge> : null}
              {ticket.tags.map((id) => {
                const tg = data.tag(id);
                return tg ? (
                  <Badge key={id} color={tg.color}>
                    {tg.name}
                  </Badge>
                ) : null;
              })}
            </div>
          ) : null}
        </div>
      </Link>
    </li>
  );
}

/** What `GET /api/inbox/presence` answers: the signed-in user's own presence. */
type Presence = Schemas['Presence'];

/**
 * The agent's online switch (automatic assignment only hands tickets to online agents). It
 * shows the presence saved on the server; the copy on this device only bridges the moment
 * until the server answers, or stands in when it cannot be read.
 */
function PresenceSwitch() {
  const t = useT(inboxText);
  const toast = useToast();
  const [online, setOnline] = useState(() => localStorage.getItem(ONLINE_KEY) === '1');
  const [busy, setBusy] = useState(false);
  const changed = useRef(false);

  const remember = (value: boolean) => {
    localStorage.setItem(ONLINE_KEY, value ? '1' : '0');
    setOnline(value);
  };

  const set = useCallback(
    async (value: boolean, quiet = false) => {
      changed.current = true;
      setBusy(true);
      try {
        await api('PUT', '/api/inbox/presence', { body: { online: value } });
        remember(value);
      } catch (e) {
        if (!quiet) toast.error(e);
      } finally {
        setBusy(false);
      }
    },
    [toast],
  );

  useEffect(() => {
    let alive = true;
    api<Presence>('GET', '/api/inbox/presence')
      .then((p) => {
        if (alive && !changed.current) remember(p.online);
      })
      .catch(() => {
        // The saved state cannot be read: go back to what this device last chose.
        if (alive && !changed.current && localStorage.getItem(ONLINE_KEY) === '1') void set(true, true);
      });
    return () => {
      alive = false;
    };
  }, [set]);

  return (
    <span className="presence" title={t('presenceHint')}>
      <button
        type="button"
        role="switch"
        className="switch"
        aria-checked={online}
        aria-label={t('online')}
        disabled={busy}
        data-testid="presence"
        onClick={() => void set(!online)}
      />
      <span className={online ? 'strong' : 'muted'}>{online ? t('online') : t('offline')}</span>
    </span>
  );
}
