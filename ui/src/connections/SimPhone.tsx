//! One chat of the simulator's phone: the customer (or a group's member) writes and sends
//! files, sees the company's answers and its "typing…" arrive live, tells the company while
//! it writes, and sends read receipts for what it read.
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type FormEvent } from 'react';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { Icons } from '../shell/icons';
import { live } from '../shell/live';
import { MediaLink, useMediaSrc } from '../shell/media';
import { useTypingShown, useTypingSignal, type ChatState } from '../shell/typing';
import { Avatar, Button, CloseIcon, EmptyState, IconButton, Spinner, useFormat, useToast } from '../shell/ui';
import { Tick } from '../inbox/MessageBubble';
import { connText } from './messages';
import { isGroupId, samePhone, type SimChat } from './simChats';

type SimMessage = Schemas['SimMessage'];

/** WhatsApp's limit for a file, which the platform applies too. */
const MAX_FILE = 16 * 1024 * 1024;

/** A file sent from this page, shown on the phone (the phone's record keeps no copy). */
interface SentFile {
  name: string;
  url: string;
  image: boolean;
}

/** What the simulator's stream carries for a phone besides its messages. */
type SimEvent = SimMessage | { phone: string; read: string[] } | { phone: string; typing: ChatState };

/** The file's bytes as base64 (without the `data:` prefix). */
function readBase64(f: File): Promise<string> {
  return new Promise((ok, fail) => {
    const r = new FileReader();
    r.onload = () => ok(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => fail(r.error);
    r.readAsDataURL(f);
  });
}

/**
 * A file of a message on the phone: a picture shown, anything else a link. A file the
 * platform keeps (`/api/media/…`) is fetched with the user's token.
 */
function SimFile({ url, kind }: { url: string; kind: SimMessage['kind'] }) {
  const t = useT(connText);
  const { src, failed } = useMediaSrc(kind === 'image' ? url : undefined);
  if (kind !== 'image') return <MediaLink url={url}>📎 {kind}</MediaLink>;
  if (failed) return <span className="small">📎 {t('fileFailed')}</span>;
  if (!src) return <Spinner inline />;
  return <img src={src} alt="" />;
}

export function SimPhone({ connection, chat }: { connection: Schemas['Connection']; chat: SimChat }) {
  const t = useT(connText);
  const toast = useToast();
  const fmt = useFormat();
  const [messages, setMessages] = useState<SimMessage[] | null>(null);
  const [text, setText] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [sending, setSending] = useState(false);
  const [sentFiles, setSentFiles] = useState<Map<string, SentFile>>(() => new Map());
  const [autoRead, setAutoRead] = useState(() => localStorage.getItem('tucan.sim.autoread') !== '0');
  const [typing, showTyping] = useTypingShown<{ state: ChatState }>();
  const scroller = useRef<HTMLDivElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const reading = useRef(false);
  const base = `/api/connections/${connection.id}/simulator`;
  const phonePath = `${base}/chats/${encodeURIComponent(chat.phone)}`;
  const group = isGroupId(chat.phone);
  /** Who writes: the customer, or in a group the member chosen (none: the phone only reads). */
  const from = group ? chat.member : { phone: chat.phone, name: chat.name };

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
        const d = ev.data as SimEvent;
        if (!samePhone(d.phone, chat.phone)) return;
        if ('typing' in d) {
          showTyping({ state: d.typing });
        } else if ('read' in d) {
          const ids = new Set(d.read);
          setMessages((old) => old?.map((m) => (ids.has(m.id) ? { ...m, status: 'read' } : m)) ?? old);
        } else {
          if (d.direction === 'out') showTyping(null);
          upsert([d]);
        }
      }),
    [connection.id, chat.phone, upsert, showTyping],
  );

  // The previews of files sent from here go with the page.
  const previews = useRef(sentFiles);
  previews.current = sentFiles;
  useEffect(() => () => previews.current.forEach((f) => URL.revokeObjectURL(f.url)), []);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages]);

  useTypingSignal(chat.phone, text, !!from, (state) => {
    if (!from) return;
    const body: Schemas['SimTyping'] = { phone: from.phone, group: group ? chat.phone : undefined, state };
    api('POST', `${base}/typing`, { body }).catch(() => {});
  });

  const unread = messages?.filter((m) => m.direction === 'out' && m.status !== 'read').length ?? 0;

  const markRead = useCallback(async () => {
    if (reading.current) return;
    reading.current = true;
    try {
      await api(`POST`, `${base}/read`, { body: { phone: chat.phone } });
      setMessages((old) => old?.map((m) => (m.direction === 'out' ? { ...m, status: 'read' } : m)) ?? old);
    } catch (e) {
      toast.error(e);
    } finally {
      reading.current = false;
    }
  }, [base, chat.phone, toast]);

  useEffect(() => {
    if (autoRead && unread > 0 && document.visibilityState === 'visible') {
      const h = window.setTimeout(() => void markRead(), 600);
      return () => window.clearTimeout(h);
    }
  }, [autoRead, unread, markRead]);

  const pick = (f: File | undefined) => {
    if (fileInput.current) fileInput.current.value = '';
    if (!f) return;
    if (f.size > MAX_FILE) toast.info(t('fileTooBig'));
    else setFile(f);
  };

  const send = async (e: FormEvent) => {
    e.preventDefault();
    const body = text.trim();
    if (!from || (!body && !file)) return;
    setSending(true);
    try {
      const sent = await api<Schemas['SimDelivery']>('POST', `${base}/messages`, {
        body: {
          from: from.phone,
          name: from.name || undefined,
          text: body,
          media_base64: file ? await readBase64(file) : undefined,
          filename: file?.name,
          group: group ? { id: chat.phone, subject: chat.name || undefined } : undefined,
        } satisfies Schemas['SimInbound'],
      });
      if (file) {
        const shown = { name: file.name, url: URL.createObjectURL(file), image: file.type.startsWith('image/') };
        setSentFiles((old) => new Map(old).set(sent.channel_id, shown));
      }
      setText('');
      setFile(null);
      await reload();
    } catch (err) {
      toast.error(err);
    } finally {
      setSending(false);
    }
  };

  const fileOf = (m: SimMessage) => {
    if (m.media_url) return <SimFile url={m.media_url} kind={m.kind} />;
    const local = sentFiles.get(m.id);
    if (local) return local.image ? <img src={local.url} alt={local.name} /> : <span>📎 {local.name}</span>;
    // A file sent without a caption, from another page or device.
    return m.direction === 'in' && !m.body ? <span>📎 {t('file')}</span> : null;
  };

  const title = group ? chat.name || chat.phone : connection.name;
  const status = typing ? t('typing') : group ? (from ? t('writingAs', { name: from.name || from.phone }) : t('group')) : connection.status === 'connected' ? t('online') : connection.phone;

  return (
    <div className="stack">
      <div className="phone" data-testid="sim-phone">
        <div className="phone-header">
          <Avatar name={title} size={36} />
          <div className="grow" style={{ minWidth: 0 }}>
            <div className="strong truncate">{title}</div>
            <div className="small truncate" data-testid="sim-status" data-typing={typing?.state}>
              {status}
            </div>
          </div>
          {group ? null : (
            <span className="small" title={chat.phone}>
              {chat.name || chat.phone}
            </span>
          )}
        </div>
        <div className="phone-chat" ref={scroller} data-testid="sim-chat" aria-live="polite">
          {messages === null ? (
            <Spinner />
          ) : messages.length === 0 ? (
            <EmptyState title={group ? t('groupChatEmpty') : t('chatEmpty')} />
          ) : (
            messages.map((m) => (
              <div
                key={m.id}
                className={m.direction === 'in' ? 'phone-msg is-sent' : 'phone-msg is-received'}
                data-testid="sim-message"
                data-direction={m.direction}
                data-status={m.status}
              >
                {fileOf(m)}
                {m.body ? <span>{m.body}</span> : null}
                <span className="msg-foot">
                  <time dateTime={m.at}>{fmt.time(m.at)}</time>
                  {m.direction === 'in' ? <Tick status="sent" /> : null}
                </span>
              </div>
            ))
          )}
        </div>
        {file ? (
          <div className="phone-file">
            <span className="chip" data-testid="sim-file">
              📎 <span className="truncate">{file.name}</span>
              <IconButton label={t('removeFile')} onClick={() => setFile(null)}>
                <CloseIcon />
              </IconButton>
            </span>
          </div>
        ) : null}
        <form className="phone-input" onSubmit={send}>
          <button
            type="button"
            className="phone-attach"
            aria-label={t('attach')}
            title={t('attach')}
            disabled={!from || sending}
            onClick={() => fileInput.current?.click()}
            data-testid="sim-attach"
          >
            <Icons.attach />
          </button>
          <input ref={fileInput} type="file" hidden onChange={(e) => pick(e.target.files?.[0])} data-testid="sim-file-input" />
          <input
            aria-label={t('typeMessage')}
            placeholder={!from ? t('memberNeeded') : file ? t('caption') : t('typeMessage')}
            value={text}
            onChange={(e) => setText(e.target.value)}
            disabled={!from}
            data-testid="sim-input"
          />
          <button type="submit" className="phone-send" aria-label={t('send')} disabled={sending || !from || (!text.trim() && !file)} data-testid="sim-send">
            {sending ? <Spinner inline /> : <Icons.send />}
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
