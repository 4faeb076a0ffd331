//! The simulator's phone: play a customer of a simulator number. Pick one of the phones that
//! already chatted (from the server, most recent first) or type a customer's number and name,
//! write like on WhatsApp, and watch the company's answers arrive live (with what the phone
//! has read sent back as read receipts).
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { Icons } from '../shell/icons';
import { live } from '../shell/live';
import { Avatar, Button, EmptyState, ErrorBox, Field, PageHeader, Spinner, useAsync, useFormat, useToast } from '../shell/ui';
import { Tick } from '../inbox/MessageBubble';
import { connText } from './messages';

type SimMessage = Schemas['SimMessage'];
interface Customer {
  phone: string;
  name: string;
}
/** A phone of the recent list, with its last message when the server told it. */
interface RecentPhone extends Customer {
  last?: SimMessage;
}

const digits = (s: string) => s.replace(/\D/g, '');

/** Whether two ways of writing a number name the same phone (with or without country code). */
function samePhone(a: string, b: string): boolean {
  const x = digits(a);
  const y = digits(b);
  if (!x || !y) return false;
  if (x === y) return true;
  return Math.min(x.length, y.length) >= 8 && (x.endsWith(y) || y.endsWith(x));
}

function recentKey(connectionId: string) {
  return `tucan.sim.recent.${connectionId}`;
}

/** The phones this device opened last (names included, which the server does not keep). */
function loadRecent(connectionId: string): Customer[] {
  try {
    const v = JSON.parse(localStorage.getItem(recentKey(connectionId)) ?? '[]');
    return Array.isArray(v) ? v.filter((c) => typeof c?.phone === 'string').map((c) => ({ phone: c.phone, name: typeof c.name === 'string' ? c.name : '' })) : [];
  } catch {
    return [];
  }
}

/** A simulator event that is a message (not a batch of read receipts). */
function isSimMessage(d: unknown): d is SimMessage {
  return !!d && typeof d === 'object' && 'id' in d && 'direction' in d && typeof (d as SimMessage).phone === 'string';
}

export function SimulatorPhonePage() {
  const t = useT(connText);
  const fmt = useFormat();
  const { id = '' } = useParams();
  const conn = useAsync(() => api<Schemas['Connection']>('GET', `/api/connections/${id}`), [id]);
  const chats = useAsync(() => api<SimMessage[]>('GET', `/api/connections/${id}/simulator/chats`), [id]);
  const [saved, setSaved] = useState<Customer[]>(() => loadRecent(id));
  /** Phones opened here that may have no message yet (so the server does not list them). */
  const [opened, setOpened] = useState<Customer[]>([]);
  const [phoneInput, setPhoneInput] = useState(saved[0]?.phone ?? '');
  const [nameInput, setNameInput] = useState(saved[0]?.name ?? '');
  const [customer, setCustomer] = useState<Customer | null>(saved[0] ?? null);
  const isSimulator = conn.data?.kind === 'simulator';
  const setChats = chats.setData;

  const nameOf = useCallback((phone: string) => saved.find((c) => samePhone(c.phone, phone))?.name ?? '', [saved]);

  const recent = useMemo<RecentPhone[]>(() => {
    if (!chats.data) return saved;
    const fromServer = chats.data.map((m) => ({ phone: m.phone, name: nameOf(m.phone), last: m }));
    const extra = opened.filter((c) => !fromServer.some((r) => samePhone(r.phone, c.phone)));
    return [...extra, ...fromServer];
  }, [chats.data, saved, opened, nameOf]);

  // With nothing chosen yet, the most recent phone opens; only the first answer may do that.
  const autoPicked = useRef(false);
  useEffect(() => {
    if (autoPicked.current || !chats.data) return;
    autoPicked.current = true;
    const first = chats.data[0];
    if (!first || customer || phoneInput) return;
    const c = { phone: first.phone, name: nameOf(first.phone) };
    setCustomer(c);
    setPhoneInput(c.phone);
    setNameInput(c.name);
  }, [chats.data, customer, phoneInput, nameOf]);

  useEffect(() => {
    if (!isSimulator) return;
    return live.subscribe({ view: 'simulator', connection_id: id }, (ev) => {
      if (ev.kind !== 'sim' || !isSimMessage(ev.data)) return;
      const m = ev.data;
      setChats((old) => (old ? [m, ...old.filter((x) => !samePhone(x.phone, m.phone))] : old));
    });
  }, [id, isSimulator, setChats]);

  const open = (c: Customer) => {
    setCustomer(c);
    setPhoneInput(c.phone);
    setNameInput(c.name);
    setOpened((old) => [c, ...old.filter((r) => !samePhone(r.phone, c.phone))]);
    const next = [c, ...saved.filter((r) => !samePhone(r.phone, c.phone))].slice(0, 20);
    setSaved(next);
    localStorage.setItem(recentKey(id), JSON.stringify(next));
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!digits(phoneInput)) return;
    open({ phone: phoneInput.trim(), name: nameInput.trim() });
  };

  const preview = (m: SimMessage) => {
    const text = m.body || (m.media_url ? `📎 ${m.kind}` : '');
    return m.direction === 'out' ? `${t('fromCompany')}: ${text}` : text;
  };

  if (conn.error) {
    return (
      <div className="page">
        <ErrorBox error={conn.error} onRetry={conn.reload} />
      </div>
    );
  }
  if (!conn.data) return <Spinner />;
  const c = conn.data;

  return (
    <div className="page">
      <PageHeader
        title={t('phoneTitle')}
        subtitle={t('phoneSubtitle', { name: `${c.name} (${c.phone})` })}
        actions={
          <Link className="btn" to="/connections">
            {t('backToConnections')}
          </Link>
        }
      />
      {c.kind !== 'simulator' ? (
        <EmptyState title={t('notSimulator')} />
      ) : (
        <div className="sim-layout">
          <div className="stack">
            <form className="card card-body stack" onSubmit={submit}>
              <Field label={t('customerNumber')}>
                <input name="customer-phone" inputMode="tel" placeholder="+55 11 98765-4321" value={phoneInput} onChange={(e) => setPhoneInput(e.target.value)} required />
              </Field>
              <Field label={t('customerName')}>
                <input name="customer-name" placeholder={t('customerNamePlaceholder')} value={nameInput} onChange={(e) => setNameInput(e.target.value)} />
              </Field>
              <Button type="submit" variant="primary" disabled={!digits(phoneInput)} data-testid="open-chat">
                {t('openChat')}
              </Button>
            </form>
            <div className="card card-body stack">
              <h3>{t('recent')}</h3>
              {chats.loading && !chats.data && recent.length === 0 ? (
                <Spinner inline />
              ) : recent.length === 0 ? (
                <p className="muted small">{t('noRecent')}</p>
              ) : (
                <ul className="recent-phones" data-testid="sim-recent">
                  {recent.map((r) => (
                    <li key={r.phone}>
                      <Button
                        variant={customer && samePhone(customer.phone, r.phone) ? 'secondary' : 'ghost'}
                        className="btn-block"
                        onClick={() => open({ phone: r.phone, name: r.name })}
                        data-testid="sim-recent-phone"
                        data-phone={r.phone}
                      >
                        <span className="grow stack" style={{ gap: 0, minWidth: 0, textAlign: 'left' }}>
                          <span className="row" style={{ gap: 6 }}>
                            <span className="grow truncate">{r.name || r.phone}</span>
                            {r.last ? (
                              <time className="small muted" dateTime={r.last.at}>
                                {fmt.short(r.last.at)}
                              </time>
                            ) : null}
                          </span>
                          {r.name ? <span className="small muted truncate">{r.phone}</span> : null}
                          {r.last ? <span className="small muted truncate">{preview(r.last)}</span> : null}
                        </span>
                      </Button>
                    </li>
                  ))}
                </ul>
              )}
              {chats.error ? <p className="muted small">{t('recentLocalOnly')}</p> : null}
            </div>
          </div>
          {customer ? (
            <Phone key={customer.phone} connection={c} customer={customer} />
          ) : (
            <div className="phone">
              <EmptyState title={t('chooseNumber')} />
            </div>
          )}
        </div>
      )}
    </div>
  );
}

function Phone({ connection, customer }: { connection: Schemas['Connection']; customer: Customer }) {
  const t = useT(connText);
  const toast = useToast();
  const fmt = useFormat();
  const [messages, setMessages] = useState<SimMessage[] | null>(null);
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const [autoRead, setAutoRead] = useState(() => localStorage.getItem('tucan.sim.autoread') !== '0');
  const chat = useRef<HTMLDivElement>(null);
  const reading = useRef(false);
  const base = `/api/connections/${connection.id}/simulator`;
  const phonePath = `${base}/chats/${encodeURIComponent(customer.phone)}`;

  const upsert = useCallback((incoming: SimMessage[]) => {
    setMessages((old) => {
      const byId = new Map((old ?? []).map((m) => [m.id, m]));
      for (const m of incoming) byId.set(m.id, { ...byId.get(m.id), ...m });
      return [...byId.values()].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    });
  }, []);

  const reload = useCallback(async () => {
    try {
      upsert(await api<SimMessage[]>('GET', phonePath));
    } catch (e) {
      toast.error(e);
      setMessages((old) => old ?? []);
    }
  }, [phonePath, toast, upsert]);

  useEffect(() => {
    void reload();
  }, [reload]);

  useEffect(
    () =>
      live.subscribe({ view: 'simulator', connection_id: connection.id }, (ev) => {
        if (ev.kind !== 'sim' || !ev.data) return;
        const d = ev.data as SimMessage | { read: string[]; phone: string };
        if (!samePhone(d.phone, customer.phone)) return;
        if ('read' in d && Array.isArray(d.read)) {
          const ids = new Set(d.read);
          setMessages((old) => old?.map((m) => (ids.has(m.id) ? { ...m, status: 'read' } : m)) ?? old);
        } else {
          upsert([d as SimMessage]);
        }
      }),
    [connection.id, customer.phone, upsert],
  );

  useLayoutEffect(() => {
    const el = chat.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages]);

  const unread = messages?.filter((m) => m.direction === 'out' && m.status !== 'read').length ?? 0;

  const markRead = useCallback(async () => {
    if (reading.current) return;
    reading.current = true;
    try {
      await api(`POST`, `${base}/read`, { body: { phone: customer.phone } });
      setMessages((old) => old?.map((m) => (m.direction === 'out' ? { ...m, status: 'read' } : m)) ?? old);
    } catch (e) {
      toast.error(e);
    } finally {
      reading.current = false;
    }
  }, [base, customer.phone, toast]);

  useEffect(() => {
    if (autoRead && unread > 0 && document.visibilityState === 'visible') {
      const h = window.setTimeout(() => void markRead(), 600);
      return () => window.clearTimeout(h);
    }
  }, [autoRead, unread, markRead]);

  const send = async (e: FormEvent) => {
    e.preventDefault();
    const body = text.trim();
    if (!body) return;
    setSending(true);
    try {
      await api<Schemas['SimDelivery']>('POST', `${base}/messages`, {
        body: { from: customer.phone, name: customer.name || undefined, text: body },
      });
      setText('');
      await reload();
    } catch (err) {
      toast.error(err);
    } finally {
      setSending(false);
    }
  };

  return (
    <div className="stack">
      <div className="phone" data-testid="sim-phone">
        <div className="phone-header">
          <Avatar name={connection.name} size={36} />
          <div className="grow">
            <div className="strong">{connection.name}</div>
            <div className="small">{connection.status === 'connected' ? t('online') : connection.phone}</div>
          </div>
          <span className="small" title={customer.phone}>
            {customer.name || customer.phone}
          </span>
        </div>
        <div className="phone-chat" ref={chat} data-testid="sim-chat" aria-live="polite">
          {messages === null ? (
            <Spinner />
          ) : messages.length === 0 ? (
            <EmptyState title={t('chatEmpty')} />
          ) : (
            messages.map((m) => (
              <div
                key={m.id}
                className={m.direction === 'in' ? 'phone-msg is-sent' : 'phone-msg is-received'}
                data-testid="sim-message"
                data-direction={m.direction}
                data-status={m.status}
              >
                {m.media_url ? (
                  m.kind === 'image' ? (
                    <img src={m.media_url} alt="" />
                  ) : (
                    <a href={m.media_url} target="_blank" rel="noreferrer">
                      📎 {m.kind}
                    </a>
                  )
                ) : null}
                {m.body ? <span>{m.body}</span> : null}
                <span className="msg-foot">
                  <time dateTime={m.at}>{fmt.time(m.at)}</time>
                  {m.direction === 'in' ? <Tick status="sent" /> : null}
                </span>
              </div>
            ))
          )}
        </div>
        <form className="phone-input" onSubmit={send}>
          <input aria-label={t('typeMessage')} placeholder={t('typeMessage')} value={text} onChange={(e) => setText(e.target.value)} data-testid="sim-input" />
          <button type="submit" className="phone-send" aria-label={t('send')} disabled={sending || !text.trim()} data-testid="sim-send">
            <Icons.send />
          </button>
        </form>
      </div>
      <div className="row wrap">
        <label className="check small">
          <input
            type="checkbox"
            checked={autoRead}
            onChange={(e) => {
              setAutoRead(e.target.checked);
              localStorage.setItem('tucan.sim.autoread', e.target.checked ? '1' : '0');
            }}
          />
          {t('autoRead')}
        </label>
        <span className="spacer" />
        <Button size="sm" onClick={() => void markRead()} disabled={unread === 0} data-testid="sim-mark-read">
          {t('markRead')}
          {unread ? ` (${unread})` : ''}
        </Button>
      </div>
    </div>
  );
}
