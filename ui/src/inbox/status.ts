//! A ticket's status in the user's words: waiting, open, closed, or with the queue's bot.
import { useT } from '../i18n';
import { detailText } from './detailText';
import { inboxText } from './messages';

/** `const label = useStatusLabel(); label(ticket.status)`. */
export function useStatusLabel(): (status: string) => string {
  const t = useT(inboxText);
  const td = useT(detailText);
  return (s) => (s === 'pending' ? t('statusPending') : s === 'open' ? t('statusOpen') : s === 'bot' ? td('statusBot') : t('statusClosed'));
}
