//! Uploading a plugin version: read the manifest JSON and the `.wasm` module, check them in
//! the browser first, then POST `{manifest, module: base64}`.
import { useState } from 'react';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { FormDialog, FormField } from './common';
import { m } from './messages';

type Plugin = Schemas['Plugin'];

/** The parts of `schemas/plugin.schema.json` the page shows. */
export interface Manifest {
  id?: string;
  name?: string;
  version?: string;
  author?: string;
  description?: string;
  nodes?: { id: string; title: string; description?: string; outputs?: string[]; color?: string | null; icon?: string | null }[];
  grants?: { host_functions?: string[]; http_hosts?: string[]; max_memory_mb?: number; timeout_ms?: number };
}

const MAX_MODULE = 7 * 1024 * 1024;

type Problem = 'manifestNotJson' | 'manifestId' | 'manifestName' | 'manifestVersion' | 'manifestNodes' | 'manifestHttpGrant';

function checkManifest(v: unknown): Problem | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'manifestNotJson';
  const man = v as Manifest;
  if (typeof man.id !== 'string' || !/^[a-z][a-z0-9-]{2,39}$/.test(man.id)) return 'manifestId';
  if (typeof man.name !== 'string' || !man.name.trim()) return 'manifestName';
  if (typeof man.version !== 'string' || !/^\d+\.\d+\.\d+$/.test(man.version)) return 'manifestVersion';
  if (!Array.isArray(man.nodes) || man.nodes.length === 0) return 'manifestNodes';
  for (const n of man.nodes) {
    if (!n || typeof n.id !== 'string' || typeof n.title !== 'string' || !Array.isArray(n.outputs) || n.outputs.length === 0) return 'manifestNodes';
  }
  const g = man.grants ?? {};
  if ((g.http_hosts ?? []).length > 0 && !(g.host_functions ?? []).includes('tucan_http')) return 'manifestHttpGrant';
  return undefined;
}

function base64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(file);
  });
}

export function PluginUploadDialog({
  existing,
  onClose,
  onUploaded,
}: {
  existing: Plugin[];
  onClose: () => void;
  onUploaded: (p: Plugin) => void;
}) {
  const t = useT(m);
  const [manifest, setManifest] = useState<Manifest | null>(null);
  const [manifestError, setManifestError] = useState('');
  const [wasm, setWasm] = useState<File | null>(null);
  const [wasmError, setWasmError] = useState('');

  const pickManifest = async (f: File | undefined) => {
    setManifest(null);
    setManifestError('');
    if (!f) return;
    let v: unknown;
    try {
      v = JSON.parse(await f.text());
    } catch {
      setManifestError(t('manifestNotJson'));
      return;
    }
    const p = checkManifest(v);
    if (p) setManifestError(t(p));
    else setManifest(v as Manifest);
  };

  const pickWasm = async (f: File | undefined) => {
    setWasm(null);
    setWasmError('');
    if (!f) return;
    if (f.size > MAX_MODULE) return setWasmError(t('fileTooBig', { max: '7 MiB' }));
    const head = new Uint8Array(await f.slice(0, 4).arrayBuffer());
    if (head[0] !== 0 || head[1] !== 0x61 || head[2] !== 0x73 || head[3] !== 0x6d) return setWasmError(t('notWasm'));
    setWasm(f);
  };

  const submit = async () => {
    if (!manifest) {
      setManifestError(manifestError || t('required'));
      return;
    }
    if (!wasm) {
      setWasmError(wasmError || t('required'));
      return;
    }
    const module = await base64(wasm);
    onUploaded(await api<Plugin>('POST', '/api/plugins', { body: { manifest, module } }));
  };

  const same = manifest ? existing.find((p) => p.id === manifest.id) : undefined;

  return (
    <FormDialog title={t('pluginUpload')} submitLabel={t('upload')} onClose={onClose} onSubmit={submit} wide testId="plugin-upload-dialog">
      <p className="muted">{t('pluginUploadHelp')}</p>
      <FormField label={t('manifestFile')} hint="plugin.json" error={manifestError}>
        {(p) => <input {...p} type="file" accept=".json,application/json" onChange={(e) => void pickManifest(e.target.files?.[0])} data-testid="plugin-manifest" />}
      </FormField>
      <FormField label={t('moduleFile')} hint={t('moduleHint')} error={wasmError}>
        {(p) => <input {...p} type="file" accept=".wasm,application/wasm" onChange={(e) => void pickWasm(e.target.files?.[0])} data-testid="plugin-wasm" />}
      </FormField>
      {manifest && (
        <div className="adm-hint-box" data-testid="manifest-summary">
          <strong>
            {manifest.name} v{manifest.version}
          </strong>{' '}
          <code>{manifest.id}</code>
          <p className="small">
            {same ? t('newVersionOf', { name: same.name, current: same.current }) : t('newPlugin')} ·{' '}
            {t('nodesCount', { n: manifest.nodes?.length ?? 0 })}
          </p>
          <ul className="small">
            {manifest.nodes?.map((n) => (
              <li key={n.id}>
                <code>{n.id}</code> — {n.title} ({(n.outputs ?? []).join(', ')})
              </li>
            ))}
          </ul>
          <p className="small">
            {t('grants')}: {(manifest.grants?.host_functions ?? []).join(', ') || t('none')}
            {(manifest.grants?.http_hosts ?? []).length > 0 && ` · ${t('httpHosts')}: ${manifest.grants!.http_hosts!.join(', ')}`}
          </p>
        </div>
      )}
    </FormDialog>
  );
}
