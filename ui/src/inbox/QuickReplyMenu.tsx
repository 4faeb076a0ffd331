//! The quick replies the composer offers after `/`: the company's shared ones and the agent's
//! own (`GET /api/quick-replies?ticket_id=`, read once per ticket, when the agent starts
//! writing a reply or types `/`; the list opens once they are read), each
//! shown as its text filled in for the ticket (`preview`, never the raw `{{…}}`), with a
//! paperclip when a file goes with it. A personal reply hides a shared one of the same
//! shortcut: for its owner, it is the one the server sends.
import { useEffect, useMemo, useState, type KeyboardEvent, type ReactNode } from 'react';
import { api } from '../api/client';
import { useT } from '../i18n';
import { Icons } from '../shell/icons';
import { Badge, ErrorMessage } from '../shell/ui';
import { composerText } from './composerText';
import type { QuickReply } from './data';
import { inboxText } from './messages';
import './composer.css';

const MAX_SHOWN = 8;

export interface QuickReplyMenu {
  /** The list under the box (null while closed). */
  menu: ReactNode;
  open: boolean;
  /** Handles the list's keys (arrows, Enter, Tab, Escape); true when the key was the list's. */
  onKeyDown: (e: KeyboardEvent<HTMLTextAreaElement>) => boolean;
  /** The quick reply the box holds exactly as `/shortcut`: the composer shows what will go. */
  named: QuickReply | undefined;
  /** Reads the replies ahead of the first `/` (e.g. when the box gets the focus). */
  prefetch: () => void;
}

/** What a quick reply says for the open ticket: its preview, else its own text. */
export function replyText(q: QuickReply): string {
  return q.preview ?? q.message;
}

export function useQuickReplyMenu({
  ticketId,
  enabled,
  text,
  onPick,
}: {
  ticketId: string;
  /** Replies only: a note offers none. */
  enabled: boolean;
  text: string;
  onPick: (q: QuickReply) => void;
}): QuickReplyMenu {
  const t = useT(inboxText);
  const tc = useT(composerText);
  const [list, setList] = useState<QuickReply[] | null>(null);
  const [failed, setFailed] = useState<unknown>(null);
  const [index, setIndex] = useState(0);
  const [dismissed, setDismissed] = useState(false);
  const [early, setEarly] = useState(false);
  const wanted = enabled && (early || text.startsWith('/'));
  const [asked, setAsked] = useState(false);

  useEffect(() => {
    if (!wanted || asked) return;
    setAsked(true);
    api<QuickReply[]>('GET', '/api/quick-replies', { query: { ticket_id: ticketId } }).then(setList, setFailed);
  }, [wanted, asked, ticketId]);

  const usable = useMemo(() => {
    const all = list ?? [];
    const own = new Set(all.filter((q) => q.user_id).map((q) => q.shortcut));
    return all.filter((q) => q.user_id || !own.has(q.shortcut));
  }, [list]);

  const query = enabled && /^\/\S*$/.test(text) ? text.slice(1).toLowerCase() : null;
  const matches = useMemo(
    () =>
      query === null
        ? []
        : usable
            .filter((q) => q.shortcut.toLowerCase().includes(query) || replyText(q).toLowerCase().includes(query))
            .sort((a, b) => Number(!a.shortcut.toLowerCase().startsWith(query)) - Number(!b.shortcut.toLowerCase().startsWith(query)))
            .slice(0, MAX_SHOWN),
    [query, usable],
  );
  const typing = query !== null && !dismissed;
  const open = typing && (list !== null || !!failed);

  useEffect(() => setIndex(0), [query]);

  // A new `/` opens the list again.
  useEffect(() => {
    if (!text.startsWith('/')) setDismissed(false);
  }, [text]);

  const pick = (q: QuickReply) => {
    setDismissed(true);
    onPick(q);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>): boolean => {
    // Still reading them: Enter waits for the list rather than sending `/…` as it is.
    if (typing && !open && e.key === 'Enter') {
      e.preventDefault();
      return true;
    }
    if (!open) return false;
    if (matches.length > 0) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const step = e.key === 'ArrowDown' ? 1 : -1;
        setIndex((i) => (i + step + matches.length) % matches.length);
        return true;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        pick(matches[Math.min(index, matches.length - 1)]);
        return true;
      }
    }
    if (e.key === 'Escape') {
      e.preventDefault();
      setDismissed(true);
      return true;
    }
    return false;
  };

  const typed = text.trim().toLowerCase();
  const named = enabled && typed.startsWith('/') ? usable.find((q) => typed === `/${q.shortcut.toLowerCase()}`) : undefined;

  const menu = open ? (
    <div className="popover quick-replies" role="listbox" aria-label={t('quickReplies')} data-testid="quick-replies">
      {failed ? (
        <div className="error-text small" style={{ padding: 8 }}>
          <ErrorMessage error={failed} />
        </div>
      ) : matches.length === 0 ? (
        <div className="muted small" style={{ padding: 8 }}>
          {t('noQuickReplies')}
        </div>
      ) : (
        matches.map((q, i) => (
          <button
            key={q.id}
            type="button"
            role="option"
            aria-selected={i === index}
            className={i === index ? 'popover-item is-active' : 'popover-item'}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => pick(q)}
            data-testid="quick-reply-option"
            data-shortcut={q.shortcut}
            data-file={q.media_id ? 'true' : undefined}
          >
            <span className="qr-option-head">
              <span className="strong">/{q.shortcut}</span>
              {q.user_id ? <Badge tone="accent">{tc('qrPersonal')}</Badge> : null}
              {q.media_id ? (
                <span className="qr-file" title={tc('qrWithFile')} data-testid="quick-reply-file">
                  <Icons.attach />
                  <span className="sr-only">{tc('qrWithFile')}</span>
                </span>
              ) : null}
            </span>
            <span className="small muted qr-preview" data-testid="quick-reply-preview-text">
              {replyText(q)}
            </span>
          </button>
        ))
      )}
    </div>
  ) : null;

  const prefetch = () => {
    if (enabled) setEarly(true);
  };

  return { menu, open, onKeyDown, named, prefetch };
}

/** What a reply the box names as `/shortcut` sends: its filled text, and its file. */
export function QuickReplyPreview({ reply }: { reply: QuickReply }) {
  const tc = useT(composerText);
  const text = replyText(reply);
  return (
    <div className="composer-qr-preview" data-testid="quick-reply-preview" data-shortcut={reply.shortcut}>
      <span className="small muted">{tc('qrGoesAs')}</span>
      {text ? <span className="grow small qr-preview-text">{text}</span> : <span className="grow" />}
      {reply.media_id ? (
        <span className="chip small">
          <Icons.attach /> {tc('qrFileGoes')}
        </span>
      ) : null}
    </div>
  );
}
