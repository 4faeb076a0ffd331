//! Plugins: upload a version (manifest + WebAssembly module), see each plugin's node types,
//! grants and versions, enable or disable it, remove it.
import { useState } from 'react';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { ConfirmDialog, Empty, ErrorNote, LoadedList, Loading, PageHeader, Swatch, useFormat, useLoad, useNotice } from './common';
import { m } from './messages';
import { PluginUploadDialog, type Manifest } from './PluginUploadDialog';

type Plugin = Schemas['Plugin'];
type PluginVersion = Schemas['PluginVersion'];
type User = Schemas['User'];

export function PluginsPage() {
  const t = useT(m);
  const fmt = useFormat();
  const say = useNotice();
  const plugins = useLoad(() => api<Plugin[]>('GET', '/api/plugins'), []);
  const [uploading, setUploading] = useState(false);
  const [open, setOpen] = useState<string | null>(null);
  const [removing, setRemoving] = useState<Plugin | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(undefined);

  const toggle = async (p: Plugin) => {
    setBusy(p.id);
    setActionError(undefined);
    try {
      const updated = await api<Plugin>('POST', `/api/plugins/${encodeURIComponent(p.id)}/${p.enabled ? 'disable' : 'enable'}`);
      plugins.setData((l) => l?.map((x) => (x.id === p.id ? updated : x)));
      say(updated.enabled ? t('pluginEnabled', { name: p.name }) : t('pluginDisabled', { name: p.name }));
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="page adm" data-testid="plugins-page">
      <PageHeader
        title={t('pluginsTitle')}
        subtitle={t('pluginsSubtitle')}
        actions={
          <button className="btn btn-primary" onClick={() => setUploading(true)} data-testid="plugin-upload">
            {t('pluginUpload')}
          </button>
        }
      />
      <ErrorNote error={plugins.error} onRetry={plugins.reload} />
      <ErrorNote error={actionError} />
      <LoadedList
        loaded={plugins}
        empty={
          <Empty
            title={t('pluginsEmpty')}
            text={t('pluginsEmptyText')}
            testId="plugins-empty"
            action={
              <button className="btn btn-primary" onClick={() => setUploading(true)}>
                {t('pluginUpload')}
              </button>
            }
          />
        }
      >
        {(items) => (
          <ul className="adm-plugins" data-testid="plugins-list">
            {items.map((p) => {
              const man = (p.manifest ?? {}) as Manifest;
              const expanded = open === p.id;
              return (
                <li key={p.id} className={p.enabled ? 'card adm-plugin' : 'card adm-plugin adm-plugin-off'} data-testid="plugin-item">
                  <div className="adm-plugin-head">
                    <div>
                      <h2 className="adm-card-title">
                        {p.name} <span className="badge">v{p.current}</span>
                        <span className={p.enabled ? 'badge badge-success' : 'badge badge-neutral'}>{p.enabled ? t('enabled') : t('disabled')}</span>
                      </h2>
                      <p className="muted small">
                        <code>{p.id}</code>
                        {man.author ? ` · ${t('byAuthor', { name: man.author })}` : ''} · {t('updatedAt', { when: fmt.dateTime(p.updated_at) })}
                      </p>
                      {man.description && <p>{man.description}</p>}
                    </div>
                    <div className="row adm-card-actions">
                      <button className="btn" aria-expanded={expanded} aria-controls={`plugin-${p.id}`} onClick={() => setOpen(expanded ? null : p.id)}>
                        {expanded ? t('hideDetails') : t('details')}
                      </button>
                      <button className="btn" onClick={() => toggle(p)} disabled={busy === p.id} data-testid="plugin-toggle">
                        {p.enabled ? t('disable') : t('enable')}
                      </button>
                      <button className="btn adm-btn-danger-ghost" onClick={() => setRemoving(p)} aria-label={t('removeNamed', { name: p.name })}>
                        {t('remove')}
                      </button>
                    </div>
                  </div>
                  {expanded && <PluginDetails id={`plugin-${p.id}`} plugin={p} manifest={man} />}
                </li>
              );
            })}
          </ul>
        )}
      </LoadedList>
      {uploading && (
        <PluginUploadDialog
          existing={plugins.data ?? []}
          onClose={() => setUploading(false)}
          onUploaded={(p) => {
            setUploading(false);
            say(t('pluginUploaded', { name: p.name, version: p.current }));
            void plugins.reload();
          }}
        />
      )}
      {removing && (
        <ConfirmDialog
          title={t('pluginRemoveTitle')}
          text={t('pluginRemoveText', { name: removing.name })}
          confirmLabel={t('remove')}
          onClose={() => setRemoving(null)}
          onConfirm={async () => {
            await api('DELETE', `/api/plugins/${encodeURIComponent(removing.id)}`);
            say(t('deleted'));
            void plugins.reload();
          }}
        />
      )}
    </div>
  );
}

function PluginDetails({ id, plugin, manifest }: { id: string; plugin: Plugin; manifest: Manifest }) {
  const t = useT(m);
  const fmt = useFormat();
  const versions = useLoad(() => api<PluginVersion[]>('GET', `/api/plugins/${encodeURIComponent(plugin.id)}/versions`), [plugin.id, plugin.current]);
  const users = useLoad(() => api<User[]>('GET', '/api/users').catch(() => [] as User[]), []);
  const who = (uid: string) => users.data?.find((u) => u.id === uid)?.name ?? uid;
  const g = manifest.grants ?? {};
  const kb = (n: number) => (n < 1024 ? `${fmt.number(n)} B` : n < 1024 * 1024 ? `${fmt.number(Math.round(n / 102.4) / 10)} KB` : `${fmt.number(Math.round(n / 104857.6) / 10)} MB`);

  return (
    <div id={id} className="adm-plugin-details" data-testid="plugin-details">
      <section>
        <h3>{t('nodeTypes')}</h3>
        <table className="table adm-table">
          <thead>
            <tr>
              <th scope="col">{t('nodeType')}</th>
              <th scope="col">{t('title')}</th>
              <th scope="col">{t('outputs')}</th>
            </tr>
          </thead>
          <tbody>
            {(manifest.nodes ?? []).map((n) => (
              <tr key={n.id}>
                <td>
                  {n.color && <Swatch color={n.color} />}
                  <code>
                    plugin.{plugin.id}.{n.id}
                  </code>
                </td>
                <td>
                  {n.title}
                  {n.description && <div className="muted small">{n.description}</div>}
                </td>
                <td>
                  <div className="adm-chips">
                    {(n.outputs ?? []).map((o) => (
                      <span key={o} className="badge">
                        {o}
                      </span>
                    ))}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section>
        <h3>{t('grants')}</h3>
        <dl className="kv">
          <dt>{t('hostFunctions')}</dt>
          <dd>
            <div className="adm-chips">
              {(g.host_functions ?? []).length === 0 ? <span className="muted">{t('none')}</span> : g.host_functions!.map((f) => <code key={f} className="badge">{f}</code>)}
            </div>
          </dd>
          <dt>{t('httpHosts')}</dt>
          <dd>
            <div className="adm-chips">
              {(g.http_hosts ?? []).length === 0 ? <span className="muted">{t('none')}</span> : g.http_hosts!.map((h) => <code key={h} className="badge">{h}</code>)}
            </div>
          </dd>
          <dt>{t('memory')}</dt>
          <dd>{g.max_memory_mb ?? 16} MiB</dd>
          <dt>{t('timeout')}</dt>
          <dd>{fmt.number(g.timeout_ms ?? 1000)} ms</dd>
        </dl>
      </section>
      <section>
        <h3>{t('versions')}</h3>
        <ErrorNote error={versions.error} onRetry={versions.reload} />
        {versions.loading && !versions.data ? (
          <Loading />
        ) : (
          <table className="table adm-table" data-testid="plugin-versions">
            <thead>
              <tr>
                <th scope="col">{t('version')}</th>
                <th scope="col">{t('uploadedAt')}</th>
                <th scope="col">{t('uploadedBy')}</th>
                <th scope="col">{t('size')}</th>
                <th scope="col">SHA-256</th>
              </tr>
            </thead>
            <tbody>
              {(versions.data ?? []).map((v) => (
                <tr key={v.version}>
                  <td>
                    v{v.version} {v.version === plugin.current && <span className="badge badge-success">{t('current')}</span>}
                  </td>
                  <td>{fmt.dateTime(v.uploaded_at)}</td>
                  <td>{who(v.uploaded_by)}</td>
                  <td>{kb(v.size)}</td>
                  <td>
                    <code title={v.sha256}>{v.sha256.slice(0, 12)}…</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
