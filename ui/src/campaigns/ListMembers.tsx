//! A static list's contacts, changed by hand: search the company's contacts
//! (`GET /api/contacts?search=`), tick some, and add them to the list or take them out of it
//! (`POST /api/lists/{id}/members` and `…/members/remove`, which answer how many changed).
import { useEffect, useRef, useState } from 'react';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { AdminTable, ErrorNote, useNotice } from '../admin/common';
import { m } from '../admin/messages';
import { formatPhone } from '../shell/phone';
import { Badge, Button, Spinner } from '../shell/ui';
import { cText } from './messages';

type Contact = Schemas['Contact'];

const LIMIT = 20;

export function ListMembers({ listId, size, onChanged }: { listId: string; /** The list's size: the search runs again when it changes (an import adds contacts). */ size: number; onChanged: () => void }) {
  const t = useT(cText);
  const ta = useT(m);
  const say = useNotice();
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<Contact[] | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [picked, setPicked] = useState<string[]>([]);
  const [busy, setBusy] = useState<'add' | 'remove' | null>(null);
  const seq = useRef(0);

  useEffect(() => {
    const h = window.setTimeout(() => setQuery(search.trim()), 300);
    return () => window.clearTimeout(h);
  }, [search]);

  useEffect(() => {
    const n = ++seq.current;
    setLoading(true);
    setError(undefined);
    api<Schemas['ContactPage']>('GET', '/api/contacts', { query: { search: query, limit: LIMIT } })
      .then((page) => n === seq.current && setFound(page.items))
      .catch((e) => n === seq.current && setError(e))
      .finally(() => n === seq.current && setLoading(false));
  }, [query, size]);

  const change = async (how: 'add' | 'remove') => {
    if (picked.length === 0) return;
    setBusy(how);
    setError(undefined);
    try {
      const r = await api<{ changed: number }>('POST', `/api/lists/${listId}/members${how === 'remove' ? '/remove' : ''}`, { body: { contact_ids: picked } });
      say(t(how === 'add' ? 'membersAdded' : 'membersRemoved', { n: r.changed }));
      setPicked([]);
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };

  const toggle = (id: string) => setPicked((l) => (l.includes(id) ? l.filter((x) => x !== id) : [...l, id]));
  const shown = found ?? [];
  const allPicked = shown.length > 0 && shown.every((c) => picked.includes(c.id));

  return (
    <section className="card adm-section" aria-labelledby="cmp-members-title" data-testid="list-members">
      <h2 id="cmp-members-title">{t('membersTitle')}</h2>
      <p className="muted small">{t('membersHint')}</p>
      <div className="toolbar" role="search">
        <input
          type="search"
          className="adm-search"
          placeholder={ta('contactsSearch')}
          aria-label={ta('contactsSearch')}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          data-testid="members-search"
        />
        {loading && <Spinner inline />}
        <span className="spacer" />
        <Button variant="primary" disabled={picked.length === 0} loading={busy === 'add'} onClick={() => void change('add')} data-testid="members-add">
          {t('membersAdd', { n: picked.length })}
        </Button>
        <Button disabled={picked.length === 0} loading={busy === 'remove'} onClick={() => void change('remove')} data-testid="members-remove">
          {t('membersRemove', { n: picked.length })}
        </Button>
      </div>
      <ErrorNote error={error} />
      {found && shown.length === 0 ? (
        <p className="muted">{ta('noMatches')}</p>
      ) : shown.length > 0 ? (
        <AdminTable
          testId="members-table"
          columns={[
            <input
              key="all"
              type="checkbox"
              aria-label={t('pickAll')}
              checked={allPicked}
              onChange={() => setPicked(allPicked ? picked.filter((id) => !shown.some((c) => c.id === id)) : [...new Set([...picked, ...shown.map((c) => c.id)])])}
            />,
            ta('name'),
            ta('phone'),
          ]}
        >
          {shown.map((c) => (
            <tr key={c.id} data-testid="member-candidate" data-id={c.id}>
              <td>
                <input type="checkbox" aria-label={t('pickNamed', { name: c.name })} checked={picked.includes(c.id)} onChange={() => toggle(c.id)} />
              </td>
              <td>
                {c.name} {c.opted_out ? <Badge tone="warning">{ta('optedOut')}</Badge> : null}
              </td>
              <td className="adm-mono-soft">{formatPhone(c.phone)}</td>
            </tr>
          ))}
        </AdminTable>
      ) : null}
    </section>
  );
}
