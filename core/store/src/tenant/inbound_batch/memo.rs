//! What a company's inbound writer remembers of its recent customers between batches: each
//! customer's contact and live ticket on a connection, as its last batch left them. A batch
//! whose customers are all remembered, and fresh, skips the lookup round trip. Its write
//! still checks that every ticket is unchanged (so still the live one) and every contact still there
//! under the same name, and a second delivery still fails its dedupe insert: a memory gone
//! stale costs one failed write and a lookup, never a wrong row.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::{Choice, Found, FoundContact, FoundTicket, QuickInbound, Written};

/// How long a customer is remembered after its last batch.
const FRESH_FOR: Duration = Duration::from_secs(2);

/// Most customers remembered at once; when full, the memory starts over.
const CAPACITY: usize = 20_000;

/// A customer as its last batch left it.
#[derive(Debug, Clone)]
struct Remembered {
    contact: FoundContact,
    ticket: FoundTicket,
    until: Instant,
}

/// The recent customers of one inbound writer, by (number, connection). A writer takes a
/// fixed share of a company's numbers, so no other writer changes what it remembers.
#[derive(Debug, Default)]
pub struct InboundMemo {
    customers: HashMap<(String, String), Remembered>,
}

impl InboundMemo {
    /// How many customers are remembered (fresh or not).
    pub fn len(&self) -> usize {
        self.customers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.customers.is_empty()
    }
    /// What a lookup would find for `batch`, when every one of its customers is remembered
    /// and fresh and none of its messages quotes another (quotes are looked up).
    pub(super) fn found_for(&self, batch: &[QuickInbound], now: Instant) -> Option<Found> {
        if batch.is_empty() {
            return None;
        }
        let mut found = Found::default();
        for w in batch {
            if w.quoted_channel_id.is_some() {
                return None;
            }
            let key = (w.phone.clone(), w.connection_id.clone());
            let known = self.customers.get(&key).filter(|r| r.until > now)?;
            found
                .contacts
                .insert(w.phone.clone(), known.contact.clone());
            found.live.insert(
                (known.contact.id.clone(), w.connection_id.clone()),
                known.ticket.ticket.id.clone(),
            );
            found
                .tickets
                .insert(known.ticket.ticket.id.clone(), known.ticket.clone());
        }
        Some(found)
    }

    /// Remember the customers of the messages a batch wrote, with their tickets as it left
    /// them.
    pub(super) fn remember(
        &mut self,
        writes: &[(&QuickInbound, &Choice)],
        found: &Found,
        written: &Written,
        now: Instant,
    ) {
        if self.customers.len() >= CAPACITY {
            self.customers.clear();
        }
        for (w, choice) in writes {
            let Choice::Write { ticket_id, .. } = choice else {
                continue;
            };
            let (Some(contact), Some(ticket)) =
                (found.contacts.get(&w.phone), written.tickets.get(ticket_id))
            else {
                continue;
            };
            self.customers.insert(
                (w.phone.clone(), w.connection_id.clone()),
                Remembered {
                    contact: contact.clone(),
                    ticket: FoundTicket::new(ticket.clone()),
                    until: now + FRESH_FOR,
                },
            );
        }
    }

    /// Forget the customers of `batch` (what was remembered of them proved stale).
    pub(super) fn forget(&mut self, batch: &[QuickInbound]) {
        for w in batch {
            self.customers
                .remove(&(w.phone.clone(), w.connection_id.clone()));
        }
    }
}
