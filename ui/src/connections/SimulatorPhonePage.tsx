//! The simulator's phone: play a customer of a simulator number. Pick one of the chats that
//! already happened (from the server, most recent first) or type a customer's number and name
//! — or, as a member of a WhatsApp group, the group's id and name too — write like on
//! WhatsApp (files included), and watch the company's answers arrive live.
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { live } from '../shell/live';
import { Badge, Button, EmptyState, ErrorBox, Field, PageHeader, Spinner, useAsync, useFormat } from '../shell/ui';
import { connText } from './messages';
import { digits, groupIdOf, isGroupId, loadRecent, newGroupId, samePhone, saveRecent, type SimChat } from './simChats';
import { SimPhone } from './SimPhone';

type SimMessage = Schemas['SimMessage'];
/** A chat of the recent list, with its last message when the server told it. */
interface RecentChat extends SimChat {
  last?: SimMessage;
}

/** A simulator event that is a message (not read receipts or "typing…"). */
function isSimMessage(d: unknown): d is SimMessage {
  return !!d && typeof d === 'object' && 'id' in d && 'direction' in d && typeof (d as SimMessage).phone === 'string';
}

/** What the form shows for a chat: the writer's number and name, and the group's when it is one. */
interface Form {
  phone: string;
  name: string;
  group: boolean;
  groupId: string;
  groupName: string;
}

function formOf(c: SimChat | undefined, old?: Form): Form {
  if (!c) return old ?? { phone: '', name: '', group: false, groupId: '', groupName: '' };
  if (!isGroupId(c.phone)) return { phone: c.phone, name: c.name, group: false, groupId: old?.groupId ?? '', groupName: old?.groupName ?? '' };
  return { phone: c.member?.phone ?? old?.phone ?? '', name: c.member?.name ?? old?.name ?? '', group: true, groupId: c.phone, groupName: c.name };
}

export function SimulatorPhonePage() {
  const t = useT(connText);
  const fmt = useFormat();
  const { id = '' } = useParams();
  const conn = useAsync(() => api<Schemas['Connection']>('GET', `/api/connections/${id}`), [id]);
  const chats = useAsync(() => api<SimMessage[]>('GET', `/api/connections/${id}/simulator/chats`), [id]);
  const [saved, setSaved] = useState<SimChat[]>(() => loadRecent(id));
  /** Chats opened here that may have no message yet (so the server does not list them). */
  const [opened, setOpened] = useState<SimChat[]>([]);
  const [form, setForm] = useState<Form>(() => formOf(saved[0]));
  const [chat, setChat] = useState<SimChat | null>(saved[0] ?? null);
  const isSimulator = conn.data?.kind === 'simulator';
  const setChats = chats.setData;
  const edit = (patch: Partial<Form>) => setForm((f) => ({ ...f, ...patch }));

  /** A chat as this device last knew it (names and the group's member), or just its key. */
  const known = useCallback((phone: string): SimChat => saved.find((c) => samePhone(c.phone, phone)) ?? { phone, name: '' }, [saved]);

  const recent = useMemo<RecentChat[]>(() => {
    if (!chats.data) return saved;
    const fromServer = chats.data.map((m) => ({ ...known(m.phone), phone: m.phone, last: m }));
    const extra = opened.filter((c) => !fromServer.some((r) => samePhone(r.phone, c.phone)));
    return [...extra, ...fromServer];
  }, [chats.data, saved, opened, known]);

  // With nothing chosen yet, the most recent chat opens; only the first answer may do that.
  const autoPicked = useRef(false);
  useEffect(() => {
    if (autoPicked.current || !chats.data) return;
    autoPicked.current = true;
    const first = chats.data[0];
    if (!first || chat || form.phone) return;
    const c = known(first.phone);
    setChat(c);
    setForm((f) => formOf(c, f));
  }, [chats.data, chat, form.phone, known]);

  useEffect(() => {
    if (!isSimulator) return;
    return live.subscribe({ view: 'simulator', connection_id: id }, (ev) => {
      if (ev.kind !== 'sim' || !isSimMessage(ev.data)) return;
      const m = ev.data;
      setChats((old) => (old ? [m, ...old.filter((x) => !samePhone(x.phone, m.phone))] : old));
    });
  }, [id, isSimulator, setChats]);

  const open = (c: SimChat) => {
    setChat(c);
    setForm((f) => formOf(c, f));
    setOpened((old) => [c, ...old.filter((r) => !samePhone(r.phone, c.phone))]);
    const next = [c, ...saved.filter((r) => !samePhone(r.phone, c.phone))].slice(0, 20);
    setSaved(next);
    saveRecent(id, next);
  };

  /** A chat of the list: a group is written to as the member it had, or the one in the form. */
  const openRecent = (r: RecentChat) => {
    const member = r.member ?? (digits(form.phone) ? { phone: form.phone.trim(), name: form.name.trim() } : undefined);
    open({ phone: r.phone, name: r.name, member: isGroupId(r.phone) ? member : undefined });
  };

  const groupId = groupIdOf(form.groupId);
  const groupInvalid = form.group && !isGroupId(groupId);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!digits(form.phone) || groupInvalid) return;
    const writer = { phone: form.phone.trim(), name: form.name.trim() };
    open(form.group ? { phone: groupId, name: form.groupName.trim(), member: writer } : writer);
  };

  const preview = (m: SimMessage) => {
    const text = m.body || (m.kind !== 'text' ? `📎 ${m.kind}` : m.media_url || m.direction === 'in' ? `📎 ${t('file')}` : '');
    return m.direction === 'out' ? `${t('fromCompany')}: ${text}` : text;
  };

  if (conn.error) {
    return (
      <div className="page">
        <ErrorBox error={conn.error} onRetry={conn.reload} />
      </div>
    );
  }
  if (!conn.data) return <Spinner />;
  const c = conn.data;

  return (
    <div className="page">
      <PageHeader
        title={t('phoneTitle')}
        subtitle={t('phoneSubtitle', { name: `${c.name} (${c.phone})` })}
        actions={
          <Link className="btn" to="/connections">
            {t('backToConnections')}
          </Link>
        }
      />
      {c.kind !== 'simulator' ? (
        <EmptyState title={t('notSimulator')} />
      ) : (
        <div className="sim-layout">
          <div className="stack">
            <form className="card card-body stack" onSubmit={submit}>
              <Field label={form.group ? t('memberNumber') : t('customerNumber')}>
                <input name="customer-phone" inputMode="tel" placeholder="+55 11 98765-4321" value={form.phone} onChange={(e) => edit({ phone: e.target.value })} required />
              </Field>
              <Field label={form.group ? t('memberName') : t('customerName')}>
                <input name="customer-name" placeholder={t('customerNamePlaceholder')} value={form.name} onChange={(e) => edit({ name: e.target.value })} />
              </Field>
              <label className="check small" title={t('groupChatHint')}>
                <input
                  type="checkbox"
                  name="group-chat"
                  checked={form.group}
                  onChange={(e) => edit({ group: e.target.checked, groupId: e.target.checked && !form.groupId ? newGroupId() : form.groupId })}
                  data-testid="sim-group"
                />
                {t('groupChat')}
              </label>
              {form.group ? (
                <>
                  <Field label={t('groupId')} hint={t('groupIdHint')} error={groupInvalid && form.groupId ? t('groupIdInvalid') : undefined}>
                    <input name="group-id" placeholder="120363025246125486@g.us" value={form.groupId} onChange={(e) => edit({ groupId: e.target.value })} required />
                  </Field>
                  <Field label={t('groupName')}>
                    <input name="group-name" placeholder={t('groupNamePlaceholder')} value={form.groupName} onChange={(e) => edit({ groupName: e.target.value })} />
                  </Field>
                </>
              ) : null}
              <Button type="submit" variant="primary" disabled={!digits(form.phone) || groupInvalid} data-testid="open-chat">
                {t('openChat')}
              </Button>
            </form>
            <div className="card card-body stack">
              <h3>{t('recent')}</h3>
              {chats.loading && !chats.data && recent.length === 0 ? (
                <Spinner inline />
              ) : recent.length === 0 ? (
                <p className="muted small">{t('noRecent')}</p>
              ) : (
                <ul className="recent-phones" data-testid="sim-recent">
                  {recent.map((r) => (
                    <li key={r.phone}>
                      <Button
                        variant={chat && samePhone(chat.phone, r.phone) ? 'secondary' : 'ghost'}
                        className="btn-block"
                        onClick={() => openRecent(r)}
                        data-testid="sim-recent-phone"
                        data-phone={r.phone}
                      >
                        <span className="grow stack" style={{ gap: 0, minWidth: 0, textAlign: 'left' }}>
                          <span className="row" style={{ gap: 6 }}>
                            <span className="grow truncate">{r.name || r.phone}</span>
                            {isGroupId(r.phone) ? <Badge tone="info">{t('group')}</Badge> : null}
                            {r.last ? (
                              <time className="small muted" dateTime={r.last.at}>
                                {fmt.short(r.last.at)}
                              </time>
                            ) : null}
                          </span>
                          {r.name ? <span className="small muted truncate">{r.phone}</span> : null}
                          {r.last ? <span className="small muted truncate">{preview(r.last)}</span> : null}
                        </span>
                      </Button>
                    </li>
                  ))}
                </ul>
              )}
              {chats.error ? <p className="muted small">{t('recentLocalOnly')}</p> : null}
            </div>
          </div>
          {chat ? (
            <SimPhone key={`${chat.phone} ${chat.member?.phone ?? ''}`} connection={c} chat={chat} />
          ) : (
            <div className="phone">
              <EmptyState title={t('chooseNumber')} />
            </div>
          )}
        </div>
      )}
    </div>
  );
}
