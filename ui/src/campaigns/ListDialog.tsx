//! A contact list's form: its name, whether it is static or dynamic (when it is created),
//! and a dynamic list's filter: the tags a contact must all have (picked from the company's
//! tags) and custom field values it must have, as name = value rows.
import { useRef, useState } from 'react';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { ErrorNote, FormDialog, FormField, Swatch, useLoad } from '../admin/common';
import { m } from '../admin/messages';
import { cText } from './messages';
import type { ContactList, Tag } from './parts';

type Kind = ContactList['kind'];

const FIELD_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_TAGS = 20;

interface Row {
  key: number;
  name: string;
  value: string;
}

export function ListDialog({ list, onClose, onSaved }: { list: ContactList | null; onClose: () => void; onSaved: (l: ContactList, created: boolean) => void }) {
  const t = useT(cText);
  const ta = useT(m);
  const tags = useLoad(() => api<Tag[]>('GET', '/api/tags'), []);
  const [name, setName] = useState(list?.name ?? '');
  const [kind, setKind] = useState<Kind>(list?.kind ?? 'static');
  const [chosen, setChosen] = useState<string[]>(list?.filter?.tag_ids ?? []);
  const nextKey = useRef(0);
  const [rows, setRows] = useState<Row[]>(() => Object.entries(list?.filter?.fields ?? {}).map(([n, v]) => ({ key: nextKey.current++, name: n, value: v })));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [rowErrors, setRowErrors] = useState<Record<number, string>>({});

  const filterOf = (): Schemas['ListFilter'] => {
    const fields: Record<string, string> = {};
    for (const r of rows) if (r.name.trim()) fields[r.name.trim()] = r.value;
    return { tag_ids: chosen, fields };
  };

  const save = async () => {
    const e: Record<string, string> = {};
    const re: Record<number, string> = {};
    if (!name.trim()) e.name = ta('required');
    else if (name.trim().length > 100) e.name = ta('maxChars', { n: 100 });
    if (kind === 'dynamic') {
      if (chosen.length > MAX_TAGS) e.tags = t('tagsMax', { n: MAX_TAGS });
      const seen = new Set<string>();
      for (const r of rows) {
        const n = r.name.trim();
        if (!n && !r.value.trim()) continue;
        if (!FIELD_NAME.test(n)) re[r.key] = ta('fieldNameInvalid');
        else if (seen.has(n)) re[r.key] = ta('fieldNameDuplicate');
        seen.add(n);
      }
    }
    setErrors(e);
    setRowErrors(re);
    if (Object.keys(e).length || Object.keys(re).length) return;
    if (list) {
      const body: Schemas['ContactListPatch'] = { name: name.trim() };
      if (list.kind === 'dynamic') body.filter = filterOf();
      onSaved(await api<ContactList>('PATCH', `/api/lists/${list.id}`, { body }), false);
    } else {
      const body: Schemas['NewContactList'] = { name: name.trim(), kind };
      if (kind === 'dynamic') body.filter = filterOf();
      onSaved(await api<ContactList>('POST', '/api/lists', { body }), true);
    }
  };

  const toggle = (id: string) => setChosen((l) => (l.includes(id) ? l.filter((x) => x !== id) : [...l, id]));
  const setRow = (key: number, patch: Partial<Row>) => setRows((l) => l.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  const empty = chosen.length === 0 && rows.every((r) => !r.name.trim());

  return (
    <FormDialog title={list ? t('listEdit') : t('listNew')} onClose={onClose} onSubmit={save} wide testId="list-dialog">
      <FormField label={ta('name')} error={errors.name}>
        {(p) => <input {...p} value={name} maxLength={100} onChange={(e) => setName(e.target.value)} autoFocus data-testid="list-name-input" />}
      </FormField>
      {list ? null : (
        <fieldset className="adm-fieldset">
          <legend>{t('kind')}</legend>
          <div className="adm-radio-cards">
            {(['static', 'dynamic'] as Kind[]).map((k) => (
              <label key={k} className={kind === k ? 'adm-radio-card adm-radio-card-on' : 'adm-radio-card'}>
                <input type="radio" name="list-kind" value={k} checked={kind === k} onChange={() => setKind(k)} data-testid={`list-kind-${k}`} />
                <span className="adm-radio-title">{t(k === 'static' ? 'kindStatic' : 'kindDynamic')}</span>
                <span className="muted">{t(k === 'static' ? 'kindStaticHint' : 'kindDynamicHint')}</span>
              </label>
            ))}
          </div>
        </fieldset>
      )}
      {kind === 'dynamic' && (
        <>
          <fieldset className="adm-fieldset" data-testid="list-filter-tags">
            <legend>{t('filterTags')}</legend>
            <p className="muted small">{t('filterTagsHint')}</p>
            <ErrorNote error={tags.error} onRetry={tags.reload} />
            {tags.data && tags.data.length === 0 ? (
              <p className="muted">{ta('noTagsYet')}</p>
            ) : (
              <div className="adm-chips">
                {(tags.data ?? []).map((tg) => (
                  <label key={tg.id} className={chosen.includes(tg.id) ? 'adm-chip-toggle adm-chip-on' : 'adm-chip-toggle'}>
                    <input type="checkbox" className="sr-only" checked={chosen.includes(tg.id)} onChange={() => toggle(tg.id)} data-testid="list-filter-tag" />
                    <Swatch color={tg.color} />
                    {tg.name}
                  </label>
                ))}
              </div>
            )}
            {errors.tags && <small className="error-text">{errors.tags}</small>}
          </fieldset>
          <fieldset className="adm-fieldset" data-testid="list-filter-fields">
            <legend>{t('filterFields')}</legend>
            <p className="muted small">{t('filterFieldsHint')}</p>
            {rows.length > 0 && (
              <table className="adm-kv">
                <thead>
                  <tr>
                    <th scope="col">{ta('fieldName')}</th>
                    <th scope="col">{ta('fieldValue')}</th>
                    <th scope="col">
                      <span className="sr-only">{ta('actions')}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r, i) => (
                    <tr key={r.key}>
                      <td>
                        <input
                          className="mono"
                          aria-label={ta('fieldNameN', { n: i + 1 })}
                          placeholder="city"
                          value={r.name}
                          aria-invalid={rowErrors[r.key] ? true : undefined}
                          onChange={(e) => setRow(r.key, { name: e.target.value })}
                        />
                      </td>
                      <td>
                        <input aria-label={ta('fieldValueN', { n: i + 1 })} value={r.value} onChange={(e) => setRow(r.key, { value: e.target.value })} />
                        {rowErrors[r.key] && <small className="error-text">{rowErrors[r.key]}</small>}
                      </td>
                      <td>
                        <button type="button" className="icon-btn" aria-label={ta('removeFieldN', { n: i + 1 })} onClick={() => setRows((l) => l.filter((x) => x.key !== r.key))}>
                          ×
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <button type="button" className="btn" onClick={() => setRows((l) => [...l, { key: nextKey.current++, name: '', value: '' }])} data-testid="list-filter-add-field">
              {ta('addField')}
            </button>
          </fieldset>
          {empty && <p className="adm-hint-box small">{t('filterEmptyNote')}</p>}
        </>
      )}
    </FormDialog>
  );
}
