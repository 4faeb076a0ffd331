//! One message of a conversation: the customer's on the left, ours on the right with
//! delivery ticks, internal notes in yellow; media previews (image, audio, video, document),
//! the quoted message it answers, in a group chat the member who wrote, and under a voice
//! note its transcript (which may come a little later, in a live update of the message).
import { mediaPath } from '../api/client';
import { useT } from '../i18n';
import { Icons } from '../shell/icons';
import { MediaLink, useMediaSrc } from '../shell/media';
import { formatPhone } from '../shell/phone';
import { IconButton, useFormat } from '../shell/ui';
import { useInboxData, type Message } from './data';
import { detailText } from './detailText';
import { inboxText, type InboxKey } from './messages';
import './details.css';

const TICK_LABEL: Record<string, InboxKey> = {
  pending: 'tickPending',
  sent: 'tickSent',
  delivered: 'tickDelivered',
  read: 'tickRead',
  failed: 'tickFailed',
};

/** The delivery state of an outgoing message: clock, ✓, ✓✓, blue ✓✓ or a warning sign. */
export function Tick({ status }: { status: string }) {
  const t = useT(inboxText);
  const label = TICK_LABEL[status] ? t(TICK_LABEL[status]) : status;
  let icon;
  if (status === 'pending') {
    icon = (
      <svg width="14" height="14" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.5">
        <circle cx="8" cy="8" r="6" />
        <path d="M8 5v3.2l2 1.3" strokeLinecap="round" />
      </svg>
    );
  } else if (status === 'failed') {
    icon = (
      <svg width="14" height="14" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.6">
        <circle cx="8" cy="8" r="6.5" />
        <path d="M8 4.5v4.2M8 11v.2" strokeLinecap="round" />
      </svg>
    );
  } else if (status === 'sent') {
    icon = (
      <svg width="16" height="14" viewBox="0 0 18 14" fill="none" stroke="currentColor" strokeWidth="1.7" strokeLinecap="round" strokeLinejoin="round">
        <path d="M3 7.5l3.2 3.2L13 3.5" />
      </svg>
    );
  } else {
    icon = (
      <svg width="18" height="14" viewBox="0 0 20 14" fill="none" stroke="currentColor" strokeWidth="1.7" strokeLinecap="round" strokeLinejoin="round">
        <path d="M1.5 7.5l3.2 3.2L11.5 3.5M8 10.2l.5.5L15.8 3.5" />
      </svg>
    );
  }
  return (
    <span className="tick" data-status={status} data-testid="tick" role="img" aria-label={label} title={label}>
      {icon}
    </span>
  );
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * The preview of a message's file, by its kind. A stored file is fetched with the user's
 * token: pictures, audio and video when shown, a document when its link is clicked.
 */
export function MediaView({ message }: { message: Message }) {
  const t = useT(inboxText);
  const media = message.media;
  const url = media?.id ? mediaPath(media.id) : media?.url;
  const isDocument = message.kind !== 'image' && message.kind !== 'audio' && message.kind !== 'video';
  const { src, failed } = useMediaSrc(isDocument ? undefined : url);
  if (!media || !url) return null;
  const name = media.filename || t(message.kind === 'image' ? 'image' : message.kind === 'audio' ? 'audio' : message.kind === 'video' ? 'video' : 'document');
  if (isDocument) {
    return (
      <MediaLink className="media media-doc" url={url} filename={media.filename || undefined} title={t('openFile')}>
        <Icons.file />
        <span className="stack" style={{ gap: 0 }}>
          <span className="strong truncate">{name}</span>
          <span className="small muted">
            {media.mime} · {formatSize(media.size)}
          </span>
        </span>
      </MediaLink>
    );
  }
  if (failed) return <div className="media muted small">{t('mediaFailed')}</div>;
  if (!src) return <div className="media media-placeholder"><span className="spinner" aria-hidden="true" /></div>;
  switch (message.kind) {
    case 'image':
      return (
        <a className="media" href={src} target="_blank" rel="noreferrer" title={t('openFile')}>
          <img src={src} alt={name} loading="lazy" />
        </a>
      );
    case 'audio':
      return (
        <div className="media">
          <audio controls src={src} preload="metadata" aria-label={name} />
        </div>
      );
    default:
      return (
        <div className="media">
          <video controls src={src} preload="metadata" aria-label={name} />
        </div>
      );
  }
}

function clip(text: string): string {
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

/** A one-line summary of a message, for quotes. */
export function snippet(m: Message, t: (k: InboxKey) => string): string {
  if (m.body) return clip(m.body);
  if (m.kind === 'image') return `📷 ${t('image')}`;
  if (m.kind === 'audio') return `🎤 ${m.transcript ? clip(m.transcript) : t('audio')}`;
  if (m.kind === 'video') return `🎬 ${t('video')}`;
  if (m.kind === 'document') return `📄 ${m.media?.filename ?? t('document')}`;
  return '';
}

export interface MessageBubbleProps {
  message: Message;
  quoted?: Message | null;
  contactName: string;
  highlight?: boolean;
  onReply?: (m: Message) => void;
  onJumpTo?: (id: string) => void;
}

/** Who wrote a message, as the conversation shows it. */
export function useAuthorName() {
  const t = useT(inboxText);
  const data = useInboxData();
  return (m: Message, contactName: string) => {
    if (m.direction === 'in') return m.author ? m.author.name || formatPhone(m.author.phone) : contactName || t('customer');
    if (m.user_id) return m.user_id === data.me.id ? t('you') : (data.userName(m.user_id) ?? t('agent'));
    if (m.run_id) return t('flow');
    return t('system');
  };
}

/** A voice note's text, once the company's provider transcribed it. */
function Transcript({ message }: { message: Message }) {
  const t = useT(detailText);
  if (!message.transcript) return null;
  return (
    <span className="msg-transcript" data-testid="message-transcript">
      <span className="msg-transcript-label">{t('transcript')}</span>
      <span className="msg-transcript-text">{message.transcript}</span>
    </span>
  );
}

export function MessageBubble({ message: m, quoted, contactName, highlight, onReply, onJumpTo }: MessageBubbleProps) {
  const t = useT(inboxText);
  const fmt = useFormat();
  const author = useAuthorName();
  const { me } = useInboxData();
  const side = m.direction === 'in' ? 'msg-in' : m.direction === 'out' ? 'msg-out' : 'msg-note';
  const cls = ['msg', side, m.status === 'failed' && 'is-failed', highlight && 'is-highlight'].filter(Boolean).join(' ');
  return (
    <div className={cls} id={`msg-${m.id}`} data-testid="message" data-direction={m.direction} data-status={m.status} data-message-id={m.id}>
      <div className="bubble">
        {m.direction === 'note' ? (
          <span className="note-label">
            {t('note')} · {author(m, contactName)}
          </span>
        ) : (m.direction === 'out' && m.user_id !== me.id) || (m.direction === 'in' && m.author) ? (
          <span className="msg-author" data-testid="message-author">
            {author(m, contactName)}
          </span>
        ) : null}
        {m.quoted_id ? (
          <button type="button" className="quote" onClick={() => quoted && onJumpTo?.(quoted.id)} disabled={!quoted}>
            <span className="quote-author">{quoted ? author(quoted, contactName) : t('quotedMissing')}</span>
            {quoted ? snippet(quoted, t) : null}
          </button>
        ) : null}
        <MediaView message={m} />
        <Transcript message={m} />
        {m.body ? <span className="msg-text">{m.body}</span> : null}
        {m.direction === 'in' && m.error ? (
          // What the platform could not keep of it (a refused file, say).
          <span className="error-text msg-error" data-testid="message-error">
            {m.error}
          </span>
        ) : null}
        <span className="msg-foot">
          <time dateTime={m.created_at} title={fmt.dateTime(m.created_at)}>
            {fmt.time(m.created_at)}
          </time>
          {m.direction === 'out' ? <Tick status={m.status} /> : null}
        </span>
        {m.status === 'failed' ? <span className="error-text">{t('failed', { reason: m.error ?? '' })}</span> : null}
      </div>
      {onReply && m.direction !== 'note' ? (
        <div className="msg-tools">
          <IconButton label={t('reply')} onClick={() => onReply(m)}>
            <Icons.reply />
          </IconButton>
        </div>
      ) : null}
    </div>
  );
}
