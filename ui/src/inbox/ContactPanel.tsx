//! The right column of a conversation: who the customer is (number, email, custom fields,
//! tags) and their other tickets (`GET /api/tickets?contact_id=`).
import { Link } from 'react-router-dom';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { Avatar, Badge, CloseIcon, ErrorBox, IconButton, Spinner, useAsync, useFormat } from '../shell/ui';
import { useInboxData, type Ticket } from './data';
import { inboxText } from './messages';
import { RatingBadge } from './Rating';

export function ContactPanel({ ticket, onClose }: { ticket: Ticket; onClose: () => void }) {
  const t = useT(inboxText);
  const fmt = useFormat();
  const data = useInboxData();
  const contact = useAsync(() => api<Schemas['Contact']>('GET', `/api/contacts/${ticket.contact_id}`), [ticket.contact_id]);
  const past = useAsync(
    () =>
      api<Schemas['TicketPageView']>('GET', '/api/tickets', { query: { contact_id: ticket.contact_id, limit: 50 } }).then((p) =>
        p.items.filter((x) => x.contact_id === ticket.contact_id && x.id !== ticket.id),
      ),
    [ticket.contact_id, ticket.id],
  );
  const c = contact.data;
  const fields = Object.entries(c?.custom_fields ?? {});
  const statusLabel = (s: string) => (s === 'pending' ? t('statusPending') : s === 'open' ? t('statusOpen') : t('statusClosed'));

  return (
    <aside className="contact-panel" aria-label={t('contactInfo')} data-testid="contact-panel">
      <div className="row">
        <span className="spacer" />
        <IconButton label={t('closePanel')} onClick={onClose}>
          <CloseIcon />
        </IconButton>
      </div>
      <div className="contact-head">
        <Avatar name={c?.name || ticket.contact_name || ticket.contact_phone} size={64} />
        <div>
          <h2>{c?.name || ticket.contact_name || ticket.contact_phone}</h2>
          <div className="muted small">{c?.phone ?? ticket.contact_phone}</div>
        </div>
      </div>
      {contact.error ? (
        <ErrorBox error={contact.error} onRetry={contact.reload} />
      ) : !c ? (
        <Spinner />
      ) : (
        <>
          <section className="panel-section">
            <dl className="kv">
              <dt>{c.is_group ? t('groupId') : t('phone')}</dt>
              <dd>{c.phone}</dd>
              {c.email ? (
                <>
                  <dt>{t('email')}</dt>
                  <dd>{c.email}</dd>
                </>
              ) : null}
            </dl>
          </section>
          <section className="panel-section">
            <h3>{t('customFields')}</h3>
            {fields.length === 0 ? (
              <p className="muted small">{t('noCustomFields')}</p>
            ) : (
              <dl className="kv">
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
              <div className="row wrap">
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
      )}
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
