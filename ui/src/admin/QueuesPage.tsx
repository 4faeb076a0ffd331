//! Queues: where tickets wait, who serves each one, how a ticket finds its agent, the greeting.
import { useState } from 'react';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { hasRole, useAuth } from '../shell/auth';
import {
  ColorInput,
  ConfirmDialog,
  Empty,
  ErrorNote,
  FormDialog,
  FormField,
  HEX,
  LoadedList,
  PageHeader,
  Swatch,
  useLoad,
  useNotice,
} from './common';
import { m } from './messages';

type Queue = Schemas['Queue'];
type User = Schemas['User'];
type Strategy = Schemas['AssignStrategy'];

export const STRATEGIES: Strategy[] = ['manual', 'round_robin', 'least_busy'];

export function QueuesPage() {
  const t = useT(m);
  const say = useNotice();
  const queues = useLoad(() => api<Queue[]>('GET', '/api/queues'), []);
  const users = useLoad(() => api<User[]>('GET', '/api/users'), []);
  const { user } = useAuth();
  const isAdmin = hasRole(user, 'admin');
  const [editing, setEditing] = useState<Queue | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Queue | null>(null);
  const userName = (id: string) => users.data?.find((u) => u.id === id)?.name ?? id;

  return (
    <div className="page adm" data-testid="queues-page">
      <PageHeader
        title={t('queuesTitle')}
        subtitle={t('queuesSubtitle')}
        actions={
          isAdmin && (
            <button className="btn btn-primary" onClick={() => setEditing('new')} data-testid="queue-new">
              {t('queueNew')}
            </button>
          )
        }
      />
      <ErrorNote error={queues.error} onRetry={queues.reload} />
      <LoadedList
        loaded={queues}
        empty={
          <Empty
            title={t('queuesEmpty')}
            text={t('queuesEmptyText')}
            testId="queues-empty"
            action={
              isAdmin && (
                <button className="btn btn-primary" onClick={() => setEditing('new')}>
                  {t('queueNew')}
                </button>
              )
            }
          />
        }
      >
        {(items) => (
          <ul className="adm-cards" data-testid="queues-list">
            {items.map((q) => (
              <li key={q.id} className="card adm-card" data-testid="queue-item" style={{ borderTopColor: q.color }}>
                <div className="adm-card-head">
                  <h2 className="adm-card-title">
                    <Swatch color={q.color} />
                    <span data-testid="queue-name">{q.name}</span>
                  </h2>
                  <span className="badge">{t(`strategy_${q.strategy}` as 'strategy_manual')}</span>
                </div>
                <p className={q.greeting ? 'adm-quote' : 'muted'}>{q.greeting || t('noGreeting')}</p>
                <div>
                  <span className="adm-label">{t('agentsCount', { n: q.user_ids.length })}</span>
                  <div className="adm-chips">
                    {q.user_ids.map((id) => (
                      <span key={id} className="badge">
                        {userName(id)}
                      </span>
                    ))}
                  </div>
                </div>
                {isAdmin && (
                  <div className="row adm-card-actions">
                    <button className="btn" onClick={() => setEditing(q)} aria-label={t('editNamed', { name: q.name })}>
                      {t('edit')}
                    </button>
                    <button className="btn adm-btn-danger-ghost" onClick={() => setDeleting(q)} aria-label={t('deleteNamed', { name: q.name })}>
                      {t('delete')}
                    </button>
                  </div>
                )}
              </li>
            ))}
          </ul>
        )}
      </LoadedList>
      {editing && (
        <QueueDialog
          queue={editing === 'new' ? null : editing}
          users={users.data ?? []}
          usersError={users.error}
          onClose={() => setEditing(null)}
          onSaved={(msg) => {
            setEditing(null);
            say(msg);
            void queues.reload();
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={t('queueDeleteTitle')}
          text={t('queueDeleteText', { name: deleting.name })}
          confirmLabel={t('delete')}
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await api('DELETE', `/api/queues/${deleting.id}`);
            say(t('deleted'));
            void queues.reload();
          }}
        />
      )}
    </div>
  );
}

function QueueDialog({
  queue,
  users,
  usersError,
  onClose,
  onSaved,
}: {
  queue: Queue | null;
  users: User[];
  usersError: unknown;
  onClose: () => void;
  onSaved: (msg: string) => void;
}) {
  const t = useT(m);
  const [name, setName] = useState(queue?.name ?? '');
  const [color, setColor] = useState(queue?.color ?? '#5b8def');
  const [greeting, setGreeting] = useState(queue?.greeting ?? '');
  const [strategy, setStrategy] = useState<Strategy>(queue?.strategy ?? 'manual');
  const [agents, setAgents] = useState<string[]>(queue?.user_ids ?? []);
  const [errors, setErrors] = useState<Record<string, string>>({});

  const save = async () => {
    const e: Record<string, string> = {};
    if (!name.trim()) e.name = t('required');
    else if (name.trim().length > 60) e.name = t('maxChars', { n: 60 });
    if (!HEX.test(color)) e.color = t('colorInvalid');
    if (greeting.length > 4096) e.greeting = t('maxChars', { n: 4096 });
    setErrors(e);
    if (Object.keys(e).length) return;
    const body = { name: name.trim(), color, greeting, strategy, user_ids: agents };
    if (queue) await api('PATCH', `/api/queues/${queue.id}`, { body });
    else await api('POST', '/api/queues', { body });
    onSaved(queue ? t('saved') : t('queueCreated', { name: body.name }));
  };

  const toggle = (id: string) => setAgents((l) => (l.includes(id) ? l.filter((x) => x !== id) : [...l, id]));

  return (
    <FormDialog title={queue ? t('queueEdit') : t('queueNew')} onClose={onClose} onSubmit={save} wide testId="queue-dialog">
      <div className="grid-2">
        <FormField label={t('name')} error={errors.name}>
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} maxLength={60} autoFocus data-testid="queue-name-input" />}
        </FormField>
        <ColorInput label={t('color')} value={color} onChange={setColor} error={errors.color} />
      </div>
      <fieldset className="adm-fieldset">
        <legend>{t('strategy')}</legend>
        <div className="adm-radio-cards">
          {STRATEGIES.map((s) => (
            <label key={s} className={strategy === s ? 'adm-radio-card adm-radio-card-on' : 'adm-radio-card'}>
              <input type="radio" name="strategy" value={s} checked={strategy === s} onChange={() => setStrategy(s)} />
              <span className="adm-radio-title">{t(`strategy_${s}` as 'strategy_manual')}</span>
              <span className="muted">{t(`strategyHint_${s}` as 'strategyHint_manual')}</span>
            </label>
          ))}
        </div>
      </fieldset>
      <FormField label={t('greeting')} hint={t('greetingHint')} error={errors.greeting}>
        {(p) => <textarea {...p} rows={3} value={greeting} onChange={(e) => setGreeting(e.target.value)} />}
      </FormField>
      <fieldset className="adm-fieldset">
        <legend>{t('agents')}</legend>
        <ErrorNote error={usersError} />
        {users.length === 0 ? (
          <p className="muted">{t('noUsersYet')}</p>
        ) : (
          <div className="adm-check-grid">
            {users.map((u) => (
              <label key={u.id} className="adm-check">
                <input type="checkbox" checked={agents.includes(u.id)} onChange={() => toggle(u.id)} />
                <span>{u.name}</span>
                <span className="muted small">{t(`role_${u.role}` as 'role_agent')}</span>
              </label>
            ))}
          </div>
        )}
      </fieldset>
    </FormDialog>
  );
}
