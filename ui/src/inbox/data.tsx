//! What every part of the inbox needs to show names instead of ids: the company's queues,
//! tags, users (for supervisors; agents only know themselves) and quick replies, loaded once.
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, type Schemas } from '../api/client';
import { hasRole, useAuth } from '../shell/auth';

export type Ticket = Schemas['Ticket'];
export type Message = Schemas['Message'];
export type Queue = Schemas['Queue'];
export type Tag = Schemas['Tag'];
export type User = Schemas['User'];
export type QuickReply = Schemas['QuickReply'];

export interface InboxData {
  me: User;
  queues: Queue[];
  tags: Tag[];
  users: User[];
  quickReplies: QuickReply[];
  queueName: (id?: string | null) => string | undefined;
  userName: (id?: string | null) => string | undefined;
  tag: (id: string) => Tag | undefined;
}

const Ctx = createContext<InboxData | null>(null);

async function orEmpty<T>(p: Promise<T[]>): Promise<T[]> {
  try {
    return await p;
  } catch {
    return [];
  }
}

export function InboxDataProvider({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  const [queues, setQueues] = useState<Queue[]>([]);
  const [tags, setTags] = useState<Tag[]>([]);
  const [users, setUsers] = useState<User[]>([]);
  const [quickReplies, setQuickReplies] = useState<QuickReply[]>([]);
  const supervisor = hasRole(user, 'supervisor');

  useEffect(() => {
    let live = true;
    void Promise.all([
      orEmpty(api<Queue[]>('GET', '/api/queues')),
      orEmpty(api<Tag[]>('GET', '/api/tags')),
      supervisor ? orEmpty(api<User[]>('GET', '/api/users')) : Promise.resolve([] as User[]),
      orEmpty(api<QuickReply[]>('GET', '/api/quick-replies')),
    ]).then(([q, tg, u, qr]) => {
      if (!live) return;
      setQueues(q);
      setTags(tg);
      setUsers(u);
      setQuickReplies(qr);
    });
    return () => {
      live = false;
    };
  }, [supervisor]);

  const value = useMemo<InboxData | null>(() => {
    if (!user) return null;
    const everyone = users.some((u) => u.id === user.id) ? users : [user, ...users];
    return {
      me: user,
      queues,
      tags,
      users: everyone,
      quickReplies,
      queueName: (id) => (id ? queues.find((q) => q.id === id)?.name : undefined),
      userName: (id) => (id ? everyone.find((u) => u.id === id)?.name : undefined),
      tag: (id) => tags.find((t) => t.id === id),
    };
  }, [user, queues, tags, users, quickReplies]);

  if (!value) return null;
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useInboxData(): InboxData {
  const v = useContext(Ctx);
  if (!v) throw new Error('InboxDataProvider is missing');
  return v;
}

/** Newer of two copies of the same record (by `updated_at`), for events that may arrive late. */
export function newer<T extends { updated_at: string }>(old: T | undefined, next: T): T {
  if (!old) return next;
  return Date.parse(next.updated_at) >= Date.parse(old.updated_at) ? next : old;
}
