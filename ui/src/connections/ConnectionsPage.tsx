//! The company's WhatsApp numbers: status live from the websocket (with the pairing code
//! while a phone is being linked), adding, editing, connecting and disconnecting them (admins),
//! their status history, and the simulator phone of simulator numbers.
import { useEffect, useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { hasRole, useAuth } from '../shell/auth';
import { Icons } from '../shell/icons';
import { live } from '../shell/live';
import {
  Badge,
  Button,
  EmptyState,
  ErrorBox,
  Field,
  Modal,
  PageHeader,
  Spinner,
  useAsync,
  useConfirm,
  useFormat,
  useToast,
  type BadgeTone,
} from '../shell/ui';
import { connText } from './messages';

type Connection = Schemas['Connection'];
type Queue = Schemas['Queue'];
type Flow = Schemas['Flow'];

async function orEmpty<T>(p: Promise<T[]>): Promise<T[]> {
  try {
    return await p;
  } catch {
    return [];
  }
}

/** The status of a connection as a coloured badge. */
export function StatusBadge({ status }: { status: Schemas['ConnectionStatus'] }) {
  const t = useT(connText);
  const map: Record<string, [BadgeTone, string, string]> = {
    connected: ['success', 'dot-success', t('statusConnected')],
    connecting: ['warning', 'dot-warning', t('statusConnecting')],
    pairing: ['info', 'dot-warning', t('statusPairing')],
    disconnected: ['danger', 'dot-danger', t('statusDisconnected')],
  };
  const [tone, dot, label] = map[status] ?? ['neutral', 'dot-neutral', status];
  return (
    <Badge tone={tone}>
      <span className={`dot ${dot}`} />
      <span data-testid="connection-status">{label}</span>
    </Badge>
  );
}

export function ConnectionsPage() {
  const t = useT(connText);
  const toast = useToast();
  const confirm = useConfirm();
  const fmt = useFormat();
  const { user } = useAuth();
  const admin = hasRole(user, 'admin');
  const list = useAsync(() => api<Connection[]>('GET', '/api/connections'), []);
  const [queues, setQueues] = useState<Queue[]>([]);
  const [flows, setFlows] = useState<Flow[]>([]);
  const [editing, setEditing] = useState<Connection | 'new' | null>(null);
  const [history, setHistory] = useState<Connection | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const setList = list.setData;

  useEffect(() => {
    void orEmpty(api<Queue[]>('GET', '/api/queues')).then(setQueues);
    void orEmpty(api<Flow[]>('GET', '/api/flows')).then(setFlows);
  }, []);

  useEffect(
    () =>
      live.subscribe({ view: 'connections' }, (ev) => {
        if (ev.kind !== 'connection' || !ev.data) return;
        const c = ev.data as Connection;
        setList((old) => {
          if (!old) return old;
          const prev = old.find((x) => x.id === c.id);
          if (prev && Date.parse(prev.updated_at) > Date.parse(c.updated_at)) return old;
          return prev ? old.map((x) => (x.id === c.id ? { ...x, ...c } : x)) : [...old, c];
        });
      }),
    [setList],
  );

  const replace = (c: Connection) => setList((old) => (old ? (old.some((x) => x.id === c.id) ? old.map((x) => (x.id === c.id ? c : x)) : [...old, c]) : [c]));

  const toggle = async (c: Connection) => {
    setBusy(c.id);
    try {
      replace(await api<Connection>('POST', `/api/connections/${c.id}/${c.status === 'disconnected' ? 'connect' : 'disconnect'}`));
    } catch (e) {
      toast.error(e);
    } finally {
      setBusy(null);
    }
  };

  const remove = async (c: Connection) => {
    if (!(await confirm({ title: t('removeConfirm', { name: c.name }), message: t('removeText'), danger: true, confirmLabel: t('remove') }))) return;
    try {
      await api('DELETE', `/api/connections/${c.id}`);
      setList((old) => old?.filter((x) => x.id !== c.id) ?? null);
      toast.success(t('removed'));
    } catch (e) {
      toast.error(e);
    }
  };

  return (
    <div className="page">
      <PageHeader
        title={t('title')}
        subtitle={t('subtitle')}
        actions={
          admin ? (
            <Button variant="primary" icon={<Icons.plus />} onClick={() => setEditing('new')} data-testid="add-connection">
              {t('add')}
            </Button>
          ) : null
        }
      />
      {list.error ? (
        <ErrorBox error={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <Spinner />
      ) : list.data.length === 0 ? (
        <div className="card">
          <EmptyState
            icon={<Icons.connections />}
            title={t('empty')}
            action={
              admin ? (
                <Button variant="primary" onClick={() => setEditing('new')}>
                  {t('add')}
                </Button>
              ) : null
            }
          >
            {t('emptyHint')}
          </EmptyState>
        </div>
      ) : (
        <div className="conn-grid" data-testid="connection-list">
          {list.data.map((c) => {
            const queue = queues.find((q) => q.id === c.default_queue_id);
            return (
              <article key={c.id} className="card conn-card" data-testid="connection-card" data-connection-id={c.id} data-status={c.status}>
                <div className="card-header">
                  <div className="grow">
                    <h2 className="truncate">{c.name}</h2>
                    <div className="muted small">{c.phone}</div>
                  </div>
                  <StatusBadge status={c.status} />
                </div>
                <div className="card-body">
                  <div className="row wrap">
                    <Badge tone="accent">{c.kind === 'simulator' ? t('kindSimulator') : c.kind}</Badge>
                    {queue ? <Badge color={queue.color}>{t('queueLabel', { name: queue.name })}</Badge> : null}
                  </div>
                  {c.status === 'pairing' && c.pairing ? (
                    <div className="pairing" data-testid="pairing">
                      <div className="strong">{t('pairingTitle')}</div>
                      <code>{c.pairing}</code>
                      <div className="small muted">{t('pairingHint')}</div>
                    </div>
                  ) : null}
                  {c.greeting ? <p className="small truncate" title={c.greeting}>💬 {c.greeting}</p> : null}
                  <p className="small muted">{t('updated', { when: fmt.relative(c.updated_at) })}</p>
                </div>
                <div className="conn-card-foot">
                  {c.kind === 'simulator' ? (
                    <Link className="btn btn-sm btn-primary" to={`/connections/${c.id}/phone`} data-testid="open-phone">
                      {t('openPhone')}
                    </Link>
                  ) : null}
                  {admin ? (
                    <Button size="sm" loading={busy === c.id} onClick={() => void toggle(c)} data-testid="toggle-connection">
                      {c.status === 'disconnected' ? t('connect') : t('disconnect')}
                    </Button>
                  ) : null}
                  <Button size="sm" variant="ghost" onClick={() => setHistory(c)}>
                    {t('history')}
                  </Button>
                  {admin ? (
                    <>
                      <Button size="sm" variant="ghost" onClick={() => setEditing(c)}>
                        {t('edit')}
                      </Button>
                      <Button size="sm" variant="ghost" onClick={() => void remove(c)}>
                        {t('remove')}
                      </Button>
                    </>
                  ) : null}
                </div>
              </article>
            );
          })}
        </div>
      )}
      {editing ? (
        <ConnectionForm
          connection={editing === 'new' ? null : editing}
          queues={queues}
          flows={flows}
          onClose={() => setEditing(null)}
          onSaved={(c) => {
            replace(c);
            setEditing(null);
            toast.success(t('saved'));
          }}
        />
      ) : null}
      {history ? <HistoryModal connection={history} onClose={() => setHistory(null)} /> : null}
    </div>
  );
}

function ConnectionForm({
  connection,
  queues,
  flows,
  onClose,
  onSaved,
}: {
  connection: Connection | null;
  queues: Queue[];
  flows: Flow[];
  onClose: () => void;
  onSaved: (c: Connection) => void;
}) {
  const t = useT(connText);
  const toast = useToast();
  const [name, setName] = useState(connection?.name ?? '');
  const [phone, setPhone] = useState(connection?.phone ?? '');
  const [queueId, setQueueId] = useState(connection?.default_queue_id ?? '');
  const [flowId, setFlowId] = useState(connection?.default_flow_id ?? '');
  const [greeting, setGreeting] = useState(connection?.greeting ?? '');
  const [farewell, setFarewell] = useState(connection?.farewell ?? '');
  const [pace, setPace] = useState(connection?.messages_per_minute ?? 60);
  const [busy, setBusy] = useState(false);

  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    setBusy(true);
    try {
      let saved: Connection;
      if (connection) {
        const patch: Schemas['ConnectionPatch'] = {
          name: name.trim(),
          default_queue_id: queueId,
          default_flow_id: flowId,
          greeting,
          farewell,
          messages_per_minute: pace,
        };
        saved = await api<Connection>('PATCH', `/api/connections/${connection.id}`, { body: patch });
      } else {
        const body: Schemas['NewConnection'] = {
          name: name.trim(),
          kind: 'simulator',
          phone: phone.trim(),
          greeting,
          farewell,
          messages_per_minute: pace,
        };
        if (queueId) body.default_queue_id = queueId;
        if (flowId) body.default_flow_id = flowId;
        saved = await api<Connection>('POST', '/api/connections', { body });
      }
      onSaved(saved);
    } catch (err) {
      toast.error(err);
      setBusy(false);
    }
  };

  return (
    <Modal
      title={connection ? t('editTitle', { name: connection.name }) : t('newTitle')}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>{t('cancel')}</Button>
          <Button variant="primary" loading={busy} disabled={!name.trim() || (!connection && !phone.trim())} onClick={() => void submit()} data-testid="save-connection">
            {connection ? t('save') : t('create')}
          </Button>
        </>
      }
    >
      <form className="stack" onSubmit={submit}>
        <div className="grid-2">
          <Field label={t('name')}>
            <input name="name" value={name} onChange={(e) => setName(e.target.value)} maxLength={80} required autoFocus />
          </Field>
          <Field label={t('kind')}>
            <select value="simulator" disabled>
              <option value="simulator">{t('kindSimulator')}</option>
            </select>
          </Field>
        </div>
        <Field label={t('phone')} hint={connection ? undefined : t('phoneHint')}>
          <input name="phone" value={phone} onChange={(e) => setPhone(e.target.value)} disabled={!!connection} inputMode="tel" required />
        </Field>
        <div className="grid-2">
          <Field label={t('defaultQueue')}>
            <select name="queue" value={queueId} onChange={(e) => setQueueId(e.target.value)}>
              <option value="">{t('noneQueue')}</option>
              {queues.map((q) => (
                <option key={q.id} value={q.id}>
                  {q.name}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('defaultFlow')}>
            <select name="flow" value={flowId} onChange={(e) => setFlowId(e.target.value)}>
              <option value="">{t('noneFlow')}</option>
              {flows.map((f) => (
                <option key={f.id} value={f.id}>
                  {f.name}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <Field label={t('greeting')} hint={t('greetingHint')}>
          <textarea value={greeting} onChange={(e) => setGreeting(e.target.value)} maxLength={4096} rows={2} />
        </Field>
        <Field label={t('farewell')} hint={t('farewellHint')}>
          <textarea value={farewell} onChange={(e) => setFarewell(e.target.value)} maxLength={4096} rows={2} />
        </Field>
        <Field label={t('pacing')} hint={t('pacingHint')}>
          <input type="number" min={1} max={1200} value={pace} onChange={(e) => setPace(Math.max(1, Math.min(1200, Number(e.target.value) || 1)))} />
        </Field>
        <button type="submit" hidden />
      </form>
    </Modal>
  );
}

function HistoryModal({ connection, onClose }: { connection: Connection; onClose: () => void }) {
  const t = useT(connText);
  const fmt = useFormat();
  const h = useAsync(() => api<Schemas['StatusChange'][]>('GET', `/api/connections/${connection.id}/history`), [connection.id]);
  return (
    <Modal title={t('historyTitle', { name: connection.name })} onClose={onClose} size="sm">
      {h.error ? (
        <ErrorBox error={h.error} onRetry={h.reload} />
      ) : !h.data ? (
        <Spinner />
      ) : h.data.length === 0 ? (
        <EmptyState title={t('historyEmpty')} />
      ) : (
        <ul className="history">
          {h.data.map((s, i) => (
            <li key={i}>
              <StatusBadge status={s.status} />
              <span className="grow small">{s.detail}</span>
              <time className="small muted" dateTime={s.at}>
                {fmt.dateTime(s.at)}
              </time>
            </li>
          ))}
        </ul>
      )}
    </Modal>
  );
}
