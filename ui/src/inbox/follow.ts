//! Opening a ticket in the inbox with the ticket list following it: on its status's tab,
//! with the filters that would hide it cleared. Pages outside the inbox use it too (the
//! contacts page, after starting a conversation), so it stays apart from the list itself.
import type { NavigateFunction } from 'react-router-dom';
import type { Schemas } from '../api/client';

type Ticket = Schemas['Ticket'];

/** The navigation state `followTicket` passes to the inbox. */
export interface FollowState {
  follow?: Ticket;
}

/** The ticket to follow in a location's state, if any. */
export function followed(state: unknown): Ticket | undefined {
  return (state as FollowState | null)?.follow;
}

/** Opens `ticket` in the inbox, the list following it (e.g. a conversation just started). */
export function followTicket(navigate: NavigateFunction, ticket: Ticket) {
  const state: FollowState = { follow: ticket };
  navigate(`/inbox/${ticket.id}`, { state });
}
