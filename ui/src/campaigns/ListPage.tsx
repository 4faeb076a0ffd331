//! One contact list: how many contacts it holds, a dynamic list's filter (tags and field
//! values), and for a static list the CSV or XLSX import into it (with the upload's
//! progress, then the report of each row) and adding or removing contacts found by a search.
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api } from '../api/client';
import { useT } from '../i18n';
import { ColorBadge, ConfirmDialog, ErrorNote, Loading, PageHeader, useFormat, useLoad, useNotice } from '../admin/common';
import { ImportDialog } from '../admin/ImportDialog';
import { m } from '../admin/messages';
import { Badge } from '../shell/ui';
import { ListDialog } from './ListDialog';
import { ListMembers } from './ListMembers';
import { cText } from './messages';
import { CampaignTabs, NotInPlan, notInPlan, type ContactList, type Tag } from './parts';

export function ListPage() {
  const { id = '' } = useParams();
  const t = useT(cText);
  const ta = useT(m);
  const fmt = useFormat();
  const say = useNotice();
  const navigate = useNavigate();
  const list = useLoad(() => api<ContactList>('GET', `/api/lists/${id}`), [id]);
  const tags = useLoad(() => api<Tag[]>('GET', '/api/tags').catch(() => [] as Tag[]), []);
  const [importing, setImporting] = useState(false);
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const l = list.data;
  const isStatic = l?.kind === 'static';
  const refresh = () => {
    void api<ContactList>('GET', `/api/lists/${id}`).then(
      (fresh) => list.setData(() => fresh),
      () => {
        /* the size stays as it was */
      },
    );
  };

  return (
    <div className="page adm cmp" data-testid="list-page" data-id={id} data-kind={l?.kind}>
      <PageHeader
        title={l?.name ?? t('tabLists')}
        subtitle={l ? t(isStatic ? 'kindStaticHint' : 'kindDynamicHint') : undefined}
        actions={
          l && (
            <>
              {isStatic && (
                <button className="btn btn-primary" onClick={() => setImporting(true)} data-testid="list-import">
                  {ta('importCsv')}
                </button>
              )}
              <button className="btn" onClick={() => setEditing(true)} data-testid="list-edit">
                {isStatic ? t('rename') : t('editFilter')}
              </button>
              <button className="btn adm-btn-danger-ghost" onClick={() => setDeleting(true)} data-testid="list-delete">
                {ta('delete')}
              </button>
            </>
          )
        }
      />
      <CampaignTabs current="lists" />
      <p>
        <Link to="/campaigns/lists" className="adm-link">
          ← {t('backToLists')}
        </Link>
      </p>
      {notInPlan(list.error) ? <NotInPlan /> : <ErrorNote error={list.error} onRetry={list.reload} />}
      {list.loading && !l ? (
        <Loading />
      ) : l ? (
        <>
          <section className="card adm-section cmp-list-summary">
            <dl className="cmp-facts">
              <div>
                <dt>{t('kind')}</dt>
                <dd>
                  <Badge tone={isStatic ? 'neutral' : 'info'}>{t(isStatic ? 'kindStatic' : 'kindDynamic')}</Badge>
                </dd>
              </div>
              <div>
                <dt>{t('size')}</dt>
                <dd className="cmp-big" data-testid="list-page-size">
                  {fmt.number(l.size)}
                </dd>
              </div>
              <div>
                <dt>{ta('createdAt')}</dt>
                <dd>{fmt.date(l.created_at)}</dd>
              </div>
            </dl>
            {!isStatic && <FilterSummary list={l} tags={tags.data ?? []} />}
          </section>
          {isStatic && <ListMembers listId={l.id} size={l.size} onChanged={refresh} />}
        </>
      ) : null}
      {importing && l && (
        <ImportDialog path={`/api/lists/${l.id}/import`} title={t('importInto', { name: l.name })} onClose={() => setImporting(false)} onImported={refresh} />
      )}
      {editing && l && (
        <ListDialog
          list={l}
          onClose={() => setEditing(false)}
          onSaved={(saved) => {
            setEditing(false);
            list.setData(() => saved);
            say(ta('saved'));
          }}
        />
      )}
      {deleting && l && (
        <ConfirmDialog
          title={t('listDeleteTitle')}
          text={t('listDeleteText', { name: l.name })}
          confirmLabel={ta('delete')}
          onClose={() => setDeleting(false)}
          onConfirm={async () => {
            await api('DELETE', `/api/lists/${l.id}`);
            say(ta('deleted'));
            navigate('/campaigns/lists');
          }}
        />
      )}
    </div>
  );
}

/** A dynamic list's filter in words: its tags and field values. */
function FilterSummary({ list, tags }: { list: ContactList; tags: Tag[] }) {
  const t = useT(cText);
  const f = list.filter ?? { tag_ids: [], fields: {} };
  const fields = Object.entries(f.fields ?? {});
  const byId = new Map(tags.map((x) => [x.id, x]));
  if (f.tag_ids.length === 0 && fields.length === 0) return <p className="muted" data-testid="list-filter">{t('filterEveryone')}</p>;
  return (
    <div className="stack gap-sm" data-testid="list-filter">
      {f.tag_ids.length > 0 && (
        <div>
          <span className="adm-label">{t('filterTags')}</span>
          <div className="adm-chips">
            {f.tag_ids.map((tid) => {
              const tg = byId.get(tid);
              return tg ? (
                <ColorBadge key={tid} color={tg.color}>
                  {tg.name}
                </ColorBadge>
              ) : (
                <Badge key={tid}>{t('tagGone')}</Badge>
              );
            })}
          </div>
        </div>
      )}
      {fields.length > 0 && (
        <div>
          <span className="adm-label">{t('filterFields')}</span>
          <div className="adm-chips">
            {fields.map(([k, v]) => (
              <code key={k} className="badge">
                {k} = {v}
              </code>
            ))}
          </div>
        </div>
      )}
    </div>
  );
}
