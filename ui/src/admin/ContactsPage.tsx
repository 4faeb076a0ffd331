//! Contacts: search, page through, edit (with custom fields and wallet), delete, import and
//! export CSV, start a conversation with one (the inbox's dialog, with the contact chosen) or
//! schedule a message to one. The wallet column names each contact's agent; "My wallet" shows
//! only the signed-in user's contacts.
import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { NewConversationDialog } from '../inbox/NewConversation';
import { inboxText } from '../inbox/messages';
import { followTicket } from '../inbox/follow';
import { ScheduleDialog } from '../schedules/ScheduleDialog';
import { schedText } from '../schedules/messages';
import { useAuth } from '../shell/auth';
import { formatPhone } from '../shell/phone';
import { Badge } from '../shell/ui';
import { AdminTable, ColorBadge, ConfirmDialog, Empty, ErrorNote, Loading, PageHeader, useFormat, useLoad, useNotice } from './common';
import { ContactDialog } from './ContactDialog';
import { ImportDialog } from './ImportDialog';
import { m } from './messages';

type Contact = Schemas['Contact'];
type ContactPage = Schemas['ContactPage'];
type Tag = Schemas['Tag'];
type Colleague = Schemas['Colleague'];
type Queue = Schemas['Queue'];

const PAGE = 50;

export function ContactsPage() {
  const t = useT(m);
  const say = useNotice();
  const ti = useT(inboxText);
  const ts = useT(schedText);
  const fmt = useFormat();
  const navigate = useNavigate();
  const me = useAuth().user?.id ?? '';
  const tags = useLoad(() => api<Tag[]>('GET', '/api/tags'), []);
  const agents = useLoad(() => api<Colleague[]>('GET', '/api/inbox/agents'), []);
  const queues = useLoad(() => api<Queue[]>('GET', '/api/queues'), []);
  const [mine, setMine] = useState(false);
  const owner = mine ? me : '';
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const [tag, setTag] = useState('');
  const [items, setItems] = useState<Contact[]>([]);
  const [next, setNext] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [editing, setEditing] = useState<Contact | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Contact | null>(null);
  const [importing, setImporting] = useState(false);
  const [starting, setStarting] = useState<Contact | null>(null);
  const [scheduling, setScheduling] = useState<Contact | null>(null);
  const [exporting, setExporting] = useState(false);
  const seq = useRef(0);

  useEffect(() => {
    const h = window.setTimeout(() => setQuery(search.trim()), 300);
    return () => window.clearTimeout(h);
  }, [search]);

  const loadFirst = async () => {
    const n = ++seq.current;
    setLoading(true);
    setError(undefined);
    try {
      const page = await api<ContactPage>('GET', '/api/contacts', { query: { search: query, tag, owner_id: owner, limit: PAGE } });
      if (n !== seq.current) return;
      setItems(page.items);
      setNext(page.next_cursor);
    } catch (e) {
      if (n === seq.current) setError(e);
    } finally {
      if (n === seq.current) setLoading(false);
    }
  };

  useEffect(() => {
    void loadFirst();
  }, [query, tag, owner]);

  const loadMore = async () => {
    if (!next) return;
    const n = seq.current;
    setMore(true);
    setError(undefined);
    try {
      const page = await api<ContactPage>('GET', '/api/contacts', { query: { search: query, tag, owner_id: owner, limit: PAGE, cursor: next } });
      if (n !== seq.current) return;
      setItems((old) => [...old, ...page.items.filter((c) => !old.some((o) => o.id === c.id))]);
      setNext(page.next_cursor);
    } catch (e) {
      setError(e);
    } finally {
      setMore(false);
    }
  };

  const exportCsv = async () => {
    setExporting(true);
    setError(undefined);
    try {
      const csv = await api<string>('GET', '/api/contacts/export', { text: true });
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `contacts-${new Date().toISOString().slice(0, 10)}.csv`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 1000);
      say(t('exported'));
    } catch (e) {
      setError(e);
    } finally {
      setExporting(false);
    }
  };

  const tagById = new Map((tags.data ?? []).map((x) => [x.id, x]));
  const nameOf = new Map((agents.data ?? []).map((x) => [x.id, x.name]));
  const filtering = query !== '' || tag !== '' || owner !== '';

  return (
    <div className="page adm" data-testid="contacts-page">
      <PageHeader
        title={t('contactsTitle')}
        subtitle={t('contactsSubtitle')}
        actions={
          <>
            <button className="btn" onClick={() => setImporting(true)} data-testid="contacts-import">
              {t('importCsv')}
            </button>
            <button className="btn" onClick={exportCsv} disabled={exporting} data-testid="contacts-export">
              {exporting ? t('working') : t('exportCsv')}
            </button>
            <button className="btn btn-primary" onClick={() => setEditing('new')} data-testid="contact-new">
              {t('contactNew')}
            </button>
          </>
        }
      />
      <div className="toolbar" role="search">
        <input
          type="search"
          className="adm-search"
          placeholder={t('contactsSearch')}
          aria-label={t('contactsSearch')}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          data-testid="contacts-search"
        />
        <select aria-label={t('filterByTag')} value={tag} onChange={(e) => setTag(e.target.value)}>
          <option value="">{t('allTags')}</option>
          {(tags.data ?? []).map((x) => (
            <option key={x.id} value={x.id}>
              {x.name}
            </option>
          ))}
        </select>
        <label className="check">
          <input type="checkbox" checked={mine} onChange={(e) => setMine(e.target.checked)} data-testid="contacts-my-wallet" />
          {t('myWallet')}
        </label>
        {loading && items.length > 0 && <span className="spinner spinner-inline" role="status" aria-label={t('loading')} />}
      </div>
      <ErrorNote error={error} onRetry={loadFirst} />
      {loading && items.length === 0 ? (
        <Loading />
      ) : items.length === 0 && !error ? (
        filtering ? (
          <Empty title={t('noMatches')} text={t('contactsNoMatchText')} />
        ) : (
          <Empty
            title={t('contactsEmpty')}
            text={t('contactsEmptyText')}
            testId="contacts-empty"
            action={
              <button className="btn btn-primary" onClick={() => setImporting(true)}>
                {t('importCsv')}
              </button>
            }
          />
        )
      ) : items.length > 0 ? (
        <>
          <AdminTable testId="contacts-table" columns={[t('name'), t('phone'), t('email'), t('tags'), t('wallet'), t('customFields')]} actions>
            {items.map((c) => {
              const fields = Object.entries(c.custom_fields);
              return (
                <tr key={c.id} data-testid="contact-row">
                  <td>
                    <span data-testid="contact-name">{c.name}</span>
                    {c.opted_out ? (
                      <>
                        {' '}
                        <Badge tone="warning" title={t('optedOutHint')}>
                          <span data-testid="contact-opted-out">{t('optedOut')}</span>
                        </Badge>
                      </>
                    ) : null}
                  </td>
                  <td className="adm-mono-soft">{formatPhone(c.phone)}</td>
                  <td>{c.email || <span className="muted">—</span>}</td>
                  <td>
                    <div className="adm-chips">
                      {c.tags.map((id) => {
                        const tg = tagById.get(id);
                        return tg ? (
                          <ColorBadge key={id} color={tg.color}>
                            {tg.name}
                          </ColorBadge>
                        ) : null;
                      })}
                    </div>
                  </td>
                  <td data-testid="contact-owner" data-owner-id={c.owner_id ?? ''}>
                    {c.owner_id ? nameOf.get(c.owner_id) ?? <span className="muted">…</span> : <span className="muted">—</span>}
                  </td>
                  <td>
                    {fields.length === 0 ? (
                      <span className="muted">—</span>
                    ) : (
                      <span className="small" title={fields.map(([k, v]) => `${k}: ${v}`).join('\n')}>
                        {fields
                          .slice(0, 2)
                          .map(([k, v]) => `${k}: ${v}`)
                          .join(' · ')}
                        {fields.length > 2 && ` +${fields.length - 2}`}
                      </span>
                    )}
                  </td>
                  <td className="adm-row-actions">
                    <button className="btn" onClick={() => setStarting(c)} aria-label={t('contactStartNamed', { name: c.name })} data-testid="contact-start">
                      {t('contactStart')}
                    </button>
                    <button className="btn" onClick={() => setScheduling(c)} aria-label={t('contactScheduleNamed', { name: c.name })} data-testid="contact-schedule">
                      {t('contactSchedule')}
                    </button>
                    <button className="btn" onClick={() => setEditing(c)} aria-label={t('editNamed', { name: c.name })} data-testid="contact-edit">
                      {t('edit')}
                    </button>
                    <button
                      className="btn adm-btn-danger-ghost"
                      onClick={() => setDeleting(c)}
                      aria-label={t('deleteNamed', { name: c.name })}
                    >
                      {t('delete')}
                    </button>
                  </td>
                </tr>
              );
            })}
          </AdminTable>
          <div className="adm-pager">
            <span className="muted" data-testid="contacts-count">
              {t('shownCount', { n: items.length })}
            </span>
            {next && (
              <button className="btn" onClick={loadMore} disabled={more} data-testid="contacts-more">
                {more ? t('loading') : t('loadMore')}
              </button>
            )}
          </div>
        </>
      ) : null}
      {editing && (
        <ContactDialog
          contact={editing === 'new' ? null : editing}
          tags={tags.data ?? []}
          agents={agents.data ?? []}
          queues={queues.data ?? []}
          onClose={() => setEditing(null)}
          onSaved={(saved, created) => {
            setEditing(null);
            say(created ? t('contactCreated', { name: saved.name }) : t('saved'));
            if (created || (owner && saved.owner_id !== owner)) void loadFirst();
            else setItems((old) => old.map((c) => (c.id === saved.id ? saved : c)));
          }}
        />
      )}
      {scheduling && (
        <ScheduleDialog
          contact={scheduling}
          onClose={() => setScheduling(null)}
          onSaved={(s) => {
            setScheduling(null);
            say(ts('created', { name: s.contact_name, when: fmt.dateTime(s.send_at) }));
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={t('contactDeleteTitle')}
          text={t('contactDeleteText', { name: deleting.name })}
          confirmLabel={t('delete')}
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await api('DELETE', `/api/contacts/${deleting.id}`);
            setItems((old) => old.filter((c) => c.id !== deleting.id));
            say(t('deleted'));
          }}
        />
      )}
      {starting && (
        <NewConversationDialog
          contact={starting}
          onClose={() => setStarting(null)}
          onStarted={(started) => {
            setStarting(null);
            const name = started.ticket.contact_name || formatPhone(started.ticket.contact_phone);
            say(started.opened ? ti('ncStarted', { name }) : ti('ncJoined', { name }));
            followTicket(navigate, started.ticket);
          }}
        />
      )}
      {importing && (
        <ImportDialog
          onClose={() => setImporting(false)}
          onImported={() => {
            void loadFirst();
          }}
        />
      )}
    </div>
  );
}
