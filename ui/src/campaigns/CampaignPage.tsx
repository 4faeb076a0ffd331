//! One campaign: its status and the buttons it allows (start, pause, resume, cancel; edit or
//! delete a draft, delete one that ended), how far it got (a progress bar, the bar of its
//! recipients' statuses and the funnel's numbers, heard live on the socket's `campaigns`
//! view and read again every 5 s while it is shown), the chart of its delivery over time, what
//! it sends and from where, and the report of its recipients.
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api } from '../api/client';
import { useT } from '../i18n';
import { ConfirmDialog, ErrorNote, Loading, PageHeader, useFormat, useLoad, useNotice } from '../admin/common';
import { m } from '../admin/messages';
import { openDays } from '../admin/ScheduleEditor';
import { formatPhone } from '../shell/phone';
import { Button } from '../shell/ui';
import { useEvery, useLiveCampaigns } from './live';
import { cText, type CKey } from './messages';
import { NotInPlan, Progress, StatusBadge, StatusBar, notInPlan, type Connection, type ContactList, type Flow } from './parts';
import { actionsFor, funnel, hasWindow, type Action, type Campaign, type CampaignView } from './plan';
import { DeliveryChart } from './DeliveryChart';
import { RecipientsReport } from './RecipientsReport';

/** How often the campaign is read again, in case the socket is down. */
const REFRESH_MS = 5_000;

export function CampaignPage() {
  const { id = '' } = useParams();
  const t = useT(cText);
  const ta = useT(m);
  const fmt = useFormat();
  const say = useNotice();
  const navigate = useNavigate();
  const view = useLoad(() => api<CampaignView>('GET', `/api/campaigns/${id}`), [id]);
  const lists = useLoad(() => api<ContactList[]>('GET', '/api/lists').catch(() => [] as ContactList[]), []);
  const connections = useLoad(() => api<Connection[]>('GET', '/api/connections').catch(() => [] as Connection[]), []);
  const flows = useLoad(() => api<Flow[]>('GET', '/api/flows').catch(() => [] as Flow[]), []);
  const [busy, setBusy] = useState<Action | null>(null);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const [asking, setAsking] = useState<'cancel' | 'delete' | null>(null);
  const c = view.data;

  const refresh = () =>
    api<CampaignView>('GET', `/api/campaigns/${id}`).then(
      (fresh) => view.setData(() => fresh),
      () => {
        /* shown as it was; the next read tries again */
      },
    );
  useLiveCampaigns((v) => {
    if (v.id === id) view.setData(() => v);
  });
  useEvery(REFRESH_MS, !!c && c.status !== 'draft', () => void refresh());

  const act = async (a: 'start' | 'pause' | 'resume' | 'cancel') => {
    if (!c) return;
    setBusy(a);
    setActionError(undefined);
    try {
      const saved = await api<Campaign>('POST', `/api/campaigns/${c.id}/${a}`);
      view.setData((old) => (old ? { ...old, ...saved } : old));
      say(t(`done_${a}` as CKey, { name: c.name }));
      void refresh();
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(null);
    }
  };

  const nameOf = (cid: string) => connections.data?.find((x) => x.id === cid);
  const list = c ? lists.data?.find((l) => l.id === c.list_id) : undefined;
  const flow = c?.content.flow_id ? flows.data?.find((f) => f.id === c.content.flow_id) : undefined;
  const actions = c ? actionsFor(c.status) : [];
  const f = c ? funnel(c.counts) : null;

  return (
    <div className="page adm cmp" data-testid="campaign-page" data-id={id} data-status={c?.status}>
      <PageHeader
        title={c?.name ?? t('areaTitle')}
        subtitle={c ? t(`statusHint_${c.status}` as CKey) : undefined}
        actions={
          c && (
            <>
              {actions.includes('edit') && (
                <Link className="btn" to={`/campaigns/${c.id}/edit`} data-testid="campaign-edit">
                  {ta('edit')}
                </Link>
              )}
              {actions.includes('delete') && (
                <Button className="adm-btn-danger-ghost" onClick={() => setAsking('delete')} data-testid="campaign-delete">
                  {ta('delete')}
                </Button>
              )}
              {actions.includes('cancel') && (
                <Button variant="danger" disabled={busy !== null} onClick={() => setAsking('cancel')} data-testid="campaign-cancel">
                  {t('cancelCampaign')}
                </Button>
              )}
              {actions.includes('pause') && (
                <Button loading={busy === 'pause'} disabled={busy !== null} onClick={() => void act('pause')} data-testid="campaign-pause">
                  {t('pause')}
                </Button>
              )}
              {actions.includes('resume') && (
                <Button variant="primary" loading={busy === 'resume'} disabled={busy !== null} onClick={() => void act('resume')} data-testid="campaign-resume">
                  {t('resume')}
                </Button>
              )}
              {actions.includes('start') && (
                <Button variant="primary" loading={busy === 'start'} disabled={busy !== null} onClick={() => void act('start')} data-testid="campaign-start">
                  {c.start_at ? t('schedule') : t('start')}
                </Button>
              )}
            </>
          )
        }
      />
      <p>
        <Link to="/campaigns" className="adm-link">
          ← {t('backToCampaigns')}
        </Link>
      </p>
      {notInPlan(view.error) ? <NotInPlan /> : <ErrorNote error={view.error} onRetry={view.reload} />}
      <ErrorNote error={actionError} />
      {view.loading && !c ? (
        <Loading />
      ) : c && f ? (
        <>
          {c.error && (
            <p className="adm-warn" role="note" data-testid="campaign-error">
              <strong>{t('stoppedBecause')}</strong> {c.error}
            </p>
          )}
          <section className="card adm-section" aria-labelledby="cmp-progress-title" data-testid="campaign-overview">
            <div className="adm-section-head">
              <h2 id="cmp-progress-title">{t('progress')}</h2>
              <StatusBadge status={c.status} />
            </div>
            {c.status === 'draft' ? (
              <p className="muted">{t('draftNote')}</p>
            ) : (
              <>
                <Progress counts={c.counts} />
                <StatusBar counts={c.counts} />
                <div className="cmp-stats" data-testid="campaign-counts">
                  {(
                    [
                      ['total', f.total],
                      ['sent', f.sent],
                      ['delivered', f.delivered],
                      ['read', f.read],
                      ['replied', f.replied],
                      ['failed', f.failed],
                      ['optedOut', f.optedOut],
                      ['waiting', f.waiting],
                    ] as const
                  ).map(([k, n]) => (
                    <div key={k} className={k === 'failed' && n > 0 ? 'adm-stat adm-stat-bad' : 'adm-stat'} data-testid={`count-${k}`} data-n={n} title={t(`countHint_${k}` as CKey)}>
                      <span className="adm-stat-n">{fmt.number(n)}</span>
                      <span>{t(`count_${k}` as CKey)}</span>
                    </div>
                  ))}
                </div>
              </>
            )}
          </section>
          {c.status !== 'draft' && <DeliveryChart campaign={c} />}
          <section className="card adm-section" aria-labelledby="cmp-setup-title">
            <h2 id="cmp-setup-title">{t('setup')}</h2>
            <dl className="cmp-facts">
              <div>
                <dt>{t('list')}</dt>
                <dd>{list ? <Link to={`/campaigns/lists/${list.id}`}>{list.name}</Link> : <span className="muted">—</span>}</dd>
              </div>
              <div>
                <dt>{t('numbers')}</dt>
                <dd>
                  {c.connection_ids.map((cid) => {
                    const n = nameOf(cid);
                    return (
                      <span key={cid} className="badge" title={n ? formatPhone(n.phone) : undefined}>
                        {n?.name ?? cid}
                      </span>
                    );
                  })}
                </dd>
              </div>
              <div>
                <dt>{t('content')}</dt>
                <dd>
                  {c.content.kind === 'flow'
                    ? t('sendsFlow', { name: flow?.name ?? t('flowGone') }) + (c.flow_version != null ? ` · v${c.flow_version}` : '')
                    : t('sendsMessage', { n: c.content.variants.length }) + (c.content.media_id ? ` · ${t('withFile')}` : '')}
                  {c.content.template ? ` · ${t('withTemplate', { name: c.content.template.name })}` : ''}
                </dd>
              </div>
              <div>
                <dt>{t('perMinute')}</dt>
                <dd>{fmt.number(c.per_minute)}</dd>
              </div>
              <div>
                <dt>{t('startAt')}</dt>
                <dd>{c.start_at ? fmt.dateTime(c.start_at) : t('startNow')}</dd>
              </div>
              <div>
                <dt>{t('window')}</dt>
                <dd>{hasWindow(c.window) ? t('windowDays', { days: openDays(c.window) }) : t('windowNone')}</dd>
              </div>
              <div>
                <dt>{ta('createdAt')}</dt>
                <dd>{fmt.dateTime(c.created_at)}</dd>
              </div>
              {c.started_at && (
                <div>
                  <dt>{t('startedAt')}</dt>
                  <dd>{fmt.dateTime(c.started_at)}</dd>
                </div>
              )}
              {c.finished_at && (
                <div>
                  <dt>{t('finishedAt')}</dt>
                  <dd>{fmt.dateTime(c.finished_at)}</dd>
                </div>
              )}
            </dl>
            {c.content.kind === 'message' && c.content.variants.length > 0 && (
              <ol className="cmp-variant-list" aria-label={t('variants')}>
                {c.content.variants.map((v, i) => (
                  <li key={i} className="adm-quote">
                    {v}
                  </li>
                ))}
              </ol>
            )}
          </section>
          {c.status !== 'draft' && <RecipientsReport campaign={c} connections={connections.data ?? []} />}
        </>
      ) : null}
      {asking && c && (
        <ConfirmDialog
          title={asking === 'cancel' ? t('cancelTitle') : t('deleteTitle')}
          text={asking === 'cancel' ? t('cancelText', { name: c.name }) : t('deleteText', { name: c.name })}
          confirmLabel={asking === 'cancel' ? t('cancelCampaign') : ta('delete')}
          onClose={() => setAsking(null)}
          onConfirm={async () => {
            if (asking === 'cancel') {
              const saved = await api<Campaign>('POST', `/api/campaigns/${c.id}/cancel`);
              view.setData((old) => (old ? { ...old, ...saved } : old));
              say(t('done_cancel', { name: c.name }));
            } else {
              await api('DELETE', `/api/campaigns/${c.id}`);
              say(ta('deleted'));
              navigate('/campaigns');
            }
          }}
        />
      )}
    </div>
  );
}
