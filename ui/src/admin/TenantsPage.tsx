//! Platform administration of tenants: create one with its plan and first admin, edit it,
//! suspend or reactivate it. The time zone and the country are picked from lists (the IANA
//! zones the browser knows, the ISO 3166-1 countries named in the user's language).
import { useMemo, useState } from 'react';
import { api, type Schemas } from '../api/client';
import { useLang, useT } from '../i18n';
import { useDescribeError } from '../shell/ui';
import {
  AdminTable,
  ConfirmDialog,
  EMAIL,
  Empty,
  errorField,
  ErrorNote,
  FormDialog,
  FormField,
  LoadedList,
  PageHeader,
  passwordProblem,
  timeZones,
  useFormat,
  useLoad,
  useNotice,
} from './common';
import { m } from './messages';
import { countries, isCountry, timeZoneOf } from './places';

type Tenant = Schemas['Tenant'];
type Plan = Schemas['Plan'];
type CreatedTenant = Schemas['CreatedTenant'];

/** The form's field for each request field the API may name in an error. */
const FORM_FIELD = new Map([
  ['name', 'name'],
  ['plan_id', 'plan'],
  ['timezone', 'timezone'],
  ['country', 'country'],
  ['admin.name', 'adminName'],
  ['admin.email', 'adminEmail'],
  ['admin.password', 'adminPassword'],
]);

export function TenantsPage() {
  const t = useT(m);
  const fmt = useFormat();
  const say = useNotice();
  const tenants = useLoad(() => api<Tenant[]>('GET', '/api/platform/tenants'), []);
  const plans = useLoad(() => api<Plan[]>('GET', '/api/platform/plans'), []);
  const [editing, setEditing] = useState<Tenant | 'new' | null>(null);
  const [suspending, setSuspending] = useState<Tenant | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const [filter, setFilter] = useState('');
  const planName = (id: string) => plans.data?.find((p) => p.id === id)?.name ?? id;

  const setStatus = async (tn: Tenant, status: Tenant['status']) => {
    const updated = await api<Tenant>('PATCH', `/api/platform/tenants/${tn.id}`, { body: { status } });
    tenants.setData((l) => l?.map((x) => (x.id === tn.id ? updated : x)));
    say(status === 'active' ? t('tenantActivated', { name: tn.name }) : t('tenantSuspended', { name: tn.name }));
  };

  const activate = async (tn: Tenant) => {
    setBusy(tn.id);
    setActionError(undefined);
    try {
      await setStatus(tn, 'active');
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(null);
    }
  };

  const f = filter.trim().toLowerCase();
  const shown = (tenants.data ?? []).filter((x) => !f || x.name.toLowerCase().includes(f) || x.id.toLowerCase().includes(f));

  return (
    <div className="page adm" data-testid="tenants-page">
      <PageHeader
        title={t('tenantsTitle')}
        subtitle={t('tenantsSubtitle')}
        actions={
          <button className="btn btn-primary" onClick={() => setEditing('new')} disabled={!plans.data?.length} data-testid="tenant-new">
            {t('tenantNew')}
          </button>
        }
      />
      <ErrorNote error={tenants.error ?? plans.error} onRetry={() => (tenants.reload(), plans.reload())} />
      <ErrorNote error={actionError} />
      {plans.data?.length === 0 && <p className="adm-hint-box">{t('tenantsNeedPlan')}</p>}
      {tenants.data && tenants.data.length > 3 && (
        <div className="toolbar">
          <input type="search" className="adm-search" placeholder={t('tenantsFilter')} aria-label={t('tenantsFilter')} value={filter} onChange={(e) => setFilter(e.target.value)} />
        </div>
      )}
      <LoadedList loaded={tenants} empty={<Empty title={t('tenantsEmpty')} testId="tenants-empty" />}>
        {() => (
          <AdminTable
            testId="tenants-table"
            columns={[t('name'), t('plan'), t('status'), t('timezone'), t('country'), t('createdAt')]}
            actions
            after={shown.length === 0 && <p className="muted adm-pad">{t('noMatches')}</p>}
          >
            {shown.map((tn) => (
              <tr key={tn.id} data-testid="tenant-row">
                <td>
                  <span data-testid="tenant-name">{tn.name}</span>
                  <div className="muted small">
                    <code>{tn.id}</code>
                  </div>
                </td>
                <td>{planName(tn.plan_id)}</td>
                <td>
                  <span className={tn.status === 'active' ? 'badge badge-success' : 'badge badge-danger'} data-testid="tenant-status">
                    {tn.status === 'active' ? t('active') : t('suspended')}
                  </span>
                </td>
                <td>{tn.timezone}</td>
                <td>{tn.country}</td>
                <td>{fmt.date(tn.created_at)}</td>
                <td className="adm-row-actions">
                  <button className="btn" onClick={() => setEditing(tn)} aria-label={t('editNamed', { name: tn.name })}>
                    {t('edit')}
                  </button>
                  {tn.status === 'active' ? (
                    <button className="btn adm-btn-danger-ghost" onClick={() => setSuspending(tn)} data-testid="tenant-suspend">
                      {t('suspend')}
                    </button>
                  ) : (
                    <button className="btn" onClick={() => activate(tn)} disabled={busy === tn.id} data-testid="tenant-activate">
                      {t('activate')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </AdminTable>
        )}
      </LoadedList>
      {editing && (
        <TenantDialog
          tenant={editing === 'new' ? null : editing}
          plans={plans.data ?? []}
          onClose={() => setEditing(null)}
          onSaved={(msg) => {
            setEditing(null);
            say(msg);
            void tenants.reload();
          }}
        />
      )}
      {suspending && (
        <ConfirmDialog
          title={t('tenantSuspendTitle')}
          text={t('tenantSuspendText', { name: suspending.name })}
          confirmLabel={t('suspend')}
          onClose={() => setSuspending(null)}
          onConfirm={() => setStatus(suspending, 'suspended')}
        />
      )}
    </div>
  );
}

function TenantDialog({ tenant, plans, onClose, onSaved }: { tenant: Tenant | null; plans: Plan[]; onClose: () => void; onSaved: (msg: string) => void }) {
  const t = useT(m);
  const { lang } = useLang();
  const describe = useDescribeError();
  const [name, setName] = useState(tenant?.name ?? '');
  const [planId, setPlanId] = useState(tenant?.plan_id ?? plans[0]?.id ?? '');
  const [timezone, setTimezone] = useState(tenant?.timezone ?? 'America/Sao_Paulo');
  const [country, setCountry] = useState(tenant?.country ?? 'BR');
  const [adminName, setAdminName] = useState('');
  const [adminEmail, setAdminEmail] = useState('');
  const [adminPassword, setAdminPassword] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const zones = useMemo(() => timeZones(), []);
  const countryList = useMemo(() => countries(lang), [lang]);

  const save = async () => {
    const e: Record<string, string> = {};
    if (!name.trim()) e.name = t('required');
    else if (name.trim().length > 120) e.name = t('maxChars', { n: 120 });
    if (!planId) e.plan = t('required');
    const typed = timezone.trim();
    const tz = typed === tenant?.timezone ? typed : (timeZoneOf(typed, zones) ?? '');
    if (!typed) e.timezone = t('required');
    else if (!tz) e.timezone = t('timezoneInvalid');
    if (!isCountry(country)) e.country = t('countryInvalid');
    if (!tenant) {
      if (!adminName.trim()) e.adminName = t('required');
      if (!EMAIL.test(adminEmail.trim())) e.adminEmail = t('emailInvalid');
      const p = passwordProblem(adminPassword);
      if (p) e.adminPassword = t(p);
    }
    setErrors(e);
    if (Object.keys(e).length) return;
    const base = { name: name.trim(), plan_id: planId, timezone: tz, country };
    try {
      if (tenant) {
        await api('PATCH', `/api/platform/tenants/${tenant.id}`, { body: base });
        onSaved(t('saved'));
      } else {
        const c = await api<CreatedTenant>('POST', '/api/platform/tenants', {
          body: { ...base, admin: { name: adminName.trim(), email: adminEmail.trim(), password: adminPassword } },
        });
        onSaved(t('tenantCreated', { name: c.tenant.name, email: c.admin.email }));
      }
    } catch (err) {
      const at = FORM_FIELD.get(errorField(err) ?? '');
      if (at) {
        const text = at === 'timezone' ? t('timezoneInvalid') : at === 'country' ? t('countryInvalid') : describe(err).text;
        setErrors({ [at]: text });
      }
      throw err;
    }
  };

  return (
    <FormDialog title={tenant ? t('tenantEdit') : t('tenantNew')} onClose={onClose} onSubmit={save} wide testId="tenant-dialog">
      <div className="grid-2">
        <FormField label={t('companyName')} error={errors.name}>
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} autoFocus data-testid="tenant-name-input" />}
        </FormField>
        <FormField label={t('plan')} error={errors.plan}>
          {(p) => (
            <select {...p} value={planId} onChange={(e) => setPlanId(e.target.value)} data-testid="tenant-plan">
              {plans.map((pl) => (
                <option key={pl.id} value={pl.id}>
                  {pl.name}
                </option>
              ))}
            </select>
          )}
        </FormField>
        <FormField label={t('timezone')} hint={t('timezoneCompanyHint')} error={errors.timezone}>
          {(p) => (
            <>
              <input
                {...p}
                list="adm-tenant-tz"
                autoComplete="off"
                spellCheck={false}
                value={timezone}
                onChange={(e) => setTimezone(e.target.value)}
                data-testid="tenant-timezone"
              />
              <datalist id="adm-tenant-tz">
                {zones.map((z) => (
                  <option key={z} value={z} />
                ))}
              </datalist>
            </>
          )}
        </FormField>
        <FormField label={t('country')} hint={t('countryHint')} error={errors.country}>
          {(p) => (
            <select {...p} value={country} onChange={(e) => setCountry(e.target.value)} data-testid="tenant-country">
              {!isCountry(country) && <option value={country}>{country}</option>}
              {countryList.map((c) => (
                <option key={c.code} value={c.code}>
                  {c.name} ({c.code})
                </option>
              ))}
            </select>
          )}
        </FormField>
      </div>
      {!tenant && (
        <fieldset className="adm-fieldset">
          <legend>{t('firstAdmin')}</legend>
          <div className="grid-2">
            <FormField label={t('name')} error={errors.adminName}>
              {(p) => <input {...p} value={adminName} onChange={(e) => setAdminName(e.target.value)} data-testid="tenant-admin-name" />}
            </FormField>
            <FormField label={t('email')} error={errors.adminEmail}>
              {(p) => <input {...p} type="email" value={adminEmail} onChange={(e) => setAdminEmail(e.target.value)} data-testid="tenant-admin-email" />}
            </FormField>
          </div>
          <FormField label={t('password')} hint={t('passwordHint')} error={errors.adminPassword}>
            {(p) => (
              <input
                {...p}
                type="password"
                autoComplete="new-password"
                value={adminPassword}
                onChange={(e) => setAdminPassword(e.target.value)}
                data-testid="tenant-admin-password"
              />
            )}
          </FormField>
        </fieldset>
      )}
    </FormDialog>
  );
}
