//! The campaign's optional template for customers whose 24-hour window is closed, offered
//! when a Cloud API number is picked: the number's templates
//! (`GET /api/connections/{id}/templates`; the approved ones can be picked, the others are
//! shown disabled with the reason), one input per `{{n}}` of the chosen one (fixed text, or
//! `{{contact.name}}` and custom fields filled in per recipient, like the variants) and a
//! preview of its body. An admin may bring the number's templates from Meta.
import { useEffect, useState } from 'react';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { ErrorNote, FormField } from '../admin/common';
import { hasRole, useAuth } from '../shell/auth';
import { Button, Spinner } from '../shell/ui';
import { cText } from './messages';
import type { Connection } from './parts';
import type { TemplateUse } from './plan';

type Template = Schemas['MessageTemplate'];

const keyOf = (x: Pick<Template, 'name' | 'language'>) => `${x.name}\u0000${x.language}`;

/** Why the platform cannot send `x`, or undefined when it can. */
function whyNot(x: Template): 'templateNotApproved' | 'templateUnsupported' | undefined {
  if (x.status.toUpperCase() !== 'APPROVED') return 'templateNotApproved';
  if (x.unsupported) return 'templateUnsupported';
  return undefined;
}

/** The sendable ones first, then by name and language. */
const ordered = (list: Template[]) => [...list].sort((a, b) => Number(!whyNot(b)) - Number(!whyNot(a)) || a.name.localeCompare(b.name) || a.language.localeCompare(b.language));

export function TemplateField({
  connection,
  cloudCount,
  value,
  onChange,
  problem,
}: {
  /** The first Cloud API number picked: its templates are offered. */
  connection: Connection;
  /** How many Cloud API numbers are picked (the template must be approved on each). */
  cloudCount: number;
  value: TemplateUse | null;
  onChange: (v: TemplateUse | null) => void;
  /** Shown after a first try to save. */
  problem?: string;
}) {
  const t = useT(cText);
  const admin = hasRole(useAuth().user, 'admin');
  const [templates, setTemplates] = useState<Template[] | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [syncing, setSyncing] = useState(false);

  useEffect(() => {
    let alive = true;
    setTemplates(null);
    setError(undefined);
    api<Template[]>('GET', `/api/connections/${connection.id}/templates`).then(
      (list) => alive && setTemplates(ordered(list)),
      (e) => alive && setError(e),
    );
    return () => {
      alive = false;
    };
  }, [connection.id]);

  const sync = async () => {
    setSyncing(true);
    setError(undefined);
    try {
      setTemplates(ordered(await api<Template[]>('POST', `/api/connections/${connection.id}/templates/sync`)));
    } catch (e) {
      setError(e);
    } finally {
      setSyncing(false);
    }
  };

  const chosenKey = value ? keyOf(value) : '';
  const chosen = templates?.find((x) => keyOf(x) === chosenKey);
  const pick = (key: string) => {
    const x = templates?.find((y) => keyOf(y) === key);
    if (!x) return onChange(null);
    onChange({ name: x.name, language: x.language, variables: Array.from({ length: x.variables }, (_, i) => value?.variables[i] ?? '') });
  };
  const setVariable = (i: number, v: string) => value && onChange({ ...value, variables: value.variables.map((x, j) => (j === i ? v : x)) });
  const preview = chosen ? chosen.body.replace(/\{\{\s*(\d+)\s*\}\}/g, (all, n: string) => value?.variables[Number(n) - 1]?.trim() || all) : '';

  return (
    <fieldset className="adm-fieldset card" data-testid="campaign-template" data-connection-id={connection.id}>
      <legend>{t('templateTitle')}</legend>
      <p className="muted small">{t('templateHint')}</p>
      <ErrorNote error={error} />
      {!templates && !error ? (
        <Spinner inline />
      ) : templates && templates.length === 0 ? (
        <div className="row wrap" data-testid="campaign-template-none">
          <span className="muted">{t('templateNoTemplates', { name: connection.name })}</span>
          {admin ? (
            <Button size="sm" loading={syncing} onClick={() => void sync()} data-testid="campaign-template-sync">
              {t('templateSync')}
            </Button>
          ) : (
            <span className="muted small">{t('templateAskAdmin')}</span>
          )}
        </div>
      ) : templates ? (
        <>
          <FormField label={t('template')} hint={cloudCount > 1 ? t('templateEveryNumber', { name: connection.name }) : t('templateOf', { name: connection.name })}>
            {(p) => (
              <select {...p} value={chosenKey} onChange={(e) => pick(e.target.value)} data-testid="campaign-template-select">
                <option value="">{t('templateNone')}</option>
                {templates.map((x) => {
                  const why = whyNot(x);
                  return (
                    <option key={keyOf(x)} value={keyOf(x)} disabled={!!why && keyOf(x) !== chosenKey}>
                      {t('templateOption', { name: x.name, language: x.language })}
                      {why ? ` — ${t(why, { status: x.status, reason: x.unsupported ?? '' })}` : ''}
                    </option>
                  );
                })}
                {value && !chosen ? <option value={chosenKey}>{t('templateGone', { name: value.name, language: value.language })}</option> : null}
              </select>
            )}
          </FormField>
          {admin ? (
            <div className="row">
              <Button size="sm" variant="ghost" loading={syncing} onClick={() => void sync()} title={t('templateSyncHint')} data-testid="campaign-template-sync">
                {t('templateSync')}
              </Button>
            </div>
          ) : null}
        </>
      ) : null}
      {value && value.variables.length > 0 ? (
        <div className="stack gap-sm" data-testid="campaign-template-variables">
          <p className="muted small">{t('templateVariablesHint')}</p>
          <div className="grid-2">
            {value.variables.map((v, i) => (
              <FormField key={i} label={t('templateVariable', { n: i + 1 })} error={problem && !v.trim() ? problem : undefined}>
                {(p) => <input {...p} value={v} onChange={(e) => setVariable(i, e.target.value)} data-testid={`campaign-template-variable-${i + 1}`} />}
              </FormField>
            ))}
          </div>
        </div>
      ) : null}
      {chosen ? (
        <div className="template-preview" data-testid="campaign-template-preview">
          <span className="field-label">{t('templatePreview')}</span>
          <div className="bubble">{preview}</div>
        </div>
      ) : null}
    </fieldset>
  );
}
