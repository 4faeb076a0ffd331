//! The contact form: name, phone, email, tags, a key/value editor for custom fields, the
//! contact's wallet (the agent new tickets go to, and the queue they wait in otherwise) and,
//! for a saved contact, whether campaigns skip it (opted out).
import { useId, useRef, useState } from 'react';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { EMAIL, FormDialog, FormField, Swatch } from './common';
import { m } from './messages';

type Contact = Schemas['Contact'];
type Tag = Schemas['Tag'];
type Colleague = Schemas['Colleague'];
type Queue = Schemas['Queue'];

const FIELD_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_FIELDS = 50;

interface Row {
  key: number;
  name: string;
  value: string;
}

export function ContactDialog({
  contact,
  tags,
  agents,
  queues,
  onClose,
  onSaved,
}: {
  contact: Contact | null;
  tags: Tag[];
  /** The company's users, for the wallet's agent. */
  agents: Colleague[];
  queues: Queue[];
  onClose: () => void;
  onSaved: (c: Contact, created: boolean) => void;
}) {
  const t = useT(m);
  const [name, setName] = useState(contact?.name ?? '');
  const [phone, setPhone] = useState(contact?.phone ?? '');
  const [email, setEmail] = useState(contact?.email ?? '');
  const [chosen, setChosen] = useState<string[]>(contact?.tags ?? []);
  const [owner, setOwner] = useState(contact?.owner_id ?? '');
  const [queue, setQueue] = useState(contact?.queue_id ?? '');
  const [optedOut, setOptedOut] = useState(contact?.opted_out === true);
  const nextKey = useRef(0);
  const [rows, setRows] = useState<Row[]>(() =>
    Object.entries(contact?.custom_fields ?? {}).map(([n, v]) => ({ key: nextKey.current++, name: n, value: v })),
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [rowErrors, setRowErrors] = useState<Record<number, string>>({});

  const validate = () => {
    const e: Record<string, string> = {};
    if (!name.trim()) e.name = t('required');
    else if (name.trim().length > 200) e.name = t('maxChars', { n: 200 });
    const digits = phone.replace(/\D/g, '');
    if (!phone.trim()) e.phone = t('required');
    else if (!/^[+\d\s().-]+$/.test(phone.trim()) || digits.length < 6 || digits.length > 15) e.phone = t('phoneInvalid');
    if (email.trim() && !EMAIL.test(email.trim())) e.email = t('emailInvalid');
    const re: Record<number, string> = {};
    const seen = new Set<string>();
    const filled = rows.filter((r) => r.name.trim() || r.value.trim());
    if (filled.length > MAX_FIELDS) e.fields = t('tooManyFields', { n: MAX_FIELDS });
    for (const r of filled) {
      const n = r.name.trim();
      if (!FIELD_NAME.test(n)) re[r.key] = t('fieldNameInvalid');
      else if (seen.has(n.toLowerCase())) re[r.key] = t('fieldNameDuplicate');
      else if (r.value.length > 1000) re[r.key] = t('maxChars', { n: 1000 });
      seen.add(n.toLowerCase());
    }
    setErrors(e);
    setRowErrors(re);
    return Object.keys(e).length === 0 && Object.keys(re).length === 0;
  };

  const save = async () => {
    if (!validate()) return;
    const custom_fields: Record<string, string> = {};
    for (const r of rows) if (r.name.trim() && r.value !== '') custom_fields[r.name.trim()] = r.value;
    const body = { name: name.trim(), phone: phone.trim(), email: email.trim(), custom_fields, tags: chosen };
    if (contact) {
      // The wallet goes only when it changed ("" takes the contact out of it).
      const patch: Schemas['ContactPatch'] = { ...body };
      if (owner !== (contact.owner_id ?? '')) patch.owner_id = owner;
      if (queue !== (contact.queue_id ?? '')) patch.queue_id = queue;
      if (optedOut !== (contact.opted_out === true)) patch.opted_out = optedOut;
      onSaved(await api<Contact>('PATCH', `/api/contacts/${contact.id}`, { body: patch }), false);
    } else {
      const { email: em, ...rest } = body;
      const fresh: Schemas['NewContact'] = em ? body : rest;
      if (owner) fresh.owner_id = owner;
      if (queue) fresh.queue_id = queue;
      onSaved(await api<Contact>('POST', '/api/contacts', { body: fresh }), true);
    }
  };

  const setRow = (key: number, patch: Partial<Row>) => setRows((l) => l.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  const addRow = () => setRows((l) => [...l, { key: nextKey.current++, name: '', value: '' }]);
  const toggle = (id: string) => setChosen((l) => (l.includes(id) ? l.filter((x) => x !== id) : [...l, id]));
  const fieldsId = useId();

  return (
    <FormDialog title={contact ? t('contactEdit') : t('contactNew')} onClose={onClose} onSubmit={save} wide testId="contact-dialog">
      <div className="grid-2">
        <FormField label={t('name')} error={errors.name}>
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} autoFocus data-testid="contact-name-input" />}
        </FormField>
        <FormField label={t('phone')} hint={t('phoneHint')} error={errors.phone}>
          {(p) => <input {...p} type="tel" value={phone} onChange={(e) => setPhone(e.target.value)} data-testid="contact-phone-input" />}
        </FormField>
      </div>
      <FormField label={t('email')} hint={contact ? t('emailEmptyRemoves') : undefined} error={errors.email}>
        {(p) => <input {...p} type="email" value={email} onChange={(e) => setEmail(e.target.value)} />}
      </FormField>
      <div className="grid-2">
        <FormField label={t('walletAgent')} hint={t('walletAgentHint')}>
          {(p) => (
            <select {...p} value={owner} onChange={(e) => setOwner(e.target.value)} data-testid="contact-owner-select">
              <option value="">{t('walletNone')}</option>
              {agents.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
              {owner && !agents.some((a) => a.id === owner) ? <option value={owner}>{owner}</option> : null}
            </select>
          )}
        </FormField>
        <FormField label={t('walletQueue')} hint={t('walletQueueHint')}>
          {(p) => (
            <select {...p} value={queue} onChange={(e) => setQueue(e.target.value)} data-testid="contact-queue-select">
              <option value="">{t('walletNoQueue')}</option>
              {queues.map((q) => (
                <option key={q.id} value={q.id}>
                  {q.name}
                </option>
              ))}
              {queue && !queues.some((q) => q.id === queue) ? <option value={queue}>{queue}</option> : null}
            </select>
          )}
        </FormField>
      </div>
      {contact && (
        <div className="field">
          <label className="adm-switch">
            <input type="checkbox" role="switch" checked={optedOut} onChange={(e) => setOptedOut(e.target.checked)} aria-describedby={`${fieldsId}-opt`} data-testid="contact-opted-out-switch" />
            <span className="adm-switch-track" aria-hidden="true" />
            <span>{t('optedOut')}</span>
          </label>
          <small id={`${fieldsId}-opt`} className="field-hint">
            {t('optedOutHint')}
          </small>
        </div>
      )}
      <fieldset className="adm-fieldset">
        <legend>{t('tags')}</legend>
        {tags.length === 0 ? (
          <p className="muted">{t('noTagsYet')}</p>
        ) : (
          <div className="adm-chips">
            {tags.map((tg) => (
              <label key={tg.id} className={chosen.includes(tg.id) ? 'adm-chip-toggle adm-chip-on' : 'adm-chip-toggle'}>
                <input type="checkbox" className="sr-only" checked={chosen.includes(tg.id)} onChange={() => toggle(tg.id)} />
                <Swatch color={tg.color} />
                {tg.name}
              </label>
            ))}
          </div>
        )}
      </fieldset>
      <fieldset className="adm-fieldset" aria-describedby={fieldsId}>
        <legend>{t('customFields')}</legend>
        <p id={fieldsId} className="muted small">
          {t('customFieldsHint')}
        </p>
        {rows.length > 0 && (
          <table className="adm-kv" data-testid="custom-fields">
            <thead>
              <tr>
                <th scope="col">{t('fieldName')}</th>
                <th scope="col">{t('fieldValue')}</th>
                <th scope="col">
                  <span className="sr-only">{t('actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={r.key}>
                  <td>
                    <input
                      aria-label={t('fieldNameN', { n: i + 1 })}
                      className="mono"
                      value={r.name}
                      placeholder="cpf"
                      aria-invalid={rowErrors[r.key] ? true : undefined}
                      onChange={(e) => setRow(r.key, { name: e.target.value })}
                    />
                  </td>
                  <td>
                    <input aria-label={t('fieldValueN', { n: i + 1 })} value={r.value} onChange={(e) => setRow(r.key, { value: e.target.value })} />
                    {rowErrors[r.key] && <small className="error-text">{rowErrors[r.key]}</small>}
                  </td>
                  <td>
                    <button
                      type="button"
                      className="icon-btn"
                      aria-label={t('removeFieldN', { n: i + 1 })}
                      onClick={() => setRows((l) => l.filter((x) => x.key !== r.key))}
                    >
                      ×
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {errors.fields && <small className="error-text">{errors.fields}</small>}
        <button type="button" className="btn" onClick={addRow} disabled={rows.length >= MAX_FIELDS} data-testid="add-field">
          {t('addField')}
        </button>
      </fieldset>
    </FormDialog>
  );
}
