//! The batched inbound write: messages of a company that arrived together, stored in one
//! transaction when each is the common case (a known contact whose ticket on the connection
//! is not closed). The lookups and the writes are set-based, one statement for the whole
//! batch each, and the choice per message is made here in between: SurrealDB plans a
//! statement each time it runs, so statements per batch, not per message, is what scales.
//!
//! The rows are built here, not in SurrealQL: SurrealDB copies a parameter's whole value each
//! time an expression reads it, so rows assembled inside the query from the batch's
//! parameters cost the square of the batch's size. The tickets are read with the lookups and
//! the write first checks that none changed since, so the rows built from them are exact.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use tucan_model::ids::new_id;
use tucan_model::ticket::{Direction, Media, Message, MessageKind, MessageStatus, Ticket, Writer};

pub use memo::InboundMemo;

use super::TenantDb;
use super::messages::{InboundOutcome, decode_row, ticket_preview};
use crate::db::{returned, rows_at};
use crate::error::{StoreError, StoreResult};
use crate::platform::strip_nulls;

mod memo;

/// A message for the batched inbound write, which takes the common case: a known contact
/// (needing no new name) whose ticket on the connection is not closed. Anything else is
/// left to [`TenantDb::record_inbound`].
#[derive(Debug, Clone)]
pub struct QuickInbound {
    pub connection_id: String,
    /// The channel's id for the message (the idempotency key).
    pub channel_id: String,
    /// The sender's number, normalised.
    pub phone: String,
    /// The sender's name on WhatsApp, trimmed.
    pub push_name: Option<String>,
    pub kind: MessageKind,
    pub body: String,
    pub media: Option<Media>,
    pub media_error: Option<String>,
    pub quoted_channel_id: Option<String>,
}

/// What the batched inbound write did with one message.
#[derive(Debug, Clone)]
pub enum QuickOutcome {
    /// Stored on the contact's live ticket.
    Stored(Box<InboundOutcome>),
    /// Delivered before: the first delivery's message id.
    Seen(String),
    /// Not the common case (a new contact, one to rename, no live ticket): nothing written.
    Declined,
}

/// A contact the batch's numbers found.
#[derive(Debug, Clone, Deserialize)]
struct FoundContact {
    id: String,
    name: String,
    phone: String,
}

/// A live ticket as the lookup read it, with the version the write checks.
#[derive(Debug, Clone)]
struct FoundTicket {
    ticket: Ticket,
    /// Its `updated_at` (RFC 3339, to the nanosecond): every change of a ticket moves it.
    version: String,
}

impl FoundTicket {
    fn new(ticket: Ticket) -> FoundTicket {
        let version = ticket
            .updated_at
            .to_rfc3339_opts(SecondsFormat::Nanos, true);
        FoundTicket { ticket, version }
    }
}

/// What the batch's lookups found, each keyed the way a message asks for it.
#[derive(Debug, Default)]
struct Found {
    /// By number.
    contacts: HashMap<String, FoundContact>,
    /// By (connection, channel id): the message of a first delivery.
    seen: HashMap<(String, String), String>,
    /// By (contact id, connection): the ticket not closed.
    live: HashMap<(String, String), String>,
    /// The live tickets, by id.
    tickets: HashMap<String, FoundTicket>,
    /// By (connection, channel id) of a quoted message: its message id.
    quoted: HashMap<(String, String), String>,
}

/// What becomes of one message, decided before anything is written.
#[derive(Debug, Clone, PartialEq)]
enum Choice {
    Write {
        message_id: String,
        contact_id: String,
        contact_name: String,
        ticket_id: String,
    },
    Seen(String),
    Declined,
}

/// The rows of one batch's write, built from what the lookups found.
#[derive(Debug, Default)]
struct Rows {
    /// The tickets written to, and the contact of each (in the same order).
    expect: Vec<String>,
    owners: Vec<String>,
    /// The version each ticket must still have, by ticket id.
    versions: serde_json::Map<String, Value>,
    dedupes: Vec<Value>,
    /// Without their times, which the query sets.
    messages: Vec<Value>,
    events: Vec<Value>,
    /// Stored file → ticket.
    files: serde_json::Map<String, Value>,
    /// Each ticket's new fields, by ticket id.
    unread: serde_json::Map<String, Value>,
    preview: serde_json::Map<String, Value>,
    activity: serde_json::Map<String, Value>,
    name: serde_json::Map<String, Value>,
    /// The time the rows carry, as the query reads it.
    stamp: String,
    /// What the write leaves, as the outcomes report it.
    written: Written,
}

impl TenantDb {
    /// Store several inbound messages in one transaction, each the way
    /// [`TenantDb::record_inbound`] would when the sender is a known contact with a live
    /// ticket on the connection, and say for each what became of it. A message that is not
    /// that common case is declined untouched; a second delivery (also within the batch)
    /// answers with the first one's message. The writes fail together (a ticket changed or a
    /// message stored by someone else meanwhile): then nothing of the batch was written.
    /// Several messages on one ticket share one ticket update; each message's event still
    /// carries the ticket as that message left it (its unread count, preview and activity).
    pub async fn record_inbound_batch(
        &self,
        batch: &[QuickInbound],
    ) -> StoreResult<Vec<QuickOutcome>> {
        self.record_inbound_batch_with(batch, &mut InboundMemo::default())
            .await
    }

    /// [`TenantDb::record_inbound_batch`] for a writer that keeps `memo` from one batch to
    /// the next: a batch whose customers it remembers skips the lookup, and is looked up and
    /// written again when what it remembered proved stale.
    pub async fn record_inbound_batch_with(
        &self,
        batch: &[QuickInbound],
        memo: &mut InboundMemo,
    ) -> StoreResult<Vec<QuickOutcome>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let started = std::time::Instant::now();
        if let Some(found) = memo.found_for(batch, started) {
            match self.write_found(batch, found, memo, started).await {
                Ok(outcomes) => return Ok(outcomes),
                Err(e) => {
                    tracing::debug!(error = %e, "remembered customers were stale; looking up");
                    memo.forget(batch);
                }
            }
        }
        let found = self.batch_lookup(batch).await?;
        self.write_found(batch, found, memo, started).await
    }

    /// Decide and write `batch` from what was found of its customers.
    async fn write_found(
        &self,
        batch: &[QuickInbound],
        found: Found,
        memo: &mut InboundMemo,
        started: std::time::Instant,
    ) -> StoreResult<Vec<QuickOutcome>> {
        let looked_up = started.elapsed();
        let choices = choose(batch, &found);
        let writes: Vec<(&QuickInbound, &Choice)> = batch
            .iter()
            .zip(&choices)
            .filter(|(_, c)| matches!(c, Choice::Write { .. }))
            .collect();
        let mut stored = if writes.is_empty() {
            Written::default()
        } else {
            self.batch_write(build_rows(&writes, &found, Utc::now()))
                .await?
        };
        memo.remember(&writes, &found, &stored, std::time::Instant::now());
        tracing::debug!(
            size = batch.len(),
            written = writes.len(),
            lookup_us = looked_up.as_micros() as u64,
            write_us = (started.elapsed() - looked_up).as_micros() as u64,
            "inbound batch"
        );
        let mut outcomes = Vec::with_capacity(batch.len());
        for choice in choices {
            outcomes.push(match choice {
                Choice::Declined => QuickOutcome::Declined,
                Choice::Seen(id) => QuickOutcome::Seen(id),
                Choice::Write { message_id, .. } => {
                    let message = stored.messages.remove(&message_id).ok_or_else(|| {
                        StoreError::Backend("inbound batch lost a message".into())
                    })?;
                    let ticket = stored
                        .tickets
                        .get(&message.ticket_id)
                        .cloned()
                        .ok_or_else(|| StoreError::Backend("inbound batch lost a ticket".into()))?;
                    let runs_waiting = Some(stored.waiting.contains(&message.contact_id));
                    QuickOutcome::Stored(Box::new(InboundOutcome {
                        message,
                        ticket,
                        opened: false,
                        reopened: false,
                        duplicate: false,
                        runs_waiting,
                    }))
                }
            });
        }
        Ok(outcomes)
    }

    /// In one round trip, for the whole batch: the contacts with its numbers, the first
    /// deliveries of its channel ids, those contacts' live tickets on its connections (the
    /// tickets themselves too), and the messages it quotes.
    async fn batch_lookup(&self, batch: &[QuickInbound]) -> StoreResult<Found> {
        let phones: HashSet<&str> = batch.iter().map(|w| w.phone.as_str()).collect();
        let conns: HashSet<&str> = batch.iter().map(|w| w.connection_id.as_str()).collect();
        let keys: Vec<[&str; 2]> = batch
            .iter()
            .map(|w| [w.connection_id.as_str(), w.channel_id.as_str()])
            .collect();
        let quotes: Vec<[&str; 2]> = batch
            .iter()
            .filter_map(|w| Some([w.connection_id.as_str(), w.quoted_channel_id.as_deref()?]))
            .collect();
        // A quote is rare, and looked up by the message index one at a time.
        let quoted = if quotes.is_empty() {
            "[]"
        } else {
            "array::map($quotes, |$q| (SELECT VALUE record::id(id) FROM message WHERE connection_id = $q[0] AND channel_id = $q[1] LIMIT 1)[0])"
        };
        let sql = format!(
            "LET $cs = (SELECT record::id(id) AS id, name, phone FROM contact WHERE phone IN $phones);
LET $dk = array::map($keys, |$k| type::record('dedupe', $k));
LET $lk = array::flatten(array::map($cs, |$c| array::map($conns, |$k| type::record('ticket_live', [$c.id, $k]))));
LET $lv = (SELECT record::id(id) AS key, ticket_id FROM $lk);
RETURN {{ contacts: $cs, seen: (SELECT record::id(id) AS key, message_id FROM $dk), live: $lv, tickets: (SELECT * FROM array::map($lv, |$l| type::record('ticket', $l.ticket_id))), quoted: {quoted} }};"
        );
        let vars = json!({ "phones": phones, "conns": conns, "keys": keys, "quotes": quotes });
        let row = rows_at(self.raw(), &sql, vars, 4)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::Backend("inbound batch lookup returned nothing".into()))?;
        let mut found = Found::default();
        for c in row["contacts"].as_array().into_iter().flatten() {
            let c: FoundContact = serde_json::from_value(c.clone())?;
            found.contacts.insert(c.phone.clone(), c);
        }
        for r in row["seen"].as_array().into_iter().flatten() {
            if let (Some(key), Some(id)) = (pair(&r["key"]), r["message_id"].as_str()) {
                found.seen.insert(key, id.to_string());
            }
        }
        for r in row["live"].as_array().into_iter().flatten() {
            if let (Some(key), Some(id)) = (pair(&r["key"]), r["ticket_id"].as_str()) {
                found.live.insert(key, id.to_string());
            }
        }
        // A ticket that does not decode is left out: its messages take the one-message path.
        for r in row["tickets"].as_array().into_iter().flatten() {
            if let Ok(ticket) = decode_row::<Ticket>(r) {
                found
                    .tickets
                    .insert(ticket.id.clone(), FoundTicket::new(ticket));
            }
        }
        let answers = row["quoted"].as_array().cloned().unwrap_or_default();
        for (q, id) in quotes.iter().zip(answers) {
            if let Some(id) = id.as_str() {
                found
                    .quoted
                    .insert((q[0].to_string(), q[1].to_string()), id.to_string());
            }
        }
        Ok(found)
    }

    /// One transaction for the rows of the messages chosen to be written: it first checks
    /// that their contacts are still there under the same name, then inserts the
    /// first-delivery rows (a concurrent delivery makes that fail) and the messages, updates
    /// each ticket once if it is unchanged since the lookup, and inserts the events. A
    /// contact renamed or gone, or a ticket changed, throws `ticket_moved`.
    ///
    /// A ticket unchanged is still its contact's live one on the connection: every write
    /// of `ticket_live` (a close releases it, a reopen or a new ticket takes it) is in a
    /// transaction that moves its ticket's `updated_at`, so the version check in the update's
    /// `WHERE` covers it, and no statement reads `ticket_live` here.
    async fn batch_write(&self, rows: Rows) -> StoreResult<Written> {
        let attach = if rows.files.is_empty() {
            ""
        } else {
            "UPDATE array::map(object::keys($files), |$k| type::record('media', $k)) SET ticket_id = $files[record::id(id)];\n"
        };
        let sql = format!(
            "BEGIN TRANSACTION;
IF (SELECT VALUE name FROM array::map($owners, |$c| type::record('contact', $c))) != array::map($expect, |$t| $name[$t]) {{ THROW 'ticket_moved' }};
INSERT INTO dedupe $dedupes RETURN NONE;
{attach}LET $ms = array::map($messages, |$m| object::extend($m, {{ created_at: <datetime> $stamp, updated_at: <datetime> $stamp }}));
INSERT INTO message $ms RETURN NONE;
LET $up = (UPDATE array::map($expect, |$t| type::record('ticket', $t)) SET unread = $unread[record::id(id)], last_message = $preview[record::id(id)], last_message_by = 'customer', activity = $activity[record::id(id)], contact_name = $name[record::id(id)], last_message_at = <datetime> $stamp, updated_at = <datetime> $stamp WHERE updated_at = <datetime> $versions[record::id(id)] RETURN VALUE id);
IF array::len($up) != array::len($expect) {{ THROW 'ticket_moved' }};
INSERT INTO inbox_event $events RETURN NONE;
RETURN {{ waiting: (SELECT VALUE contact_id FROM run WITH INDEX run_contact WHERE contact_id IN $contacts AND status = 'waiting') }};
COMMIT TRANSACTION;"
        );
        let mut written = rows.written;
        let contacts: HashSet<&str> = written
            .messages
            .values()
            .map(|m| m.contact_id.as_str())
            .collect();
        let vars = json!({
            "owners": rows.owners, "expect": rows.expect, "versions": rows.versions,
            "dedupes": rows.dedupes, "files": rows.files, "stamp": rows.stamp,
            "messages": rows.messages, "unread": rows.unread, "preview": rows.preview,
            "activity": rows.activity, "name": rows.name, "events": rows.events,
            "contacts": contacts,
        });
        let out: Value = returned(self.raw(), &sql, vars)
            .await?
            .ok_or_else(|| StoreError::Backend("inbound batch returned nothing".into()))?;
        written.waiting = out["waiting"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect();
        Ok(written)
    }
}

/// The rows for the messages chosen to be written, all stamped `now`. Each ticket goes from
/// its state at the lookup through its messages in order; each message's event carries the
/// ticket as that message left it.
fn build_rows(writes: &[(&QuickInbound, &Choice)], found: &Found, now: DateTime<Utc>) -> Rows {
    let mut rows = Rows {
        stamp: now.to_rfc3339_opts(SecondsFormat::Nanos, true),
        ..Rows::default()
    };
    let mut earlier: HashMap<(String, String), String> = HashMap::new();
    for (w, choice) in writes {
        let Choice::Write {
            message_id,
            contact_id,
            contact_name,
            ticket_id,
        } = choice
        else {
            continue;
        };
        let Some(live) = found.tickets.get(ticket_id) else {
            continue;
        };
        // A ticket's first message of the batch starts it from the lookup, checked once.
        let ticket = match rows.written.tickets.entry(ticket_id.clone()) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(first) => {
                rows.expect.push(ticket_id.clone());
                rows.owners.push(contact_id.clone());
                rows.versions.insert(ticket_id.clone(), json!(live.version));
                first.insert(live.ticket.clone())
            }
        };
        rows.dedupes
            .push(json!({ "id": [w.connection_id, w.channel_id], "message_id": message_id }));
        // The quoted message may be stored, or an earlier one of this batch.
        let quoted_id = w.quoted_channel_id.as_ref().and_then(|q| {
            let key = (w.connection_id.clone(), q.clone());
            found
                .quoted
                .get(&key)
                .or_else(|| earlier.get(&key))
                .cloned()
        });
        earlier.insert(
            (w.connection_id.clone(), w.channel_id.clone()),
            message_id.clone(),
        );
        let message = Message {
            id: message_id.clone(),
            ticket_id: ticket_id.clone(),
            contact_id: contact_id.clone(),
            connection_id: w.connection_id.clone(),
            direction: Direction::In,
            kind: w.kind,
            body: w.body.clone(),
            media: w.media.clone(),
            quoted_id,
            channel_id: Some(w.channel_id.clone()),
            status: MessageStatus::Received,
            error: w.media_error.clone(),
            user_id: None,
            run_id: None,
            mentions: Vec::new(),
            author: None,
            template: None,
            choices: Vec::new(),
            transcript: None,
            created_at: now,
            updated_at: now,
        };
        if let Some(file) = w.media.as_ref().and_then(|m| m.id.clone()) {
            rows.files.insert(file, json!(ticket_id));
        }
        let mut data = json!(message);
        strip_nulls(&mut data);
        let mut row = data.clone();
        if let Some(fields) = row.as_object_mut() {
            fields.remove("created_at");
            fields.remove("updated_at");
        }
        rows.messages.push(row);
        ticket.unread += 1;
        ticket.last_message = ticket_preview(w.kind, &w.body);
        ticket.last_message_at = Some(now);
        ticket.last_message_by = Some(Writer::Customer);
        ticket.activity = new_id();
        ticket.contact_name = contact_name.clone();
        ticket.updated_at = now;
        rows.unread.insert(ticket_id.clone(), json!(ticket.unread));
        rows.preview
            .insert(ticket_id.clone(), json!(ticket.last_message));
        rows.activity
            .insert(ticket_id.clone(), json!(ticket.activity));
        rows.name
            .insert(ticket_id.clone(), json!(ticket.contact_name));
        let mut snapshot = json!(ticket);
        strip_nulls(&mut snapshot);
        // Ids are time-ordered: the ticket's event, then the message's, message by message.
        let ticket_event = new_id();
        let mut event = json!({
            "id": new_id(), "kind": "message", "ticket_id": ticket_id,
            "queue_id": ticket.queue_id, "user_id": ticket.user_id, "status": ticket.status,
            "connection_id": w.connection_id, "data": data, "ticket": snapshot,
            "ticket_event": ticket_event,
        });
        strip_nulls(&mut event);
        rows.events.push(event);
        rows.written.messages.insert(message_id.clone(), message);
    }
    rows
}

/// What the batch's transaction wrote, by id.
#[derive(Debug, Default)]
struct Written {
    messages: HashMap<String, Message>,
    /// As the batch leaves them.
    tickets: HashMap<String, Ticket>,
    /// Contacts with a flow run waiting.
    waiting: HashSet<String>,
}

/// A record key of two strings (`[connection, channel id]`, `[contact, connection]`).
fn pair(key: &Value) -> Option<(String, String)> {
    Some((
        key.get(0)?.as_str()?.to_string(),
        key.get(1)?.as_str()?.to_string(),
    ))
}

/// Decide, message by message in arrival order, what the batch does: a delivery seen before,
/// in the store or earlier in the batch, answers with the first message; a known contact
/// (who needs no new name) with a live ticket on the connection is written; anything else
/// is declined.
fn choose(batch: &[QuickInbound], found: &Found) -> Vec<Choice> {
    let mut taken: HashMap<(&str, &str), String> = HashMap::new();
    batch
        .iter()
        .map(|w| {
            let key = (w.connection_id.clone(), w.channel_id.clone());
            if let Some(first) = found.seen.get(&key) {
                return Choice::Seen(first.clone());
            }
            if let Some(first) = taken.get(&(w.connection_id.as_str(), w.channel_id.as_str())) {
                return Choice::Seen(first.clone());
            }
            let Some(c) = found.contacts.get(&w.phone) else {
                return Choice::Declined;
            };
            // A contact still named by its number takes the name WhatsApp gives.
            let rename = w
                .push_name
                .as_ref()
                .is_some_and(|p| *p != c.name && c.name == c.phone);
            if rename {
                return Choice::Declined;
            }
            let Some(ticket) = found.live.get(&(c.id.clone(), w.connection_id.clone())) else {
                return Choice::Declined;
            };
            if !found.tickets.contains_key(ticket) {
                return Choice::Declined;
            }
            let message_id = new_id();
            taken.insert(
                (w.connection_id.as_str(), w.channel_id.as_str()),
                message_id.clone(),
            );
            Choice::Write {
                message_id,
                contact_id: c.id.clone(),
                contact_name: c.name.clone(),
                ticket_id: ticket.clone(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
