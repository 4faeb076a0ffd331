//! Starting a conversation (`POST /api/tickets`): the agent picks a contact (searched with
//! `GET /api/contacts?search=`) or types a number (and a name for a new contact), picks the
//! company's number to write from, and writes the first message, or, on a Cloud API number,
//! picks an approved template and fills its variables (`TemplatePicker`). The answer's ticket
//! is open and the agent's; the caller opens it. Used from the inbox and from the contacts page.
import { useEffect, useState } from 'react';
import { ApiError, api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { Icons } from '../shell/icons';
import { formatPhone } from '../shell/phone';
import { ContactSearch } from '../shell/ContactSearch';
import { Button, ErrorMessage, Field, Modal, Spinner, Tabs } from '../shell/ui';
import { inboxText, type InboxKey } from './messages';
import { NO_TEMPLATE, TemplatePicker, choiceProblem, templateUse, type TemplateChoice } from './TemplatePicker';

type Contact = Schemas['Contact'];
type Connection = Schemas['Connection'];
export type ConversationStarted = Schemas['ConversationStarted'];

/** Who to write to: a contact of the company, or a number typed in. */
type Who = 'contact' | 'number';
/** What the first message is: text, or (Cloud API numbers) an approved template. */
type What = 'text' | 'template';

const PHONE = /^[+\d\s().-]+$/;
const MAX_BODY = 4096;

export interface NewConversationProps {
  /** A contact to write to, chosen already (the contacts page). */
  contact?: Contact | null;
  onClose: () => void;
  /** Called with the server's answer once the first message is on its way. */
  onStarted: (started: ConversationStarted) => void;
}

export function NewConversationDialog({ contact: preset, onClose, onStarted }: NewConversationProps) {
  const t = useT(inboxText);
  const [who, setWho] = useState<Who>('contact');
  const [contact, setContact] = useState<Contact | null>(preset ?? null);
  const [phone, setPhone] = useState('');
  const [name, setName] = useState('');
  const [connections, setConnections] = useState<Connection[] | null>(null);
  const [connectionsError, setConnectionsError] = useState<unknown>(null);
  const [connectionId, setConnectionId] = useState('');
  const [what, setWhat] = useState<What>('text');
  const [body, setBody] = useState('');
  const [choice, setChoice] = useState<TemplateChoice>(NO_TEMPLATE);
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let alive = true;
    api<Connection[]>('GET', '/api/connections').then(
      (list) => {
        if (!alive) return;
        setConnections(list);
        if (list.length === 1) setConnectionId(list[0].id);
      },
      (e) => alive && setConnectionsError(e),
    );
    return () => {
      alive = false;
    };
  }, []);

  const connection = connections?.find((c) => c.id === connectionId);
  const cloud = connection?.kind === 'cloud_api';

  // Another number has other templates (and only a Cloud API number has any).
  useEffect(() => {
    setChoice(NO_TEMPLATE);
    if (!cloud) setWhat('text');
  }, [cloud, connectionId]);

  const useTemplate = cloud && what === 'template';
  const digits = phone.replace(/\D/g, '');
  const problems = {
    contact: who === 'contact' && !contact ? t('ncPickContact') : undefined,
    phone:
      who === 'number'
        ? !phone.trim()
          ? t('ncPhoneRequired')
          : !PHONE.test(phone.trim()) || digits.length < 6 || digits.length > 15
            ? t('ncPhoneInvalid')
            : undefined
        : undefined,
    name: who === 'number' && name.trim().length > 200 ? t('ncMaxChars', { n: 200 }) : undefined,
    connection: !connectionId ? t('ncPickConnection') : undefined,
    body: !useTemplate ? (!body.trim() ? t('ncBodyRequired') : body.length > MAX_BODY ? t('ncMaxChars', { n: MAX_BODY }) : undefined) : undefined,
    template: useTemplate ? choiceProblem(choice, t) : undefined,
  };
  const invalid = Object.values(problems).some(Boolean);
  const shown = (k: keyof typeof problems) => (tried ? problems[k] : undefined);

  const send = async () => {
    setTried(true);
    if (invalid || busy) return;
    setBusy(true);
    setError(null);
    const req: Schemas['NewConversation'] = { connection_id: connectionId, body: useTemplate ? '' : body.trim() };
    if (who === 'contact' && contact) req.contact_id = contact.id;
    else {
      req.phone = phone.trim();
      if (name.trim()) req.name = name.trim();
    }
    if (useTemplate) req.template = templateUse(choice);
    try {
      const started = await api<ConversationStarted>('POST', '/api/tickets', { body: req });
      onStarted(started);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  const code = error instanceof ApiError ? error.code : undefined;

  return (
    <Modal
      title={t('ncTitle')}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>{t('cancel')}</Button>
          <Button variant="primary" icon={<Icons.send />} loading={busy} onClick={() => void send()} data-testid="nc-send">
            {t('ncSend')}
          </Button>
        </>
      }
    >
      <form className="stack new-conversation" data-testid="new-conversation" noValidate onSubmit={(e) => e.preventDefault()}>
        <fieldset className="nc-section">
          <legend className="field-label">{t('ncTo')}</legend>
          <Tabs
            label={t('ncTo')}
            value={who}
            onChange={(id) => setWho(id as Who)}
            tabs={[
              { id: 'contact', label: t('ncExisting') },
              { id: 'number', label: t('ncNewNumber') },
            ]}
          />
          {who === 'contact' ? (
            <ContactSearch
              value={contact}
              onPick={setContact}
              onClear={() => setContact(null)}
              error={shown('contact')}
              testId="nc-contact"
              texts={{
                search: t('ncSearchContacts'),
                list: t('ncContacts'),
                noMatch: t('ncNoContactMatch'),
                none: t('ncNoContacts'),
                change: t('ncChange'),
                group: t('group'),
              }}
            />
          ) : (
            <div className="grid-2">
              <Field label={t('ncPhone')} hint={t('ncPhoneHint')} error={shown('phone')}>
                <input
                  type="tel"
                  name="phone"
                  autoComplete="off"
                  value={phone}
                  onChange={(e) => setPhone(e.target.value)}
                  placeholder="+55 11 98765-4321"
                  aria-invalid={shown('phone') ? true : undefined}
                  data-testid="nc-phone"
                />
              </Field>
              <Field label={t('ncName')} hint={t('ncNameHint')} error={shown('name')}>
                <input name="name" autoComplete="off" value={name} maxLength={200} onChange={(e) => setName(e.target.value)} data-testid="nc-name" />
              </Field>
            </div>
          )}
        </fieldset>

        <Field
          label={t('ncConnection')}
          error={shown('connection')}
          hint={connection && connection.status !== 'connected' ? t('ncConnectionDown', { status: t(`connStatus_${connection.status}` as InboxKey) }) : undefined}
        >
          {connectionsError ? (
            <span className="error-text">
              <ErrorMessage error={connectionsError} />
            </span>
          ) : !connections ? (
            <Spinner inline />
          ) : connections.length === 0 ? (
            <span className="muted small" data-testid="nc-no-connections">
              {t('ncNoConnections')}
            </span>
          ) : (
            <select value={connectionId} onChange={(e) => setConnectionId(e.target.value)} aria-invalid={shown('connection') ? true : undefined} data-testid="nc-connection">
              {connections.length > 1 || !connectionId ? <option value="">{t('ncPickConnection')}</option> : null}
              {connections.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name} · {formatPhone(c.phone)}
                  {c.kind === 'cloud_api' ? ` · ${t('ncCloudApi')}` : ''}
                </option>
              ))}
            </select>
          )}
        </Field>

        {cloud ? (
          <div className="nc-kinds" role="radiogroup" aria-label={t('ncFirstMessage')}>
            {(['text', 'template'] as What[]).map((k) => (
              <label key={k} className={what === k ? 'agent-option is-selected' : 'agent-option'}>
                <input type="radio" name="nc-what" value={k} checked={what === k} onChange={() => setWhat(k)} data-testid={`nc-what-${k}`} />
                <span className="stack" style={{ gap: 0 }}>
                  <span className="strong">{k === 'text' ? t('ncKindText') : t('ncKindTemplate')}</span>
                  <span className="small muted">{k === 'text' ? t('ncKindTextHint') : t('ncKindTemplateHint')}</span>
                </span>
              </label>
            ))}
          </div>
        ) : null}

        {useTemplate ? (
          <fieldset className="nc-section">
            <legend className="field-label">{t('ncTemplate')}</legend>
            <TemplatePicker connectionId={connectionId} value={choice} onChange={setChoice} showErrors={tried} testId="nc" />
          </fieldset>
        ) : (
          <Field label={t('ncMessage')} error={shown('body')} hint={cloud ? t('ncWindowHint') : undefined}>
            <textarea
              rows={4}
              value={body}
              onChange={(e) => setBody(e.target.value)}
              placeholder={t('ncMessagePlaceholder')}
              aria-invalid={shown('body') ? true : undefined}
              data-testid="nc-body"
            />
          </Field>
        )}

        {error ? (
          <div className="error-box nc-error" role="alert" data-testid="nc-error" data-code={code}>
            <div className="stack gap-sm">
              <span>
                <ErrorMessage error={error} />
              </span>
              {code === 'WINDOW_CLOSED' ? <span className="nc-error-hint">{t('ncWindowClosed')}</span> : null}
              {code === 'TICKET_STATE' ? <span className="nc-error-hint">{t('ncTicketTaken')}</span> : null}
            </div>
            {code === 'WINDOW_CLOSED' && cloud && what !== 'template' ? (
              <Button
                size="sm"
                onClick={() => {
                  setWhat('template');
                  setError(null);
                }}
                data-testid="nc-use-template"
              >
                {t('tplUse')}
              </Button>
            ) : null}
          </div>
        ) : null}
      </form>
    </Modal>
  );
}
