//! The inbox's event stream: every change of a ticket, a message, a connection or of who
//! may see what is appended to `inbox_event` in the same transaction as the change itself.
//! A `LIVE SELECT` on the table feeds the websockets; reading it by id feeds a reconnecting
//! client what it missed.

use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use surrealdb::method::QueryStream;
use surrealdb::types::Action;
use tucan_model::ids::{floor_id, new_id};

use super::TenantDb;
use crate::db::{execute, normalize_ids};
use crate::error::StoreResult;

/// The event of a ticket change; expects `$t` (the ticket after the change) and `$ev_t`.
pub(crate) const TICKET_EVENT: &str = "CREATE type::record('inbox_event', $ev_t) CONTENT { kind: 'ticket', ticket_id: record::id($t.id), queue_id: $t.queue_id, user_id: $t.user_id, status: $t.status, prev_queue_id: $before.queue_id, prev_user_id: $before.user_id, prev_status: $before.status, connection_id: $t.connection_id, data: $t };";

/// The event of a message change; expects `$m` (the message), `$t` (its ticket) and `$ev_m`.
pub(crate) const MESSAGE_EVENT: &str = "CREATE type::record('inbox_event', $ev_m) CONTENT { kind: 'message', ticket_id: $m.ticket_id, queue_id: $t.queue_id, user_id: $t.user_id, status: $t.status, connection_id: $m.connection_id, data: $m };";

/// A message change that also changed its ticket, as one row: the stream hands it out as the
/// ticket's event (id `$ev_t`) followed by the message's (id `$ev_m`). Expects `$m`, `$t`,
/// `$ev_t`, `$ev_m` (and `$before`, the ticket before, when an action moved it).
pub(crate) const MESSAGE_AND_TICKET_EVENT: &str = "CREATE type::record('inbox_event', $ev_m) CONTENT { kind: 'message', ticket_id: $m.ticket_id, queue_id: $t.queue_id, user_id: $t.user_id, status: $t.status, prev_queue_id: $before.queue_id, prev_user_id: $before.user_id, prev_status: $before.status, connection_id: $m.connection_id, data: $m, ticket: $t, ticket_event: $ev_t };";

/// The event of a connection change; expects `$c` and `$ev_c`.
pub(crate) const CONNECTION_EVENT: &str = "CREATE type::record('inbox_event', $ev_c) CONTENT { kind: 'connection', connection_id: record::id($c.id), data: $c };";

/// What an event of the stream is about; written by the statements above as its name in
/// lower case (`'ticket'`, `'sim'`…).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Ticket,
    Message,
    Connection,
    /// Who may see what changed (queues, roles); sockets re-read their permissions.
    Access,
    /// A customer writing, or stopped.
    Typing,
    /// The simulator's phone.
    Sim,
    /// A notice to the company's admins (`data` is the notice).
    Notice,
    /// Where a campaign stands (`data`: the campaign and its counts).
    Campaign,
}

/// One change, as the stream carries it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InboxEvent {
    /// Time-ordered; a reconnecting client resumes after the last id it saw.
    pub id: String,
    pub kind: EventKind,
    pub ticket_id: Option<String>,
    /// The ticket's queue, agent and status when the event happened (for visibility).
    pub queue_id: Option<String>,
    pub user_id: Option<String>,
    pub status: Option<String>,
    /// Where the ticket was before the change (ticket events of actions), so a view the
    /// ticket leaves hears of it.
    #[serde(default)]
    pub prev_queue_id: Option<String>,
    #[serde(default)]
    pub prev_user_id: Option<String>,
    #[serde(default)]
    pub prev_status: Option<String>,
    pub connection_id: Option<String>,
    /// The ticket, message or connection after the change.
    pub data: Value,
    pub at: DateTime<Utc>,
}

/// A stored row of the stream, which may hold two events (see
/// [`MESSAGE_AND_TICKET_EVENT`]).
#[derive(Deserialize)]
struct EventRow {
    #[serde(flatten)]
    event: InboxEvent,
    #[serde(default)]
    ticket: Option<Value>,
    #[serde(default)]
    ticket_event: Option<String>,
}

impl InboxEvent {
    /// The events of a stored row, in order.
    fn from_row(row: Value) -> StoreResult<Vec<InboxEvent>> {
        let mut row = normalize_ids(row);
        for field in ["data", "ticket"] {
            if let Some(v) = row.get_mut(field) {
                *v = normalize_ids(v.take());
            }
        }
        let EventRow {
            mut event,
            ticket,
            ticket_event,
        } = serde_json::from_value(row)?;
        let (Some(ticket), Some(ticket_event)) = (ticket, ticket_event) else {
            return Ok(vec![event]);
        };
        let ticket = InboxEvent {
            id: ticket_event,
            kind: EventKind::Ticket,
            ticket_id: event.ticket_id.clone(),
            queue_id: event.queue_id.clone(),
            user_id: event.user_id.clone(),
            status: event.status.clone(),
            prev_queue_id: event.prev_queue_id.take(),
            prev_user_id: event.prev_user_id.take(),
            prev_status: event.prev_status.take(),
            connection_id: event.connection_id.clone(),
            data: ticket,
            at: event.at,
        };
        Ok(vec![ticket, event])
    }
}

/// A page of the stream read from a cursor.
#[derive(Debug)]
pub struct EventPage {
    pub events: Vec<InboxEvent>,
    /// The page was full: more rows may follow its last event.
    pub more: bool,
}

/// A live query on the tenant's events. Dropping it ends the query.
pub struct LiveEvents {
    db: Surreal<Any>,
    stream: QueryStream<surrealdb::types::Value>,
    id: Option<surrealdb::types::Uuid>,
    /// Events of a row already read, not yet handed out.
    ready: std::collections::VecDeque<InboxEvent>,
}

impl std::fmt::Debug for LiveEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveEvents").finish()
    }
}

impl LiveEvents {
    /// The next event; `None` when the query ended.
    pub async fn next(&mut self) -> Option<StoreResult<InboxEvent>> {
        if let Some(ev) = self.ready.pop_front() {
            return Some(Ok(ev));
        }
        loop {
            let n = match self.stream.next().await? {
                Ok(n) => n,
                Err(e) => return Some(Err(crate::error::classify(&e))),
            };
            self.id = Some(n.query_id);
            if n.action == Action::Create {
                match InboxEvent::from_row(n.data.into_json_value()) {
                    Ok(events) => self.ready.extend(events),
                    Err(e) => return Some(Err(e)),
                }
                if let Some(ev) = self.ready.pop_front() {
                    return Some(Ok(ev));
                }
            }
        }
    }

    /// End the query now (also done, later, when the stream is dropped).
    pub async fn kill(self) {
        let Some(id) = self.id else {
            tracing::warn!("inbox live query ended without its id");
            return;
        };
        let killed = self.db.query("KILL $id").bind(("id", id)).await;
        if let Err(e) = killed.and_then(|r| r.check()) {
            tracing::warn!(error = %e, "inbox live query not killed");
        }
    }
}

impl TenantDb {
    /// Start a live query on the event stream.
    pub async fn live_events(&self) -> StoreResult<LiveEvents> {
        // The query lives in the session that started it: keep that session with it.
        let db = self.raw().clone();
        let mut res = db.query("LIVE SELECT * FROM inbox_event").await?;
        let stream = res.stream::<surrealdb::types::Value>(0)?;
        // The statement's own result is the query's id: known now, `kill` can end a query
        // that never delivered anything.
        let id = match res.take::<surrealdb::types::Value>(0) {
            Ok(surrealdb::types::Value::Uuid(id)) => Some(id),
            _ => None,
        };
        Ok(LiveEvents {
            db,
            stream,
            id,
            ready: Default::default(),
        })
    }

    /// Events after `after` (an event id), oldest first, from at most `limit` stored rows (a
    /// row may hold two events; see [`MESSAGE_AND_TICKET_EVENT`]).
    pub async fn events_after(&self, after: &str, limit: u32) -> StoreResult<EventPage> {
        let rows = crate::db::rows(
            self.raw(),
            // A range of record ids is read from `$after` on, in id order; `WHERE id > ..`
            // would read the table from its start.
            "SELECT * FROM type::record('inbox_event', $after>..) LIMIT $limit",
            json!({ "after": after, "limit": limit }),
        )
        .await?;
        let more = rows.len() as u64 >= u64::from(limit);
        let mut events = Vec::with_capacity(rows.len());
        for row in rows {
            events.extend(InboxEvent::from_row(row)?);
        }
        Ok(EventPage { events, more })
    }

    /// Tell every socket of the tenant that who may see what changed (a queue's agents, a
    /// user's role): they re-read their permissions before the next event.
    pub async fn append_access_event(&self) -> StoreResult<()> {
        execute(
            self.raw(),
            "CREATE type::record('inbox_event', $id) CONTENT { kind: 'access' }",
            json!({ "id": new_id() }),
        )
        .await
    }

    /// Someone (`by`: `customer`, the member `phone` who writes) is writing in the chat of
    /// the contact's live ticket on the connection, or stopped (`state`): a `typing` event on
    /// that ticket, seen by whoever sees the ticket. False when the contact has no live
    /// ticket there.
    pub async fn append_typing_event(
        &self,
        contact_id: &str,
        connection_id: &str,
        phone: &str,
        state: &str,
    ) -> StoreResult<bool> {
        let rows = crate::db::rows_at(
            self.raw(),
            "LET $tid = (SELECT VALUE ticket_id FROM ONLY type::record('ticket_live', [$contact, $conn]));
IF $tid = NONE { false } ELSE { LET $t = (SELECT * FROM ONLY type::record('ticket', $tid)); CREATE type::record('inbox_event', $id) CONTENT { kind: 'typing', ticket_id: $tid, queue_id: $t.queue_id, user_id: $t.user_id, status: $t.status, connection_id: $conn, data: { ticket_id: $tid, by: 'customer', phone: $phone, state: $state } } RETURN NONE; true };",
            json!({ "id": new_id(), "contact": contact_id, "conn": connection_id, "phone": phone, "state": state }),
            1,
        )
        .await?;
        Ok(rows.first().and_then(Value::as_bool).unwrap_or(false))
    }

    /// Append an event for the simulator's phone of `connection_id`.
    pub async fn append_sim_event(&self, connection_id: &str, data: &Value) -> StoreResult<()> {
        execute(
            self.raw(),
            "CREATE type::record('inbox_event', $id) CONTENT { kind: 'sim', connection_id: $c, data: $data }",
            json!({ "id": new_id(), "c": connection_id, "data": data }),
        )
        .await
    }

    /// Forget events older than `before` (a reconnecting client older than that reloads), a
    /// thousand per transaction so that writers never wait long; returns how many went.
    pub async fn prune_events(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        const CHUNK: u64 = 1000;
        let bound = floor_id(before);
        let mut pruned = 0;
        loop {
            let n: u64 = crate::db::returned(
                self.raw(),
                "LET $old = (SELECT VALUE id FROM type::record('inbox_event', ..$bound) LIMIT $chunk);
DELETE $old RETURN NONE;
RETURN count($old);",
                json!({ "bound": bound, "chunk": CHUNK }),
            )
            .await?
            .unwrap_or(0);
            pruned += n;
            if n < CHUNK {
                return Ok(pruned);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The live queries the database holds on the event table.
    async fn lives(db: &TenantDb) -> usize {
        let mut res = db.raw().query("INFO FOR TABLE inbox_event").await.unwrap();
        let info: surrealdb::types::Value = res.take(0).unwrap();
        let info = info.into_json_value();
        info["lives"].as_object().map_or(0, |l| l.len())
    }

    #[tokio::test]
    async fn a_killed_live_query_is_gone_whether_or_not_it_delivered() {
        let (_store, db) = super::super::tests::tenant_store().await;
        assert_eq!(lives(&db).await, 0);

        // Killed before any event.
        let live = db.live_events().await.unwrap();
        assert_eq!(lives(&db).await, 1);
        live.kill().await;
        assert_eq!(lives(&db).await, 0);

        // Killed after one.
        let mut live = db.live_events().await.unwrap();
        db.append_access_event().await.unwrap();
        let ev = live.next().await.unwrap().unwrap();
        assert_eq!(ev.kind, EventKind::Access);
        live.kill().await;
        assert_eq!(lives(&db).await, 0);
    }
}
