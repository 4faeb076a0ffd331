//! How a flow node looks on the canvas: coloured header with the type's title, its id, a
//! line of its config, one input handle and one labelled handle per output port. Memoised and
//! fed only its own data and decoration, so dragging one node never re-renders the others.
import { memo, useMemo, type CSSProperties } from 'react';
import { Handle, Position, type NodeProps, type NodeTypes } from '@xyflow/react';
import { useT } from '../../i18n';
import { nodeColor, outputPorts, useCatalogueContext, type Port } from '../catalogue';
import { useNodeDecoration } from '../decorations';
import { INPUT_HANDLE, isObject, type CanvasNode } from '../document';
import { flowText } from '../messages';
import { iconFor, NodeIcon } from './NodeIcon';

/** A short line from the config: its first text value. */
function configSummary(config: unknown): string {
  if (!isObject(config)) return '';
  for (const v of Object.values(config)) {
    if (typeof v === 'string' && v.trim()) return v.length > 60 ? `${v.slice(0, 57)}…` : v;
  }
  for (const v of Object.values(config)) {
    if (Array.isArray(v) && v.length && v.every((x) => typeof x === 'string')) return (v as string[]).join(', ').slice(0, 60);
  }
  return '';
}

function FlowNodeViewImpl({ id, data, selected }: NodeProps<CanvasNode>) {
  const t = useT(flowText);
  const catalogue = useCatalogueContext();
  const deco = useNodeDecoration(id);
  const kind = data.doc.type;
  const type = catalogue.byKind.get(kind);
  const config = data.doc.config;

  const ports = useMemo<Port[]>(() => {
    const own = outputPorts(type, kind, config);
    const extra = deco.extraPorts.filter((p) => !own.some((o) => o.id === p)).map((p) => ({ id: p, label: p }));
    return [...own, ...extra];
  }, [type, kind, config, deco.extraPorts]);
  const missing = useMemo(() => new Set(deco.extraPorts), [deco.extraPorts]);

  const title = data.doc.label || type?.title || kind;
  const summary = configSummary(config);
  const problems = deco.problems;
  const classes = ['flow-node'];
  if (selected) classes.push('is-selected');
  if (problems.length) classes.push('has-error');
  if (deco.trace) classes.push(`is-${deco.trace}`);
  if (deco.diff) classes.push(`diff-${deco.diff}`);
  if (!type) classes.push('is-unknown');

  return (
    <div
      className={classes.join(' ')}
      style={{ '--node-color': nodeColor(type) } as CSSProperties}
      data-testid={`flow-node-${id}`}
      data-kind={kind}
      data-trace={deco.trace ?? ''}
      role="group"
      aria-label={t('nodeAria', { title, id })}
      aria-invalid={problems.length > 0 || undefined}
    >
      {type?.trigger ? null : <Handle type="target" position={Position.Left} id={INPUT_HANDLE} className="flow-handle flow-handle-in" data-testid={`handle-in-${id}`} />}
      <div className="flow-node-head">
        <span className="flow-node-glyph">
          <NodeIcon name={iconFor(type, kind)} size={15} />
        </span>
        <span className="flow-node-title">{title}</span>
      </div>
      <div className="flow-node-body">
        <div className="flow-node-id">
          {id}
          {type?.trigger ? <span className="flow-node-tag">{t('trigger')}</span> : null}
        </div>
        {summary ? <div className="flow-node-summary">{summary}</div> : null}
        {!type ? <div className="flow-node-summary">{t('unknownType', { kind })}</div> : null}
      </div>
      {problems.length ? (
        <div className="flow-node-problem" role="alert" data-testid={`node-problem-${id}`} title={problems.join('\n')}>
          <span aria-hidden="true">⚠</span> {problems[0]}
          {problems.length > 1 ? <span className="flow-node-more"> {t('moreProblems', { n: problems.length - 1 })}</span> : null}
        </div>
      ) : null}
      {ports.length ? (
        <div className="flow-node-ports">
          {ports.map((p) => (
            <div className={`flow-port${missing.has(p.id) ? ' is-missing' : ''}`} key={p.id}>
              <span className="flow-port-label">{p.label}</span>
              <Handle
                type="source"
                position={Position.Right}
                id={p.id}
                className="flow-handle flow-handle-out"
                data-testid={`handle-out-${id}-${p.id}`}
                aria-label={t('portAria', { port: p.label })}
              />
            </div>
          ))}
        </div>
      ) : null}
    </div>
  );
}

export const FlowNodeView = memo(FlowNodeViewImpl);

/** The node types the canvas knows: one, for every flow node. Stable across renders. */
export const canvasNodeTypes: NodeTypes = { flow: FlowNodeView };
