//! Contact lists (`/api/lists`): who a campaign writes to. A static list holds the contacts
//! added to it (or imported into it from CSV or XLSX); a dynamic one, those that match its
//! filter (tags and custom field values) when a campaign starts. Each opens on its own page.
import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api } from '../api/client';
import { useT } from '../i18n';
import { AdminTable, ConfirmDialog, Empty, ErrorNote, LoadedList, PageHeader, useFormat, useLoad, useNotice } from '../admin/common';
import { m } from '../admin/messages';
import { Badge } from '../shell/ui';
import { ListDialog } from './ListDialog';
import { cText } from './messages';
import { CampaignTabs, NotInPlan, notInPlan, type ContactList } from './parts';

export function ListsPage() {
  const t = useT(cText);
  const ta = useT(m);
  const fmt = useFormat();
  const say = useNotice();
  const navigate = useNavigate();
  const lists = useLoad(() => api<ContactList[]>('GET', '/api/lists'), []);
  const [editing, setEditing] = useState<ContactList | 'new' | null>(null);
  const [deleting, setDeleting] = useState<ContactList | null>(null);
  const gated = notInPlan(lists.error);
  const newButton = (
    <button className="btn btn-primary" onClick={() => setEditing('new')} data-testid="list-new">
      {t('listNew')}
    </button>
  );

  return (
    <div className="page adm cmp" data-testid="lists-page">
      <PageHeader title={t('areaTitle')} subtitle={t('listsSubtitle')} actions={gated ? undefined : newButton} />
      <CampaignTabs current="lists" />
      {gated ? (
        <NotInPlan />
      ) : (
        <>
          <ErrorNote error={lists.error} onRetry={lists.reload} />
          <LoadedList loaded={lists} empty={<Empty title={t('listsEmpty')} text={t('listsEmptyText')} testId="lists-empty" action={newButton} />}>
            {(items) => (
              <AdminTable testId="lists-table" columns={[ta('name'), t('kind'), t('size'), ta('createdAt')]} actions>
                {items.map((l) => (
                  <tr key={l.id} data-testid="list-row" data-id={l.id}>
                    <td>
                      <Link to={`/campaigns/lists/${l.id}`} className="strong" data-testid="list-name">
                        {l.name}
                      </Link>
                    </td>
                    <td>
                      <Badge tone={l.kind === 'dynamic' ? 'info' : 'neutral'} title={t(l.kind === 'dynamic' ? 'kindDynamicHint' : 'kindStaticHint')}>
                        {t(l.kind === 'dynamic' ? 'kindDynamic' : 'kindStatic')}
                      </Badge>
                    </td>
                    <td data-testid="list-size">{fmt.number(l.size)}</td>
                    <td>{fmt.date(l.created_at)}</td>
                    <td className="adm-row-actions">
                      <button className="btn" onClick={() => setEditing(l)} aria-label={ta('editNamed', { name: l.name })}>
                        {ta('edit')}
                      </button>
                      <button className="btn adm-btn-danger-ghost" onClick={() => setDeleting(l)} aria-label={ta('deleteNamed', { name: l.name })}>
                        {ta('delete')}
                      </button>
                    </td>
                  </tr>
                ))}
              </AdminTable>
            )}
          </LoadedList>
        </>
      )}
      {editing && (
        <ListDialog
          list={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={(saved, created) => {
            setEditing(null);
            if (created) {
              say(t('listCreated', { name: saved.name }));
              navigate(`/campaigns/lists/${saved.id}`);
            } else {
              say(ta('saved'));
              lists.setData((old) => old?.map((x) => (x.id === saved.id ? saved : x)));
            }
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={t('listDeleteTitle')}
          text={t('listDeleteText', { name: deleting.name })}
          confirmLabel={ta('delete')}
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await api('DELETE', `/api/lists/${deleting.id}`);
            say(ta('deleted'));
            void lists.reload();
          }}
        />
      )}
    </div>
  );
}
