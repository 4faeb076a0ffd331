//! The company's settings, each drawn by its type (switch, number, text, choice); changed ones
//! are saved together with one PATCH, which checks them all before writing any. The AI
//! provider, kept apart from the settings, has its own card below them.
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { AiProviderCard } from './AiProviderCard';
import { ErrorNote, Loading, PageHeader, useLoad, useNotice } from './common';
import { choiceLabel, m, settingText, type Tr } from './messages';

type Setting = Schemas['Setting'];

/** Bounds the server enforces for integer settings (the API does not publish them). */
const INT_BOUNDS: Record<string, [number, number]> = { ticket_reopen_window_minutes: [0, 10080] };
/** Text settings written as several lines. */
const LONG_TEXT = /message|greeting|farewell/;

export function SettingsPage() {
  const t = useT(m);
  const say = useNotice();
  const settings = useLoad(() => api<Setting[]>('GET', '/api/settings'), []);
  const [draft, setDraft] = useState<Record<string, unknown>>({});
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>(undefined);

  useEffect(() => {
    setDraft({});
  }, [settings.data]);

  const list = settings.data ?? [];
  const valueOf = (s: Setting) => (s.key in draft ? draft[s.key] : s.value);
  const change = (s: Setting, v: unknown) =>
    setDraft((d) => {
      const n = { ...d };
      if (JSON.stringify(v) === JSON.stringify(s.value)) delete n[s.key];
      else n[s.key] = v;
      return n;
    });

  const problemOf = (s: Setting): string | undefined => {
    const v = valueOf(s);
    if (s.type === 'integer') {
      if (typeof v !== 'number' || !Number.isInteger(v)) return t('integerRequired');
      const b = INT_BOUNDS[s.key];
      if (b && (v < b[0] || v > b[1])) return t('intRange', { min: b[0], max: b[1] });
    }
    if (s.type === 'text' && typeof v === 'string' && v.length > 4096) return t('maxChars', { n: 4096 });
    return undefined;
  };
  const changed = Object.keys(draft);
  const invalid = list.some((s) => s.key in draft && problemOf(s));

  const save = async () => {
    if (invalid || changed.length === 0) return;
    setSaving(true);
    setSaveError(undefined);
    try {
      const fresh = await api<Setting[]>('PATCH', '/api/settings', { body: draft });
      settings.setData(() => fresh);
      say(t('settingsSaved', { n: changed.length }));
    } catch (e) {
      setSaveError(e);
    } finally {
      setSaving(false);
    }
  };

  return (
    <div className="page adm" data-testid="settings-page">
      <PageHeader title={t('settingsTitle')} subtitle={t('settingsSubtitle')} />
      <ErrorNote error={settings.error} onRetry={settings.reload} />
      {settings.loading && !settings.data ? (
        <Loading />
      ) : (
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <ul className="card adm-settings" data-testid="settings-list">
            {list.map((s) => {
              const { label, hint } = settingText(t, s.key, s.description);
              const v = valueOf(s);
              const id = `setting-${s.key}`;
              const problem = problemOf(s);
              const isDefault = JSON.stringify(v) === JSON.stringify(s.default);
              return (
                <li key={s.key} className={s.key in draft ? 'adm-setting adm-setting-dirty' : 'adm-setting'} data-testid={`setting-${s.key}`}>
                  <div className="adm-setting-text">
                    <label htmlFor={id} className="adm-setting-label">
                      {label}
                    </label>
                    <p id={`${id}-hint`} className="muted small">
                      {hint}
                    </p>
                    <code className="adm-setting-key">{s.key}</code>
                  </div>
                  <div className="adm-setting-control">
                    {s.type === 'bool' ? (
                      <label className="adm-switch">
                        <input id={id} type="checkbox" role="switch" aria-describedby={`${id}-hint`} checked={v === true} onChange={(e) => change(s, e.target.checked)} />
                        <span className="adm-switch-track" aria-hidden="true" />
                        <span>{v === true ? t('on') : t('off')}</span>
                      </label>
                    ) : s.type === 'integer' ? (
                      <input
                        id={id}
                        type="number"
                        inputMode="numeric"
                        className="adm-num"
                        aria-describedby={`${id}-hint`}
                        aria-invalid={problem ? true : undefined}
                        min={INT_BOUNDS[s.key]?.[0]}
                        max={INT_BOUNDS[s.key]?.[1]}
                        value={typeof v === 'number' ? v : String(v ?? '')}
                        onChange={(e) => change(s, e.target.value === '' ? '' : Number(e.target.value))}
                      />
                    ) : s.type === 'choice' ? (
                      <select id={id} aria-describedby={`${id}-hint`} value={String(v)} onChange={(e) => change(s, e.target.value)}>
                        {s.choices.map((c) => (
                          <option key={c} value={c}>
                            {choiceLabel(t, c)}
                          </option>
                        ))}
                      </select>
                    ) : s.type === 'text' ? (
                      LONG_TEXT.test(s.key) ? (
                        <textarea id={id} rows={3} aria-describedby={`${id}-hint`} aria-invalid={problem ? true : undefined} value={String(v ?? '')} onChange={(e) => change(s, e.target.value)} />
                      ) : (
                        <input id={id} aria-describedby={`${id}-hint`} aria-invalid={problem ? true : undefined} value={String(v ?? '')} onChange={(e) => change(s, e.target.value)} />
                      )
                    ) : s.type === 'schedule' ? (
                      <div className="stack">
                        <span id={id} className="muted small">
                          {scheduleSummary(v, t)}
                        </span>
                        <Link className="btn" to="/admin/business-hours">
                          {t('editHours')}
                        </Link>
                      </div>
                    ) : (
                      <code id={id}>{JSON.stringify(v)}</code>
                    )}
                    {problem && <small className="error-text">{problem}</small>}
                    {!isDefault && s.type !== 'schedule' && (
                      <button type="button" className="link-btn" onClick={() => change(s, s.default)}>
                        {t('resetDefault')}
                      </button>
                    )}
                  </div>
                </li>
              );
            })}
          </ul>
          <ErrorNote error={saveError} />
          <div className={changed.length ? 'adm-savebar adm-savebar-show' : 'adm-savebar'} aria-live="polite">
            <span>{changed.length ? t('unsavedCount', { n: changed.length }) : t('noChanges')}</span>
            <button type="button" className="btn" disabled={!changed.length || saving} onClick={() => setDraft({})}>
              {t('discard')}
            </button>
            <button type="submit" className="btn btn-primary" disabled={!changed.length || saving || invalid} data-testid="settings-save">
              {saving ? t('saving') : t('saveChanges')}
            </button>
          </div>
        </form>
      )}
      <AiProviderCard />
    </div>
  );
}

function scheduleSummary(v: unknown, t: Tr) {
  const s = (v ?? {}) as { week?: Record<string, string[]>; holidays?: string[] };
  const days = Object.values(s.week ?? {}).filter((l) => l.length > 0).length;
  return days === 0 ? t('hoursNotSet') : t('hoursSummary', { days, holidays: s.holidays?.length ?? 0 });
}
