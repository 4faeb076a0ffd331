//! The dialog that creates or edits a webhook endpoint: its URL and description, the events
//! it receives (grouped by family, with "all events", "all custom events" and named custom
//! events) and the optional number, queue and tag filters. A new endpoint's answer carries
//! its signing secret, which the page shows once.
import { useState } from 'react';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { CloseIcon, IconButton, useDescribeError } from '../shell/ui';
import { FormDialog, FormField, errorField, sameSet } from './common';
import { m } from './messages';
import { eventKey, whText, type WhKey } from './webhookText';

type Endpoint = Schemas['WebhookEndpoint'];
type Created = Schemas['WebhookEndpointSecret'];
type Connection = Schemas['Connection'];
type Queue = Schemas['Queue'];
type Tag = Schemas['Tag'];

export const ALL = '*';
export const ALL_CUSTOM = 'custom.*';
const CUSTOM = /^custom\.[a-z0-9._-]{1,64}$/;
const URL_RE = /^https?:\/\/[^\s/?#]+\S*$/i;

/** The families event types are grouped in (`message.received` → `message`). */
function familyOf(type: string): WhKey {
  const k = `family_${type.split('.')[0]}`;
  return k in whText.en ? (k as WhKey) : 'family_other';
}

/** The event types grouped by family, in the order the API lists them. */
export function families(types: string[]): { family: WhKey; types: string[] }[] {
  const out: { family: WhKey; types: string[] }[] = [];
  for (const type of types) {
    const family = familyOf(type);
    const g = out.find((x) => x.family === family);
    if (g) g.types.push(type);
    else out.push({ family, types: [type] });
  }
  return out;
}

/** What is sent: `*` alone covers everything, and `custom.*` every named custom event. */
function subscription(events: string[]): string[] {
  if (events.includes(ALL)) return [ALL];
  if (events.includes(ALL_CUSTOM)) return events.filter((e) => !CUSTOM.test(e) || e === ALL_CUSTOM);
  return events;
}

export interface Lookups {
  connections: Connection[];
  queues: Queue[];
  tags: Tag[];
}

export function WebhookDialog({
  endpoint,
  eventTypes,
  lookups,
  onClose,
  onCreated,
  onSaved,
}: {
  endpoint: Endpoint | null;
  eventTypes: string[];
  lookups: Lookups;
  onClose: () => void;
  onCreated: (c: Created) => void;
  onSaved: (e: Endpoint) => void;
}) {
  const t = useT(m);
  const w = useT(whText);
  const describe = useDescribeError();
  const [url, setUrl] = useState(endpoint?.url ?? '');
  const [description, setDescription] = useState(endpoint?.description ?? '');
  const [events, setEvents] = useState<string[]>(endpoint?.events ?? []);
  const [connection, setConnection] = useState(endpoint?.connection_id ?? '');
  const [queue, setQueue] = useState(endpoint?.queue_id ?? '');
  const [tag, setTag] = useState(endpoint?.tag_id ?? '');
  const [enabled, setEnabled] = useState(endpoint?.enabled ?? true);
  const [errors, setErrors] = useState<Record<string, string>>({});

  const save = async () => {
    const e: Record<string, string> = {};
    const u = url.trim();
    if (!u) e.url = t('required');
    else if (u.length > 2048) e.url = t('maxChars', { n: 2048 });
    else if (!URL_RE.test(u)) e.url = w('urlInvalid');
    if (description.trim().length > 500) e.description = t('maxChars', { n: 500 });
    const subscribed = subscription(events);
    if (subscribed.length === 0) e.events = w('eventsRequired');
    setErrors(e);
    if (Object.keys(e).length) return;
    try {
      if (!endpoint) {
        const body: Schemas['NewWebhookEndpoint'] = { url: u, description: description.trim(), events: subscribed, enabled };
        if (connection) body.connection_id = connection;
        if (queue) body.queue_id = queue;
        if (tag) body.tag_id = tag;
        onCreated(await api<Created>('POST', '/api/webhooks', { body }));
        return;
      }
      const patch: Schemas['WebhookEndpointPatch'] = {};
      if (u !== endpoint.url) patch.url = u;
      if (description.trim() !== endpoint.description) patch.description = description.trim();
      if (!sameSet(subscribed, endpoint.events)) patch.events = subscribed;
      if (connection !== (endpoint.connection_id ?? '')) patch.connection_id = connection;
      if (queue !== (endpoint.queue_id ?? '')) patch.queue_id = queue;
      if (tag !== (endpoint.tag_id ?? '')) patch.tag_id = tag;
      if (enabled !== endpoint.enabled) patch.enabled = enabled;
      onSaved(Object.keys(patch).length ? await api<Endpoint>('PATCH', `/api/webhooks/${endpoint.id}`, { body: patch }) : endpoint);
    } catch (err) {
      if (errorField(err) === 'url') setErrors({ url: describe(err).detail ?? describe(err).text });
      throw err;
    }
  };

  return (
    <FormDialog
      title={endpoint ? w('editEndpoint') : w('newEndpoint')}
      submitLabel={endpoint ? undefined : t('create')}
      onClose={onClose}
      onSubmit={save}
      wide
      testId="webhook-dialog"
    >
      <FormField label={w('url')} hint={w('urlHint')} error={errors.url}>
        {(p) => (
          <input
            {...p}
            type="url"
            inputMode="url"
            className="mono"
            value={url}
            maxLength={2048}
            placeholder="https://"
            onChange={(e) => setUrl(e.target.value)}
            autoFocus
            data-testid="webhook-url"
          />
        )}
      </FormField>
      <FormField label={w('description')} hint={w('descriptionHint')} error={errors.description}>
        {(p) => <input {...p} value={description} maxLength={500} onChange={(e) => setDescription(e.target.value)} data-testid="webhook-description" />}
      </FormField>
      <EventPicker types={eventTypes} events={events} onChange={setEvents} error={errors.events} />
      <fieldset className="adm-fieldset">
        <legend>{w('filters')}</legend>
        <p className="muted small">{w('filtersHint')}</p>
        <div className="grid-3">
          <FilterSelect
            label={w('filterConnection')}
            any={w('anyConnection')}
            value={connection}
            onChange={setConnection}
            options={lookups.connections.map((c) => ({ id: c.id, name: c.phone ? `${c.name} (${c.phone})` : c.name }))}
            testId="webhook-connection"
          />
          <FilterSelect
            label={w('filterQueue')}
            any={w('anyQueue')}
            value={queue}
            onChange={setQueue}
            options={lookups.queues.map((q) => ({ id: q.id, name: q.name }))}
            testId="webhook-queue"
          />
          <FilterSelect
            label={w('filterTag')}
            any={w('anyTag')}
            value={tag}
            onChange={setTag}
            options={lookups.tags.map((x) => ({ id: x.id, name: x.name }))}
            testId="webhook-tag"
          />
        </div>
      </fieldset>
      <label className="adm-switch">
        <input type="checkbox" role="switch" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} data-testid="webhook-enabled" />
        <span className="adm-switch-track" aria-hidden="true" />
        <span>{w('enabledField')}</span>
      </label>
    </FormDialog>
  );
}

function FilterSelect({
  label,
  any,
  value,
  options,
  onChange,
  testId,
}: {
  label: string;
  any: string;
  value: string;
  options: { id: string; name: string }[];
  onChange: (v: string) => void;
  testId: string;
}) {
  const known = !value || options.some((o) => o.id === value);
  return (
    <FormField label={label}>
      {(p) => (
        <select {...p} value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
          <option value="">{any}</option>
          {options.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
          {!known && <option value={value}>{value}</option>}
        </select>
      )}
    </FormField>
  );
}

/** The event checkboxes: everything, each family's types, and custom events. */
function EventPicker({ types, events, onChange, error }: { types: string[]; events: string[]; onChange: (e: string[]) => void; error?: string }) {
  const w = useT(whText);
  const [name, setName] = useState('');
  const [nameError, setNameError] = useState('');
  const all = events.includes(ALL);
  const allCustom = events.includes(ALL_CUSTOM);
  const has = (e: string) => events.includes(e);
  const toggle = (e: string) => onChange(has(e) ? events.filter((x) => x !== e) : [...events, e]);
  const named = events.filter((e) => e !== ALL_CUSTOM && e.startsWith('custom.'));
  // Subscriptions the API knows but this list does not show (kept as they are).
  const listed = new Set([ALL, ALL_CUSTOM, ...types]);
  const others = events.filter((e) => !listed.has(e) && !e.startsWith('custom.'));

  const add = () => {
    const n = name.trim().replace(/^custom\./, '');
    const full = `custom.${n}`;
    if (!CUSTOM.test(full) || n === '*') return setNameError(w('customInvalid'));
    if (has(full)) return setNameError(w('customDuplicate'));
    onChange([...events, full]);
    setName('');
    setNameError('');
  };

  const box = (e: string, label: string, disabled = false) => (
    <label key={e} className="adm-check wh-check">
      <input type="checkbox" checked={has(e) || disabled} disabled={disabled} onChange={() => toggle(e)} data-testid={`webhook-event-${e}`} />
      <span>
        {label} <code className="wh-code">{e}</code>
      </span>
    </label>
  );

  return (
    <fieldset className="adm-fieldset" aria-invalid={error ? true : undefined} data-testid="webhook-events">
      <legend>{w('events')}</legend>
      <p className="muted small">{w('eventsHint')}</p>
      <div className="stack gap-sm">
        {box(ALL, w('allEvents'))}
        <small className="muted">{w('allEventsHint')}</small>
      </div>
      <div className="wh-families">
        {families(types).map((g) => (
          <fieldset key={g.family} className="wh-family" disabled={all}>
            <legend>{w(g.family)}</legend>
            {g.types.map((e) => {
              const k = eventKey(e);
              return box(e, k ? w(k) : e, all);
            })}
          </fieldset>
        ))}
        {others.length > 0 && (
          <fieldset className="wh-family" disabled={all}>
            <legend>{w('family_other')}</legend>
            {others.map((e) => box(e, e, all))}
          </fieldset>
        )}
        <fieldset className="wh-family wh-family-custom" disabled={all}>
          <legend>{w('customEvents')}</legend>
          <small className="muted">{w('customHint')}</small>
          {box(ALL_CUSTOM, w('allCustom'), all)}
          {named.length > 0 && (
            <ul className="adm-chips wh-named" aria-label={w('customEvents')}>
              {named.map((e) => (
                <li key={e} className="chip">
                  <code>{e}</code>
                  <IconButton label={w('customRemove', { name: e })} onClick={() => toggle(e)} disabled={all || allCustom}>
                    <CloseIcon />
                  </IconButton>
                </li>
              ))}
            </ul>
          )}
          <FormField label={w('customName')} hint={w('customNameHint')} error={nameError}>
            {(p) => (
              <div className="row wh-custom-row">
                <span className="mono muted" aria-hidden="true">
                  custom.
                </span>
                <input
                  {...p}
                  className="mono grow"
                  value={name}
                  maxLength={71}
                  disabled={all || allCustom}
                  onChange={(e) => {
                    setName(e.target.value);
                    setNameError('');
                  }}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter') {
                      e.preventDefault();
                      add();
                    }
                  }}
                  data-testid="webhook-custom-name"
                />
                <button type="button" className="btn btn-sm" onClick={add} disabled={all || allCustom || !name.trim()} data-testid="webhook-custom-add">
                  {w('customAdd')}
                </button>
              </div>
            )}
          </FormField>
        </fieldset>
      </div>
      {error && <small className="error-text">{error}</small>}
    </fieldset>
  );
}
