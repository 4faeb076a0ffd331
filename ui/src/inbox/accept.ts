//! Accepting a waiting ticket, knowingly: a ticket a flow is still talking on (`bot_run_id`,
//! or the server's `FLOW_TALKING` when the list did not know yet) is taken only after the
//! agent confirms, with `take_over=true`, which stops the flow's run. A ticket the queue's bot
//! holds (status `bot`) is taken over the same way from its "Take over" button, which says
//! so itself: no question then. The accepted ticket is then followed: it stays open on screen
//! and the list moves to the open tickets.
import { useNavigate } from 'react-router-dom';
import { ApiError, api } from '../api/client';
import { useT } from '../i18n';
import { useConfirm, useToast } from '../shell/ui';
import type { Ticket } from './data';
import { detailText } from './detailText';
import { followTicket } from './follow';
import { inboxText } from './messages';

/** The code of the API's answer to accepting a ticket a flow still talks on. */
export const FLOW_TALKING = 'FLOW_TALKING';

/** How to accept: `takeOver` when the user already chose to take over (no question asked). */
export interface AcceptOptions {
  takeOver?: boolean;
}

/**
 * `const accept = useAccept(); const taken = await accept(ticket)` — answers the accepted
 * ticket, or null when the agent declined to take over or the server refused (shown as a toast).
 */
export function useAccept(): (ticket: Ticket, options?: AcceptOptions) => Promise<Ticket | null> {
  const t = useT(inboxText);
  const td = useT(detailText);
  const toast = useToast();
  const confirm = useConfirm();
  const navigate = useNavigate();

  return async (ticket: Ticket, options?: AcceptOptions) => {
    const askTakeOver = () => confirm({ title: td('takeOverTitle'), message: td('takeOverText'), confirmLabel: td('takeOver') });
    let takeOver = options?.takeOver === true;
    if (!takeOver && ticket.bot_run_id) {
      if (!(await askTakeOver())) return null;
      takeOver = true;
    }
    const post = (over: boolean) =>
      api<Ticket>('POST', `/api/tickets/${ticket.id}/accept`, { query: { take_over: over ? true : undefined } });
    try {
      let next: Ticket;
      try {
        next = await post(takeOver);
      } catch (e) {
        if (!(e instanceof ApiError && e.code === FLOW_TALKING) || takeOver) throw e;
        // A flow began talking after the list was read: ask now.
        if (!(await askTakeOver())) return null;
        takeOver = true;
        next = await post(true);
      }
      toast.success(!takeOver ? t('accepted') : ticket.status === 'bot' ? td('tookOverBot') : td('tookOver'));
      followTicket(navigate, next);
      return next;
    } catch (e) {
      toast.error(e);
      return null;
    }
  };
}
