//! Published versions of the flow, newest first: pick one to see what changed between it and
//! the saved draft (or another version), with the changed nodes marked on the canvas, and
//! restore it as the draft.
import { memo, useEffect, useState } from 'react';
import { useT } from '../../i18n';
import { useConfirm, useFormat, useToast } from '../../shell/ui';
import { flowsApi, type Flow, type FlowDiff, type FlowVersion } from '../api';
import { flowText, type FlowTextKey } from '../messages';

interface Props {
  flowId: string;
  /** Changes after a publish or a save, so the list and the diff reload. */
  refreshKey: string;
  dirty: boolean;
  readOnly: boolean;
  onDiff: (diff: FlowDiff | null) => void;
  onRestored: (flow: Flow) => void;
  onClose: () => void;
}

const SECTIONS: { key: keyof FlowDiff; label: FlowTextKey; tone: string }[] = [
  { key: 'added', label: 'diffAdded', tone: 'success' },
  { key: 'removed', label: 'diffRemoved', tone: 'danger' },
  { key: 'changed', label: 'diffChanged', tone: 'warning' },
  { key: 'moved', label: 'diffMoved', tone: 'info' },
  { key: 'edges_added', label: 'diffEdgesAdded', tone: 'success' },
  { key: 'edges_removed', label: 'diffEdgesRemoved', tone: 'danger' },
];

export const VersionsPanel = memo(function VersionsPanel({ flowId, refreshKey, dirty, readOnly, onDiff, onRestored, onClose }: Props) {
  const t = useT(flowText);
  const f = useFormat();
  const toast = useToast();
  const confirm = useConfirm();
  const [versions, setVersions] = useState<FlowVersion[] | null>(null);
  const [picked, setPicked] = useState<number | null>(null);
  const [against, setAgainst] = useState<number | 'draft'>('draft');
  const [diff, setDiff] = useState<FlowDiff | null>(null);
  const [restoring, setRestoring] = useState(false);

  useEffect(() => {
    let live = true;
    flowsApi.versions(flowId).then(
      (v) => live && setVersions(v),
      (e) => live && toast.error(e),
    );
    return () => {
      live = false;
    };
  }, [flowId, refreshKey, toast]);

  useEffect(() => {
    if (picked === null) {
      setDiff(null);
      onDiff(null);
      return;
    }
    let live = true;
    flowsApi.diff(flowId, picked, against === 'draft' ? undefined : against).then(
      (d) => {
        if (!live) return;
        setDiff(d);
        onDiff(against === 'draft' ? d : null);
      },
      (e) => live && toast.error(e),
    );
    return () => {
      live = false;
    };
  }, [flowId, picked, against, refreshKey, onDiff, toast]);

  useEffect(
    () => () => {
      onDiff(null);
    },
    [onDiff],
  );

  const restore = async (v: number) => {
    const ok = await confirm({
      title: t('restoreTitle', { v }),
      message: dirty ? t('restoreDirty') : t('restoreBody'),
      confirmLabel: t('restore'),
    });
    if (!ok) return;
    setRestoring(true);
    try {
      const flow = await flowsApi.restore(flowId, v);
      onRestored(flow);
      toast.success(t('restored', { v }));
      setPicked(null);
    } catch (e) {
      toast.error(e);
    } finally {
      setRestoring(false);
    }
  };

  const empty = diff && SECTIONS.every((s) => diff[s.key].length === 0);

  return (
    <aside className="flow-side flow-versions" aria-label={t('versions')} data-testid="versions-panel">
      <div className="flow-side-head">
        <h2>{t('versions')}</h2>
        <button type="button" className="icon-btn" aria-label={t('closePanel')} title={t('closePanel')} onClick={onClose}>
          ×
        </button>
      </div>
      {versions === null ? <p className="muted">{t('loading')}</p> : null}
      {versions?.length === 0 ? <p className="muted">{t('noVersions')}</p> : null}
      <ul className="flow-version-list">
        {versions?.map((v) => (
          <li key={v.version} className={picked === v.version ? 'is-active' : undefined}>
            <button type="button" className="flow-version-item" aria-pressed={picked === v.version} onClick={() => setPicked(picked === v.version ? null : v.version)} data-testid={`version-${v.version}`}>
              <strong>v{v.version}</strong>
              <span className="muted">{f.dateTime(v.published_at)}</span>
              <code className="muted" title={v.hash}>
                {v.hash.slice(0, 8)}
              </code>
            </button>
          </li>
        ))}
      </ul>
      {picked !== null && diff ? (
        <section className="flow-diff" data-testid="diff-view" aria-live="polite">
          <div className="row">
            <label className="field-label" htmlFor="diff-against">
              {t('compareWith')}
            </label>
            <select id="diff-against" value={String(against)} onChange={(e) => setAgainst(e.target.value === 'draft' ? 'draft' : Number(e.target.value))}>
              <option value="draft">{dirty ? t('savedDraftDirty') : t('savedDraft')}</option>
              {versions
                ?.filter((v) => v.version !== picked)
                .map((v) => (
                  <option key={v.version} value={v.version}>
                    v{v.version}
                  </option>
                ))}
            </select>
          </div>
          <h3>{t('diffTitle', { v: picked, other: against === 'draft' ? t('draft') : `v${against}` })}</h3>
          {empty ? <p className="muted">{t('diffNone')}</p> : null}
          {SECTIONS.filter((s) => diff[s.key].length > 0).map((s) => (
            <div key={s.key} className="flow-diff-section">
              <span className={`badge badge-${s.tone}`}>{t(s.label, { n: diff[s.key].length })}</span>
              <ul>
                {diff[s.key].map((id) => (
                  <li key={id}>
                    <code>{id}</code>
                  </li>
                ))}
              </ul>
            </div>
          ))}
          {readOnly ? null : (
            <button type="button" className="btn btn-sm" disabled={restoring} onClick={() => restore(picked)} data-testid="restore-version">
              {t('restoreVersion', { v: picked })}
            </button>
          )}
        </section>
      ) : null}
    </aside>
  );
});
