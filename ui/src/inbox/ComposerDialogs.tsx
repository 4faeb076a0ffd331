//! The composer's two pop-ups: sending one of the number's approved templates (a dialog) and
//! the small built-in emoji set.
import { useEffect, useRef, useState } from 'react';
import { ApiError, api } from '../api/client';
import { useT } from '../i18n';
import { Icons } from '../shell/icons';
import { Button, ErrorMessage, Modal } from '../shell/ui';
import type { Message } from './data';
import { inboxText } from './messages';
import { NO_TEMPLATE, TemplatePicker, choiceProblem, templateUse, type TemplateChoice } from './TemplatePicker';

const EMOJI = [
  '😀', '😁', '😂', '🤣', '😊', '😍', '😘', '😉',
  '😎', '🤔', '😅', '😢', '😭', '😡', '😱', '🥳',
  '👍', '👎', '👏', '🙏', '🤝', '👋', '💪', '👌',
  '❤️', '💙', '💚', '🔥', '✨', '🎉', '✅', '❌',
  '⭐', '📦', '🚚', '💰', '📅', '⏰', '📞', '📍',
];

/** Sending one of the number's approved templates to the ticket's customer. */
export function TemplateDialog({
  ticketId,
  connectionId,
  contactName,
  onClose,
  onSent,
}: {
  ticketId: string;
  connectionId: string;
  contactName: string;
  onClose: () => void;
  onSent: (m: Message) => void;
}) {
  const t = useT(inboxText);
  const [choice, setChoice] = useState<TemplateChoice>(NO_TEMPLATE);
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const send = async () => {
    setTried(true);
    const body = templateUse(choice);
    if (!body || choiceProblem(choice, t) || busy) return;
    setBusy(true);
    setError(null);
    try {
      onSent(await api<Message>('POST', `/api/tickets/${ticketId}/template`, { body }));
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  return (
    <Modal
      title={t('tplTitle')}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>{t('cancel')}</Button>
          <Button variant="primary" icon={<Icons.send />} loading={busy} onClick={() => void send()} data-testid="tpl-send">
            {t('tplSend')}
          </Button>
        </>
      }
    >
      <form
        className="stack"
        data-testid="template-dialog"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <p className="muted small template-intro">
          <span className="strong">{contactName}</span> · {t('tplIntro')}
        </p>
        <TemplatePicker connectionId={connectionId} value={choice} onChange={setChoice} showErrors={tried} testId="tpl" />
        {error ? (
          <div className="error-box" role="alert" data-testid="tpl-error" data-code={error instanceof ApiError ? error.code : undefined}>
            <span className="stack gap-sm">
              <ErrorMessage error={error} />
            </span>
          </div>
        ) : null}
      </form>
    </Modal>
  );
}

export function EmojiPicker({ onPick, onClose }: { onPick: (e: string) => void; onClose: () => void }) {
  const t = useT(inboxText);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    box.current?.querySelector('button')?.focus();
    const onDown = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) onClose();
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [onClose]);
  return (
    <div
      ref={box}
      className="popover emoji-picker"
      role="dialog"
      aria-label={t('emoji')}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onClose();
          return;
        }
        const buttons = Array.from(box.current?.querySelectorAll('button') ?? []);
        const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
        const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: 8, ArrowUp: -8 }[e.key];
        if (step !== undefined && i >= 0) {
          e.preventDefault();
          buttons[(i + step + buttons.length) % buttons.length]?.focus();
        }
      }}
    >
      {EMOJI.map((e) => (
        <button key={e} type="button" onClick={() => onPick(e)} aria-label={e}>
          {e}
        </button>
      ))}
    </div>
  );
}
