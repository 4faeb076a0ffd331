//! Conversations the company starts: the contact's live ticket on a connection, or a new one
//! opened for an agent (open) or for the connection's queue (pending), under the same
//! `ticket_live:[contact, connection]` key inbound messages take, so a customer never has two
//! live tickets on one number. API clients' `Idempotency-Key`s are kept here too.

use serde_json::{Value, json};
use tucan_model::contact::Contact;
use tucan_model::ids::new_id;
use tucan_model::ticket::{Ticket, TicketStatus};

use super::TenantDb;
use super::events::TICKET_EVENT;
use crate::db::{fetch_one, returned};
use crate::error::{StoreError, StoreResult};
use crate::platform::strip_nulls;

/// Who a ticket the company opens is for.
#[derive(Debug, Clone)]
pub struct Opening<'a> {
    pub contact: &'a Contact,
    pub connection_id: &'a str,
    /// The agent it is opened for (open, theirs); none leaves it pending in `queue_id`.
    pub user_id: Option<&'a str>,
    pub queue_id: Option<&'a str>,
    /// Who opened it, for the timeline (`user:…`, `api:…`, `run:…`).
    pub actor: &'a str,
}

/// What an `Idempotency-Key` was first used for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentCall {
    /// A digest of the first call's request.
    pub request: String,
    pub message_id: String,
}

/// How long a key is remembered.
const IDEMPOTENCY_HOURS: i64 = 24;

impl TenantDb {
    /// The contact's live ticket on the connection, or a new one as `o` says. Returns the
    /// ticket and whether it was opened now.
    pub async fn open_conversation(&self, o: &Opening<'_>) -> StoreResult<(Ticket, bool)> {
        for _ in 0..8 {
            let live: Option<Value> = fetch_one(
                self.raw(),
                "SELECT ticket_id FROM type::record('ticket_live', [$contact, $conn])",
                json!({ "contact": o.contact.id, "conn": o.connection_id }),
            )
            .await?;
            if let Some(id) = live.as_ref().and_then(|v| v["ticket_id"].as_str()) {
                match self.get_ticket(id).await {
                    Ok(t) => return Ok((t, false)),
                    // Closed and released a moment ago: look again.
                    Err(StoreError::NotFound(_)) => continue,
                    Err(e) => return Err(e),
                }
            }
            match self.create_conversation(o).await {
                Ok(t) => return Ok((t, true)),
                // Another message or agent opened it first: take theirs.
                Err(e) if e.is_conflict() || matches!(e, StoreError::UniqueViolation { .. }) => {
                    continue;
                }
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Backend(
            "opening a conversation kept conflicting".into(),
        ))
    }

    async fn create_conversation(&self, o: &Opening<'_>) -> StoreResult<Ticket> {
        let status = if o.user_id.is_some() {
            TicketStatus::Open
        } else {
            TicketStatus::Pending
        };
        let mut ticket = json!({
            "contact_id": o.contact.id, "contact_name": o.contact.name,
            "contact_phone": o.contact.phone, "connection_id": o.connection_id,
            "queue_id": o.queue_id, "user_id": o.user_id, "status": status,
            "is_group": false, "activity": new_id(),
        });
        strip_nulls(&mut ticket);
        let sql = format!(
            "BEGIN TRANSACTION;
CREATE type::record('ticket_live', [$contact, $conn]) CONTENT {{ ticket_id: $tid }};
LET $before = NONE;
LET $t = (CREATE ONLY type::record('ticket', $tid) CONTENT $ticket RETURN AFTER);
CREATE type::record('ticket_log', $log) CONTENT {{ ticket_id: $tid, actor: $actor, action: 'created', detail: $detail }};
{TICKET_EVENT}
RETURN $t;
COMMIT TRANSACTION;"
        );
        let detail = json!({ "queue_id": o.queue_id, "user_id": o.user_id, "started": true });
        let vars = json!({
            "contact": o.contact.id, "conn": o.connection_id, "tid": new_id(),
            "ticket": ticket, "log": new_id(), "actor": o.actor,
            "detail": detail.to_string(), "ev_t": new_id(),
        });
        returned(self.raw(), &sql, vars)
            .await?
            .ok_or_else(|| StoreError::Backend("opening a ticket returned nothing".into()))
    }

    /// The contact's live (pending or open) ticket on the connection.
    pub async fn live_ticket(
        &self,
        contact_id: &str,
        connection_id: &str,
    ) -> StoreResult<Option<Ticket>> {
        let live: Option<Value> = fetch_one(
            self.raw(),
            "SELECT ticket_id FROM type::record('ticket_live', [$contact, $conn])",
            json!({ "contact": contact_id, "conn": connection_id }),
        )
        .await?;
        match live.as_ref().and_then(|v| v["ticket_id"].as_str()) {
            Some(id) => match self.get_ticket(id).await {
                Ok(t) => Ok(Some(t)),
                Err(StoreError::NotFound(_)) => Ok(None),
                Err(e) => Err(e),
            },
            None => Ok(None),
        }
    }

    /// The connection of the contact's most recent ticket: the number they last talked to
    /// the company on.
    pub async fn last_connection_of(&self, contact_id: &str) -> StoreResult<Option<String>> {
        let rows = crate::db::rows(
            self.raw(),
            "SELECT VALUE connection_id FROM ticket WHERE contact_id = $c ORDER BY updated_at DESC LIMIT 1",
            json!({ "c": contact_id }),
        )
        .await?;
        Ok(rows
            .into_iter()
            .next()
            .and_then(|v| v.as_str().map(String::from)))
    }

    /// What `key` of `scope` (the caller) was first used for, within the last 24 hours.
    pub async fn idempotent_call(
        &self,
        scope: &str,
        key: &str,
    ) -> StoreResult<Option<IdempotentCall>> {
        let since = chrono::Utc::now() - chrono::Duration::hours(IDEMPOTENCY_HOURS);
        let row: Option<Value> = fetch_one(
            self.raw(),
            "SELECT request, message_id FROM type::record('idempotency', [$scope, $key]) WHERE created_at > <datetime> $since",
            json!({ "scope": scope, "key": key, "since": since }),
        )
        .await?;
        Ok(row.and_then(|r| {
            Some(IdempotentCall {
                request: r["request"].as_str()?.to_string(),
                message_id: r["message_id"].as_str()?.to_string(),
            })
        }))
    }

    /// Remember that `key` of `scope` sent `call.message_id`. False when another call with
    /// the key got there first (its answer is the one to give).
    pub async fn remember_call(
        &self,
        scope: &str,
        key: &str,
        call: &IdempotentCall,
    ) -> StoreResult<bool> {
        // An expired key is used afresh.
        let since = chrono::Utc::now() - chrono::Duration::hours(IDEMPOTENCY_HOURS);
        let sql = "BEGIN TRANSACTION;
DELETE type::record('idempotency', [$scope, $key]) WHERE created_at <= <datetime> $since;
CREATE type::record('idempotency', [$scope, $key]) CONTENT { request: $request, message_id: $message };
COMMIT TRANSACTION;";
        let vars = json!({
            "scope": scope, "key": key, "since": since,
            "request": call.request, "message": call.message_id,
        });
        match crate::db::execute(self.raw(), sql, vars).await {
            Ok(()) => Ok(true),
            Err(e) if e.is_conflict() || matches!(e, StoreError::UniqueViolation { .. }) => {
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// Forget keys older than 24 hours; returns how many.
    pub async fn prune_idempotency(&self) -> StoreResult<u64> {
        let since = chrono::Utc::now() - chrono::Duration::hours(IDEMPOTENCY_HOURS);
        let rows = crate::db::rows(
            self.raw(),
            "DELETE idempotency WHERE created_at <= <datetime> $since RETURN BEFORE",
            json!({ "since": since }),
        )
        .await?;
        Ok(rows.len() as u64)
    }
}
