//! The right column of a conversation: who the customer is (number, email, wallet, custom
//! fields, tags), editable in place (`ContactEditor`), a way to schedule a message to them,
//! and their other tickets (`GET /api/tickets?contact_id=`).
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { Icons } from '../shell/icons';
import { formatPhone } from '../shell/phone';
import { Avatar, Badge, Button, CloseIcon, ErrorBox, IconButton, Spinner, useAsync, useFormat, useToast } from '../shell/ui';
import { ScheduleDialog } from '../schedules/ScheduleDialog';
import { schedText } from '../schedules/messages';
import { ContactEditor } from './ContactEditor';
import { useInboxData, type Ticket } from './data';
import { inboxText } from './messages';
import { panelText } from './panelText';
import { RatingBadge } from './Rating';
import { useStatusLabel } from './status';

export function ContactPanel({ ticket, onClose }: { ticket: Ticket; onClose: () => void }) {
  const t = useT(inboxText);
  const tp = useT(panelText);
  const ts = useT(schedText);
  const fmt = useFormat();
  const toast = useToast();
  const [editing, setEditing] = useState(false);
  const [scheduling, setScheduling] = useState(false);
  const contact = useAsync(() => api<Schemas['Contact']>('GET', `/api/contacts/${ticket.contact_id}`), [ticket.contact_id]);
  const past = useAsync(
    () =>
      api<Schemas['TicketPageView']>('GET', '/api/tickets', { query: { contact_id: ticket.contact_id, limit: 50 } }).then((p) =>
        p.items.filter((x) => x.contact_id === ticket.contact_id && x.id !== ticket.id),
      ),
    [ticket.contact_id, ticket.id],
  );
  const c = contact.data;
  const statusLabel = useStatusLabel();

  return (
    <aside className="contact-panel" aria-label={t('contactInfo')} data-testid="contact-panel">
      <div className="row">
        <span className="spacer" />
        <IconButton label={t('closePanel')} onClick={onClose}>
          <CloseIcon />
        </IconButton>
      </div>
      <div className="contact-head">
        <Avatar name={c?.name || ticket.contact_name || formatPhone(ticket.contact_phone)} size={64} />
        <div>
          <h2>{c?.name || ticket.contact_name || formatPhone(ticket.contact_phone)}</h2>
          <div className="muted small" data-testid="cp-phone">{formatPhone(c?.phone ?? ticket.contact_phone)}</div>
        </div>
      </div>
      {contact.error ? (
        <ErrorBox error={contact.error} onRetry={contact.reload} />
      ) : !c ? (
        <Spinner />
      ) : (
        <>
          <div className="row wrap gap-sm cp-actions">
            {editing ? null : (
              <Button size="sm" onClick={() => setEditing(true)} title={tp('editDetails')} data-testid="cp-edit">
                {tp('edit')}
              </Button>
            )}
            <Button size="sm" icon={<Icons.calendar />} onClick={() => setScheduling(true)} disabled={c.is_group} data-testid="cp-schedule">
              {tp('schedule')}
            </Button>
          </div>
          {editing ? (
            <ContactEditor
              contact={c}
              onCancel={() => setEditing(false)}
              onSaved={(saved) => {
                contact.setData(saved);
                setEditing(false);
                toast.success(tp('saved'));
              }}
            />
          ) : (
            <ContactView contact={c} />
          )}
        </>
      )}
      {scheduling && c ? (
        <ScheduleDialog
          contact={c}
          onClose={() => setScheduling(false)}
          onSaved={(s) => {
            setScheduling(false);
            toast.success(ts('created', { name: s.contact_name, when: fmt.dateTime(s.send_at) }));
          }}
        />
      ) : null}
      <section className="panel-section">
        <h3>{t('pastTickets')}</h3>
        {!past.data ? (
          past.error ? (
            <p className="muted small">
              {t('pastTicketsFailed')}{' '}
              <button type="button" className="link-btn" onClick={past.reload}>
                {t('retry')}
              </button>
            </p>
          ) : (
            <Spinner />
          )
        ) : past.data.length === 0 ? (
          <p className="muted small">{t('noPastTickets')}</p>
        ) : (
          <ul className="past-tickets">
            {past.data.map((x) => (
              <li key={x.id}>
                <Link to={`/inbox/${x.id}`}>
                  <span className="row">
                    <Badge tone={x.status === 'closed' ? 'neutral' : x.status === 'open' ? 'success' : 'warning'}>{statusLabel(x.status)}</Badge>
                    <span className="small muted">{t('createdAt', { when: fmt.date(x.created_at) })}</span>
                    <RatingBadge ticket={x} />
                  </span>
                  <span className="small truncate">{x.last_message}</span>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </section>
    </aside>
  );
}

/** The contact's details as they are: number, email, wallet, custom fields and tags. */
function ContactView({ contact: c }: { contact: Schemas['Contact'] }) {
  const t = useT(inboxText);
  const tp = useT(panelText);
  const data = useInboxData();
  const fields = Object.entries(c.custom_fields);
  return (
    <>
      <section className="panel-section">
        <dl className="kv">
          <dt>{c.is_group ? t('groupId') : t('phone')}</dt>
          <dd>{formatPhone(c.phone)}</dd>
          {c.email ? (
            <>
              <dt>{t('email')}</dt>
              <dd data-testid="cp-view-email">{c.email}</dd>
            </>
          ) : null}
          <dt>{tp('wallet')}</dt>
          <dd data-testid="cp-view-owner" data-owner-id={c.owner_id ?? ''}>
            {c.owner_id ? (data.userName(c.owner_id) ?? c.owner_id) : <span className="muted">{tp('walletNone')}</span>}
          </dd>
          {c.queue_id ? (
            <>
              <dt>{tp('walletQueue')}</dt>
              <dd>{data.queueName(c.queue_id) ?? c.queue_id}</dd>
            </>
          ) : null}
        </dl>
      </section>
      <section className="panel-section">
        <h3>{t('customFields')}</h3>
        {fields.length === 0 ? (
          <p className="muted small">{t('noCustomFields')}</p>
        ) : (
          <dl className="kv" data-testid="cp-view-fields">
            {fields.map(([k, v]) => (
              <div key={k} style={{ display: 'contents' }}>
                <dt>{k}</dt>
                <dd>{String(v)}</dd>
              </div>
            ))}
          </dl>
        )}
      </section>
      {c.tags.length > 0 ? (
        <section className="panel-section">
          <h3>{t('contactTags')}</h3>
          <div className="row wrap" data-testid="cp-view-tags">
            {c.tags.map((id) => {
              const tg = data.tag(id);
              return (
                <Badge key={id} color={tg?.color}>
                  {tg?.name ?? id}
                </Badge>
              );
            })}
          </div>
        </section>
      ) : null}
    </>
  );
}
