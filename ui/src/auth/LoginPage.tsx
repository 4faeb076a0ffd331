//! Sign-in with email and password; a refused sign-in says why, in the user's language.
import { useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { ApiError } from '../api/client';
import { useT } from '../i18n';
import { nextPath, useAuth } from '../shell/auth';
import { Button, ErrorMessage, Field } from '../shell/ui';
import { AuthFrame } from './AuthFrame';
import { authText } from './messages';

export function LoginPage() {
  const t = useT(authText);
  const { signIn } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const notice = (location.state as { notice?: string } | null)?.notice;
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const user = await signIn(email.trim(), password);
      navigate(nextPath(user, location.search), { replace: true });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <AuthFrame title={t('signInTitle')} subtitle={t('signInSubtitle')}>
      {notice ? <div className="notice notice-success">{notice}</div> : null}
      <form onSubmit={submit} noValidate>
        <Field label={t('email')}>
          <input name="email" type="email" autoComplete="username" required autoFocus value={email} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <Field label={t('password')}>
          <input name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </Field>
        {error ? (
          <div className="notice notice-error" role="alert" data-testid="login-error" data-code={error instanceof ApiError ? error.code : undefined}>
            <ErrorMessage error={error} />
          </div>
        ) : null}
        <Button type="submit" variant="primary" className="btn-block" loading={busy} disabled={!email || !password}>
          {t('signIn')}
        </Button>
      </form>
      <div className="auth-links">
        <Link to="/forgot">{t('forgot')}</Link>
      </div>
    </AuthFrame>
  );
}
