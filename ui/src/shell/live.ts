//! The real-time stream (`GET /api/ws?token=…`): one shared websocket for the whole app.
//! Views subscribe with `live.subscribe(view, onEvent)`; after a drop the socket comes back
//! by itself and each subscription resumes with `after` = the last event id it saw (the
//! server replays what was missed; ids already seen are skipped).
import { api, tokens } from '../api/client';

export type LiveView =
  | { view: 'tickets'; status?: string[] }
  | { view: 'ticket'; ticket_id: string }
  | { view: 'connections' }
  /** Internal notes that mention the signed-in user, on any ticket. */
  | { view: 'mentions' }
  /** Notices to the company's admins (admins only). */
  | { view: 'notices' }
  /** Campaigns' progress, every couple of seconds while one sends and when it ends (supervisors and admins). */
  | { view: 'campaigns' }
  | { view: 'simulator'; connection_id: string };

/**
 * One event as the server sends it; `data` is the ticket, message, connection, phone message,
 * notice or campaign (with its counts) after the change.
 */
export interface LiveEvent {
  id: string;
  kind: 'ticket' | 'ticket_gone' | 'message' | 'connection' | 'sim' | 'notice' | 'campaign' | string;
  ticket_id?: string | null;
  connection_id?: string | null;
  data?: any; // the changed record; its shape depends on `kind`
  at: string;
}

export type LiveStatus = 'connecting' | 'open' | 'closed';

interface Sub {
  view: LiveView;
  handler: (e: LiveEvent) => void;
  /** Resume point: the last event id seen, or (before any) an id made from the subscribe time. */
  after: string;
  seen: Set<string>;
  order: string[];
}

/** An event id for a moment (ids start with the millisecond time in 12 hex digits). */
function idAt(ms: number): string {
  return Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0') + '0'.repeat(20);
}

class LiveSocket {
  private ws: WebSocket | null = null;
  private subs = new Map<string, Sub>();
  private seq = 0;
  private retry = 0;
  private timer: number | undefined;
  private ping: number | undefined;
  private statusListeners = new Set<(s: LiveStatus) => void>();
  status: LiveStatus = 'closed';

  constructor() {
    tokens.onSignedOut(() => this.shutdown());
  }

  /** Starts receiving the events of `view`; returns the function that stops it. */
  subscribe(view: LiveView, handler: (e: LiveEvent) => void): () => void {
    const id = `s${++this.seq}`;
    const sub: Sub = { view, handler, after: idAt(Date.now() - 1000), seen: new Set(), order: [] };
    this.subs.set(id, sub);
    if (this.ws?.readyState === WebSocket.OPEN) this.send({ type: 'subscribe', id, ...view, after: sub.after });
    else this.ensure();
    return () => {
      this.subs.delete(id);
      if (this.ws?.readyState === WebSocket.OPEN) this.send({ type: 'unsubscribe', id });
      if (this.subs.size === 0) window.setTimeout(() => this.subs.size === 0 && this.shutdown(), 5000);
    };
  }

  /**
   * Hears the socket's status now, then each time it opens or drops (a view may show
   * "reconnecting…"). The socket may have opened for another view already.
   */
  onStatus(l: (s: LiveStatus) => void): () => void {
    this.statusListeners.add(l);
    l(this.status);
    return () => {
      this.statusListeners.delete(l);
    };
  }

  private setStatus(s: LiveStatus) {
    this.status = s;
    this.statusListeners.forEach((l) => l(s));
  }

  private send(msg: unknown) {
    this.ws?.send(JSON.stringify(msg));
  }

  private ensure() {
    if (this.ws || this.timer !== undefined) return;
    this.open();
  }

  private open() {
    const token = tokens.access();
    if (!token) return;
    const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${window.location.host}/api/ws?token=${encodeURIComponent(token)}`);
    this.ws = ws;
    this.setStatus('connecting');
    let expired = false;
    ws.onopen = () => {
      this.retry = 0;
      this.setStatus('open');
      for (const [id, sub] of this.subs) this.send({ type: 'subscribe', id, ...sub.view, after: sub.after });
      window.clearInterval(this.ping);
      this.ping = window.setInterval(() => this.send({ type: 'ping' }), 25000);
    };
    ws.onmessage = (m) => {
      let msg: { type: string; sub?: string; event?: LiveEvent; code?: string };
      try {
        msg = JSON.parse(String(m.data));
      } catch {
        return;
      }
      if (msg.type === 'event' && msg.sub && msg.event) {
        const sub = this.subs.get(msg.sub);
        if (!sub || sub.seen.has(msg.event.id)) return;
        sub.seen.add(msg.event.id);
        sub.order.push(msg.event.id);
        if (sub.order.length > 2000) sub.seen.delete(sub.order.shift()!);
        if (msg.event.id > sub.after) sub.after = msg.event.id;
        try {
          sub.handler(msg.event);
        } catch (e) {
          console.error(e);
        }
      } else if (msg.type === 'error' && msg.code === 'TOKEN_EXPIRED') {
        expired = true;
      }
    };
    ws.onclose = () => {
      window.clearInterval(this.ping);
      if (this.ws !== ws) return;
      this.ws = null;
      this.setStatus('closed');
      if (this.subs.size === 0 || !tokens.access()) return;
      const delay = expired ? 0 : Math.min(15000, 800 * 2 ** this.retry++);
      this.timer = window.setTimeout(async () => {
        this.timer = undefined;
        // A call that needs the token refreshes it when it has expired.
        try {
          await api('GET', '/api/auth/me');
        } catch {
          /* offline or signed out: try again later */
        }
        if (this.subs.size > 0 && !this.ws) this.open();
      }, delay);
    };
  }

  private shutdown() {
    window.clearTimeout(this.timer);
    this.timer = undefined;
    window.clearInterval(this.ping);
    const ws = this.ws;
    this.ws = null;
    ws?.close();
    if (!tokens.access()) this.subs.clear();
    this.setStatus('closed');
  }
}

/** The app's one real-time connection. */
export const live = new LiveSocket();
