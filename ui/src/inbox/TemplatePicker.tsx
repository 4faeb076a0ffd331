//! Picking an approved WhatsApp template of a Cloud API number and filling its variables, as
//! "New conversation" and the composer's "Template" dialog both do: the number's templates
//! (`GET /api/connections/{id}/templates`, the ones that can be sent first; the others shown
//! disabled with the reason), one input per `{{n}}` of the chosen one and a live preview of
//! its filled body. A number without templates says so; an admin may bring them from Meta
//! (`POST /api/connections/{id}/templates/sync`), other roles are told to ask one.
import { useEffect, useState } from 'react';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { hasRole, useAuth } from '../shell/auth';
import { Badge, Button, ErrorMessage, Field, Spinner, useToast } from '../shell/ui';
import { inboxText, type InboxKey } from './messages';

export type Template = Schemas['MessageTemplate'];

/** A template chosen (or not yet) and the values typed for its `{{1}}`, `{{2}}`… */
export interface TemplateChoice {
  template: Template | null;
  variables: string[];
}

export const NO_TEMPLATE: TemplateChoice = { template: null, variables: [] };

const templateKey = (x: Pick<Template, 'name' | 'language'>) => `${x.name}\u0000${x.language}`;

/** Whether the platform can send `x`: approved by Meta, and nothing in it it cannot fill. */
const sendable = (x: Template) => x.status.toUpperCase() === 'APPROVED' && !x.unsupported;

/** The ones that can be sent first, then by name. */
const ordered = (list: Template[]) => [...list].sort((a, b) => Number(sendable(b)) - Number(sendable(a)) || a.name.localeCompare(b.name) || a.language.localeCompare(b.language));

type T = (k: InboxKey, v?: Record<string, string | number>) => string;

/** Why a template cannot be sent, or undefined when it can. */
function templateProblem(x: Template, t: T): string | undefined {
  if (x.status.toUpperCase() !== 'APPROVED') return t('tplNotApproved', { status: x.status });
  if (x.unsupported) return t('tplUnsupported', { reason: x.unsupported });
  return undefined;
}

/** A template's body with its `{{n}}` replaced by the values typed so far. */
export function fillTemplate(body: string, values: string[]): string {
  return body.replace(/\{\{\s*(\d+)\s*\}\}/g, (all, n: string) => values[Number(n) - 1]?.trim() || all);
}

/** What keeps `c` from being sent (no template, or a variable left empty), in words; undefined when nothing does. */
export function choiceProblem(c: TemplateChoice, t: T): string | undefined {
  if (!c.template) return t('tplPick');
  if (c.variables.some((v) => !v.trim())) return t('tplFillVariables');
  return undefined;
}

/** The request's `template` for a choice (none before a template is chosen). */
export function templateUse(c: TemplateChoice): Schemas['TemplateUse'] | undefined {
  return c.template ? { name: c.template.name, language: c.template.language, variables: c.variables.map((v) => v.trim()) } : undefined;
}

export interface TemplatePickerProps {
  /** The Cloud API number whose templates are offered. */
  connectionId: string;
  value: TemplateChoice;
  onChange: (c: TemplateChoice) => void;
  /** Show what is missing (after a first try to send). */
  showErrors: boolean;
  /** Prefix of the `data-testid`s: `<prefix>-templates`, `<prefix>-template`, `<prefix>-variable-1`… */
  testId: string;
}

export function TemplatePicker({ connectionId, value, onChange, showErrors, testId }: TemplatePickerProps) {
  const t = useT(inboxText);
  const toast = useToast();
  const admin = hasRole(useAuth().user, 'admin');
  const [templates, setTemplates] = useState<Template[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [syncing, setSyncing] = useState(false);
  const [syncError, setSyncError] = useState<unknown>(null);

  useEffect(() => {
    setTemplates(null);
    setError(null);
    setSyncError(null);
    let alive = true;
    api<Template[]>('GET', `/api/connections/${connectionId}/templates`).then(
      (list) => alive && setTemplates(ordered(list)),
      (e) => alive && setError(e),
    );
    return () => {
      alive = false;
    };
  }, [connectionId]);

  const chosenKey = value.template ? templateKey(value.template) : '';

  const pick = (x: Template) => onChange({ template: x, variables: Array.from({ length: x.variables }, (_, i) => value.variables[i] ?? '') });

  const sync = async () => {
    setSyncing(true);
    setSyncError(null);
    try {
      const fresh = ordered(await api<Template[]>('POST', `/api/connections/${connectionId}/templates/sync`));
      setTemplates(fresh);
      setError(null);
      toast.success(t('tplSynced', { n: fresh.length }));
      // The chosen one goes when Meta no longer has it as it was picked.
      if (value.template) {
        const now = fresh.find((x) => templateKey(x) === chosenKey);
        if (!now || !sendable(now) || now.variables !== value.template.variables) onChange(NO_TEMPLATE);
      }
    } catch (e) {
      setSyncError(e);
    } finally {
      setSyncing(false);
    }
  };

  /** In the empty state a plain button; under the list, a quiet one with a hint. */
  const syncButton = (first: boolean) => (
    <Button
      size="sm"
      variant={first ? 'secondary' : 'ghost'}
      loading={syncing}
      onClick={() => void sync()}
      title={first ? undefined : t('tplSyncHint')}
      data-testid={`${testId}-sync`}
    >
      {t('tplSync')}
    </Button>
  );

  const problem = showErrors ? choiceProblem(value, t) : undefined;
  const template = value.template;

  return (
    <div className="stack gap-sm template-picker">
      {error ? (
        <span className="error-text">
          <ErrorMessage error={error} />
        </span>
      ) : !templates ? (
        <Spinner inline />
      ) : templates.length === 0 ? (
        <div className="template-none" data-testid={`${testId}-no-templates`}>
          <span className="stack" style={{ gap: 2 }}>
            <span className="strong">{t('tplNone')}</span>
            <span className="small muted">{admin ? t('tplNoneAdmin') : t('tplNoneAsk')}</span>
          </span>
          {admin ? syncButton(true) : null}
        </div>
      ) : (
        <>
          <div className="agent-options template-options" role="radiogroup" aria-label={t('tplList')} data-testid={`${testId}-templates`}>
            {templates.map((x) => {
              const why = templateProblem(x, t);
              const selected = templateKey(x) === chosenKey;
              return (
                <label
                  key={templateKey(x)}
                  className={['agent-option', selected && 'is-selected', why && 'is-disabled'].filter(Boolean).join(' ')}
                  data-testid={`${testId}-template`}
                  data-name={x.name}
                  data-language={x.language}
                  data-disabled={!!why}
                >
                  <input type="radio" name={`${testId}-template`} disabled={!!why} checked={selected} onChange={() => pick(x)} />
                  <span className="grow stack" style={{ gap: 2, minWidth: 0 }}>
                    <span className="row gap-sm wrap">
                      <span className="strong">{x.name}</span>
                      <Badge>{x.language}</Badge>
                      {x.category ? <span className="small muted">{x.category}</span> : null}
                    </span>
                    <span className="small muted template-body">{x.body}</span>
                    {why ? (
                      <span className="small template-problem" data-testid={`${testId}-template-problem`}>
                        {why}
                      </span>
                    ) : null}
                  </span>
                </label>
              );
            })}
          </div>
          {admin ? <div className="row template-sync">{syncButton(false)}</div> : null}
        </>
      )}
      {syncError ? (
        <span className="error-text" role="alert" data-testid={`${testId}-sync-error`}>
          <ErrorMessage error={syncError} />
        </span>
      ) : null}
      {problem && !template ? <span className="error-text">{problem}</span> : null}
      {template && template.variables > 0 ? (
        <div className="stack gap-sm" data-testid={`${testId}-variables`}>
          <div className="grid-2">
            {value.variables.map((v, i) => (
              <Field key={i} label={t('tplVariable', { n: i + 1 })}>
                <input
                  value={v}
                  onChange={(e) => onChange({ template, variables: value.variables.map((x, j) => (j === i ? e.target.value : x)) })}
                  aria-invalid={showErrors && !v.trim() ? true : undefined}
                  data-testid={`${testId}-variable-${i + 1}`}
                />
              </Field>
            ))}
          </div>
          {problem ? <span className="error-text">{problem}</span> : null}
        </div>
      ) : null}
      {template ? (
        <div className="template-preview" data-testid={`${testId}-preview`}>
          <span className="field-label">{t('tplPreview')}</span>
          <div className="bubble">{fillTemplate(template.body, value.variables)}</div>
        </div>
      ) : null}
    </div>
  );
}
