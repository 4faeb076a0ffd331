//! A secret shown once (an API key's, a webhook endpoint's signing secret): a read-only field
//! with a copy button, the warning that it is not shown again, and notes on how to use it.
import { useRef, useState, type ReactNode } from 'react';
import { useT } from '../i18n';
import { Dialog } from './common';
import { m } from './messages';

export function SecretDialog({
  title,
  secret,
  label,
  onClose,
  testId,
  secretTestId,
  children,
}: {
  title: string;
  secret: string;
  /** The field's name for screen readers (default "Secret"). */
  label?: string;
  onClose: () => void;
  testId: string;
  secretTestId: string;
  /** Notes under the field. */
  children?: ReactNode;
}) {
  const t = useT(m);
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      input.current?.select();
      setCopied(document.execCommand?.('copy') ? 'yes' : 'no');
    }
  };
  return (
    <Dialog
      title={title}
      onClose={onClose}
      testId={testId}
      footer={
        <button type="button" className="btn" onClick={onClose} data-testid="secret-done">
          {t('secretDone')}
        </button>
      }
    >
      <p className="adm-warn" role="note">
        {t('secretOnce')}
      </p>
      <div className="row adm-secret-row">
        <input
          ref={input}
          readOnly
          className="mono adm-secret"
          aria-label={label ?? t('secret')}
          value={secret}
          onFocus={(e) => e.currentTarget.select()}
          data-testid={secretTestId}
        />
        <button type="button" className="btn btn-primary" onClick={copy} data-testid="copy-secret">
          {copied === 'yes' ? t('copied') : t('copy')}
        </button>
      </div>
      <span role="status" className="small muted">
        {copied === 'no' ? t('copyFailed') : ''}
      </span>
      {children}
    </Dialog>
  );
}
