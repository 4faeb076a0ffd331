//! The signed-in user's profile: name and language, saved on the account (`PATCH
//! /api/auth/me`, open to every role), and a password change, after which the user signs in
//! again.
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { ApiError, api, tokens, type Schemas, type User } from '../api/client';
import { LANGS, useLang, useT, type Lang } from '../i18n';
import { appLang, useAuth } from '../shell/auth';
import { useRoleName } from '../shell/Layout';
import { Avatar, Button, ErrorMessage, Field, PageHeader, useToast } from '../shell/ui';
import { authText } from './messages';

/** The body of `PATCH /api/auth/me`: what users may change of themselves. */
export type ProfilePatch = Schemas['ProfilePatch'];

export function ProfilePage() {
  const t = useT(authText);
  const { user, reload } = useAuth();
  const { lang, setLang } = useLang();
  const toast = useToast();
  const navigate = useNavigate();
  const roleName = useRoleName();
  const [name, setName] = useState(user?.name ?? '');
  const [language, setLanguage] = useState<Lang>(appLang(user?.language) ?? lang);
  const [saving, setSaving] = useState(false);
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [changing, setChanging] = useState(false);
  const [nextRefused, setNextRefused] = useState<ApiError | null>(null);

  if (!user) return null;

  const trimmed = name.trim();
  const nameError = trimmed ? undefined : t('nameRequired');
  const dirty = (trimmed !== '' && trimmed !== user.name) || language !== appLang(user.language) || language !== lang;

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!trimmed) return;
    setSaving(true);
    try {
      const patch: ProfilePatch = { language };
      if (trimmed !== user.name) patch.name = trimmed;
      await api<User>('PATCH', '/api/auth/me', { body: patch });
      setName(trimmed);
      setLang(language);
      toast.success(authText[language].saved);
      await reload();
    } catch (err) {
      toast.error(err);
    } finally {
      setSaving(false);
    }
  };

  const changePassword = async (e: FormEvent) => {
    e.preventDefault();
    if (next !== repeat || next.length < 10) return;
    setChanging(true);
    try {
      await api('POST', '/api/auth/password', { body: { current_password: current, new_password: next } });
      tokens.clear();
      navigate('/login', { replace: true, state: { notice: t('passwordChanged') } });
    } catch (err) {
      if (err instanceof ApiError && err.field === 'new_password') setNextRefused(err);
      else toast.error(err);
      setChanging(false);
    }
  };

  return (
    <div className="page" style={{ maxWidth: 760 }}>
      <PageHeader title={t('profileTitle')} subtitle={t('profileSubtitle')} />
      <div className="stack gap-lg">
        <section className="card">
          <div className="card-header">
            <Avatar name={user.name} />
            <div className="grow">
              <div className="strong">{user.name}</div>
              <div className="muted small">
                {user.email} · {roleName(user.role)}
              </div>
            </div>
          </div>
          <form className="card-body stack" onSubmit={save}>
            <div className="grid-2">
              <Field label={t('name')} error={nameError}>
                <input name="name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} maxLength={120} required />
              </Field>
              <Field label={t('language')} hint={t('languageHint')}>
                <select name="language" value={language} onChange={(e) => setLanguage(e.target.value as Lang)} data-testid="profile-language">
                  {LANGS.map((l) => (
                    <option key={l.id} value={l.id}>
                      {l.label}
                    </option>
                  ))}
                </select>
              </Field>
            </div>
            <div className="form-actions">
              <Button type="submit" variant="primary" loading={saving} disabled={!trimmed || !dirty} data-testid="profile-save">
                {t('save')}
              </Button>
            </div>
          </form>
        </section>

        <section className="card">
          <div className="card-header">
            <h2>{t('passwordTitle')}</h2>
          </div>
          <form className="card-body stack" onSubmit={changePassword}>
            <p className="muted small">{t('passwordHint')}</p>
            <input type="email" autoComplete="username" value={user.email} readOnly hidden />
            <Field label={t('currentPassword')}>
              <input
                type="password"
                autoComplete="current-password"
                value={current}
                onChange={(e) => {
                  setCurrent(e.target.value);
                  setNextRefused(null);
                }}
                required
              />
            </Field>
            <div className="grid-2">
              <Field label={t('newPassword')} error={next && next.length < 10 ? t('tooShort') : nextRefused ? <ErrorMessage error={nextRefused} /> : undefined}>
                <input
                  type="password"
                  autoComplete="new-password"
                  value={next}
                  onChange={(e) => {
                    setNext(e.target.value);
                    setNextRefused(null);
                  }}
                  aria-invalid={nextRefused ? true : undefined}
                  required
                />
              </Field>
              <Field label={t('repeatPassword')} error={repeat && repeat !== next ? t('mismatch') : undefined}>
                <input type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} required />
              </Field>
            </div>
            <div className="form-actions">
              <Button type="submit" loading={changing} disabled={!current || next.length < 10 || next !== repeat}>
                {t('changePassword')}
              </Button>
            </div>
          </form>
        </section>
      </div>
    </div>
  );
}
