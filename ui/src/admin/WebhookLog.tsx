//! One webhook endpoint's delivery log, newest first: each delivery's time, event, status,
//! attempts, answer, duration and next attempt; a row opens onto the body sent and the
//! answer (or the error). A delivery can be sent again, and so can every failed one since a
//! moment; a test event goes from here too. Pending deliveries are looked at again shortly.
import { useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { ApiError, api, type Schemas } from '../api/client';
import { useLang, useT } from '../i18n';
import { parseLocal, toLocalInput } from '../schedules/plan';
import { Icons } from '../shell/icons';
import { AdminTable, Empty, ErrorNote, FormField, Loading, PageHeader, useLoad, useNotice } from './common';
import { m } from './messages';
import { EndpointWarnings, EventChips, filterText, notInPlan, useLookups } from './WebhooksPage';
import { eventKey, whText } from './webhookText';

type Endpoint = Schemas['WebhookEndpoint'];
type Delivery = Schemas['WebhookDelivery'];
type Page = Schemas['WebhookDeliveryPage'];

const PAGE = 25;
/** The most deliveries one request answers (the API's limit). */
const MAX_PAGE = 500;
/** How soon pending deliveries are looked at again. */
const POLL_MS = 2500;

const STATUS_CLASS: Record<Delivery['status'], string> = {
  pending: 'badge badge-warning',
  succeeded: 'badge badge-success',
  failed: 'badge badge-danger',
};

/** The JSON body indented, or as it is when it is not JSON. */
function pretty(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

export function WebhookLogPage() {
  const { id = '' } = useParams();
  const t = useT(m);
  const w = useT(whText);
  const say = useNotice();
  const endpoint = useLoad(() => api<Endpoint>('GET', `/api/webhooks/${id}`), [id]);
  const lookups = useLookups();
  const [items, setItems] = useState<Delivery[]>([]);
  const [next, setNext] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [open, setOpen] = useState<Set<string>>(() => new Set());
  const [busy, setBusy] = useState<string | null>(null);
  const seq = useRef(0);
  const shown = useRef(0);
  shown.current = items.length;

  /** Loads the newest deliveries again, as many as are shown now. */
  const refresh = async () => {
    const n = ++seq.current;
    setLoading(true);
    setError(undefined);
    try {
      const limit = Math.min(MAX_PAGE, Math.max(PAGE, shown.current));
      const page = await api<Page>('GET', `/api/webhooks/${id}/deliveries`, { query: { limit } });
      if (n !== seq.current) return;
      setItems(page.items);
      setNext(page.next_cursor ?? undefined);
    } catch (e) {
      if (n === seq.current) setError(e);
    } finally {
      if (n === seq.current) setLoading(false);
    }
  };

  useEffect(() => {
    shown.current = 0;
    setItems([]);
    void refresh();
  }, [id]);

  const loadMore = async () => {
    if (!next) return;
    const n = seq.current;
    setMore(true);
    setError(undefined);
    try {
      const page = await api<Page>('GET', `/api/webhooks/${id}/deliveries`, { query: { limit: PAGE, cursor: next } });
      if (n !== seq.current) return;
      setItems((old) => [...old, ...page.items.filter((d) => !old.some((o) => o.id === d.id))]);
      setNext(page.next_cursor ?? undefined);
    } catch (e) {
      setError(e);
    } finally {
      setMore(false);
    }
  };

  // A delivery about to go (or going) is looked at again until it has an outcome.
  useEffect(() => {
    const soon = items.some((d) => d.status === 'pending' && (!d.next_attempt_at || Date.parse(d.next_attempt_at) - Date.now() < 60_000));
    if (!soon || loading || more) return;
    const h = window.setTimeout(() => void refresh(), POLL_MS);
    return () => window.clearTimeout(h);
  }, [items, loading, more]);

  const act = async (key: string, f: () => Promise<void>) => {
    setBusy(key);
    setError(undefined);
    try {
      await f();
      await refresh();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  const sendTest = () =>
    act('test', async () => {
      await api('POST', `/api/webhooks/${id}/test`);
      say(w('testQueued'));
    });
  const sendAgain = (d: Delivery) =>
    act(d.id, async () => {
      await api('POST', `/api/webhooks/${id}/deliveries/${d.id}/redeliver`);
      say(w('sentAgain'));
    });
  const reloadAll = () => {
    void endpoint.reload();
    void refresh();
  };
  const toggleRow = (d: Delivery) =>
    setOpen((s) => {
      const c = new Set(s);
      if (c.has(d.id)) c.delete(d.id);
      else c.add(d.id);
      return c;
    });

  const back = (
    <Link className="btn btn-ghost" to="/admin/webhooks" data-testid="back-to-webhooks">
      <span className="btn-icon" aria-hidden="true">
        <Icons.back />
      </span>
      {w('backToWebhooks')}
    </Link>
  );

  if (endpoint.error && (notInPlan(endpoint.error) || (endpoint.error instanceof ApiError && endpoint.error.status === 404))) {
    return (
      <div className="page adm" data-testid="webhook-log-page">
        <PageHeader title={w('deliveries')} actions={back} />
        {notInPlan(endpoint.error) ? <Empty title={w('notInPlan')} text={w('notInPlanText')} /> : <Empty title={w('endpointGone')} testId="webhook-gone" />}
      </div>
    );
  }
  const e = endpoint.data;

  return (
    <div className="page adm" data-testid="webhook-log-page">
      <PageHeader
        title={w('deliveries')}
        actions={
          <>
            {back}
            <button className="btn" onClick={reloadAll} disabled={loading} data-testid="webhook-refresh">
              {w('refresh')}
            </button>
            <button className="btn btn-primary" onClick={sendTest} disabled={busy === 'test'} data-testid="webhook-log-test">
              {w('sendTest')}
            </button>
          </>
        }
      />
      <ErrorNote error={endpoint.error} onRetry={endpoint.reload} />
      {e ? (
        <section className="card wh-summary" aria-label={w('deliveriesOf', { url: e.url })} data-testid="webhook-summary" data-enabled={e.enabled}>
          <div className="row wrap">
            <code className="wh-url strong" title={e.url}>
              {e.url}
            </code>
            <span className={e.enabled ? 'badge badge-success' : 'badge badge-neutral'} data-testid="webhook-state">
              {e.enabled ? t('on') : t('off')}
            </span>
          </div>
          {e.description && <p className="muted small">{e.description}</p>}
          <EventChips events={e.events} />
          <p className="small muted">{filterText(e, lookups, w)}</p>
          <EndpointWarnings endpoint={e} />
        </section>
      ) : endpoint.loading ? (
        <Loading />
      ) : null}
      <RedeliverSince id={id} onQueued={refresh} />
      <ErrorNote error={error} onRetry={refresh} />
      {loading && items.length === 0 ? (
        <Loading />
      ) : items.length === 0 ? (
        error ? null : <Empty title={w('logEmpty')} text={w('logEmptyText')} testId="deliveries-empty" />
      ) : (
        <AdminTable
          testId="deliveries-table"
          columns={[w('time'), w('event'), t('status'), w('attempts'), w('response'), w('duration'), w('nextAttempt')]}
          actions
          after={
            <div className="adm-pager">
              <span className="muted" data-testid="deliveries-count">
                {t('shownCount', { n: items.length })}
              </span>
              {next && (
                <button className="btn" onClick={loadMore} disabled={more} data-testid="deliveries-more">
                  {more ? t('loading') : t('loadMore')}
                </button>
              )}
            </div>
          }
        >
          {items.map((d) => (
            <DeliveryRows key={d.id} delivery={d} open={open.has(d.id)} busy={busy === d.id} onToggle={() => toggleRow(d)} onSendAgain={() => sendAgain(d)} />
          ))}
        </AdminTable>
      )}
    </div>
  );
}

/** A delivery's row, and under it (when open) the body sent and the answer or error. */
function DeliveryRows({ delivery: d, open, busy, onToggle, onSendAgain }: { delivery: Delivery; open: boolean; busy: boolean; onToggle: () => void; onSendAgain: () => void }) {
  const t = useT(m);
  const w = useT(whText);
  const { lang } = useLang();
  const at = (s?: string | null) => (s ? new Intl.DateTimeFormat(lang, { dateStyle: 'short', timeStyle: 'medium' }).format(new Date(s)) : '—');
  const when = at(d.created_at);
  const k = eventKey(d.event_type);
  const detailId = `delivery-${d.id}`;
  return (
    <>
      <tr data-testid="delivery-row" data-status={d.status} data-event={d.event_type} data-id={d.id}>
        <td>
          <button
            type="button"
            className="link-btn wh-when"
            aria-expanded={open}
            aria-controls={detailId}
            aria-label={open ? w('hideDelivery', { when }) : w('showDelivery', { when })}
            onClick={onToggle}
            data-testid="delivery-toggle"
          >
            <span aria-hidden="true">{open ? '▾' : '▸'}</span> {when}
          </button>
        </td>
        <td>
          <code title={k ? w(k) : undefined}>{d.event_type}</code>
        </td>
        <td>
          <span className={STATUS_CLASS[d.status]} data-testid="delivery-status">
            {w(`st_${d.status}`)}
          </span>
        </td>
        <td data-testid="delivery-attempts">{d.attempts}</td>
        <td data-testid="delivery-response">{d.response_status ?? (d.error ? <span className="muted">{w('noAnswer')}</span> : '—')}</td>
        <td>{d.duration_ms != null ? w('ms', { n: d.duration_ms }) : '—'}</td>
        <td data-testid="delivery-next">{d.status === 'pending' ? at(d.next_attempt_at) : '—'}</td>
        <td className="adm-row-actions">
          <button className="btn" onClick={onSendAgain} disabled={busy} data-testid="delivery-again">
            {w('sendAgain')}
          </button>
        </td>
      </tr>
      {open && (
        <tr className="wh-detail-row" data-testid="delivery-detail">
          <td colSpan={8} id={detailId}>
            <div className="wh-detail">
              <section>
                <h3>{w('payload')}</h3>
                <p className="muted small">{w('eventId', { id: d.event_id })}</p>
                <pre className="wh-pre" data-testid="delivery-payload">
                  {pretty(d.payload)}
                </pre>
              </section>
              <section>
                <h3>{d.error ? w('error') : w('responseExcerpt')}</h3>
                {d.error ? (
                  <pre className="wh-pre wh-pre-error" data-testid="delivery-error">
                    {d.error}
                  </pre>
                ) : d.response_excerpt ? (
                  <pre className="wh-pre" data-testid="delivery-excerpt">
                    {d.response_excerpt}
                  </pre>
                ) : (
                  <p className="muted small">{d.attempts > 0 ? w('noResponseBody') : w('notSentYet')}</p>
                )}
                {d.error && d.response_excerpt && <pre className="wh-pre">{d.response_excerpt}</pre>}
                <p className="muted small">
                  {t('updatedAt', { when: at(d.updated_at) })}
                </p>
              </section>
            </div>
          </td>
        </tr>
      )}
    </>
  );
}

/** "Send again every failed delivery since …": a moment (a day ago to start with) and a button. */
function RedeliverSince({ id, onQueued }: { id: string; onQueued: () => Promise<void> }) {
  const w = useT(whText);
  const say = useNotice();
  const [since, setSince] = useState(() => toLocalInput(new Date(Date.now() - 24 * 3600_000)));
  const [invalid, setInvalid] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const go = async () => {
    const at = parseLocal(since);
    setInvalid(!at);
    if (!at) return;
    setBusy(true);
    setError(undefined);
    try {
      const r = await api<Schemas['Requeued']>('POST', `/api/webhooks/${id}/redeliver`, { body: { since: at.toISOString() } });
      say(w('redeliverQueued', { n: r.queued }));
      await onQueued();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <fieldset className="adm-fieldset wh-redeliver" data-testid="redeliver-since">
      <legend>{w('redeliverLegend')}</legend>
      <div className="row wrap wh-redeliver-row">
        <FormField label={w('redeliverSince')} hint={w('redeliverHint')} error={invalid ? w('sinceInvalid') : undefined}>
          {(p) => <input {...p} type="datetime-local" step={1} value={since} onChange={(e) => setSince(e.target.value)} data-testid="redeliver-since-at" />}
        </FormField>
        <button className="btn" onClick={go} disabled={busy} data-testid="redeliver-since-go">
          {w('sendAgain')}
        </button>
      </div>
      <ErrorNote error={error} />
    </fieldset>
  );
}
