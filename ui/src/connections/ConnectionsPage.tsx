//! The company's WhatsApp numbers: status live from the websocket (with the pairing code
//! while a phone is being linked, and what went wrong when a number stopped by itself), their
//! type, adding, editing, connecting and disconnecting them (admins), their status history, a
//! link to each one's page and the simulator phone of simulator numbers.
import { useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api } from '../api/client';
import { useT } from '../i18n';
import { hasRole, useAuth } from '../shell/auth';
import { Icons } from '../shell/icons';
import { live } from '../shell/live';
import { Badge, Button, EmptyState, ErrorBox, Modal, PageHeader, Spinner, useAsync, useConfirm, useFormat, useToast } from '../shell/ui';
import { ConnectionForm, useFormChoices } from './ConnectionForm';
import { connText } from './messages';
import { AttentionNote, HistoryList, isNewer, KindBadge, mergeLive, StatusBadge, type Connection } from './parts';

export function ConnectionsPage() {
  const t = useT(connText);
  const toast = useToast();
  const confirm = useConfirm();
  const fmt = useFormat();
  const { user } = useAuth();
  const admin = hasRole(user, 'admin');
  const navigate = useNavigate();
  const list = useAsync(() => api<Connection[]>('GET', '/api/connections'), []);
  const { queues, flows } = useFormChoices();
  const [editing, setEditing] = useState<Connection | 'new' | null>(null);
  const [history, setHistory] = useState<Connection | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const setList = list.setData;

  useEffect(
    () =>
      live.subscribe({ view: 'connections' }, (ev) => {
        if (ev.kind !== 'connection' || !ev.data) return;
        const id = (ev.data as Connection).id;
        setList((old) => {
          if (!old) return old;
          const prev = old.find((x) => x.id === id);
          const c = mergeLive(prev, ev.data);
          if (!isNewer(prev, c)) return old;
          return prev ? old.map((x) => (x.id === id ? c : x)) : [...old, c];
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
                    <h2 className="truncate">
                      <Link to={`/connections/${c.id}`} className="conn-name-link" data-testid="connection-link">
                        {c.name}
                      </Link>
                    </h2>
                    <div className="muted small">{c.phone}</div>
                  </div>
                  <StatusBadge status={c.status} />
                </div>
                <div className="card-body">
                  <div className="row wrap">
                    <KindBadge kind={c.kind} />
                    {queue ? <Badge color={queue.color}>{t('queueLabel', { name: queue.name })}</Badge> : null}
                  </div>
                  {c.status === 'pairing' && c.pairing ? (
                    <div className="pairing" data-testid="pairing">
                      <div className="strong">{t('pairingTitle')}</div>
                      <code>{c.pairing}</code>
                      <div className="small muted">{t('pairingHint')}</div>
                    </div>
                  ) : null}
                  <AttentionNote connection={c} onFix={admin ? () => setEditing(c) : undefined} />
                  {c.greeting ? <p className="small truncate" title={c.greeting}>💬 {c.greeting}</p> : null}
                  <p className="small muted">{t('updated', { when: fmt.relative(c.updated_at) })}</p>
                </div>
                <div className="conn-card-foot">
                  {c.kind === 'simulator' ? (
                    <Link className="btn btn-sm btn-primary" to={`/connections/${c.id}/phone`} data-testid="open-phone">
                      {t('openPhone')}
                    </Link>
                  ) : (
                    <Link className="btn btn-sm btn-primary" to={`/connections/${c.id}`} data-testid="open-connection">
                      {t('details')}
                    </Link>
                  )}
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
                      <Button size="sm" variant="ghost" onClick={() => setEditing(c)} data-testid="edit-connection">
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
            if (editing === 'new' && c.kind === 'cloud_api') navigate(`/connections/${c.id}`);
          }}
        />
      ) : null}
      {history ? <HistoryModal connection={history} onClose={() => setHistory(null)} /> : null}
    </div>
  );
}

function HistoryModal({ connection, onClose }: { connection: Connection; onClose: () => void }) {
  const t = useT(connText);
  return (
    <Modal title={t('historyTitle', { name: connection.name })} onClose={onClose} size="sm">
      <HistoryList connectionId={connection.id} version={connection.updated_at} />
    </Modal>
  );
}
