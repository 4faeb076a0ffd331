//! The left column of the inbox: tabs for waiting / open / closed tickets (and, for supervisors
//! and admins, the ones a queue's bot holds, which agents do not see), filters by queue,
//! tag, kind of chat (one-to-one or group) and text, and more filters by agent, number and
//! opening date (`TicketFilters`), the agent's online switch, and the list itself, kept
//! current by the websocket. A new waiting ticket beeps and raises a desktop notification.
//! "New conversation" starts one with a customer; the list then follows the ticket it opened
//! (as it does after an accept, or when another page opens one with `followTicket`).
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { hasRole } from '../shell/auth';
import { Icons } from '../shell/icons';
import { live, type LiveEvent, type LiveStatus } from '../shell/live';
import { formatPhone } from '../shell/phone';
import { Button, EmptyState, Spinner, Tabs, useFormat, useToast } from '../shell/ui';
import { newer, useInboxData, type Ticket } from './data';
import { detailText } from './detailText';
import { followed, followTicket } from './follow';
import { inboxText } from './messages';
import { NewConversationDialog } from './NewConversation';
import { askNotificationPermission, beep, desktopNotify, notificationPermission } from './notify';
import { inRange, openedRange } from './openedRange';
import { PresenceSwitch } from './Presence';
import { NO_MORE_FILTERS, TicketFilters, moreFiltersOn, type MoreFilters } from './TicketFilters';
import { TicketItem } from './TicketItem';

type Status = Schemas['TicketStatus'];

/** Which chats the list shows: every one, only one-to-one chats, or only WhatsApp groups. */
type ChatKind = 'all' | 'direct' | 'group';

interface Filters {
  status: Status;
  queue: string;
  tag: string;
  chats: ChatKind;
  search: string;
  /** The agent whose tickets the list shows ('' = anyone's): the user's own with "Only mine". */
  user: string;
  connection: string;
  /** When the tickets were opened (RFC 3339; either side may be open). */
  since?: string;
  until?: string;
}

/** What the user picked, before it becomes the `Filters` of one tab. */
interface Choices {
  queue: string;
  tag: string;
  chats: ChatKind;
  search: string;
  mine: boolean;
  more: MoreFilters;
}

/** Whether tickets of `status` have an agent ("Only mine" and the agent filter apply to them). */
const hasAgent = (status: Status) => status === 'open' || status === 'closed';

/**
 * The filters of the `status` tab: "Only mine" and the agent apply to the open and closed
 * tickets (waiting ones and the bot's have no agent yet), the agent only for supervisors and
 * admins.
 */
function filtersOf(status: Status, c: Choices, me: string, supervisor: boolean): Filters {
  const byAgent = hasAgent(status);
  const user = !byAgent ? '' : c.mine ? me : supervisor ? c.more.agent : '';
  return { status, queue: c.queue, tag: c.tag, chats: c.chats, search: c.search, user, connection: c.more.connection, ...openedRange(c.more.from, c.more.to) };
}

const TAB_KEY = 'tucan.inbox.tab';

/** The tab the user had open; the bot's tab only for supervisors and admins. */
function savedTab(supervisor: boolean): Status {
  const v = localStorage.getItem(TAB_KEY);
  return v === 'open' || v === 'closed' || (v === 'bot' && supervisor) ? v : 'pending';
}

function matches(t: Ticket, f: Filters): boolean {
  if (t.status !== f.status) return false;
  if (f.queue === '-' ? !!t.queue_id : f.queue && t.queue_id !== f.queue) return false;
  if (f.tag && !t.tags.includes(f.tag)) return false;
  if (f.chats !== 'all' && t.is_group !== (f.chats === 'group')) return false;
  if (f.user && t.user_id !== f.user) return false;
  if (f.connection && t.connection_id !== f.connection) return false;
  if (!inRange(t.created_at, f)) return false;
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
  const td = useT(detailText);
  const data = useInboxData();
  const toast = useToast();
  const navigate = useNavigate();
  const location = useLocation();
  const fmt = useFormat();
  const [status, setStatus] = useState<Status>(() => followed(location.state)?.status ?? savedTab(hasRole(data.me, 'supervisor')));
  const [queue, setQueue] = useState('');
  const [tag, setTag] = useState('');
  const [chats, setChats] = useState<ChatKind>('all');
  const [searchInput, setSearchInput] = useState('');
  const [search, setSearch] = useState('');
  const [mine, setMine] = useState(false);
  const [more, setMore] = useState<MoreFilters>(NO_MORE_FILTERS);
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

  const meId = data.me.id;
  const supervisor = hasRole(data.me, 'supervisor');
  const choices = useMemo<Choices>(() => ({ queue, tag, chats, search, mine, more }), [queue, tag, chats, search, mine, more]);
  const choicesRef = useRef(choices);
  choicesRef.current = choices;
  const filters = useMemo<Filters>(() => filtersOf(status, choices, meId, supervisor), [status, choices, meId, supervisor]);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  const pendingRef = useRef<Map<string, Ticket> | null>(null);
  /** Events that arrive while a list load runs, merged into its answer. */
  const inFlight = useRef<Map<string, Ticket | null> | null>(null);

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
          user_id: f.user || undefined,
          connection_id: f.connection || undefined,
          since: f.since,
          until: f.until,
          cursor: after,
          limit: 50,
        },
      }),
    [],
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
          else if (matches(ev, filters)) byId.set(id, newer(byId.get(id), ev));
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
  }, [filters, query, toast]);

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
        if (ticket && matches(ticket, f)) {
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
              t('newTicketBody', { name: ticket.contact_name || formatPhone(ticket.contact_phone), text: ticket.last_message }),
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
    [navigate, t, recount],
  );
  const onEventRef = useRef(onEvent);
  onEventRef.current = onEvent;

  useEffect(() => live.subscribe({ view: 'tickets' }, (ev) => onEventRef.current(ev)), []);

  // A ticket opened for the agent (a conversation just started, a ticket accepted): show its
  // tab, clear the filters that would hide it, and list it at once (its live event may come
  // later).
  const follow = followed(location.state);
  useEffect(() => {
    if (!follow) return;
    const f = filtersRef.current;
    if (!matches(follow, filtersOf(follow.status, choicesRef.current, meId, supervisor))) {
      setQueue('');
      setTag('');
      setChats('all');
      setSearchInput('');
      setSearch('');
      setMine(false);
      setMore(NO_MORE_FILTERS);
    } else if (f.status === follow.status) {
      // Same view: the list does not load again, so the ticket joins it here.
      setTickets((list) => (list && !list.some((x) => x.id === follow.id) ? [...list, follow].sort(byActivity) : list));
    }
    setStatus(follow.status);
    // Done: a reload of the page should not follow it again.
    navigate(location.pathname, { replace: true, state: null });
  }, [follow, meId, supervisor, navigate, location.pathname]);

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

  const agentApplies = supervisor && hasAgent(status);
  const filtered = !!(queue || tag || chats !== 'all' || search || filters.user || moreFiltersOn(more, agentApplies));
  const emptyText = filtered
    ? t('emptyFiltered')
    : status === 'pending'
      ? t('emptyPending')
      : status === 'open'
        ? t('emptyOpen')
        : status === 'bot'
          ? td('emptyBot')
          : t('emptyClosed');

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
        <TicketFilters
          value={more}
          agentApplies={agentApplies}
          onChange={(next) => {
            // An agent chosen stands instead of "Only mine", and the other way round.
            if (next.agent && next.agent !== more.agent) setMine(false);
            setMore(next);
          }}
        />
        {hasAgent(status) ? (
          <label className="check small">
            <input
              type="checkbox"
              checked={mine}
              onChange={(e) => {
                setMine(e.target.checked);
                if (e.target.checked) setMore((m) => ({ ...m, agent: '' }));
              }}
            />
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
            ...(supervisor ? [{ id: 'bot', label: td('tabBot') }] : []),
          ]}
        />
      </div>
      {starting ? (
        <NewConversationDialog
          onClose={() => setStarting(false)}
          onStarted={(started) => {
            setStarting(false);
            const name = started.ticket.contact_name || formatPhone(started.ticket.contact_phone);
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
