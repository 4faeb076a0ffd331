//! Webhooks: the company's endpoints (URL, events, filters, on/off, why the platform turned
//! one off and since when it fails), created or edited in a dialog, their signing secret
//! shown once after a creation or a rotation, a test event, deletion, and a link to each
//! endpoint's delivery log.
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { ApiError, api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { ConfirmDialog, Empty, ErrorNote, LoadedList, PageHeader, useFormat, useLoad, useNotice } from './common';
import { m } from './messages';
import { SecretDialog } from './SecretDialog';
import { ALL, WebhookDialog, type Lookups } from './WebhookDialog';
import { eventKey, reasonText, whText, type WhT } from './webhookText';

type Endpoint = Schemas['WebhookEndpoint'];
type Created = Schemas['WebhookEndpointSecret'];
type Delivery = Schemas['WebhookDelivery'];

/** How many event types a card lists before "+n more". */
const SHOWN_EVENTS = 6;

/** True when the answer says the company's plan has no webhooks. */
export function notInPlan(e: unknown): boolean {
  return e instanceof ApiError && e.code === 'FEATURE_DISABLED';
}

/** The connections, queues and tags filters pick from (empty lists when they can't be read). */
export function useLookups(): Lookups {
  const connections = useLoad(() => api<Schemas['Connection'][]>('GET', '/api/connections').catch(() => []), []);
  const queues = useLoad(() => api<Schemas['Queue'][]>('GET', '/api/queues').catch(() => []), []);
  const tags = useLoad(() => api<Schemas['Tag'][]>('GET', '/api/tags').catch(() => []), []);
  return { connections: connections.data ?? [], queues: queues.data ?? [], tags: tags.data ?? [] };
}

export function WebhooksPage() {
  const t = useT(m);
  const w = useT(whText);
  const say = useNotice();
  const endpoints = useLoad(() => api<Endpoint[]>('GET', '/api/webhooks'), []);
  const types = useLoad(() => api<string[]>('GET', '/api/webhooks/events'), []);
  const lookups = useLookups();
  const [editing, setEditing] = useState<Endpoint | 'new' | null>(null);
  const [secret, setSecret] = useState<{ value: string; rotated: boolean } | null>(null);
  const [rotating, setRotating] = useState<Endpoint | null>(null);
  const [deleting, setDeleting] = useState<Endpoint | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const gated = notInPlan(endpoints.error);

  const act = async (e: Endpoint, f: () => Promise<void>) => {
    setBusy(e.id);
    setActionError(undefined);
    try {
      await f();
    } catch (err) {
      setActionError(err);
    } finally {
      setBusy(null);
    }
  };
  const replace = (e: Endpoint) => endpoints.setData((l) => l?.map((x) => (x.id === e.id ? e : x)));
  const toggle = (e: Endpoint) =>
    act(e, async () => {
      const saved = await api<Endpoint>('PATCH', `/api/webhooks/${e.id}`, { body: { enabled: !e.enabled } });
      replace(saved);
      say(saved.enabled ? w('turnedOn') : w('turnedOff'));
    });
  const test = (e: Endpoint) =>
    act(e, async () => {
      await api<Delivery>('POST', `/api/webhooks/${e.id}/test`);
      say(w('testQueued'));
    });
  const newButton = (
    <button className="btn btn-primary" onClick={() => setEditing('new')} data-testid="webhook-new">
      {w('newEndpoint')}
    </button>
  );

  return (
    <div className="page adm" data-testid="webhooks-page">
      <PageHeader title={w('title')} subtitle={w('subtitle')} actions={gated ? undefined : newButton} />
      {gated ? (
        <Empty title={w('notInPlan')} text={w('notInPlanText')} testId="webhooks-not-in-plan" />
      ) : (
        <>
          <p className="adm-hint-box small">{w('howItWorks')}</p>
          <ErrorNote error={endpoints.error} onRetry={endpoints.reload} />
          <ErrorNote error={types.error} onRetry={types.reload} />
          <ErrorNote error={actionError} />
          <LoadedList loaded={endpoints} empty={<Empty title={w('empty')} text={w('emptyText')} testId="webhooks-empty" action={newButton} />}>
            {(items) => (
              <ul className="adm-plugins" aria-label={w('endpointsList')} data-testid="webhooks-list">
                {items.map((e) => (
                  <EndpointCard
                    key={e.id}
                    endpoint={e}
                    lookups={lookups}
                    busy={busy === e.id}
                    onToggle={() => toggle(e)}
                    onTest={() => test(e)}
                    onEdit={() => setEditing(e)}
                    onRotate={() => setRotating(e)}
                    onDelete={() => setDeleting(e)}
                  />
                ))}
              </ul>
            )}
          </LoadedList>
        </>
      )}
      {editing && (
        <WebhookDialog
          endpoint={editing === 'new' ? null : editing}
          eventTypes={types.data ?? []}
          lookups={lookups}
          onClose={() => setEditing(null)}
          onCreated={(c: Created) => {
            setEditing(null);
            setSecret({ value: c.secret, rotated: false });
            say(w('created'));
            void endpoints.reload();
          }}
          onSaved={(saved) => {
            setEditing(null);
            replace(saved);
            say(t('saved'));
          }}
        />
      )}
      {secret && (
        <SecretDialog
          title={secret.rotated ? w('secretRotatedTitle') : w('secretCreatedTitle')}
          label={w('signingSecret')}
          secret={secret.value}
          onClose={() => setSecret(null)}
          testId="webhook-secret-dialog"
          secretTestId="webhook-secret"
        >
          <p className="muted small">{w('secretUsage')}</p>
          {secret.rotated && <p className="muted small">{w('secretOverlap')}</p>}
        </SecretDialog>
      )}
      {rotating && (
        <ConfirmDialog
          title={w('rotateTitle')}
          text={w('rotateText')}
          confirmLabel={w('rotate')}
          onClose={() => setRotating(null)}
          onConfirm={async () => {
            const r = await api<Created>('POST', `/api/webhooks/${rotating.id}/rotate-secret`);
            replace(r.endpoint);
            setSecret({ value: r.secret, rotated: true });
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={w('deleteTitle')}
          text={w('deleteText', { url: deleting.url })}
          confirmLabel={t('delete')}
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await api('DELETE', `/api/webhooks/${deleting.id}`);
            say(t('deleted'));
            void endpoints.reload();
          }}
        />
      )}
    </div>
  );
}

/** The events an endpoint receives, as chips (the first few, then how many more). */
export function EventChips({ events }: { events: string[] }) {
  const w = useT(whText);
  if (events.includes(ALL)) return <span className="badge badge-accent">{w('eventsAll')}</span>;
  const shown = events.slice(0, SHOWN_EVENTS);
  return (
    <ul className="adm-chips" aria-label={w('events')}>
      {shown.map((e) => {
        const k = eventKey(e);
        return (
          <li key={e}>
            <code className="badge" title={k ? w(k) : e === 'custom.*' ? w('allCustom') : undefined}>
              {e}
            </code>
          </li>
        );
      })}
      {events.length > shown.length && (
        <li>
          <span className="badge badge-neutral" title={events.slice(SHOWN_EVENTS).join(', ')}>
            {w('moreEvents', { n: events.length - shown.length })}
          </span>
        </li>
      )}
    </ul>
  );
}

/** The endpoint's filters in words. */
export function filterText(e: Endpoint, lookups: Lookups, w: WhT): string {
  const name = <T extends { id: string; name: string }>(list: T[], id: string) => list.find((x) => x.id === id)?.name ?? id;
  const parts: string[] = [];
  if (e.connection_id) parts.push(w('onlyConnection', { name: name(lookups.connections, e.connection_id) }));
  if (e.queue_id) parts.push(w('onlyQueue', { name: name(lookups.queues, e.queue_id) }));
  if (e.tag_id) parts.push(w('onlyTag', { name: name(lookups.tags, e.tag_id) }));
  return parts.length ? parts.join(' · ') : w('noFilters');
}

/** Why the platform turned the endpoint off, and since when its deliveries fail. */
export function EndpointWarnings({ endpoint: e }: { endpoint: Endpoint }) {
  const w = useT(whText);
  const fmt = useFormat();
  return (
    <>
      {!e.enabled && e.disabled_reason && (
        <p className="adm-warn" role="note" data-testid="webhook-disabled-reason">
          <strong>{w('turnedOffBy', { reason: reasonText(w, e.disabled_reason) })}</strong> {w('turnOnAgain')}
        </p>
      )}
      {e.failing_since && (
        <p className="wh-failing small" data-testid="webhook-failing">
          {w('failingSince', { when: fmt.dateTime(e.failing_since) })}
        </p>
      )}
    </>
  );
}

function EndpointCard({
  endpoint: e,
  lookups,
  busy,
  onToggle,
  onTest,
  onEdit,
  onRotate,
  onDelete,
}: {
  endpoint: Endpoint;
  lookups: Lookups;
  busy: boolean;
  onToggle: () => void;
  onTest: () => void;
  onEdit: () => void;
  onRotate: () => void;
  onDelete: () => void;
}) {
  const t = useT(m);
  const w = useT(whText);
  const fmt = useFormat();
  return (
    <li className={e.enabled ? 'card adm-plugin' : 'card adm-plugin adm-plugin-off'} data-testid="webhook-item" data-enabled={e.enabled} data-id={e.id}>
      <div className="adm-plugin-head">
        <div className="wh-main">
          <h2 className="adm-card-title wh-url">
            <code title={e.url}>{e.url}</code>
          </h2>
          <p className="muted small">
            {e.description || w('noDescription')} · {t('createdAt')} {fmt.date(e.created_at)}
          </p>
          <EventChips events={e.events} />
          <p className="small muted" data-testid="webhook-filters">
            {filterText(e, lookups, w)}
          </p>
        </div>
        <label className="adm-switch wh-switch">
          <input
            type="checkbox"
            role="switch"
            checked={e.enabled}
            disabled={busy}
            onChange={onToggle}
            aria-label={w('sendEvents', { url: e.url })}
            data-testid="webhook-toggle"
          />
          <span className="adm-switch-track" aria-hidden="true" />
          <span aria-hidden="true">{e.enabled ? t('on') : t('off')}</span>
        </label>
      </div>
      <EndpointWarnings endpoint={e} />
      <div className="row wrap adm-card-actions">
        <Link className="btn" to={`/admin/webhooks/${e.id}`} data-testid="webhook-log">
          {w('deliveries')}
        </Link>
        <button className="btn" onClick={onTest} disabled={busy} aria-label={w('testNamed', { url: e.url })} data-testid="webhook-test">
          {w('sendTest')}
        </button>
        <button className="btn" onClick={onEdit} aria-label={t('editNamed', { name: e.url })} data-testid="webhook-edit">
          {t('edit')}
        </button>
        <button className="btn" onClick={onRotate} aria-label={w('rotateNamed', { url: e.url })} data-testid="webhook-rotate">
          {w('rotate')}
        </button>
        <button className="btn adm-btn-danger-ghost" onClick={onDelete} aria-label={t('deleteNamed', { name: e.url })} data-testid="webhook-delete">
          {t('delete')}
        </button>
      </div>
    </li>
  );
}
