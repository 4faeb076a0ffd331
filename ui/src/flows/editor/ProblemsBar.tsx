//! The list of problems the last validation found, over the bottom of the canvas; a problem
//! on a node takes you to it.
import { memo, useState } from 'react';
import { useT } from '../../i18n';
import type { FlowProblem } from '../api';
import { flowText } from '../messages';

interface Props {
  problems: readonly FlowProblem[] | null;
  onFocusNode: (id: string) => void;
}

export const ProblemsBar = memo(function ProblemsBar({ problems, onFocusNode }: Props) {
  const t = useT(flowText);
  const [open, setOpen] = useState(true);
  if (!problems || problems.length === 0) return null;
  return (
    <div className="flow-problems-bar" role="region" aria-label={t('problems')} data-testid="problems-bar">
      <button type="button" className="flow-problems-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        <span aria-hidden="true">⚠</span> {t('problemCount', { n: problems.length })}
      </button>
      {open ? (
        <ul>
          {problems.map((p, i) => (
            <li key={i} data-testid="problem-item">
              {p.node_id ? (
                <button type="button" className="flow-problem-node" onClick={() => onFocusNode(p.node_id!)}>
                  {p.node_id}
                </button>
              ) : p.edge_id ? (
                <code>{p.edge_id}</code>
              ) : null}
              {p.field ? <code className="muted">{p.field}</code> : null}
              <span>{p.message}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
});
