//! Writing to the customer (or a private note for the team): Enter sends, Shift+Enter breaks
//! the line, `/` opens the quick replies (their text filled in for the ticket; a reply with a
//! file goes in as `/shortcut`, which the server sends with its file, and the composer shows
//! what will go), `@` in a note lists the colleagues to mention, a file can be attached
//! (uploaded first, then sent with its caption), emoji come from a small built-in set, and a
//! quoted message rides along.
//! While the agent writes a reply, the customer's phone shows "typing…". When the company
//! lets each agent choose (`signature_on_messages` = `agent_choice`), a "Sign" box (on by
//! default, remembered on this device) says whether a reply starts with the agent's name.
//! On a Cloud API number, "Template" sends one of the number's approved templates, its
//! variables filled (`POST /api/tickets/{id}/template`); when a text is refused because the
//! customer last wrote more than 24 hours ago (`WINDOW_CLOSED`), the composer says so and
//! offers the templates.
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { ApiError, api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { Icons } from '../shell/icons';
import { useTypingSignal } from '../shell/typing';
import { Button, CloseIcon, ErrorMessage, IconButton, Spinner, useToast } from '../shell/ui';
import { EmojiPicker, TemplateDialog } from './ComposerDialogs';
import { useConnectionKind, useInboxData, type Message, type QuickReply } from './data';
import { useMentionMenu } from './MentionMenu';
import { inboxText } from './messages';
import { snippet, useAuthorName } from './MessageBubble';
import { QuickReplyPreview, replyText, useQuickReplyMenu } from './QuickReplyMenu';

type Mode = 'reply' | 'note';

const SIGN_KEY = 'tucan.inbox.sign';

export interface ComposerProps {
  ticketId: string;
  /** The ticket's connection: on a Cloud API number the composer offers its templates. */
  connectionId: string;
  contactName: string;
  quoting: Message | null;
  onCancelQuote: () => void;
  /** Called with what the server answered (the new message or note), to show it at once. */
  onSent: (m: Message) => void;
}

export function Composer({ ticketId, connectionId, contactName, quoting, onCancelQuote, onSent }: ComposerProps) {
  const t = useT(inboxText);
  const toast = useToast();
  const { agents, me, signature } = useInboxData();
  const signChoice = signature === 'agent_choice';
  const [sign, setSignState] = useState(() => localStorage.getItem(SIGN_KEY) !== '0');
  const setSign = (on: boolean) => {
    localStorage.setItem(SIGN_KEY, on ? '1' : '0');
    setSignState(on);
  };
  const author = useAuthorName();
  const [mode, setMode] = useState<Mode>('reply');
  const [text, setText] = useState('');
  /** Where the caret is in the box (a mention is typed right before it). */
  const [caret, setCaret] = useState(0);
  const [attachment, setAttachment] = useState<Schemas['MediaView'] | null>(null);
  const [uploading, setUploading] = useState(false);
  const [sending, setSending] = useState(false);
  const [emojiOpen, setEmojiOpen] = useState(false);
  const cloud = useConnectionKind(connectionId) === 'cloud_api';
  const [templateOpen, setTemplateOpen] = useState(false);
  /** The refusal of the last text because the customer's 24-hour window is closed. */
  const [windowClosed, setWindowClosed] = useState<ApiError | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const file = useRef<HTMLInputElement>(null);
  const emojiBtn = useRef<HTMLButtonElement>(null);

  // Notes stay inside the team: only a reply shows the customer that someone writes.
  useTypingSignal(ticketId, text, mode === 'reply', (state) => {
    const body: Schemas['Typing'] = { state };
    api('POST', `/api/tickets/${ticketId}/typing`, { body }).catch(() => {});
  });

  /** Puts `next` in the box with the caret at `at`. */
  const place = (next: string, at: number) => {
    setText(next);
    setCaret(at);
    requestAnimationFrame(() => {
      const el = input.current;
      el?.focus();
      el?.setSelectionRange(at, at);
    });
  };

  // A reply with a file goes as `/shortcut` (the server sends it with its file); any other
  // goes in as its text, filled in for this ticket, to read and change before it goes.
  const quick = useQuickReplyMenu({
    ticketId,
    enabled: mode === 'reply',
    text,
    onPick: (q: QuickReply) => {
      const next = q.media_id ? `/${q.shortcut}` : replyText(q);
      place(next, next.length);
    },
  });

  const mention = useMentionMenu({
    enabled: mode === 'note',
    text,
    caret,
    colleagues: agents,
    meId: me.id,
    onPick: (start, end, insert) => place(text.slice(0, start) + insert + text.slice(end), start + insert.length),
  });

  useEffect(() => {
    if (quoting) input.current?.focus();
  }, [quoting]);

  useEffect(() => {
    const el = input.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 180)}px`;
  }, [text]);

  const insert = (s: string) => {
    const el = input.current;
    const start = el?.selectionStart ?? text.length;
    const end = el?.selectionEnd ?? text.length;
    place(text.slice(0, start) + s + text.slice(end), start + s.length);
  };

  const upload = async (f: File) => {
    setUploading(true);
    try {
      const media = await api<Schemas['MediaView']>('POST', '/api/media', {
        query: { filename: f.name },
        body: f,
        contentType: f.type || 'application/octet-stream',
      });
      setAttachment(media);
      setMode('reply');
    } catch (e) {
      toast.error(e);
    } finally {
      setUploading(false);
      if (file.current) file.current.value = '';
    }
  };

  const canSend = !sending && !uploading && (text.trim().length > 0 || (mode === 'reply' && !!attachment));

  const send = async () => {
    if (!canSend) return;
    setSending(true);
    try {
      let m: Message;
      if (mode === 'note') {
        m = await api<Message>('POST', `/api/tickets/${ticketId}/notes`, { body: { body: text.trim() } });
      } else {
        const body: Schemas['NewMessage'] = { body: text.trim(), media_id: attachment?.id, quoted_id: quoting?.id };
        // The agent's choice counts only where the company leaves it to them.
        if (signChoice) body.sign = sign;
        m = await api<Message>('POST', `/api/tickets/${ticketId}/messages`, { body });
        setAttachment(null);
        onCancelQuote();
      }
      setText('');
      setCaret(0);
      setWindowClosed(null);
      onSent(m);
    } catch (e) {
      // The text stays in the box; a template is what reaches the customer now.
      if (mode === 'reply' && e instanceof ApiError && e.code === 'WINDOW_CLOSED') setWindowClosed(e);
      else toast.error(e);
    } finally {
      setSending(false);
      input.current?.focus();
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.nativeEvent.isComposing) return;
    if (quick.onKeyDown(e) || mention.onKeyDown(e)) return;
    if (e.key === 'Escape') {
      if (emojiOpen) {
        setEmojiOpen(false);
      } else if (quoting) {
        onCancelQuote();
      }
      return;
    }
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      void send();
    }
  };

  return (
    <div
      className={mode === 'note' ? 'composer is-note' : 'composer'}
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => {
        const f = e.dataTransfer.files?.[0];
        if (f) {
          e.preventDefault();
          void upload(f);
        }
      }}
    >
      {quick.menu}
      {mention.menu}
      {templateOpen ? (
        <TemplateDialog
          ticketId={ticketId}
          connectionId={connectionId}
          contactName={contactName}
          onClose={() => setTemplateOpen(false)}
          onSent={(m) => {
            setTemplateOpen(false);
            setWindowClosed(null);
            onSent(m);
            requestAnimationFrame(() => input.current?.focus());
          }}
        />
      ) : null}
      {emojiOpen ? (
        <EmojiPicker
          onPick={(e) => {
            insert(e);
          }}
          onClose={() => {
            setEmojiOpen(false);
            emojiBtn.current?.focus();
          }}
        />
      ) : null}
      <div className="composer-modes" role="tablist" aria-label={t('modeReply')}>
        <button type="button" role="tab" aria-selected={mode === 'reply'} className={mode === 'reply' ? 'composer-mode is-active' : 'composer-mode'} onClick={() => setMode('reply')}>
          {t('modeReply')}
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={mode === 'note'}
          className={mode === 'note' ? 'composer-mode is-active' : 'composer-mode'}
          onClick={() => setMode('note')}
          data-testid="note-mode"
        >
          {t('modeNote')}
        </button>
        {mode === 'reply' && (signChoice || cloud) ? <span className="spacer" /> : null}
        {signChoice && mode === 'reply' ? (
          <label className="check small composer-sign" title={t('signHint')}>
            <input type="checkbox" checked={sign} onChange={(e) => setSign(e.target.checked)} data-testid="composer-sign" />
            {t('sign')}
          </label>
        ) : null}
        {cloud && mode === 'reply' ? (
          <Button
            size="sm"
            variant="ghost"
            className="composer-template"
            icon={<Icons.template />}
            title={t('tplButtonHint')}
            onClick={() => setTemplateOpen(true)}
            data-testid="composer-template"
          >
            {t('tplButton')}
          </Button>
        ) : null}
      </div>
      {windowClosed && mode === 'reply' ? (
        <div className="composer-window" role="alert" data-testid="window-closed" data-code={windowClosed.code}>
          <span className="grow">
            <ErrorMessage error={windowClosed} />
          </span>
          {cloud ? (
            <Button size="sm" variant="primary" icon={<Icons.template />} onClick={() => setTemplateOpen(true)} data-testid="window-use-template">
              {t('tplUse')}
            </Button>
          ) : null}
          <IconButton label={t('dismiss')} onClick={() => setWindowClosed(null)}>
            <CloseIcon />
          </IconButton>
        </div>
      ) : null}
      {quoting && mode === 'reply' ? (
        <div className="composer-quote">
          <div className="grow truncate">
            <span className="small muted">{t('replyingTo')} </span>
            <span className="strong small">{author(quoting, contactName)}</span>
            <div className="truncate small">{snippet(quoting, t)}</div>
          </div>
          <IconButton label={t('cancelQuote')} onClick={onCancelQuote}>
            <CloseIcon />
          </IconButton>
        </div>
      ) : null}
      {quick.named && !quick.open ? <QuickReplyPreview reply={quick.named} /> : null}
      {uploading || attachment ? (
        <div className="composer-attach">
          {uploading ? (
            <span className="chip">
              <Spinner inline /> {t('uploading')}
            </span>
          ) : attachment ? (
            <span className="chip" data-testid="attachment">
              <Icons.file /> {attachment.filename ?? attachment.mime}
              <IconButton label={t('removeAttachment')} onClick={() => setAttachment(null)}>
                <CloseIcon />
              </IconButton>
            </span>
          ) : null}
        </div>
      ) : null}
      <div className="composer-row">
        {mode === 'reply' ? (
          <>
            <IconButton label={t('attach')} onClick={() => file.current?.click()} disabled={uploading}>
              <Icons.attach />
            </IconButton>
            <input
              ref={file}
              type="file"
              hidden
              accept="image/jpeg,image/png,image/gif,image/webp,application/pdf,audio/ogg,audio/mpeg,video/mp4,video/webm,audio/webm"
              data-testid="composer-file-input"
              onChange={(e) => {
                const f = e.target.files?.[0];
                if (f) void upload(f);
              }}
            />
          </>
        ) : null}
        <IconButton ref={emojiBtn} label={t('emoji')} onClick={() => setEmojiOpen((o) => !o)} active={emojiOpen} aria-expanded={emojiOpen}>
          <Icons.smile />
        </IconButton>
        <textarea
          ref={input}
          rows={1}
          value={text}
          aria-label={mode === 'note' ? t('modeNote') : t('modeReply')}
          placeholder={mode === 'note' ? t('placeholderNote') : t('placeholderReply')}
          onChange={(e) => {
            setText(e.target.value);
            setCaret(e.target.selectionStart ?? e.target.value.length);
          }}
          onSelect={(e) => setCaret(e.currentTarget.selectionStart ?? 0)}
          onFocus={quick.prefetch}
          onKeyDown={onKeyDown}
          data-testid="composer-input"
          aria-autocomplete="list"
          aria-expanded={quick.open || mention.open}
        />
        <IconButton label={mode === 'note' ? t('addNote') : t('send')} onClick={() => void send()} disabled={!canSend} className="is-active" data-testid="send">
          {sending ? <Spinner inline /> : <Icons.send />}
        </IconButton>
      </div>
    </div>
  );
}
