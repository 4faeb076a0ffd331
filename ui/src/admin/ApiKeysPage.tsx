//! API keys: create one with scopes (its secret is shown once, with a copy button), list, revoke.
import { useState } from 'react';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import {
  AdminTable,
  ConfirmDialog,
  Empty,
  ErrorNote,
  FormDialog,
  FormField,
  LoadedList,
  PageHeader,
  useFormat,
  useLoad,
  useNotice,
} from './common';
import { m } from './messages';
import { SecretDialog } from './SecretDialog';

type ApiKey = Schemas['ApiKey'];
type Scope = Schemas['Scope'];
type Created = Schemas['CreatedApiKey'];
type User = Schemas['User'];

/** Resources and the scopes each has (read, and write where there is one). */
const RESOURCES: { id: string; scopes: Scope[] }[] = [
  { id: 'contacts', scopes: ['contacts:read', 'contacts:write'] },
  { id: 'tags', scopes: ['tags:read', 'tags:write'] },
  { id: 'queues', scopes: ['queues:read', 'queues:write'] },
  { id: 'quick_replies', scopes: ['quick_replies:read', 'quick_replies:write'] },
  { id: 'tickets', scopes: ['tickets:read', 'tickets:write'] },
  { id: 'flows', scopes: ['flows:read', 'flows:write'] },
  { id: 'connections', scopes: ['connections:read', 'connections:write'] },
  { id: 'plugins', scopes: ['plugins:read', 'plugins:write'] },
  { id: 'settings', scopes: ['settings:read', 'settings:write'] },
  { id: 'campaigns', scopes: ['campaigns:read', 'campaigns:write'] },
  { id: 'users', scopes: ['users:read'] },
];
const ALL_SCOPES = RESOURCES.flatMap((r) => r.scopes);

export function ApiKeysPage() {
  const t = useT(m);
  const fmt = useFormat();
  const say = useNotice();
  const keys = useLoad(() => api<ApiKey[]>('GET', '/api/api-keys'), []);
  const users = useLoad(() => api<User[]>('GET', '/api/users').catch(() => [] as User[]), []);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<Created | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const who = (id: string) => users.data?.find((u) => u.id === id)?.name ?? id;

  return (
    <div className="page adm" data-testid="api-keys-page">
      <PageHeader
        title={t('keysTitle')}
        subtitle={t('keysSubtitle')}
        actions={
          <button className="btn btn-primary" onClick={() => setCreating(true)} data-testid="key-new">
            {t('keyNew')}
          </button>
        }
      />
      <ErrorNote error={keys.error} onRetry={keys.reload} />
      <LoadedList loaded={keys} empty={<Empty title={t('keysEmpty')} text={t('keysEmptyText')} testId="keys-empty" />}>
        {(items) => (
          <AdminTable testId="keys-table" columns={[t('name'), t('keyPrefix'), t('scopes'), t('createdBy'), t('createdAt'), t('lastUsed')]} actions>
            {items.map((k) => (
              <tr key={k.id} data-testid="key-row">
                <td>{k.name}</td>
                <td>
                  <code>{k.prefix}…</code>
                </td>
                <td>
                  <div className="adm-chips">
                    {k.scopes.map((s) => (
                      <code key={s} className={s.endsWith(':write') ? 'badge adm-scope-write' : 'badge adm-scope-read'}>
                        {s}
                      </code>
                    ))}
                  </div>
                </td>
                <td>{who(k.created_by)}</td>
                <td>{fmt.date(k.created_at)}</td>
                <td>{k.last_used_at ? fmt.dateTime(k.last_used_at) : <span className="muted">{t('never')}</span>}</td>
                <td className="adm-row-actions">
                  <button className="btn adm-btn-danger-ghost" onClick={() => setRevoking(k)} aria-label={t('revokeNamed', { name: k.name })}>
                    {t('revoke')}
                  </button>
                </td>
              </tr>
            ))}
          </AdminTable>
        )}
      </LoadedList>
      {creating && (
        <KeyDialog
          onClose={() => setCreating(false)}
          onCreated={(c) => {
            setCreating(false);
            setCreated(c);
            void keys.reload();
          }}
        />
      )}
      {created && (
        <SecretDialog
          title={t('keyCreatedTitle', { name: created.key.name })}
          secret={created.secret}
          onClose={() => setCreated(null)}
          testId="key-secret-dialog"
          secretTestId="api-key-secret"
        >
          <p className="muted small">{t('secretUsage')}</p>
        </SecretDialog>
      )}
      {revoking && (
        <ConfirmDialog
          title={t('keyRevokeTitle')}
          text={t('keyRevokeText', { name: revoking.name })}
          confirmLabel={t('revoke')}
          onClose={() => setRevoking(null)}
          onConfirm={async () => {
            await api('DELETE', `/api/api-keys/${revoking.id}`);
            say(t('keyRevoked'));
            void keys.reload();
          }}
        />
      )}
    </div>
  );
}

function KeyDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (c: Created) => void }) {
  const t = useT(m);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const toggle = (s: Scope) => setScopes((l) => (l.includes(s) ? l.filter((x) => x !== s) : [...l, s]));
  const setAll = (f: (s: Scope) => boolean) => setScopes(ALL_SCOPES.filter(f));

  const save = async () => {
    const e: Record<string, string> = {};
    if (!name.trim()) e.name = t('required');
    else if (name.trim().length > 80) e.name = t('maxChars', { n: 80 });
    if (scopes.length === 0) e.scopes = t('scopesRequired');
    setErrors(e);
    if (Object.keys(e).length) return;
    onCreated(await api<Created>('POST', '/api/api-keys', { body: { name: name.trim(), scopes } }));
  };

  return (
    <FormDialog title={t('keyNew')} submitLabel={t('create')} onClose={onClose} onSubmit={save} wide testId="key-dialog">
      <FormField label={t('name')} hint={t('keyNameHint')} error={errors.name}>
        {(p) => <input {...p} value={name} maxLength={80} onChange={(e) => setName(e.target.value)} autoFocus data-testid="key-name" />}
      </FormField>
      <fieldset className="adm-fieldset" aria-describedby="adm-scopes-hint">
        <legend>{t('scopes')}</legend>
        <p id="adm-scopes-hint" className="muted small">
          {t('scopesHint')}
        </p>
        <div className="row">
          <button type="button" className="btn btn-sm" onClick={() => setAll((s) => s.endsWith(':read'))}>
            {t('allRead')}
          </button>
          <button type="button" className="btn btn-sm" onClick={() => setAll(() => true)}>
            {t('allScopes')}
          </button>
          <button type="button" className="btn btn-sm" onClick={() => setAll(() => false)}>
            {t('noScopes')}
          </button>
        </div>
        <table className="adm-scopes">
          <thead>
            <tr>
              <th scope="col">{t('resource')}</th>
              <th scope="col">{t('read')}</th>
              <th scope="col">{t('write')}</th>
            </tr>
          </thead>
          <tbody>
            {RESOURCES.map((r) => (
              <tr key={r.id}>
                <th scope="row">{t(`res_${r.id}` as 'res_contacts')}</th>
                {(['read', 'write'] as const).map((kind) => {
                  const s = r.scopes.find((x) => x.endsWith(':' + kind));
                  return (
                    <td key={kind}>
                      {s ? (
                        <input type="checkbox" aria-label={s} checked={scopes.includes(s)} onChange={() => toggle(s)} data-testid={`scope-${s}`} />
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
        {errors.scopes && <small className="error-text">{errors.scopes}</small>}
      </fieldset>
    </FormDialog>
  );
}
