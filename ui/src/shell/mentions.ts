//! Notes that mention the signed-in user reach them wherever they are in the app: the
//! websocket's `mentions` view delivers each internal note that names them (`@name`), on any
//! ticket. Each one shows a notice ("Ana mentioned you: …") with a link that opens its ticket
//! in the inbox, a desktop notification while the app is in the background, and counts
//! towards the badge on the Inbox entry until the user opens that ticket. The unread ones are
//! kept on this device (per user), so the badge outlives a reload; so are the notes already
//! told, so one the socket delivers again after a reload (it resumes a little in the past)
//! is not told twice.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { beep, desktopNotify } from '../inbox/notify';
import { live, type LiveEvent } from './live';
import { shellText } from './messages';
import { useToast } from './ui';

/** Ticket id → mentions there the user has not looked at yet. */
type Unread = Record<string, number>;

const MAX_TEXT = 160;
/** How many told notes are remembered. */
const MAX_TOLD = 200;

const storageKey = (userId: string) => `tucan.mentions.${userId}`;
const toldKey = (userId: string) => `tucan.mentions.${userId}.told`;

/** Remembers that the note `id` was told to `userId`; false when it had been already. */
function firstTelling(userId: string, id: string): boolean {
  let told: string[] = [];
  try {
    const v: unknown = JSON.parse(localStorage.getItem(toldKey(userId)) ?? '[]');
    if (Array.isArray(v)) told = v.filter((x): x is string => typeof x === 'string');
  } catch {
    /* start afresh */
  }
  if (told.includes(id)) return false;
  try {
    localStorage.setItem(toldKey(userId), JSON.stringify([...told, id].slice(-MAX_TOLD)));
  } catch {
    /* told again after a reload, at worst */
  }
  return true;
}

function stored(userId: string | null): Unread {
  if (!userId) return {};
  try {
    const v: unknown = JSON.parse(localStorage.getItem(storageKey(userId)) ?? '{}');
    if (!v || typeof v !== 'object') return {};
    return Object.fromEntries(Object.entries(v).filter(([, n]) => typeof n === 'number' && n > 0)) as Unread;
  } catch {
    return {};
  }
}

/** The ticket the inbox shows at `path` (`/inbox/{id}`), if any. */
function openTicket(path: string): string | undefined {
  const m = /^\/inbox\/([^/]+)/.exec(path);
  return m ? decodeURIComponent(m[1]) : undefined;
}

function clip(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > MAX_TEXT ? `${one.slice(0, MAX_TEXT - 1)}…` : one;
}

/**
 * Listens for the mentions of `userId` (a company user; null for none) and answers how many
 * are unread, on how many tickets.
 */
export function useMentions(userId: string | null): { count: number } {
  const t = useT(shellText);
  const toast = useToast();
  const navigate = useNavigate();
  const location = useLocation();
  const [unread, setUnread] = useState<Unread>(() => stored(userId));
  const current = useRef<{ user: string | null; unread: Unread }>({ user: userId, unread });
  const names = useRef<Promise<Schemas['Colleague'][]> | null>(null);
  const opened = openTicket(location.pathname);
  const openedRef = useRef(opened);
  openedRef.current = opened;

  const change = useCallback((f: (u: Unread) => Unread) => {
    const { user, unread: before } = current.current;
    if (!user) return;
    const after = f(before);
    if (after === before) return;
    current.current = { user, unread: after };
    try {
      localStorage.setItem(storageKey(user), JSON.stringify(after));
    } catch {
      /* kept for this page only */
    }
    setUnread(after);
  }, []);

  // Another user signs in: their own unread mentions.
  useEffect(() => {
    if (current.current.user === userId) return;
    current.current = { user: userId, unread: stored(userId) };
    names.current = null;
    setUnread(current.current.unread);
  }, [userId]);

  // The same user in another tab opened a ticket (or heard of a mention).
  useEffect(() => {
    if (!userId) return;
    const onStorage = (e: StorageEvent) => {
      if (e.key !== storageKey(userId)) return;
      current.current = { user: userId, unread: stored(userId) };
      setUnread(current.current.unread);
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, [userId]);

  // Opening the ticket reads its mentions.
  useEffect(() => {
    if (opened) change((u) => (u[opened] ? Object.fromEntries(Object.entries(u).filter(([id]) => id !== opened)) : u));
  }, [opened, change]);

  /** Who wrote a note: a colleague's name, a flow, or "someone" (a user not known yet). */
  const author = useCallback(
    async (note: Schemas['Message']): Promise<string> => {
      if (!note.user_id) return note.run_id ? t('mentionFlow') : t('mentionSomeone');
      const find = async () => (await (names.current ??= api<Schemas['Colleague'][]>('GET', '/api/inbox/agents'))).find((c) => c.id === note.user_id);
      try {
        let who = await find();
        if (!who) {
          // A colleague who joined after the names were read.
          names.current = null;
          who = await find();
        }
        return who?.name || t('mentionSomeone');
      } catch {
        names.current = null;
        return t('mentionSomeone');
      }
    },
    [t],
  );

  const onEvent = (ev: LiveEvent) => {
    const note = ev.data as Schemas['Message'] | undefined;
    const ticketId = ev.ticket_id ?? note?.ticket_id;
    if (ev.kind !== 'message' || !note || note.direction !== 'note' || !ticketId) return;
    // One's own note, or a note on the ticket in front of the user: nothing to tell.
    if (!userId || (note.user_id && note.user_id === userId)) return;
    if (!firstTelling(userId, note.id)) return;
    const inSight = document.visibilityState === 'visible';
    if (openedRef.current === ticketId && inSight) return;
    change((u) => ({ ...u, [ticketId]: (u[ticketId] ?? 0) + 1 }));
    const href = `/inbox/${encodeURIComponent(ticketId)}`;
    const open = () => navigate(href);
    void author(note).then((name) => {
      const text = clip(note.body);
      toast.notice({
        title: t('mentionNotice', { name, text }),
        action: { label: t('mentionOpen'), href, onClick: open },
        testId: 'mention-notice',
        duration: 15000,
      });
      if (!inSight) {
        beep();
        desktopNotify(t('mentionTitle', { name }), text, `mention-${note.id}`, open);
      }
    });
  };
  const onEventRef = useRef(onEvent);
  onEventRef.current = onEvent;

  useEffect(() => {
    if (!userId) return;
    return live.subscribe({ view: 'mentions' }, (ev) => onEventRef.current(ev));
  }, [userId]);

  return { count: Object.values(unread).reduce((a, n) => a + n, 0) };
}
