//! Users of the company: role, ticket limit, language and the queues each one serves.
import { useState } from 'react';
import { api, type Schemas } from '../api/client';
import { LANGS, useT } from '../i18n';
import { hasRole, useAuth } from '../shell/auth';
import {
  AdminTable,
  ConfirmDialog,
  EMAIL,
  Empty,
  ErrorNote,
  FormDialog,
  FormField,
  LoadedList,
  Loading,
  PageHeader,
  Swatch,
  passwordProblem,
  sameSet,
  useLoad,
  useNotice,
} from './common';
import { m } from './messages';

type User = Schemas['User'];
type Queue = Schemas['Queue'];
type Role = Schemas['Role'];

const ROLES: Role[] = ['agent', 'supervisor', 'admin'];

export function UsersPage() {
  const t = useT(m);
  const say = useNotice();
  const users = useLoad(() => api<User[]>('GET', '/api/users'), []);
  const queues = useLoad(() => api<Queue[]>('GET', '/api/queues'), []);
  const { user: me } = useAuth();
  const isAdmin = hasRole(me, 'admin');
  const [editing, setEditing] = useState<User | 'new' | null>(null);
  const [deleting, setDeleting] = useState<User | null>(null);

  const queuesOf = (u: User) => (queues.data ?? []).filter((q) => q.user_ids.includes(u.id));
  const roleLabel = (r: Role) => t(`role_${r}` as 'role_agent');

  return (
    <div className="page adm" data-testid="users-page">
      <PageHeader
        title={t('usersTitle')}
        subtitle={t('usersSubtitle')}
        actions={
          isAdmin && (
            <button className="btn btn-primary" onClick={() => setEditing('new')} data-testid="user-new">
              {t('userNew')}
            </button>
          )
        }
      />
      <ErrorNote error={users.error ?? queues.error} onRetry={() => (users.reload(), queues.reload())} />
      <LoadedList loaded={users} empty={<Empty title={t('usersEmpty')} />}>
        {(items) => (
          <AdminTable testId="users-table" columns={[t('name'), t('email'), t('role'), t('maxTickets'), t('language'), t('queues')]} actions>
            {items.map((u) => (
              <tr key={u.id} data-testid="user-row">
                <td>
                  {u.name}
                  {me?.id === u.id && <span className="badge">{t('you')}</span>}
                </td>
                <td className="adm-mono-soft">{u.email}</td>
                <td>
                  <span className={`badge adm-role adm-role-${u.role}`}>{roleLabel(u.role)}</span>
                </td>
                <td>{u.max_tickets === 0 ? <span className="muted">{t('noLimit')}</span> : u.max_tickets}</td>
                <td>{LANGS.find((l) => l.id === u.language)?.label ?? u.language}</td>
                <td>
                  <div className="adm-chips">
                    {queuesOf(u).map((q) => (
                      <span key={q.id} className="badge adm-color-badge">
                        <Swatch color={q.color} />
                        {q.name}
                      </span>
                    ))}
                    {queuesOf(u).length === 0 && <span className="muted">—</span>}
                  </div>
                </td>
                <td className="adm-row-actions">
                  {isAdmin && (
                    <>
                      <button className="btn" onClick={() => setEditing(u)} aria-label={t('editNamed', { name: u.name })}>
                        {t('edit')}
                      </button>
                      <button
                        className="btn adm-btn-danger-ghost"
                        onClick={() => setDeleting(u)}
                        disabled={me?.id === u.id}
                        aria-label={t('deleteNamed', { name: u.name })}
                      >
                        {t('delete')}
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </AdminTable>
        )}
      </LoadedList>
      {editing && (
        <UserDialog
          user={editing === 'new' ? null : editing}
          queues={queues.data ?? []}
          isMe={editing !== 'new' && me?.id === editing.id}
          onClose={() => setEditing(null)}
          onSaved={(msg) => {
            setEditing(null);
            say(msg);
            void users.reload();
            void queues.reload();
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={t('userDeleteTitle')}
          text={t('userDeleteText', { name: deleting.name })}
          confirmLabel={t('delete')}
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await api('DELETE', `/api/users/${deleting.id}`);
            say(t('deleted'));
            void users.reload();
            void queues.reload();
          }}
        />
      )}
    </div>
  );
}

function UserDialog({
  user,
  queues,
  isMe,
  onClose,
  onSaved,
}: {
  user: User | null;
  queues: Queue[];
  isMe: boolean;
  onClose: () => void;
  onSaved: (msg: string) => void;
}) {
  const t = useT(m);
  const [name, setName] = useState(user?.name ?? '');
  const [email, setEmail] = useState(user?.email ?? '');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>(user?.role ?? 'agent');
  const [maxTickets, setMaxTickets] = useState(String(user?.max_tickets ?? 0));
  const [language, setLanguage] = useState(user?.language ?? 'pt-BR');
  const initialQueues = user ? queues.filter((q) => q.user_ids.includes(user.id)).map((q) => q.id) : [];
  const [member, setMember] = useState<string[]>(initialQueues);
  const [errors, setErrors] = useState<Record<string, string>>({});

  const membership = useLoad(
    async () => {
      if (!user) return [] as Queue[];
      const list = await api<Queue[]>('GET', `/api/queues/of-user/${user.id}`);
      setMember(list.map((q) => q.id));
      return list;
    },
    [user?.id],
  );

  const validate = () => {
    const e: Record<string, string> = {};
    if (!name.trim()) e.name = t('required');
    else if (name.trim().length > 120) e.name = t('maxChars', { n: 120 });
    if (!EMAIL.test(email.trim())) e.email = t('emailInvalid');
    if (!user) {
      const p = passwordProblem(password);
      if (p) e.password = t(p);
    }
    const n = Number(maxTickets);
    if (!/^\d+$/.test(maxTickets.trim()) || n > 9999) e.maxTickets = t('intRange', { min: 0, max: 9999 });
    setErrors(e);
    return Object.keys(e).length === 0;
  };

  const save = async () => {
    if (!validate()) return;
    const body = {
      name: name.trim(),
      email: email.trim(),
      role,
      max_tickets: Number(maxTickets),
      language,
    };
    const saved = user
      ? await api<User>('PATCH', `/api/users/${user.id}`, { body })
      : await api<User>('POST', '/api/users', { body: { ...body, password } });
    const before = new Set(user ? (membership.data?.map((q) => q.id) ?? initialQueues) : []);
    for (const q of queues) {
      const want = member.includes(q.id);
      if (want === before.has(q.id)) continue;
      const ids = want ? [...new Set([...q.user_ids, saved.id])] : q.user_ids.filter((id) => id !== saved.id);
      if (!sameSet(ids, q.user_ids)) await api('PATCH', `/api/queues/${q.id}`, { body: { user_ids: ids } });
    }
    onSaved(user ? t('saved') : t('userCreated', { name: saved.name }));
  };

  const toggle = (id: string) => setMember((l) => (l.includes(id) ? l.filter((x) => x !== id) : [...l, id]));

  return (
    <FormDialog title={user ? t('userEdit') : t('userNew')} onClose={onClose} onSubmit={save} testId="user-dialog">
      <FormField label={t('name')} error={errors.name}>
        {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} autoFocus data-testid="user-name" />}
      </FormField>
      <FormField label={t('email')} error={errors.email}>
        {(p) => <input {...p} type="email" value={email} onChange={(e) => setEmail(e.target.value)} data-testid="user-email" />}
      </FormField>
      {!user && (
        <FormField label={t('password')} hint={t('passwordHint')} error={errors.password}>
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              data-testid="user-password"
            />
          )}
        </FormField>
      )}
      <div className="grid-2">
        <FormField label={t('role')} hint={isMe ? t('ownRoleHint') : undefined}>
          {(p) => (
            <select {...p} value={role} onChange={(e) => setRole(e.target.value as Role)} disabled={isMe}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {t(`role_${r}` as 'role_agent')}
                </option>
              ))}
            </select>
          )}
        </FormField>
        <FormField label={t('language')}>
          {(p) => (
            <select {...p} value={language} onChange={(e) => setLanguage(e.target.value)}>
              {LANGS.map((l) => (
                <option key={l.id} value={l.id}>
                  {l.label}
                </option>
              ))}
            </select>
          )}
        </FormField>
      </div>
      <FormField label={t('maxTickets')} hint={t('maxTicketsHint')} error={errors.maxTickets}>
        {(p) => (
          <input {...p} type="number" min={0} max={9999} inputMode="numeric" value={maxTickets} onChange={(e) => setMaxTickets(e.target.value)} />
        )}
      </FormField>
      <fieldset className="adm-fieldset">
        <legend>{t('queuesServed')}</legend>
        {membership.loading && user ? (
          <Loading />
        ) : queues.length === 0 ? (
          <p className="muted">{t('noQueuesYet')}</p>
        ) : (
          <div className="adm-check-grid">
            {queues.map((q) => (
              <label key={q.id} className="adm-check">
                <input type="checkbox" checked={member.includes(q.id)} onChange={() => toggle(q.id)} />
                <Swatch color={q.color} />
                {q.name}
              </label>
            ))}
          </div>
        )}
        <ErrorNote error={membership.error} />
      </fieldset>
    </FormDialog>
  );
}
