//! The editor's toolbar: back to the list, the flow's name and state, undo/redo, layout,
//! validate, save, publish, and the versions, test and help panels.
import { memo, type MouseEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { useConfirm } from '../../shell/ui';
import { useT } from '../../i18n';
import { flowText } from '../messages';
import { HelpPopover } from './HelpPopover';

export type SidePanel = 'none' | 'versions' | 'test';

interface Props {
  name: string;
  publishedVersion?: number;
  dirty: boolean;
  saving: boolean;
  publishing: boolean;
  validating: boolean;
  problemCount: number | null;
  canUndo: boolean;
  canRedo: boolean;
  bench: boolean;
  readOnly: boolean;
  panel: SidePanel;
  help: boolean;
  onHelp: (open: boolean) => void;
  onUndo: () => void;
  onRedo: () => void;
  onLayout: () => void;
  onValidate: () => void;
  onSave: () => void;
  onPublish: () => void;
  onPanel: (p: SidePanel) => void;
}

export const Toolbar = memo(function Toolbar(p: Props) {
  const t = useT(flowText);
  const navigate = useNavigate();
  const confirm = useConfirm();
  const leave = async (e: MouseEvent) => {
    if (!p.dirty || p.bench) return;
    e.preventDefault();
    if (await confirm({ title: t('leaveTitle'), message: t('leaveBody'), confirmLabel: t('leave'), danger: true })) navigate('/flows');
  };
  return (
    <div className="flow-toolbar" role="toolbar" aria-label={t('editorToolbar')}>
      <Link to="/flows" className="btn btn-ghost btn-sm" aria-label={t('backToFlows')} onClick={leave}>
        ← {t('flows')}
      </Link>
      <div className="flow-toolbar-title">
        <strong data-testid="editor-flow-name">{p.name}</strong>
        <span className="muted flow-toolbar-state" data-testid="save-state" data-state={p.saving ? 'saving' : p.dirty ? 'dirty' : 'saved'} aria-live="polite">
          {p.bench ? t('benchNotSaved') : p.readOnly ? t('readOnly') : p.saving ? t('saving') : p.dirty ? t('unsaved') : t('saved')}
        </span>
        <span className={`badge${p.publishedVersion ? ' badge-success' : ''}`} data-testid="published-version" data-version={p.publishedVersion ?? 0}>
          {p.publishedVersion ? t('publishedVersion', { v: p.publishedVersion }) : t('neverPublished')}
        </span>
        {p.problemCount !== null ? (
          p.problemCount === 0 ? (
            <span className="badge badge-success" data-testid="problem-count" data-count={0}>{t('noProblems')}</span>
          ) : (
            <span className="badge badge-danger" data-testid="problem-count" data-count={p.problemCount}>{t('problemCount', { n: p.problemCount })}</span>
          )
        ) : null}
      </div>
      <div className="flow-toolbar-group">
        <button type="button" className="icon-btn" aria-label={t('undo')} title={`${t('undo')} (Ctrl+Z)`} disabled={!p.canUndo || p.readOnly} onClick={p.onUndo} data-testid="undo">
          ↶
        </button>
        <button type="button" className="icon-btn" aria-label={t('redo')} title={`${t('redo')} (Ctrl+Shift+Z)`} disabled={!p.canRedo || p.readOnly} onClick={p.onRedo} data-testid="redo">
          ↷
        </button>
        <button type="button" className="btn btn-sm" onClick={p.onLayout} disabled={p.readOnly} data-testid="auto-layout">
          {t('autoLayout')}
        </button>
      </div>
      <div className="flow-toolbar-group">
        <button type="button" className="btn btn-sm" onClick={p.onValidate} disabled={p.validating || p.bench} aria-busy={p.validating || undefined} data-testid="validate">
          {t('validate')}
        </button>
        <button type="button" className="btn btn-sm" onClick={p.onSave} disabled={p.saving || p.bench || p.readOnly} aria-busy={p.saving || undefined} data-testid="save">
          {t('save')}
        </button>
        <button type="button" className="btn btn-primary btn-sm" onClick={p.onPublish} disabled={p.publishing || p.bench || p.readOnly} aria-busy={p.publishing || undefined} data-testid="publish">
          {t('publish')}
        </button>
      </div>
      <div className="flow-toolbar-group">
        <button
          type="button"
          className={`btn btn-sm${p.panel === 'versions' ? ' is-active' : ''}`}
          aria-pressed={p.panel === 'versions'}
          onClick={() => p.onPanel(p.panel === 'versions' ? 'none' : 'versions')}
          disabled={p.bench}
          data-testid="versions-toggle"
        >
          {t('versions')}
        </button>
        <button
          type="button"
          className={`btn btn-sm${p.panel === 'test' ? ' is-active' : ''}`}
          aria-pressed={p.panel === 'test'}
          onClick={() => p.onPanel(p.panel === 'test' ? 'none' : 'test')}
          disabled={p.bench || p.readOnly}
          data-testid="test-toggle"
        >
          {t('test')}
        </button>
        <HelpPopover open={p.help} onToggle={p.onHelp} />
      </div>
    </div>
  );
});
