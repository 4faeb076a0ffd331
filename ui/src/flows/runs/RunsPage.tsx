//! The /runs route: runs of the tenant's flows, newest first, filtered by flow, status and
//! kind (tests or real), with older pages on demand; a row opens the run's detail.
import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { useT } from '../../i18n';
import { Badge, Button, DataTable, ErrorBox, PageHeader, useAsync, useFormat, useToast, type Column } from '../../shell/ui';
import { flowsApi, RUN_STATUSES, runsApi, type Run } from '../api';
import { flowText } from '../messages';
import { STATUS_KEYS, StatusBadge } from './StatusBadge';
import '../flows.css';

const PAGE = 50;

export function RunsPage() {
  const t = useT(flowText);
  const f = useFormat();
  const toast = useToast();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const flowId = params.get('flow') ?? '';
  const status = params.get('status') ?? '';
  const kind = params.get('kind') ?? '';
  const flows = useAsync(() => flowsApi.list(), []);
  const names = useMemo(() => new Map((flows.data ?? []).map((x) => [x.id, x.name])), [flows.data]);
  const filters = { flow_id: flowId || undefined, status: status || undefined, test: kind === 'test' ? true : kind === 'live' ? false : undefined, limit: PAGE };
  const first = useAsync(() => runsApi.list(filters), [flowId, status, kind]);
  const [more, setMore] = useState<Run[]>([]);
  const [cursor, setCursor] = useState<string | undefined>();
  const [loadingMore, setLoadingMore] = useState(false);

  useEffect(() => {
    setMore([]);
    setCursor(first.data?.next_cursor);
  }, [first.data]);

  const loadMore = async () => {
    if (!cursor) return;
    setLoadingMore(true);
    try {
      const page = await runsApi.list({ ...filters, cursor });
      setMore((m) => [...m, ...page.items]);
      setCursor(page.next_cursor);
    } catch (e) {
      toast.error(e);
    } finally {
      setLoadingMore(false);
    }
  };

  const setFilter = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  const rows = first.data ? [...first.data.items, ...more] : null;
  const columns: Column<Run>[] = [
    {
      key: 'started',
      header: t('started'),
      render: (r) => (
        <Link to={`/runs/${r.id}`} onClick={(e) => e.stopPropagation()} title={r.id} data-testid={`run-link-${r.id}`}>
          {f.dateTime(r.started_at)}
        </Link>
      ),
    },
    { key: 'flow', header: t('flow'), render: (r) => names.get(r.flow_id) ?? <code>{r.flow_id}</code> },
    { key: 'version', header: t('version'), render: (r) => (r.test ? <Badge tone="info">{t('testRun')}</Badge> : `v${r.version}`) },
    { key: 'status', header: t('status'), render: (r) => <StatusBadge status={r.status} /> },
    { key: 'node', header: t('atNode'), render: (r) => <code>{r.node}</code> },
    { key: 'trigger', header: t('trigger'), render: (r) => r.trigger },
    { key: 'updated', header: t('updated'), render: (r) => f.relative(r.updated_at) },
  ];

  return (
    <div className="page" data-testid="runs-page">
      <PageHeader title={t('runs')} subtitle={t('runsSubtitle')} />
      <div className="row flow-filters" role="search">
        <label className="field">
          <span className="field-label">{t('flow')}</span>
          <select value={flowId} onChange={(e) => setFilter('flow', e.target.value)} data-testid="runs-filter-flow">
            <option value="">{t('allFlows')}</option>
            {flows.data?.map((x) => (
              <option key={x.id} value={x.id}>
                {x.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">{t('status')}</span>
          <select value={status} onChange={(e) => setFilter('status', e.target.value)} data-testid="runs-filter-status">
            <option value="">{t('allStatuses')}</option>
            {RUN_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(STATUS_KEYS[s])}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">{t('runKind')}</span>
          <select value={kind} onChange={(e) => setFilter('kind', e.target.value)} data-testid="runs-filter-kind">
            <option value="">{t('allRuns')}</option>
            <option value="live">{t('liveRuns')}</option>
            <option value="test">{t('testRuns')}</option>
          </select>
        </label>
        <Button size="sm" onClick={first.reload}>
          {t('refresh')}
        </Button>
      </div>
      {first.error ? <ErrorBox error={first.error} onRetry={first.reload} /> : null}
      <DataTable columns={columns} rows={rows} rowKey={(r) => r.id} loading={first.loading} empty={t('noRuns')} onRowClick={(r) => navigate(`/runs/${r.id}`)} />
      {cursor ? (
        <div className="row flow-more">
          <Button onClick={loadMore} loading={loadingMore}>
            {t('loadMore')}
          </Button>
        </div>
      ) : null}
    </div>
  );
}
