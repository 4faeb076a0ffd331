//! Tags: coloured labels put on contacts and tickets.
import { useState } from 'react';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import {
  AdminTable,
  ColorBadge,
  ColorInput,
  ConfirmDialog,
  Empty,
  ErrorNote,
  FormDialog,
  FormField,
  HEX,
  LoadedList,
  PageHeader,
  useFormat,
  useLoad,
  useNotice,
} from './common';
import { m } from './messages';

type Tag = Schemas['Tag'];

const PALETTE = ['#5b8def', '#22a06b', '#e5a50a', '#e5484d', '#8e4ec6', '#0ea5e9', '#f76b15', '#687076'];

export function TagsPage() {
  const t = useT(m);
  const fmt = useFormat();
  const say = useNotice();
  const tags = useLoad(() => api<Tag[]>('GET', '/api/tags'), []);
  const [editing, setEditing] = useState<Tag | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Tag | null>(null);

  return (
    <div className="page adm" data-testid="tags-page">
      <PageHeader
        title={t('tagsTitle')}
        subtitle={t('tagsSubtitle')}
        actions={
          <button className="btn btn-primary" onClick={() => setEditing('new')} data-testid="tag-new">
            {t('tagNew')}
          </button>
        }
      />
      <ErrorNote error={tags.error} onRetry={tags.reload} />
      <LoadedList loaded={tags} empty={<Empty title={t('tagsEmpty')} text={t('tagsEmptyText')} testId="tags-empty" />}>
        {(items) => (
          <AdminTable testId="tags-table" columns={[t('tag'), t('color'), t('createdAt')]} actions>
            {items.map((tag) => (
              <tr key={tag.id} data-testid="tag-row">
                <td>
                  <ColorBadge color={tag.color}>{tag.name}</ColorBadge>
                </td>
                <td className="adm-mono-soft">{tag.color}</td>
                <td className="muted">{fmt.date(tag.created_at)}</td>
                <td className="adm-row-actions">
                  <button className="btn" onClick={() => setEditing(tag)} aria-label={t('editNamed', { name: tag.name })}>
                    {t('edit')}
                  </button>
                  <button className="btn adm-btn-danger-ghost" onClick={() => setDeleting(tag)} aria-label={t('deleteNamed', { name: tag.name })}>
                    {t('delete')}
                  </button>
                </td>
              </tr>
            ))}
          </AdminTable>
        )}
      </LoadedList>
      {editing && (
        <TagDialog
          tag={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={(msg) => {
            setEditing(null);
            say(msg);
            void tags.reload();
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={t('tagDeleteTitle')}
          text={t('tagDeleteText', { name: deleting.name })}
          confirmLabel={t('delete')}
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await api('DELETE', `/api/tags/${deleting.id}`);
            say(t('deleted'));
            void tags.reload();
          }}
        />
      )}
    </div>
  );
}

function TagDialog({ tag, onClose, onSaved }: { tag: Tag | null; onClose: () => void; onSaved: (msg: string) => void }) {
  const t = useT(m);
  const [name, setName] = useState(tag?.name ?? '');
  const [color, setColor] = useState(tag?.color ?? PALETTE[Math.floor(Math.random() * PALETTE.length)]);
  const [errors, setErrors] = useState<Record<string, string>>({});

  const save = async () => {
    const e: Record<string, string> = {};
    if (!name.trim()) e.name = t('required');
    else if (name.trim().length > 60) e.name = t('maxChars', { n: 60 });
    if (!HEX.test(color)) e.color = t('colorInvalid');
    setErrors(e);
    if (Object.keys(e).length) return;
    const body = { name: name.trim(), color };
    if (tag) await api('PATCH', `/api/tags/${tag.id}`, { body });
    else await api('POST', '/api/tags', { body });
    onSaved(tag ? t('saved') : t('tagCreated', { name: body.name }));
  };

  return (
    <FormDialog title={tag ? t('tagEdit') : t('tagNew')} onClose={onClose} onSubmit={save} testId="tag-dialog">
      <FormField label={t('name')} error={errors.name}>
        {(p) => <input {...p} value={name} maxLength={60} onChange={(e) => setName(e.target.value)} autoFocus data-testid="tag-name-input" />}
      </FormField>
      <ColorInput label={t('color')} value={color} onChange={setColor} error={errors.color} />
      <div className="adm-palette" role="group" aria-label={t('suggestedColors')}>
        {PALETTE.map((c) => (
          <button
            key={c}
            type="button"
            className={c === color ? 'adm-palette-dot adm-palette-on' : 'adm-palette-dot'}
            style={{ background: c }}
            aria-label={c}
            aria-pressed={c === color}
            onClick={() => setColor(c)}
          />
        ))}
      </div>
      <div>
        <span className="adm-label">{t('preview')}</span> <ColorBadge color={HEX.test(color) ? color : '#888888'}>{name || t('tag')}</ColorBadge>
      </div>
    </FormDialog>
  );
}
