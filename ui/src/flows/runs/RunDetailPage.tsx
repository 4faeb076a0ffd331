//! The /runs/:id route: one run over the graph of the version it ran (its path highlighted),
//! its step list with inputs, variables and effects, its conversation and final variables.
//! A run still going is refreshed every few seconds and can be cancelled.
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { useT } from '../../i18n';
import { Badge, Button, ErrorBox, PageHeader, Spinner, useAsync, useConfirm, useFormat, useToast } from '../../shell/ui';
import { flowsApi, runIsActive, runsApi, type RunDetail } from '../api';
import { useCatalogue } from '../catalogue';
import { ReadOnlyCanvas } from '../canvas/ReadOnlyCanvas';
import type { FlowDocument } from '../document';
import { flowText } from '../messages';
import { StatusBadge } from './StatusBadge';
import { StepList } from './StepList';
import { VarsTable } from './VarsTable';
import '../flows.css';

const REFRESH_MS = 2000;

export function RunDetailPage() {
  const t = useT(flowText);
  const f = useFormat();
  const toast = useToast();
  const confirm = useConfirm();
  const { id = '' } = useParams();
  const run = useAsync(() => runsApi.get(id), [id]);
  const detail = run.data;
  const flowId = detail?.run.flow_id;
  const version = detail?.run.version;
  const source = useAsync(async () => {
    if (!flowId || version === undefined) return null;
    const flow = await flowsApi.get(flowId);
    const document = version > 0 ? (await flowsApi.version(flowId, version)).document : flow.document;
    return { name: flow.name, document: document as FlowDocument };
  }, [flowId, version]);
  const { catalogue } = useCatalogue();
  const [focus, setFocus] = useState<string | null>(null);
  const [cancelling, setCancelling] = useState(false);

  const active = detail ? runIsActive(detail.run.status) : false;
  const { setData } = run;
  useEffect(() => {
    if (!active) return;
    const timer = window.setInterval(() => {
      runsApi.get(id).then((d) => setData(d), () => {});
    }, REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [active, id, setData]);

  const cancel = async () => {
    if (!(await confirm({ title: t('cancelRunTitle'), message: t('cancelRunBody'), confirmLabel: t('cancelRun'), danger: true }))) return;
    setCancelling(true);
    try {
      setData(await runsApi.cancel(id));
    } catch (e) {
      toast.error(e);
    } finally {
      setCancelling(false);
    }
  };

  if (run.error) {
    return (
      <div className="page">
        <ErrorBox error={run.error} onRetry={run.reload} />
      </div>
    );
  }
  if (!detail || detail.run.id !== id) return <Spinner label={t('loadingRun')} />;
  const r = detail.run;

  return (
    <div className="page flow-run-page" data-testid="run-detail">
      <PageHeader
        title={
          <span className="row">
            {t('runTitle')} <StatusBadge status={r.status} />
          </span>
        }
        subtitle={
          <span className="flow-run-meta">
            <Link to={`/flows/${r.flow_id}`}>{source.data?.name ?? r.flow_id}</Link>
            {' · '}
            {r.test ? t('testRunOfDraft') : t('versionN', { v: r.version })}
            {' · '}
            {t('startedAt', { at: f.dateTime(r.started_at) })}
            {r.ended_at ? ` · ${t('endedAt', { at: f.dateTime(r.ended_at) })}` : ''}
          </span>
        }
        actions={
          <>
            <Link to="/runs" className="btn btn-ghost">
              {t('allRunsLink')}
            </Link>
            {active ? (
              <Button variant="danger" onClick={cancel} loading={cancelling} data-testid="cancel-run">
                {t('cancelRun')}
              </Button>
            ) : null}
          </>
        }
      />
      {r.error ? (
        <div className="error-box" role="alert">
          <strong>{t('runError')}</strong> <code>{r.node}</code> {r.error}
        </div>
      ) : null}
      {r.test ? <p className="muted">{t('testRunNote')}</p> : null}
      <div className="flow-run-layout">
        <div className="flow-run-canvas">
          {source.error ? <ErrorBox error={source.error} onRetry={source.reload} /> : null}
          {source.data ? <ReadOnlyCanvas document={source.data.document} catalogue={catalogue} run={detail} focus={focus} /> : !source.error ? <Spinner /> : null}
        </div>
        <section className="flow-run-steps" aria-label={t('steps')}>
          <h2>{t('stepsCount', { n: detail.steps.length })}</h2>
          <StepList steps={detail.steps} focus={focus} onFocus={setFocus} />
        </section>
      </div>
      <div className="flow-run-bottom">
        <section>
          <h2>{t('conversation')}</h2>
          <Transcript detail={detail} />
        </section>
        <section>
          <h2>{t('variables')}</h2>
          <VarsTable vars={r.vars} />
          {r.waiting ? (
            <p className="muted">
              {t('waitingFor')} <Badge tone="warning">{String((r.waiting as { for?: string }).for ?? '')}</Badge>
            </p>
          ) : null}
        </section>
      </div>
    </div>
  );
}

function Transcript({ detail }: { detail: RunDetail }) {
  const t = useT(flowText);
  if (detail.transcript.length === 0) return <p className="muted">{t('noMessages')}</p>;
  return (
    <div className="flow-transcript" data-testid="run-transcript">
      {detail.transcript.map((line, i) => (
        <div key={`${line.seq}-${i}`} className={`flow-bubble from-${line.from}`} data-from={line.from}>
          {line.text}
        </div>
      ))}
    </div>
  );
}
