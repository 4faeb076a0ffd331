//! Platform administration of plans: their resource limits and the features they include.
import { useState } from 'react';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { ConfirmDialog, Empty, ErrorNote, FormDialog, FormField, LoadedList, PageHeader, useFormat, useLoad, useNotice } from './common';
import { m } from './messages';

type Plan = Schemas['Plan'];
type Limits = Schemas['PlanLimits'];
type Features = Schemas['PlanFeatures'];
type Tenant = Schemas['Tenant'];

const LIMITS: (keyof Limits)[] = ['users', 'connections', 'queues', 'flows', 'plugins', 'campaign_recipients'];
/** The features shown and edited. */
const FEATURES: (keyof Features)[] = ['campaigns', 'plugins', 'api_access', 'webhooks'];
const MAX_LIMIT = 1_000_000;
/** The most a limit may be: campaign recipients are counted per month, so they go higher. */
const maxOf = (k: keyof Limits) => (k === 'campaign_recipients' ? 100_000_000 : MAX_LIMIT);
/** A new plan's limits. */
const NEW_LIMITS: Limits = { users: 5, connections: 1, queues: 5, flows: 10, plugins: 0, campaign_recipients: 10_000 };

export function PlansPage() {
  const t = useT(m);
  const fmt = useFormat();
  const say = useNotice();
  const plans = useLoad(() => api<Plan[]>('GET', '/api/platform/plans'), []);
  const tenants = useLoad(() => api<Tenant[]>('GET', '/api/platform/tenants').catch(() => [] as Tenant[]), []);
  const [editing, setEditing] = useState<Plan | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Plan | null>(null);
  const tenantsOn = (id: string) => (tenants.data ?? []).filter((x) => x.plan_id === id).length;

  return (
    <div className="page adm" data-testid="plans-page">
      <PageHeader
        title={t('plansTitle')}
        subtitle={t('plansSubtitle')}
        actions={
          <button className="btn btn-primary" onClick={() => setEditing('new')} data-testid="plan-new">
            {t('planNew')}
          </button>
        }
      />
      <ErrorNote error={plans.error} onRetry={plans.reload} />
      <LoadedList loaded={plans} empty={<Empty title={t('plansEmpty')} testId="plans-empty" />}>
        {(items) => (
          <ul className="adm-cards" data-testid="plans-list">
            {items.map((p) => (
              <li key={p.id} className="card adm-card" data-testid="plan-item">
                <div className="adm-card-head">
                  <h2 className="adm-card-title">{p.name}</h2>
                  <span className="badge">{t('tenantsCount', { n: tenantsOn(p.id) })}</span>
                </div>
                <dl className="adm-limits">
                  {LIMITS.map((k) => (
                    <div key={k}>
                      <dt>{t(`limit_${k}` as 'limit_users')}</dt>
                      <dd>{fmt.number(p.limits[k] ?? NEW_LIMITS[k])}</dd>
                    </div>
                  ))}
                </dl>
                <ul className="adm-features" aria-label={t('features')}>
                  {FEATURES.map((k) => (
                    <li key={k} className={p.features[k] ? 'adm-feature-on' : 'adm-feature-off'}>
                      <span aria-hidden="true">{p.features[k] ? '✓' : '✕'}</span> {t(`feature_${k}` as 'feature_plugins')}
                      <span className="sr-only">{p.features[k] ? t('included') : t('notIncluded')}</span>
                    </li>
                  ))}
                </ul>
                <div className="row adm-card-actions">
                  <button className="btn" onClick={() => setEditing(p)} aria-label={t('editNamed', { name: p.name })}>
                    {t('edit')}
                  </button>
                  <button className="btn adm-btn-danger-ghost" onClick={() => setDeleting(p)} aria-label={t('deleteNamed', { name: p.name })}>
                    {t('delete')}
                  </button>
                </div>
              </li>
            ))}
          </ul>
        )}
      </LoadedList>
      {editing && (
        <PlanDialog
          plan={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={(msg) => {
            setEditing(null);
            say(msg);
            void plans.reload();
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={t('planDeleteTitle')}
          text={t('planDeleteText', { name: deleting.name })}
          confirmLabel={t('delete')}
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await api('DELETE', `/api/platform/plans/${deleting.id}`);
            say(t('deleted'));
            void plans.reload();
          }}
        />
      )}
    </div>
  );
}

function PlanDialog({ plan, onClose, onSaved }: { plan: Plan | null; onClose: () => void; onSaved: (msg: string) => void }) {
  const t = useT(m);
  const [name, setName] = useState(plan?.name ?? '');
  const [limits, setLimits] = useState<Record<keyof Limits, string>>(() => {
    const base: Limits = { ...NEW_LIMITS, ...plan?.limits };
    return Object.fromEntries(LIMITS.map((k) => [k, String(base[k] ?? NEW_LIMITS[k])])) as Record<keyof Limits, string>;
  });
  // Every flag, any the page does not know of included, so saving sends them back unchanged.
  const [features, setFeatures] = useState<Features>(() => ({ campaigns: false, plugins: false, api_access: false, webhooks: false, ...plan?.features }));
  const [errors, setErrors] = useState<Record<string, string>>({});

  const save = async () => {
    const e: Record<string, string> = {};
    if (!name.trim()) e.name = t('required');
    else if (name.trim().length > 80) e.name = t('maxChars', { n: 80 });
    for (const k of LIMITS) {
      const v = limits[k].trim();
      if (!/^\d+$/.test(v) || Number(v) > maxOf(k)) e[k] = t('intRange', { min: 0, max: maxOf(k) });
    }
    setErrors(e);
    if (Object.keys(e).length) return;
    const body = {
      name: name.trim(),
      limits: Object.fromEntries(LIMITS.map((k) => [k, Number(limits[k])])) as Limits,
      features,
    };
    if (plan) await api('PATCH', `/api/platform/plans/${plan.id}`, { body });
    else await api('POST', '/api/platform/plans', { body });
    onSaved(plan ? t('saved') : t('planCreated', { name: body.name }));
  };

  return (
    <FormDialog title={plan ? t('planEdit') : t('planNew')} onClose={onClose} onSubmit={save} wide testId="plan-dialog">
      <FormField label={t('name')} error={errors.name}>
        {(p) => <input {...p} value={name} maxLength={80} onChange={(e) => setName(e.target.value)} autoFocus data-testid="plan-name" />}
      </FormField>
      <fieldset className="adm-fieldset">
        <legend>{t('limits')}</legend>
        {plan && <p className="muted small">{t('limitsHint')}</p>}
        <div className="grid-3">
          {LIMITS.map((k) => (
            <FormField key={k} label={t(`limit_${k}` as 'limit_users')} hint={k === 'campaign_recipients' ? t('limit_campaign_recipients_hint') : undefined} error={errors[k]}>
              {(p) => (
                <input
                  {...p}
                  type="number"
                  min={0}
                  max={maxOf(k)}
                  inputMode="numeric"
                  value={limits[k]}
                  onChange={(e) => setLimits((l) => ({ ...l, [k]: e.target.value }))}
                  data-testid={`plan-limit-${k}`}
                />
              )}
            </FormField>
          ))}
        </div>
      </fieldset>
      <fieldset className="adm-fieldset">
        <legend>{t('features')}</legend>
        <div className="adm-check-grid">
          {FEATURES.map((k) => (
            <label key={k} className="adm-check">
              <input type="checkbox" data-testid={`plan-feature-${k}`} checked={features[k]} onChange={(e) => setFeatures((f) => ({ ...f, [k]: e.target.checked }))} />
              {t(`feature_${k}` as 'feature_plugins')}
            </label>
          ))}
        </div>
      </fieldset>
    </FormDialog>
  );
}
