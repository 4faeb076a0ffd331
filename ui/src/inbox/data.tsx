//! What every part of the inbox needs to show names instead of ids: the company's queues,
//! tags and agents (`GET /api/inbox/agents`, which every role may read), loaded once; the
//! agents load again when a view needs their presence fresh (the composer reads the quick
//! replies itself, filled in for its ticket). Also the company's `signature_on_messages`
//! setting, which decides whether the composer offers the agent a choice to sign; and what
//! kind each ticket's connection is (the composer offers templates on Cloud API numbers).
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, type Schemas } from '../api/client';
import { useAuth } from '../shell/auth';

export type Ticket = Schemas['Ticket'];
export type Message = Schemas['Message'];
export type Queue = Schemas['Queue'];
export type Tag = Schemas['Tag'];
export type User = Schemas['User'];
export type QuickReply = Schemas['QuickReply'];
export type ChannelKind = Schemas['ChannelKind'];
type Setting = Schemas['Setting'];

/** The company's `signature_on_messages`: `enabled`, `disabled` or `agent_choice`. */
export type Signature = 'enabled' | 'disabled' | 'agent_choice';

/** A user of the company as every colleague sees them (`GET /api/inbox/agents`). */
export type Colleague = Schemas['Colleague'];

export interface InboxData {
  me: User;
  queues: Queue[];
  tags: Tag[];
  /** The company's users, the signed-in one included. */
  agents: Colleague[];
  /** How agents' messages are signed (`disabled` until the settings are read, or when they cannot be). */
  signature: Signature;
  queueName: (id?: string | null) => string | undefined;
  userName: (id?: string | null) => string | undefined;
  tag: (id: string) => Tag | undefined;
  /** Reads the agents again (presence and open tickets change all the time). */
  reloadAgents: () => Promise<void>;
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
  const [agents, setAgents] = useState<Colleague[]>([]);
  const [signature, setSignature] = useState<Signature>('disabled');
  const tenantId = user?.tenant_id;

  useEffect(() => {
    let live = true;
    void Promise.all([
      orEmpty(api<Queue[]>('GET', '/api/queues')),
      orEmpty(api<Tag[]>('GET', '/api/tags')),
      orEmpty(api<Colleague[]>('GET', '/api/inbox/agents')),
      orEmpty(api<Setting[]>('GET', '/api/settings')),
    ]).then(([q, tg, a, st]) => {
      if (!live) return;
      setQueues(q);
      setTags(tg);
      setAgents(a);
      const sig = st.find((x) => x.key === 'signature_on_messages')?.value;
      setSignature(sig === 'enabled' || sig === 'agent_choice' ? sig : 'disabled');
    });
    return () => {
      live = false;
    };
  }, [tenantId]);

  const reloadAgents = useCallback(async () => {
    try {
      setAgents(await api<Colleague[]>('GET', '/api/inbox/agents'));
    } catch {
      /* keep the names already known */
    }
  }, []);

  const value = useMemo<InboxData | null>(() => {
    if (!user) return null;
    const self: Colleague = agents.find((a) => a.id === user.id) ?? {
      id: user.id,
      name: user.name,
      role: user.role,
      online: false,
      open_tickets: 0,
    };
    // The signed-in user's own name is the freshest in the auth state (after a profile change).
    const everyone = [{ ...self, name: user.name }, ...agents.filter((a) => a.id !== user.id)];
    return {
      me: user,
      queues,
      tags,
      agents: everyone,
      signature,
      queueName: (id) => (id ? queues.find((q) => q.id === id)?.name : undefined),
      userName: (id) => (id ? everyone.find((u) => u.id === id)?.name : undefined),
      tag: (id) => tags.find((t) => t.id === id),
      reloadAgents,
    };
  }, [user, queues, tags, agents, signature, reloadAgents]);

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

/** The kinds of the connections asked about so far: a connection never changes its kind. */
const kinds = new Map<string, Promise<ChannelKind>>();

/**
 * The kind of the connection `id` (`GET /api/connections/{id}`, once per connection);
 * undefined until it is known, and when it cannot be read.
 */
export function useConnectionKind(id: string): ChannelKind | undefined {
  const [kind, setKind] = useState<{ id: string; kind: ChannelKind } | null>(null);
  useEffect(() => {
    let alive = true;
    let known = kinds.get(id);
    if (!known) {
      known = api<Schemas['Connection']>('GET', `/api/connections/${id}`).then((c) => c.kind);
      kinds.set(id, known);
      // Asked again next time, when it could not be read this time.
      known.catch(() => kinds.delete(id));
    }
    known.then(
      (k) => alive && setKind({ id, kind: k }),
      () => alive && setKind(null),
    );
    return () => {
      alive = false;
    };
  }, [id]);
  return kind?.id === id ? kind.kind : undefined;
}
