//! One row of the inbox list: the contact (by name, else by the number written for people),
//! the time of the last line, the line itself with who wrote it, unread messages, and badges
//! for a rating, a group chat, a flow still talking, the queue, the agent and the tags.
import { Link } from 'react-router-dom';
import { useT } from '../i18n';
import { formatPhone } from '../shell/phone';
import { Avatar, Badge } from '../shell/ui';
import { useInboxData, type Ticket } from './data';
import { BotBadge, LastLine } from './lastLine';
import { inboxText } from './messages';
import { RatingBadge } from './Rating';

export function TicketItem({ ticket, active, when }: { ticket: Ticket; active: boolean; when: string }) {
  const t = useT(inboxText);
  const data = useInboxData();
  const queue = data.queues.find((q) => q.id === ticket.queue_id);
  const agent = ticket.user_id && ticket.status !== 'pending' ? data.userName(ticket.user_id) : undefined;
  const name = ticket.contact_name || formatPhone(ticket.contact_phone);
  const cls = ['ticket-item', active && 'is-active', ticket.unread > 0 && 'has-unread'].filter(Boolean).join(' ');
  return (
    <li>
      <Link
        to={`/inbox/${ticket.id}`}
        className={cls}
        aria-current={active ? 'page' : undefined}
        data-testid="ticket-item"
        data-ticket-id={ticket.id}
        data-status={ticket.status}
        data-unread={ticket.unread}
        data-group={ticket.is_group}
        data-connection-id={ticket.connection_id}
      >
        <Avatar name={name} />
        <div className="ticket-main">
          <div className="ticket-top">
            <span className="ticket-name truncate">{name}</span>
            <span className="ticket-time">{when}</span>
          </div>
          <div className="ticket-preview">
            <LastLine ticket={ticket} />
            {ticket.unread > 0 ? (
              <span className="unread-badge" data-testid="unread-badge" aria-label={t('unread', { n: ticket.unread })}>
                {ticket.unread}
              </span>
            ) : null}
          </div>
          {ticket.is_group || ticket.bot_run_id || queue || agent || ticket.tags.length || ticket.rating != null ? (
            <div className="ticket-meta">
              <RatingBadge ticket={ticket} />
              {ticket.is_group ? (
                <Badge tone="info" title={t('groupHint')}>
                  <span data-testid="group-badge">{t('group')}</span>
                </Badge>
              ) : null}
              <BotBadge ticket={ticket} />
              {queue ? <Badge color={queue.color}>{queue.name}</Badge> : null}
              {agent ? <Badge>{agent}</Badge> : null}
              {ticket.tags.map((id) => {
                const tg = data.tag(id);
                return tg ? (
                  <Badge key={id} color={tg.color}>
                    {tg.name}
                  </Badge>
                ) : null;
              })}
            </div>
          ) : null}
        </div>
      </Link>
    </li>
  );
}
