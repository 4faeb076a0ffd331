//! The batched inbound write: messages of a company that arrived together, stored in one
//! transaction when each is the common case (a known contact whose ticket on the connection
//! is not closed). The lookups and the writes are set-based, one statement for the whole
//! batch each, and the choice per message is made here in between: SurrealDB plans a
//! statement each time it runs, so statements per batch, not per message, is what scales.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use serde_json::{Value, json};
use tucan_model::ids::new_id;
use tucan_model::ticket::{Direction, Media, Message, MessageKind, MessageStatus, Ticket};

use super::TenantDb;
use super::messages::{InboundOutcome, decode_row, ticket_preview};
use crate::db::{returned, rows_at};
use crate::error::{StoreError, StoreResult};
use crate::platform::strip_nulls;

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

/// What the batch's lookups found, each keyed the way a message asks for it.
#[derive(Debug, Default)]
struct Found {
    /// By number.
    contacts: HashMap<String, FoundContact>,
    /// By (connection, channel id): the message of a first delivery.
    seen: HashMap<(String, String), String>,
    /// By (contact id, connection): the ticket not closed.
    live: HashMap<(String, String), String>,
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

impl TenantDb {
    /// Store several inbound messages in one transaction, each the way
    /// [`TenantDb::record_inbound`] would when the sender is a known contact with a live
    /// ticket on the connection, and say for each what became of it. A message that is not
    /// that common case is declined untouched; a second delivery (also within the batch)
    /// answers with the first one's message. The writes fail together (a ticket closed or a
    /// message stored by someone else meanwhile): then nothing of the batch was written.
    /// Several messages on one ticket share one ticket update; each message's event still
    /// carries the ticket as that message left it (its unread count, preview and activity).
    pub async fn record_inbound_batch(
        &self,
        batch: &[QuickInbound],
    ) -> StoreResult<Vec<QuickOutcome>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let found = self.batch_lookup(batch).await?;
        let choices = choose(batch, &found);
        let writes: Vec<(&QuickInbound, &Choice)> = batch
            .iter()
            .zip(&choices)
            .filter(|(_, c)| matches!(c, Choice::Write { .. }))
            .collect();
        let mut stored = if writes.is_empty() {
            Written::default()
        } else {
            self.batch_write(&writes, &found).await?
        };
        let mut outcomes = Vec::with_capacity(batch.len());
        for choice in choices {
            outcomes.push(match choice {
                Choice::Declined => QuickOutcome::Declined,
                Choice::Seen(id) => QuickOutcome::Seen(id),
                Choice::Write { message_id, .. } => {
                    let message = match stored.messages.remove(&message_id) {
                        Some(m) => m,
                        None => self.get_message(&message_id).await?,
                    };
                    let ticket = match stored.tickets.get(&message.ticket_id) {
                        Some(t) => t.clone(),
                        None => self.get_ticket(&message.ticket_id).await?,
                    };
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
    /// deliveries of its channel ids, those contacts' live tickets on its connections, and
    /// the messages it quotes.
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
RETURN {{ contacts: $cs, seen: (SELECT record::id(id) AS key, message_id FROM $dk), live: (SELECT record::id(id) AS key, ticket_id FROM $lk), quoted: {quoted} }};"
        );
        let vars = json!({ "phones": phones, "conns": conns, "keys": keys, "quotes": quotes });
        let row = rows_at(self.raw(), &sql, vars, 3)
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

    /// One transaction for the messages chosen to be written: it first checks that their
    /// tickets are still the live ones (else `ticket moved`), then inserts the first-delivery
    /// rows (a concurrent delivery makes that fail), the messages and their events, and
    /// updates each ticket once.
    async fn batch_write(
        &self,
        writes: &[(&QuickInbound, &Choice)],
        found: &Found,
    ) -> StoreResult<Written> {
        let mut lives: Vec<[&str; 2]> = Vec::new();
        let mut expect: Vec<&str> = Vec::new();
        let mut dedupes = Vec::with_capacity(writes.len());
        let mut messages = Vec::with_capacity(writes.len());
        let mut events = serde_json::Map::new();
        let mut files = serde_json::Map::new();
        let mut tickets = serde_json::Map::new();
        // How many of the batch's messages each ticket still has to take, so that each
        // message's event carries its ticket as that message left it.
        let mut to_come: HashMap<&str, u64> = HashMap::new();
        for (_, choice) in writes {
            if let Choice::Write { ticket_id, .. } = choice {
                *to_come.entry(ticket_id.as_str()).or_default() += 1;
            }
        }
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
            if !tickets.contains_key(ticket_id.as_str()) {
                lives.push([contact_id.as_str(), w.connection_id.as_str()]);
                expect.push(ticket_id.as_str());
            }
            dedupes
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
            let mut message = json!({
                "id": message_id, "ticket_id": ticket_id, "contact_id": contact_id,
                "connection_id": w.connection_id, "direction": Direction::In, "kind": w.kind,
                "body": w.body, "media": w.media, "quoted_id": quoted_id,
                "channel_id": w.channel_id, "status": MessageStatus::Received,
                "error": w.media_error,
            });
            strip_nulls(&mut message);
            messages.push(message);
            if let Some(file) = w.media.as_ref().and_then(|m| m.id.clone()) {
                files.insert(file, json!(ticket_id));
            }
            let text = ticket_preview(w.kind, &w.body);
            let activity = new_id();
            let later = to_come.get_mut(ticket_id.as_str()).map_or(0, |n| {
                *n -= 1;
                *n
            });
            // Ids are time-ordered: the ticket's event, then the message's, message by message.
            events.insert(
                message_id.clone(),
                json!({ "t": new_id(), "m": new_id(), "later": later, "preview": text, "activity": activity }),
            );
            let entry = tickets
                .entry(ticket_id.clone())
                .or_insert_with(|| json!({ "n": 0, "name": contact_name }));
            entry["n"] = json!(entry["n"].as_u64().unwrap_or(0) + 1);
            entry["preview"] = json!(text);
            entry["activity"] = json!(activity);
        }
        let attach = if files.is_empty() {
            ""
        } else {
            "UPDATE array::map(object::keys($files), |$k| type::record('media', $k)) SET ticket_id = $files[record::id(id)];\n"
        };
        let sql = format!(
            "BEGIN TRANSACTION;
LET $now = (SELECT VALUE ticket_id FROM array::map($lives, |$l| type::record('ticket_live', $l)));
IF $now != $expect {{ THROW 'ticket moved' }};
INSERT INTO dedupe $dedupes RETURN NONE;
{attach}LET $ms = (INSERT INTO message $messages RETURN AFTER);
LET $ts = (UPDATE array::map(object::keys($tickets), |$k| type::record('ticket', $k)) SET unread += $tickets[record::id(id)].n, last_message = $tickets[record::id(id)].preview, last_message_at = time::now(), activity = $tickets[record::id(id)].activity, contact_name = $tickets[record::id(id)].name, updated_at = time::now() RETURN AFTER);
LET $tm = object::from_entries(array::map($ts, |$t| [record::id($t.id), $t]));
LET $es = array::map($ms, |$m| {{ id: $events[record::id($m.id)].m, kind: 'message', ticket_id: $m.ticket_id, queue_id: $tm[$m.ticket_id].queue_id, user_id: $tm[$m.ticket_id].user_id, status: $tm[$m.ticket_id].status, connection_id: $m.connection_id, data: $m, ticket: object::extend($tm[$m.ticket_id], {{ unread: $tm[$m.ticket_id].unread - $events[record::id($m.id)].later, last_message: $events[record::id($m.id)].preview, activity: $events[record::id($m.id)].activity }}), ticket_event: $events[record::id($m.id)].t }});
INSERT INTO inbox_event $es RETURN NONE;
RETURN {{ messages: $ms, tickets: $ts, waiting: (SELECT VALUE contact_id FROM run WITH INDEX run_contact WHERE contact_id IN $ms.contact_id AND status = 'waiting') }};
COMMIT TRANSACTION;"
        );
        let vars = json!({
            "lives": lives, "expect": expect, "dedupes": dedupes, "messages": messages,
            "events": events, "files": files, "tickets": tickets,
        });
        let out: Value = returned(self.raw(), &sql, vars)
            .await?
            .ok_or_else(|| StoreError::Backend("inbound batch returned nothing".into()))?;
        // Committed: a row that does not decode is read again later rather than failing the
        // batch (which would send its stored messages down the one-message path as repeats).
        let mut written = Written::default();
        for row in out["messages"].as_array().into_iter().flatten() {
            if let Ok(m) = decode_row::<Message>(row) {
                written.messages.insert(m.id.clone(), m);
            }
        }
        for row in out["tickets"].as_array().into_iter().flatten() {
            if let Ok(t) = decode_row::<Ticket>(row) {
                written.tickets.insert(t.id.clone(), t);
            }
        }
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

/// What the batch's transaction wrote, by id.
#[derive(Debug, Default)]
struct Written {
    messages: HashMap<String, Message>,
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
mod tests {
    use super::*;

    fn msg(phone: &str, cid: &str, push: Option<&str>) -> QuickInbound {
        QuickInbound {
            connection_id: "conn".into(),
            channel_id: cid.into(),
            phone: phone.into(),
            push_name: push.map(String::from),
            kind: MessageKind::Text,
            body: "hi".into(),
            media: None,
            media_error: None,
            quoted_channel_id: None,
        }
    }

    fn found() -> Found {
        let mut f = Found::default();
        for (id, name, phone) in [
            ("ana", "Ana", "+1"),
            ("bob", "+2", "+2"),
            ("cid", "Cid", "+3"),
        ] {
            f.contacts.insert(
                phone.into(),
                FoundContact {
                    id: id.into(),
                    name: name.into(),
                    phone: phone.into(),
                },
            );
        }
        f.live.insert(("ana".into(), "conn".into()), "t-ana".into());
        f.live.insert(("bob".into(), "conn".into()), "t-bob".into());
        f.seen.insert(("conn".into(), "old".into()), "m-old".into());
        f
    }

    #[test]
    fn the_common_case_is_written_and_the_rest_declined_or_seen() {
        let batch = [
            msg("+1", "a1", Some("Ana")),
            msg("+1", "old", None),
            msg("+1", "a1", None),
            msg("+2", "b1", Some("Bob")),
            msg("+2", "b2", None),
            msg("+3", "c1", None),
            msg("+9", "x1", None),
        ];
        let choices = choose(&batch, &found());
        let Choice::Write {
            message_id,
            ticket_id,
            contact_name,
            ..
        } = &choices[0]
        else {
            panic!(
                "a known contact with a live ticket is written: {:?}",
                choices[0]
            );
        };
        assert_eq!(
            (ticket_id.as_str(), contact_name.as_str()),
            ("t-ana", "Ana")
        );
        assert_eq!(choices[1], Choice::Seen("m-old".into()), "stored before");
        assert_eq!(
            choices[2],
            Choice::Seen(message_id.clone()),
            "earlier in the batch"
        );
        assert_eq!(
            choices[3],
            Choice::Declined,
            "named by number, WhatsApp gives a name"
        );
        assert!(matches!(&choices[4], Choice::Write { ticket_id, .. } if ticket_id == "t-bob"));
        assert_eq!(choices[5], Choice::Declined, "no live ticket");
        assert_eq!(choices[6], Choice::Declined, "unknown number");
    }
}
