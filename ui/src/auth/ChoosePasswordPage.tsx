//! Shown instead of the app to a user who signed in with a password given to them (the first
//! platform admin's, printed at the first start, or one the admin CLI printed): they type it
//! again and choose their own. The change ends every session, so the app signs in again with
//! the new password and opens where the user was going.
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { ApiError, api, tokens } from '../api/client';
import { useT } from '../i18n';
import { useAuth } from '../shell/auth';
import { shellText } from '../shell/messages';
import { Button, ErrorMessage, Field } from '../shell/ui';
import { AuthFrame } from './AuthFrame';
import { authText } from './messages';

export function ChoosePasswordPage() {
  const t = useT(authText);
  const ts = useT(shellText);
  const { user, signIn, signOut } = useAuth();
  const navigate = useNavigate();
  const [given, setGiven] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  if (!user) return null;

  const length = [...next].length;
  const short = next.length > 0 && (length < 10 || length > 128);
  const same = next.length > 0 && next === given;
  const mismatch = repeat.length > 0 && repeat !== next;
  const ready = given.length > 0 && next.length > 0 && !short && !same && repeat === next;

  const refused = error instanceof ApiError ? error : undefined;
  const givenError =
    refused?.code === 'INVALID_CREDENTIALS' ? t('wrongGivenPassword') : refused?.field === 'current_password' ? <ErrorMessage error={refused} /> : undefined;
  const nextError = short ? t('tooShort') : same ? t('samePassword') : refused?.field === 'new_password' ? <ErrorMessage error={refused} /> : undefined;
  const atField = givenError !== undefined || refused?.field === 'new_password';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!ready || busy) return;
    setBusy(true);
    setError(null);
    try {
      await api('POST', '/api/auth/password', { body: { current_password: given, new_password: next } });
    } catch (err) {
      setError(err);
      setBusy(false);
      return;
    }
    try {
      await signIn(user.email, next);
    } catch {
      tokens.clear();
      navigate('/login', { replace: true, state: { notice: t('passwordChanged') } });
    }
  };

  return (
    <AuthFrame title={t('choosePasswordTitle')} subtitle={t('choosePasswordSubtitle')}>
      <form onSubmit={submit} noValidate data-testid="choose-password">
        <p className="muted small">{t('signedInAs', { email: user.email })}</p>
        <input type="email" name="email" autoComplete="username" value={user.email} readOnly hidden />
        <Field label={t('givenPassword')} error={givenError}>
          <input
            name="current_password"
            type="password"
            autoComplete="current-password"
            required
            autoFocus
            aria-invalid={givenError !== undefined || undefined}
            value={given}
            onChange={(e) => {
              setGiven(e.target.value);
              setError(null);
            }}
          />
        </Field>
        <Field label={t('newPassword')} hint={t('tooShort')} error={nextError}>
          <input
            name="new_password"
            type="password"
            autoComplete="new-password"
            required
            aria-invalid={nextError !== undefined || undefined}
            value={next}
            onChange={(e) => {
              setNext(e.target.value);
              setError(null);
            }}
          />
        </Field>
        <Field label={t('repeatPassword')} error={mismatch ? t('mismatch') : undefined}>
          <input
            name="repeat_password"
            type="password"
            autoComplete="new-password"
            required
            aria-invalid={mismatch || undefined}
            value={repeat}
            onChange={(e) => setRepeat(e.target.value)}
          />
        </Field>
        {error && !atField ? (
          <div className="notice notice-error" role="alert" data-testid="choose-password-error" data-code={error instanceof ApiError ? error.code : undefined}>
            <ErrorMessage error={error} />
          </div>
        ) : null}
        <Button type="submit" variant="primary" className="btn-block" loading={busy} disabled={!ready} data-testid="choose-password-submit">
          {t('saveAndContinue')}
        </Button>
      </form>
      <div className="auth-links">
        <button type="button" className="btn btn-ghost btn-sm" onClick={() => void signOut()} data-testid="sign-out">
          {ts('signOut')}
        </button>
      </div>
    </AuthFrame>
  );
}
