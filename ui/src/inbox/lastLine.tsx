//! Who a ticket's last line is from, as the inbox list shows it ("Agent:" or "Bot:" before an
//! agent's or a flow's line, nothing before the customer's), and the "bot" badge of a ticket
//! a flow is still talking on (`bot_run_id`) or its queue's bot holds (status `bot`).
import { useT } from '../i18n';
import { Badge } from '../shell/ui';
import type { Ticket } from './data';
import { detailText } from './detailText';
import './details.css';

/** The ticket's last line with who wrote it in front, when that was not the customer. */
export function LastLine({ ticket }: { ticket: Ticket }) {
  const t = useT(detailText);
  const by = ticket.last_message_by;
  const prefix = by === 'agent' ? t('byAgent') : by === 'bot' ? t('byBot') : null;
  return (
    <span className="truncate" data-testid="ticket-preview" data-by={by ?? ''}>
      {prefix ? <span className="ticket-by">{prefix} </span> : null}
      {ticket.last_message}
    </span>
  );
}

/** "bot" while a flow or the queue's bot talks to the customer on this ticket and no agent has it. */
export function BotBadge({ ticket }: { ticket: Ticket }) {
  const t = useT(detailText);
  const queueBot = ticket.status === 'bot';
  if (!ticket.bot_run_id && !queueBot) return null;
  return (
    <Badge tone="accent" title={queueBot ? t('queueBotHint') : t('botHint')}>
      <span data-testid="bot-badge">{t('bot')}</span>
    </Badge>
  );
}
