//! The side panel for the selected node: what the type does, the node's name on the canvas,
//! its config form (from the type's JSON Schema) and the problems found on it.
import { memo, useMemo } from 'react';
import { useT } from '../../i18n';
import type { FlowProblem, NodeType } from '../api';
import type { DocNode } from '../document';
import { SchemaForm } from '../form/SchemaForm';
import { resolve, type JsonSchema } from '../form/schema';
import { flowText } from '../messages';

interface Props {
  nodeId: string;
  doc: DocNode;
  type: NodeType | undefined;
  problems: readonly FlowProblem[];
  readOnly: boolean;
  onChange: (id: string, next: DocNode, key: string) => void;
  onDelete: (id: string) => void;
  onClose: () => void;
}

export const ConfigPanel = memo(function ConfigPanel({ nodeId, doc, type, problems, readOnly, onChange, onDelete, onClose }: Props) {
  const t = useT(flowText);
  const schema = (type?.config_schema ?? {}) as JsonSchema;
  const { byField, general } = useMemo(() => {
    // A problem goes under its field when the form shows that field; else above the form.
    const shown = new Set(Object.keys(resolve(schema, schema).properties ?? {}));
    const byField = new Map<string, string[]>();
    const general: string[] = [];
    for (const p of problems) {
      const f = p.field?.startsWith('config.') ? p.field.slice('config.'.length) : null;
      if (f && shown.has(f.split('.')[0])) byField.set(f, [...(byField.get(f) ?? []), p.message]);
      else general.push(p.field && p.field !== 'config' ? `${p.field}: ${p.message}` : p.message);
    }
    return { byField, general };
  }, [problems, schema]);

  return (
    <aside className="flow-side flow-config" aria-label={t('nodeSettings')} data-testid="config-panel">
      <div className="flow-side-head">
        <div>
          <h2>{type?.title ?? doc.type}</h2>
          <code className="muted">{doc.type}</code>
        </div>
        <button type="button" className="icon-btn" aria-label={t('closePanel')} title={t('closePanel')} onClick={onClose}>
          ×
        </button>
      </div>
      {type?.description ? <p className="muted flow-config-desc">{type.description}</p> : null}
      {general.length ? (
        <ul className="flow-problems" data-testid="node-problems">
          {general.map((m, i) => (
            <li key={i} className="error-text" role="alert">
              {m}
            </li>
          ))}
        </ul>
      ) : null}
      <fieldset disabled={readOnly} className="flow-config-form">
        <div className="field">
          <span className="field-label">{t('nodeId')}</span>
          <code data-testid="config-node-id">{nodeId}</code>
        </div>
        <div className="field">
          <label className="field-label" htmlFor={`label-${nodeId}`}>
            {t('nodeLabel')}
          </label>
          <input
            id={`label-${nodeId}`}
            type="text"
            value={doc.label ?? ''}
            placeholder={type?.title}
            data-testid="config-label"
            onChange={(e) => {
              const next: DocNode = { ...doc };
              if (e.target.value === '') delete next.label;
              else next.label = e.target.value;
              onChange(nodeId, next, 'label');
            }}
          />
        </div>
        {type ? (
          <SchemaForm
            schema={schema}
            value={doc.config}
            problems={byField}
            onChange={(config, path) => onChange(nodeId, { ...doc, config }, `config.${path}`)}
          />
        ) : (
          <p className="muted">{t('unknownType', { kind: doc.type })}</p>
        )}
      </fieldset>
      {!readOnly ? (
        <button type="button" className="btn btn-danger btn-sm" onClick={() => onDelete(nodeId)} data-testid="delete-node">
          {t('deleteNode')}
        </button>
      ) : null}
    </aside>
  );
});
