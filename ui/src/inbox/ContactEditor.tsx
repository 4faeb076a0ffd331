//! Editing the customer in place, in the contact panel: name, email, custom fields, tags and
//! the wallet's agent, saved with one `PATCH /api/contacts/{id}` holding only what changed.
//! An agent may put the contact into their own wallet or take it out of it; a contact in
//! another agent's wallet stays there unless a supervisor moves it. Errors of the API show
//! in the user's words.
import { useRef, useState } from 'react';
import { ApiError, api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { hasRole } from '../shell/auth';
import { Button, CloseIcon, ErrorMessage, Field, IconButton } from '../shell/ui';
import { useInboxData } from './data';
import { panelText } from './panelText';

type Contact = Schemas['Contact'];

const FIELD_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const EMAIL = /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
const MAX_FIELDS = 50;

interface FieldRow {
  key: number;
  name: string;
  value: string;
}

const sameFields = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);
const sameTags = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

export function ContactEditor({ contact, onSaved, onCancel }: { contact: Contact; onSaved: (c: Contact) => void; onCancel: () => void }) {
  const t = useT(panelText);
  const data = useInboxData();
  const supervisor = hasRole(data.me, 'supervisor');
  const [name, setName] = useState(contact.name);
  const [email, setEmail] = useState(contact.email ?? '');
  const [tags, setTags] = useState<string[]>(contact.tags);
  const [owner, setOwner] = useState(contact.owner_id ?? '');
  const nextKey = useRef(0);
  const [rows, setRows] = useState<FieldRow[]>(() =>
    Object.entries(contact.custom_fields).map(([n, v]) => ({ key: nextKey.current++, name: n, value: String(v) })),
  );
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const filled = rows.filter((r) => r.name.trim() || r.value.trim());
  const names = filled.map((r) => r.name.trim().toLowerCase());
  const problems = {
    name: !name.trim() ? t('required') : name.trim().length > 200 ? t('maxChars', { n: 200 }) : undefined,
    email: email.trim() && !EMAIL.test(email.trim()) ? t('emailInvalid') : undefined,
    fields:
      filled.length > MAX_FIELDS
        ? t('tooManyFields', { n: MAX_FIELDS })
        : filled.some((r) => !FIELD_NAME.test(r.name.trim()))
          ? t('fieldNameInvalid')
          : new Set(names).size !== names.length
            ? t('fieldNameDuplicate')
            : filled.some((r) => r.value.length > 1000)
              ? t('maxChars', { n: 1000 })
              : undefined,
  };
  const shown = (k: keyof typeof problems) => (tried ? problems[k] : undefined);

  // Whose wallet the contact may go to: anyone's for supervisors; an agent's own, or none.
  const ownerName = (id: string) => data.userName(id) ?? id;
  const lockedBy = !supervisor && contact.owner_id && contact.owner_id !== data.me.id ? contact.owner_id : null;
  const choices = supervisor ? data.agents : data.agents.filter((a) => a.id === data.me.id);

  const save = async () => {
    setTried(true);
    if (Object.values(problems).some(Boolean) || busy) return;
    const custom_fields: Record<string, string> = {};
    for (const r of filled) if (r.value !== '') custom_fields[r.name.trim()] = r.value;
    const patch: Schemas['ContactPatch'] = {};
    if (name.trim() !== contact.name) patch.name = name.trim();
    if (email.trim() !== (contact.email ?? '')) patch.email = email.trim();
    if (!sameFields(custom_fields, contact.custom_fields)) patch.custom_fields = custom_fields;
    if (!sameTags(tags, contact.tags)) patch.tags = tags;
    if (owner !== (contact.owner_id ?? '')) patch.owner_id = owner;
    if (Object.keys(patch).length === 0) {
      onCancel();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onSaved(await api<Contact>('PATCH', `/api/contacts/${contact.id}`, { body: patch }));
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  const setRow = (key: number, patch: Partial<FieldRow>) => setRows((l) => l.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  const toggle = (id: string) => setTags((l) => (l.includes(id) ? l.filter((x) => x !== id) : [...l, id]));

  return (
    <form
      className="stack cp-edit"
      aria-label={t('editing')}
      data-testid="contact-editor"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onCancel();
        }
      }}
    >
      <Field label={t('name')} error={shown('name')}>
        <input value={name} maxLength={200} onChange={(e) => setName(e.target.value)} aria-invalid={shown('name') ? true : undefined} autoFocus data-testid="cp-name" />
      </Field>
      <Field label={t('email')} error={shown('email')} hint={contact.email ? t('emailHint') : undefined}>
        <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} aria-invalid={shown('email') ? true : undefined} data-testid="cp-email" />
      </Field>
      <Field label={t('wallet')} hint={lockedBy ? t('walletOther', { name: ownerName(lockedBy) }) : t('walletAgentHint')}>
        <select value={owner} onChange={(e) => setOwner(e.target.value)} disabled={!!lockedBy} data-testid="cp-owner">
          <option value="">{t('walletNone')}</option>
          {choices.map((a) => (
            <option key={a.id} value={a.id}>
              {a.id === data.me.id ? t('walletYou', { name: a.name }) : a.name}
            </option>
          ))}
          {owner && !choices.some((a) => a.id === owner) ? <option value={owner}>{ownerName(owner)}</option> : null}
        </select>
      </Field>
      <fieldset className="cp-fieldset">
        <legend className="field-label">{t('tags')}</legend>
        {data.tags.length === 0 ? (
          <p className="muted small">{t('noTags')}</p>
        ) : (
          <div className="row wrap gap-sm">
            {data.tags.map((tg) => (
              <label key={tg.id} className={tags.includes(tg.id) ? 'cp-tag is-on' : 'cp-tag'} style={{ borderColor: tags.includes(tg.id) ? tg.color : undefined }} data-testid="cp-tag" data-tag-id={tg.id}>
                <input type="checkbox" className="sr-only" checked={tags.includes(tg.id)} onChange={() => toggle(tg.id)} />
                <span className="cp-swatch" style={{ background: tg.color }} aria-hidden="true" />
                {tg.name}
              </label>
            ))}
          </div>
        )}
      </fieldset>
      <fieldset className="cp-fieldset">
        <legend className="field-label">{t('customFields')}</legend>
        {rows.map((r, i) => (
          <div key={r.key} className="cp-field-row" data-testid="cp-field">
            <input
              className="input mono"
              aria-label={t('fieldNameN', { n: i + 1 })}
              placeholder={t('fieldPlaceholder')}
              value={r.name}
              onChange={(e) => setRow(r.key, { name: e.target.value })}
              data-testid="cp-field-name"
            />
            <input
              className="input"
              aria-label={t('fieldValueN', { n: i + 1 })}
              placeholder={t('valuePlaceholder')}
              value={r.value}
              onChange={(e) => setRow(r.key, { value: e.target.value })}
              data-testid="cp-field-value"
            />
            <IconButton label={t('removeFieldN', { n: i + 1 })} onClick={() => setRows((l) => l.filter((x) => x.key !== r.key))}>
              <CloseIcon />
            </IconButton>
          </div>
        ))}
        {shown('fields') ? <span className="error-text">{shown('fields')}</span> : null}
        <Button
          size="sm"
          variant="ghost"
          onClick={() => setRows((l) => [...l, { key: nextKey.current++, name: '', value: '' }])}
          disabled={rows.length >= MAX_FIELDS}
          data-testid="cp-add-field"
        >
          {t('addField')}
        </Button>
      </fieldset>
      {error ? (
        <div className="error-box" role="alert" data-testid="cp-error" data-code={error instanceof ApiError ? error.code : undefined}>
          <span className="stack gap-sm">
            <ErrorMessage error={error} />
          </span>
        </div>
      ) : null}
      <div className="row cp-edit-actions">
        <span className="spacer" />
        <Button onClick={onCancel} data-testid="cp-cancel">
          {t('cancel')}
        </Button>
        <Button type="submit" variant="primary" loading={busy} data-testid="cp-save">
          {busy ? t('saving') : t('save')}
        </Button>
      </div>
    </form>
  );
}
