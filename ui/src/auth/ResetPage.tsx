//! Sets a new password with the token of a reset link (`/reset?token=…`).
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError, api } from '../api/client';
import { useT } from '../i18n';
import { Button, ErrorMessage, Field } from '../shell/ui';
import { AuthFrame } from './AuthFrame';
import { authText } from './messages';

export function ResetPage() {
  const t = useT(authText);
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const navigate = useNavigate();
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const mismatch = repeat.length > 0 && password !== repeat;
  const short = password.length > 0 && password.length < 10;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (password !== repeat || password.length < 10) return;
    setBusy(true);
    setError(null);
    try {
      await api('POST', '/api/auth/reset', { body: { token, new_password: password } });
      navigate('/login', { replace: true, state: { notice: t('resetDone') } });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <AuthFrame title={t('resetTitle')}>
      {!token ? (
        <div className="notice notice-error" role="alert">
          {t('resetNoToken')}
        </div>
      ) : (
        <form onSubmit={submit}>
          <Field label={t('newPassword')} error={short ? t('tooShort') : undefined}>
            <input type="password" autoComplete="new-password" required autoFocus value={password} onChange={(e) => setPassword(e.target.value)} />
          </Field>
          <Field label={t('repeatPassword')} error={mismatch ? t('mismatch') : undefined}>
            <input type="password" autoComplete="new-password" required value={repeat} onChange={(e) => setRepeat(e.target.value)} />
          </Field>
          {error ? (
            <div className="notice notice-error" role="alert" data-code={error instanceof ApiError ? error.code : undefined}>
              <ErrorMessage error={error} />
            </div>
          ) : null}
          <Button type="submit" variant="primary" className="btn-block" loading={busy} disabled={!password || password !== repeat || password.length < 10}>
            {t('savePassword')}
          </Button>
        </form>
      )}
      <div className="auth-links">
        <Link to={token ? '/login' : '/forgot'}>{token ? t('backToSignIn') : t('forgotTitle')}</Link>
      </div>
    </AuthFrame>
  );
}
