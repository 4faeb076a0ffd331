//! The company's campaigns (`GET /api/campaigns`, newest first): name, status, how far each
//! got (its counts read per campaign shown, then heard live on the socket's `campaigns`
//! view), the list it writes to and when it was created; above them, this month's campaign
//! recipients against the plan's limit, read again as campaigns change. "New campaign" opens
//! the form.
import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../api/client';
import { useT } from '../i18n';
import { AdminTable, Empty, ErrorNote, LoadedList, PageHeader, useFormat, useLoad } from '../admin/common';
import { m } from '../admin/messages';
import { useEvery, useLiveCampaigns } from './live';
import { cText } from './messages';
import { CampaignTabs, NotInPlan, Progress, StatusBadge, UsageMeter, notInPlan, type ContactList } from './parts';
import { isActive, type Campaign, type CampaignView, type Counts, type Usage } from './plan';

/** How many campaigns show at first, and how many more each "Show more" adds. */
const STEP = 25;
/** How often the campaigns are read again while one is on its way. */
const REFRESH_MS = 10_000;
/** The month's usage is read again at most this often while campaigns change live. */
const USAGE_EVERY_MS = 3_000;

export function CampaignsPage() {
  const t = useT(cText);
  const ta = useT(m);
  const fmt = useFormat();
  const campaigns = useLoad(() => api<Campaign[]>('GET', '/api/campaigns'), []);
  const lists = useLoad(() => api<ContactList[]>('GET', '/api/lists').catch(() => [] as ContactList[]), []);
  const usage = useLoad(() => api<Usage>('GET', '/api/campaigns/usage'), []);
  const usageAt = useRef(0);
  const [counts, setCounts] = useState<Record<string, Counts>>({});
  const [shown, setShown] = useState(STEP);
  const asked = useRef(new Set<string>());
  const gated = notInPlan(campaigns.error);
  const visible = (campaigns.data ?? []).slice(0, shown);

  const readCounts = (ids: string[]) => {
    for (const id of ids) {
      asked.current.add(id);
      api<CampaignView>('GET', `/api/campaigns/${id}`).then(
        (v) => setCounts((c) => ({ ...c, [id]: v.counts })),
        () => asked.current.delete(id),
      );
    }
  };

  // Counts of the campaigns shown that started (a draft has no recipients yet).
  useEffect(() => {
    readCounts(visible.filter((c) => c.status !== 'draft' && !asked.current.has(c.id)).map((c) => c.id));
  }, [campaigns.data, shown]);

  /** Reads the month's usage again (not more often than every few seconds, unless `now`). */
  const readUsage = (now = false) => {
    if (!now && Date.now() - usageAt.current < USAGE_EVERY_MS) return;
    usageAt.current = Date.now();
    void usage.reload();
  };

  useLiveCampaigns((v) => {
    readUsage(v.status !== 'running');
    const { counts: n, ...c } = v;
    setCounts((old) => ({ ...old, [v.id]: n }));
    if (campaigns.data?.some((x) => x.id === v.id)) campaigns.setData((l) => l?.map((x) => (x.id === v.id ? { ...x, ...c } : x)));
    else void campaigns.reload();
  });

  const anyActive = visible.some((c) => isActive(c.status));
  useEvery(REFRESH_MS, anyActive, () => {
    void campaigns.reload();
    readCounts(visible.filter((c) => isActive(c.status)).map((c) => c.id));
    readUsage(true);
  });

  const listName = (id: string) => lists.data?.find((l) => l.id === id)?.name;
  const newButton = (
    <Link className="btn btn-primary" to="/campaigns/new" data-testid="campaign-new">
      {t('campaignNew')}
    </Link>
  );

  return (
    <div className="page adm cmp" data-testid="campaigns-page">
      <PageHeader title={t('areaTitle')} subtitle={t('campaignsSubtitle')} actions={gated ? undefined : newButton} />
      <CampaignTabs current="campaigns" />
      {gated ? (
        <NotInPlan />
      ) : (
        <>
          {usage.data && <UsageMeter usage={usage.data} />}
          <ErrorNote error={campaigns.error} onRetry={campaigns.reload} />
          <LoadedList loaded={campaigns} empty={<Empty title={t('campaignsEmpty')} text={t('campaignsEmptyText')} testId="campaigns-empty" action={newButton} />}>
            {(items) => (
              <>
                <AdminTable testId="campaigns-table" columns={[ta('name'), ta('status'), t('progress'), t('list'), ta('createdAt')]}>
                  {items.slice(0, shown).map((c) => (
                    <tr key={c.id} data-testid="campaign-row" data-id={c.id} data-status={c.status}>
                      <td>
                        <Link to={`/campaigns/${c.id}`} className="strong" data-testid="campaign-name">
                          {c.name}
                        </Link>
                      </td>
                      <td>
                        <StatusBadge status={c.status} />
                      </td>
                      <td className="cmp-progress-cell">
                        {c.status === 'draft' ? (
                          <span className="muted small">{t('notStarted')}</span>
                        ) : counts[c.id] ? (
                          <Progress counts={counts[c.id]} compact />
                        ) : (
                          <span className="muted small">…</span>
                        )}
                      </td>
                      <td>{listName(c.list_id) ?? <span className="muted">—</span>}</td>
                      <td>{fmt.dateTime(c.created_at)}</td>
                    </tr>
                  ))}
                </AdminTable>
                {items.length > shown && (
                  <div className="adm-pager">
                    <span className="muted">{ta('shownCount', { n: shown })}</span>
                    <button className="btn" onClick={() => setShown((n) => n + STEP)} data-testid="campaigns-more">
                      {t('showMore')}
                    </button>
                  </div>
                )}
              </>
            )}
          </LoadedList>
        </>
      )}
    </div>
  );
}
