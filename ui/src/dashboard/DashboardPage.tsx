//! The supervisor dashboard: tickets by status and queue, messages per day, response and
//! resolution times, customer satisfaction (CSAT) overall and by queue, and agent activity
//! over the last 7, 14 or 30 days.
import { useRef, useState, type KeyboardEvent } from 'react';
import { Link } from 'react-router-dom';
import { api, type Schemas } from '../api/client';
import { useLang, useT } from '../i18n';
import { ErrorNote, Loading, PageHeader, useLoad } from '../admin/common';
import { hasRole, useAuth } from '../shell/auth';
import { Stars } from '../shell/Stars';
import { AreaChart, BarMeter, DonutChart, PercentBarChart, StackedBarChart, type Series } from './charts';
import { d } from './messages';

/** The answer of GET /api/dashboard. */
export type Dashboard = Schemas['Dashboard'];
/** Customers' ratings (1 to 5) in the period: how many, their average and the share of 4s and 5s. */
export type Csat = Schemas['Csat'];

const PERIODS = [7, 14, 30] as const;
type Tr = ReturnType<typeof useT<keyof typeof d.en>>;

/** Seconds as a short duration: "45 s", "12 min", "3 h 20 min", "2 d 4 h". */
export function humanize(secs: number, t: Tr): string {
  const s = Math.max(0, Math.round(secs));
  if (s < 60) return `${s} ${t('unitS')}`;
  const min = Math.floor(s / 60);
  if (min < 60) return s % 60 && min < 10 ? `${min} ${t('unitMin')} ${s % 60} ${t('unitS')}` : `${min} ${t('unitMin')}`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `${h} ${t('unitH')} ${min % 60} ${t('unitMin')}` : `${h} ${t('unitH')}`;
  const days = Math.floor(h / 24);
  return h % 24 ? `${days} ${t('unitD')} ${h % 24} ${t('unitH')}` : `${days} ${t('unitD')}`;
}

/** Every day of the period, oldest first, with zeros where the answer has no entry. */
export function fillDays(list: Dashboard['messages_per_day'], days: number) {
  const byDay = new Map(list.map((x) => [x.day, x]));
  const last = [...list.map((x) => x.day)].sort().pop();
  const end = last ? new Date(last + 'T00:00:00Z') : new Date(new Date().toISOString().slice(0, 10) + 'T00:00:00Z');
  const out: Dashboard['messages_per_day'] = [];
  const count = Math.max(days, list.length);
  for (let i = count - 1; i >= 0; i--) {
    const dt = new Date(end.getTime() - i * 86400000).toISOString().slice(0, 10);
    out.push(byDay.get(dt) ?? { day: dt, inbound: 0, outbound: 0 });
  }
  return out;
}

const STATUS: Series[] = [
  { label: 'pending', color: 'var(--warning)' },
  { label: 'open', color: 'var(--accent)' },
  { label: 'closed', color: 'var(--success)' },
];

/** Numbers of a CSAT in the user's language: the share ("92.5%"), the average ("4.6") and the count ("12 ratings"). */
function csatFormat(lang: string, t: Tr) {
  const pct = new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 1 });
  const avg = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const count = new Intl.NumberFormat(lang);
  return {
    pct: (v: number) => pct.format(v / 100),
    avg: (v: number) => avg.format(v),
    ratings: (n: number) => (n === 1 ? t('oneRating') : t('nRatings', { n: count.format(n) })),
  };
}

export function DashboardPage() {
  const t = useT(d);
  const { lang } = useLang();
  const { user } = useAuth();
  const [days, setDays] = useState<number>(() => Number(sessionStorage.getItem('tucan.dashboard.days')) || 14);
  const [at, setAt] = useState<Date | null>(null);
  const data = useLoad(async () => {
    const r = await api<Dashboard>('GET', '/api/dashboard', { query: { days } });
    setAt(new Date());
    return r;
  }, [days]);
  const radios = useRef<(HTMLButtonElement | null)[]>([]);

  const pick = (n: number) => {
    sessionStorage.setItem('tucan.dashboard.days', String(n));
    setDays(n);
  };
  const onKey = (e: KeyboardEvent, i: number) => {
    const step = e.key === 'ArrowRight' || e.key === 'ArrowDown' ? 1 : e.key === 'ArrowLeft' || e.key === 'ArrowUp' ? -1 : 0;
    if (!step) return;
    e.preventDefault();
    const next = (i + step + PERIODS.length) % PERIODS.length;
    radios.current[next]?.focus();
    pick(PERIODS[next]);
  };

  const num = new Intl.NumberFormat(lang);
  const dayFmt = new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'short', timeZone: 'UTC' });
  const x = data.data;
  const status = x?.tickets_by_status ?? { pending: 0, open: 0, closed: 0 };
  const total = status.pending + status.open + status.closed;
  const perDay = x ? fillDays(x.messages_per_day, x.days || days) : [];
  const inbound = perDay.reduce((s, p) => s + p.inbound, 0);
  const outbound = perDay.reduce((s, p) => s + p.outbound, 0);
  const statusSeries = STATUS.map((s) => ({ ...s, label: t(s.label as 'pending') }));
  const queues = (x?.tickets_by_queue ?? []).map((q) => ({ ...q, queue_name: q.queue_name || (q.queue_id ? q.queue_id : t('noQueue')) }));
  const agents = x?.agents ?? [];
  const maxSent = Math.max(0, ...agents.map((a) => a.messages_sent));
  const maxClosed = Math.max(0, ...agents.map((a) => a.closed_in_period));
  const cf = csatFormat(lang, t);
  const csat = x?.csat ?? null;
  const csatQueues = (x?.csat_by_queue ?? []).map((q) => ({ ...q, queue_name: q.queue_name || (q.queue_id ? q.queue_id : t('noQueue')) }));

  return (
    <div className="page dash" data-testid="dashboard-page">
      <PageHeader
        title={t('title')}
        subtitle={t('subtitle', { n: days })}
        actions={
          <>
            <div className="dash-periods" role="radiogroup" aria-label={t('period')}>
              {PERIODS.map((n, i) => (
                <button
                  key={n}
                  ref={(el) => {
                    radios.current[i] = el;
                  }}
                  type="button"
                  role="radio"
                  aria-checked={days === n}
                  tabIndex={days === n ? 0 : -1}
                  className={days === n ? 'dash-period is-active' : 'dash-period'}
                  onClick={() => pick(n)}
                  onKeyDown={(e) => onKey(e, i)}
                  data-testid={`days-${n}`}
                >
                  {t('lastDays', { n })}
                </button>
              ))}
            </div>
            <button type="button" className="btn" onClick={() => void data.reload()} disabled={data.loading} data-testid="dashboard-refresh">
              {t('refresh')}
            </button>
          </>
        }
      />
      <ErrorNote error={data.error} onRetry={data.reload} />
      {data.loading && !x ? (
        <Loading />
      ) : x ? (
        <div className={data.loading ? 'dash-grid is-reloading' : 'dash-grid'} aria-busy={data.loading}>
          <section className="dash-kpis" aria-label={t('totalTickets')}>
            <Kpi label={t('totalTickets')} value={num.format(total)} testId="kpi-total" raw={total} />
            <Kpi label={t('pending')} value={num.format(status.pending)} testId="kpi-pending" raw={status.pending} tone="warning" />
            <Kpi label={t('open')} value={num.format(status.open)} testId="kpi-open" raw={status.open} tone="accent" />
            <Kpi label={t('closed')} value={num.format(status.closed)} testId="kpi-closed" raw={status.closed} tone="success" />
            <Kpi
              label={t('firstResponse')}
              hint={t('firstResponseHint')}
              value={x.avg_first_response_secs == null ? t('noData') : humanize(x.avg_first_response_secs, t)}
              muted={x.avg_first_response_secs == null}
              testId="kpi-first-response"
            />
            <Kpi
              label={t('resolution')}
              hint={t('resolutionHint')}
              value={x.avg_resolution_secs == null ? t('noData') : humanize(x.avg_resolution_secs, t)}
              muted={x.avg_resolution_secs == null}
              testId="kpi-resolution"
            />
          </section>

          <section className="card dash-card dash-status" aria-labelledby="dash-status-title">
            <div className="dash-card-head">
              <h2 id="dash-status-title">{t('statusChart')}</h2>
              <span className="muted small">{t('statusNow')}</span>
            </div>
            <div className="dash-donut-row">
              <DonutChart
                testId="chart-status"
                label={t('statusChartLabel', status)}
                centerLabel={t('tickets')}
                segments={[
                  { ...statusSeries[0], value: status.pending },
                  { ...statusSeries[1], value: status.open },
                  { ...statusSeries[2], value: status.closed },
                ]}
              />
              <Legend
                items={statusSeries.map((s, i) => ({ ...s, value: [status.pending, status.open, status.closed][i], share: total ? Math.round(([status.pending, status.open, status.closed][i] / total) * 100) : 0 }))}
              />
            </div>
            {total === 0 && <p className="muted dash-note">{t('noTickets')}</p>}
          </section>

          <section className="card dash-card dash-messages" aria-labelledby="dash-msg-title">
            <div className="dash-card-head">
              <h2 id="dash-msg-title">{t('messagesChart')}</h2>
              <span className="muted small" data-testid="messages-totals" data-inbound={inbound} data-outbound={outbound}>
                {t('messagesInOut', { in: num.format(inbound), out: num.format(outbound) })}
              </span>
            </div>
            <AreaChart
              testId="chart-messages"
              label={t('messagesChartLabel', { n: perDay.length, in: inbound, out: outbound })}
              series={[
                { label: t('inbound'), color: 'var(--accent)' },
                { label: t('outbound'), color: 'var(--success)' },
              ]}
              points={perDay.map((p) => ({ x: p.day, values: [p.inbound, p.outbound] }))}
              formatX={(s) => dayFmt.format(new Date(s + 'T00:00:00Z'))}
            />
            <Legend
              items={[
                { label: t('inbound'), color: 'var(--accent)', value: inbound },
                { label: t('outbound'), color: 'var(--success)', value: outbound },
              ]}
              inline
            />
            {inbound + outbound === 0 && <p className="muted dash-note">{t('noMessages')}</p>}
          </section>

          <section className={csat ? 'card dash-card dash-csat' : 'card dash-card dash-csat is-empty'} aria-labelledby="dash-csat-title" data-testid="csat-card">
            <div className="dash-card-head">
              <h2 id="dash-csat-title">{t('csatTitle')}</h2>
              <span className="muted small">{t('csatPeriod')}</span>
            </div>
            {csat ? (
              <CsatSummary csat={csat} />
            ) : (
              <div className="dash-csat-empty" data-testid="csat-empty">
                <span aria-hidden="true">
                  <Stars value={0} label={t('noRatings')} size={22} />
                </span>
                <p className="strong">{t('noRatings')}</p>
                <p className="muted small">{t('noRatingsHint')}</p>
                {hasRole(user, 'admin') && (
                  <Link className="btn btn-sm" to="/admin/settings">
                    {t('openSettings')}
                  </Link>
                )}
              </div>
            )}
          </section>

          {csat && (
            <section className="card dash-card dash-csat-queues" aria-labelledby="dash-csat-queues-title">
              <div className="dash-card-head">
                <h2 id="dash-csat-queues-title">{t('csatQueuesTitle')}</h2>
                <span className="muted small">{t('csatHint')}</span>
              </div>
              {csatQueues.length === 0 ? (
                <p className="muted dash-note">{t('noRatings')}</p>
              ) : (
                <PercentBarChart
                  testId="chart-csat-queues"
                  label={t('csatQueuesLabel', { list: csatQueues.map((q) => `${q.queue_name} ${cf.pct(q.csat.satisfied_percent)} (${cf.ratings(q.csat.ratings)})`).join(', ') })}
                  formatValue={cf.pct}
                  rows={[...csatQueues]
                    .sort((a, b) => b.csat.ratings - a.csat.ratings || a.queue_name.localeCompare(b.queue_name))
                    .map((q) => ({
                      label: q.queue_name,
                      value: q.csat.satisfied_percent,
                      note: t('csatRowNote', { ratings: cf.ratings(q.csat.ratings), avg: cf.avg(q.csat.average) }),
                    }))}
                />
              )}
            </section>
          )}

          <section className="card dash-card dash-queues" aria-labelledby="dash-queues-title">
            <div className="dash-card-head">
              <h2 id="dash-queues-title">{t('queuesChart')}</h2>
              <span className="muted small">{t('statusNow')}</span>
            </div>
            {queues.length === 0 ? (
              <p className="muted dash-note">{t('noTickets')}</p>
            ) : (
              <>
                <StackedBarChart
                  testId="chart-queues"
                  label={t('queuesChartLabel', { list: queues.map((q) => `${q.queue_name} ${q.pending + q.open + q.closed}`).join(', ') })}
                  series={statusSeries}
                  rows={queues.map((q) => ({ label: q.queue_name, values: [q.pending, q.open, q.closed] }))}
                />
                <Legend items={statusSeries} inline />
              </>
            )}
          </section>

          <section className="card dash-card dash-agents" aria-labelledby="dash-agents-title">
            <h2 id="dash-agents-title">{t('agentsTitle')}</h2>
            {agents.length === 0 ? (
              <p className="muted dash-note">{t('noAgents')}</p>
            ) : (
              <div className="table-wrap dash-table-wrap">
                <table className="table dash-table" data-testid="agents-table">
                  <thead>
                    <tr>
                      <th scope="col">{t('agent')}</th>
                      <th scope="col">{t('openTickets')}</th>
                      <th scope="col">{t('closedInPeriod')}</th>
                      <th scope="col">{t('messagesSent')}</th>
                      <th scope="col" title={t('csatHint')}>
                        {t('csat')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {[...agents]
                      .sort((a, b) => b.messages_sent - a.messages_sent || a.name.localeCompare(b.name))
                      .map((a) => (
                        <tr key={a.user_id} data-testid="agent-row">
                          <td className="dash-agent">
                            <span className="row gap-sm">
                              <span className={a.online ? 'dot dot-success' : 'dot dot-neutral'} aria-hidden="true" />
                              <span>{a.name}</span>
                              <span className="sr-only">{a.online ? t('online') : t('offline')}</span>
                            </span>
                          </td>
                          <td className="dash-num">{num.format(a.open_tickets)}</td>
                          <td>
                            <div className="dash-bar-cell">
                              <span className="dash-num">{num.format(a.closed_in_period)}</span>
                              <BarMeter value={a.closed_in_period} max={maxClosed} color="var(--success)" label={t('ofMax', { value: a.closed_in_period, max: maxClosed })} />
                            </div>
                          </td>
                          <td>
                            <div className="dash-bar-cell">
                              <span className="dash-num">{num.format(a.messages_sent)}</span>
                              <BarMeter value={a.messages_sent} max={maxSent} label={t('ofMax', { value: a.messages_sent, max: maxSent })} />
                            </div>
                          </td>
                          <td data-testid="agent-csat" data-value={a.csat?.satisfied_percent} data-ratings={a.csat?.ratings ?? 0}>
                            {a.csat ? (
                              <span className="dash-csat-cell" title={t('csatCellTitle', { avg: cf.avg(a.csat.average), ratings: cf.ratings(a.csat.ratings) })}>
                                <span className="dash-num">{cf.pct(a.csat.satisfied_percent)}</span>
                                <span className="muted small">{cf.ratings(a.csat.ratings)}</span>
                              </span>
                            ) : (
                              <span className="muted" title={t('noRatings')}>
                                <span aria-hidden="true">—</span>
                                <span className="sr-only">{t('noRatings')}</span>
                              </span>
                            )}
                          </td>
                        </tr>
                      ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
          {at && <p className="muted small dash-updated">{t('updatedAt', { time: at.toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' }) })}</p>}
        </div>
      ) : null}
    </div>
  );
}

/** The period's CSAT: satisfied and other ratings in a donut, with the share, the average and the count. */
function CsatSummary({ csat }: { csat: Csat }) {
  const t = useT(d);
  const { lang } = useLang();
  const cf = csatFormat(lang, t);
  const satisfied = Math.round((csat.ratings * csat.satisfied_percent) / 100);
  const others = csat.ratings - satisfied;
  const items = [
    { label: t('satisfied'), color: 'var(--success)', value: satisfied },
    { label: t('notSatisfied'), color: 'var(--danger)', value: others },
  ];
  return (
    <>
      <div className="dash-donut-row">
        <DonutChart
          testId="chart-csat"
          size={150}
          label={t('csatChartLabel', { pct: cf.pct(csat.satisfied_percent), satisfied, n: csat.ratings })}
          centerValue={cf.pct(csat.satisfied_percent)}
          centerLabel={t('csat')}
          segments={items}
        />
        <dl className="dash-csat-figures">
          <div>
            <dt>{t('csat')}</dt>
            <dd className="dash-csat-big" data-testid="csat-percent" data-value={csat.satisfied_percent}>
              {cf.pct(csat.satisfied_percent)}
            </dd>
            <dd className="dash-kpi-hint">{t('csatHint')}</dd>
          </div>
          <div>
            <dt>{t('average')}</dt>
            <dd data-testid="csat-average" data-value={csat.average}>
              <span className="dash-num">{t('averageOf', { avg: cf.avg(csat.average) })}</span>
              <Stars value={csat.average} label={t('averageStars', { avg: cf.avg(csat.average) })} />
            </dd>
          </div>
          <div>
            <dt>{t('ratings')}</dt>
            <dd className="dash-num" data-testid="csat-ratings" data-value={csat.ratings}>
              {new Intl.NumberFormat(lang).format(csat.ratings)}
            </dd>
          </div>
        </dl>
      </div>
      <Legend items={items} inline />
    </>
  );
}

function Kpi({
  label,
  value,
  hint,
  tone,
  muted,
  testId,
  raw,
}: {
  label: string;
  value: string;
  hint?: string;
  tone?: 'accent' | 'warning' | 'success';
  muted?: boolean;
  testId: string;
  raw?: number;
}) {
  return (
    <div className={tone ? `card dash-kpi dash-kpi-${tone}` : 'card dash-kpi'} title={hint}>
      <span className="dash-kpi-label">{label}</span>
      <span className={muted ? 'dash-kpi-value is-muted' : 'dash-kpi-value'} data-testid={testId} data-value={raw}>
        {value}
      </span>
      {hint && <span className="dash-kpi-hint">{hint}</span>}
    </div>
  );
}

function Legend({ items, inline }: { items: { label: string; color: string; value?: number; share?: number }[]; inline?: boolean }) {
  return (
    <ul className={inline ? 'dash-legend is-inline' : 'dash-legend'}>
      {items.map((i) => (
        <li key={i.label}>
          <span className="dash-swatch" style={{ background: i.color }} aria-hidden="true" />
          <span>{i.label}</span>
          {i.value !== undefined && <strong>{i.value}</strong>}
          {i.share !== undefined && <span className="muted">{i.share}%</span>}
        </li>
      ))}
    </ul>
  );
}
