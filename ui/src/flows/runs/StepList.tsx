//! The steps of a run in order: node, the port it left by, time taken, and on demand what
//! resumed it, the variables after it and the effects it asked for.
import { useT } from '../../i18n';
import { useFormat } from '../../shell/ui';
import type { RunStep } from '../api';
import { flowText } from '../messages';
import { formatValue, VarsTable } from './VarsTable';

function duration(micros: number): string {
  if (micros < 1000) return `${micros} µs`;
  if (micros < 1_000_000) return `${(micros / 1000).toFixed(1)} ms`;
  return `${(micros / 1_000_000).toFixed(2)} s`;
}

export function StepList({ steps, focus, onFocus }: { steps: RunStep[]; focus: string | null; onFocus: (node: string) => void }) {
  const t = useT(flowText);
  const f = useFormat();
  if (steps.length === 0) return <p className="muted">{t('noSteps')}</p>;
  return (
    <ol className="flow-steps" data-testid="step-list">
      {[...steps]
        .sort((a, b) => a.seq - b.seq)
        .map((s) => (
          <li key={s.seq} className={`flow-step${s.error ? ' has-error' : ''}${focus === s.node ? ' is-focused' : ''}`} data-testid="step" data-node={s.node}>
            <div className="flow-step-head">
              <span className="muted">#{s.seq}</span>
              <button type="button" className="flow-step-node" onClick={() => onFocus(s.node)} aria-label={t('showNode', { id: s.node })}>
                {s.node}
              </button>
              {s.port ? (
                <span className="flow-step-port">
                  → <code>{s.port}</code>
                </span>
              ) : (
                <span className="muted">{s.error ? t('stepFailed') : t('stepStopped')}</span>
              )}
              <span className="muted flow-step-time" title={f.dateTime(s.at)}>
                {duration(s.micros)}
              </span>
            </div>
            {s.error ? <div className="error-text">{s.error}</div> : null}
            {s.input !== undefined && s.input !== null ? (
              <div className="flow-step-line">
                <span className="muted">{t('stepInput')}</span> <code>{formatValue(s.input)}</code>
              </div>
            ) : null}
            {s.effects.length ? (
              <ul className="flow-step-effects">
                {s.effects.map((e) => (
                  <li key={e.key}>
                    <code>{e.kind}</code> {e.pending ? <span className="badge badge-warning">{t('pending')}</span> : null}{' '}
                    <span className="muted">{summariseEffect(e.effect)}</span>
                    {e.result ? <span className="muted"> → {e.result}</span> : null}
                  </li>
                ))}
              </ul>
            ) : null}
            {s.vars !== undefined && s.vars !== null ? (
              <details>
                <summary>{t('stepVars')}</summary>
                <VarsTable vars={s.vars} />
              </details>
            ) : null}
          </li>
        ))}
    </ol>
  );
}

function summariseEffect(effect: unknown): string {
  if (typeof effect !== 'object' || effect === null) return formatValue(effect);
  const e = effect as Record<string, unknown>;
  if (typeof e.text === 'string') return e.text.length > 80 ? `${e.text.slice(0, 77)}…` : e.text;
  const text = JSON.stringify(effect);
  return text.length > 100 ? `${text.slice(0, 97)}…` : text;
}
