//! The centred card the signed-out pages share, with the theme toggle and language picker.
import type { ReactNode } from 'react';
import { LANGS, useLang, useT, type Lang } from '../i18n';
import { Icons } from '../shell/icons';
import { shellText } from '../shell/messages';
import { useTheme } from '../shell/theme';
import { IconButton } from '../shell/ui';

export function AuthFrame({ title, subtitle, children }: { title: string; subtitle?: string; children: ReactNode }) {
  const { lang, setLang } = useLang();
  const [theme, toggle] = useTheme();
  const t = useT(shellText);
  return (
    <div className="auth-page">
      <main className="card auth-card">
        <div className="row">
          <div className="brand grow">
            <span className="brand-mark" aria-hidden="true">
              T
            </span>
            TucanLink
          </div>
          <IconButton label={theme === 'dark' ? t('themeLight') : t('themeDark')} onClick={toggle}>
            {theme === 'dark' ? <Icons.sun /> : <Icons.moon />}
          </IconButton>
          <select className="select" style={{ width: 'auto', height: 32 }} aria-label={t('language')} value={lang} onChange={(e) => setLang(e.target.value as Lang)}>
            {LANGS.map((l) => (
              <option key={l.id} value={l.id}>
                {l.label}
              </option>
            ))}
          </select>
        </div>
        <div className="stack gap-sm">
          <h1>{title}</h1>
          {subtitle ? <p className="muted">{subtitle}</p> : null}
        </div>
        {children}
      </main>
    </div>
  );
}
