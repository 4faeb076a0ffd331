//! Asks for a password reset link by email (the answer is the same whether or not the email exists).
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { ApiError, api } from '../api/client';
import { useT } from '../i18n';
import { Button, ErrorMessage, Field } from '../shell/ui';
import { AuthFrame } from './AuthFrame';
import { authText } from './messages';

export function ForgotPage() {
  const t = useT(authText);
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('POST', '/api/auth/forgot', { body: { email: email.trim() } });
      setSent(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthFrame title={t('forgotTitle')} subtitle={t('forgotSubtitle')}>
      {sent ? (
        <div className="notice notice-success" role="status">
          {t('forgotSent')}
        </div>
      ) : (
        <form onSubmit={submit}>
          <Field label={t('email')}>
            <input type="email" autoComplete="email" required autoFocus value={email} onChange={(e) => setEmail(e.target.value)} />
          </Field>
          {error ? (
            <div className="notice notice-error" role="alert" data-code={error instanceof ApiError ? error.code : undefined}>
              <ErrorMessage error={error} />
            </div>
          ) : null}
          <Button type="submit" variant="primary" className="btn-block" loading={busy} disabled={!email}>
            {t('sendLink')}
          </Button>
        </form>
      )}
      <div className="auth-links">
        <Link to="/login">{t('backToSignIn')}</Link>
      </div>
    </AuthFrame>
  );
}
