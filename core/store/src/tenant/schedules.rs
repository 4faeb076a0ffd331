//! Scheduled messages: written when scheduled, edited while they wait, and moved on by each
//! send. `slot` counts the sends that came due (sent or not), so a repeating message's next
//! time is always computed from its first one; `rev` names the timer that may send it, so an
//! edit or a cancel leaves an older timer with nothing to do.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tucan_model::ids::new_id;
use tucan_model::schedule::{Repeat, SchedulePage, ScheduleStatus, ScheduledMessage};
use tucan_model::ticket::TemplateUse;
use tucan_model::{ErrorCode, Problem, Resource};

use super::TenantDb;
use crate::db::{check_id, fetch, fetch_found, fetch_one};
use crate::error::StoreResult;
use crate::platform::strip_nulls;

/// A scheduled message as first written.
#[derive(Debug, Clone)]
pub struct ScheduleRow {
    pub ticket_id: Option<String>,
    pub contact_id: String,
    pub contact_name: String,
    pub connection_id: String,
    pub body: String,
    pub media_id: Option<String>,
    pub template: Option<TemplateUse>,
    pub send_at: DateTime<Utc>,
    pub repeat: Repeat,
    pub repeat_until: Option<DateTime<Utc>>,
    pub user_id: String,
}

/// A scheduled message's fields after an edit (all of them, already checked).
#[derive(Debug, Clone)]
pub struct ScheduleEdit {
    pub contact_name: String,
    pub connection_id: String,
    pub body: String,
    pub media_id: Option<String>,
    pub template: Option<TemplateUse>,
    pub send_at: DateTime<Utc>,
    pub repeat: Repeat,
    pub repeat_until: Option<DateTime<Utc>>,
}

/// What became of one due send, and where the message goes next.
#[derive(Debug, Clone)]
pub struct ScheduleTurn {
    /// The message it sent, or why it could not go.
    pub sent: Result<String, String>,
    /// The next send, if any: the message stays scheduled under a new `rev`.
    pub next: Option<DateTime<Utc>>,
    /// The slot of the next send.
    pub slot: u32,
}

/// Filters and paging of the schedules list.
#[derive(Debug, Clone, Default)]
pub struct ScheduleQuery {
    pub status: Option<ScheduleStatus>,
    pub contact_id: Option<String>,
    /// Only the messages this user scheduled.
    pub user_id: Option<String>,
    pub cursor: Option<String>,
    pub limit: u32,
}

/// Where a scheduled message stands inside: the first send, the sends that came due, the
/// current timer.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ScheduleClock {
    pub first_at: DateTime<Utc>,
    pub slot: u32,
    pub rev: u32,
}

const CURSOR_PREFIX: &str = "o";

impl TenantDb {
    pub async fn create_scheduled(&self, row: &ScheduleRow) -> StoreResult<ScheduledMessage> {
        let mut c = json!({
            "ticket_id": row.ticket_id,
            "contact_id": row.contact_id,
            "contact_name": row.contact_name,
            "connection_id": row.connection_id,
            "body": row.body,
            "media_id": row.media_id,
            "template": row.template,
            "repeat": row.repeat,
            "until": row.repeat_until,
            "user_id": row.user_id,
            "at": row.send_at,
        });
        strip_nulls(&mut c);
        // Absent fields of `$c` are NONE, which leaves an optional field unset.
        fetch_found(
            self.raw(),
            "CREATE type::record('scheduled_message', $id) CONTENT { ticket_id: $c.ticket_id, \
             contact_id: $c.contact_id, contact_name: $c.contact_name, connection_id: $c.connection_id, \
             body: $c.body, media_id: $c.media_id, template: $c.template, repeat: $c.repeat, \
             repeat_until: IF $c.until THEN <datetime> $c.until ELSE NONE END, user_id: $c.user_id, \
             send_at: <datetime> $c.at, first_at: <datetime> $c.at, slot: 0, rev: 0 }",
            json!({ "id": new_id(), "c": c }),
            Resource::ScheduledMessage,
        )
        .await
    }

    pub async fn get_scheduled(&self, id: &str) -> StoreResult<ScheduledMessage> {
        check_id(id, Resource::ScheduledMessage)?;
        fetch_found(
            self.raw(),
            "SELECT * FROM type::record('scheduled_message', $id)",
            json!({ "id": id }),
            Resource::ScheduledMessage,
        )
        .await
    }

    /// The first send, the slot and the timer revision of a scheduled message.
    pub async fn scheduled_clock(&self, id: &str) -> StoreResult<ScheduleClock> {
        check_id(id, Resource::ScheduledMessage)?;
        fetch_found(
            self.raw(),
            "SELECT first_at, slot, rev FROM type::record('scheduled_message', $id)",
            json!({ "id": id }),
            Resource::ScheduledMessage,
        )
        .await
    }

    /// The messages scheduled on a ticket, the next first.
    pub async fn list_scheduled(&self, ticket_id: &str) -> StoreResult<Vec<ScheduledMessage>> {
        fetch(
            self.raw(),
            "SELECT * FROM scheduled_message WHERE ticket_id = $t ORDER BY send_at",
            json!({ "t": ticket_id }),
        )
        .await
    }

    /// A page of scheduled messages, the next to go first.
    pub async fn list_schedules(&self, q: &ScheduleQuery) -> StoreResult<SchedulePage> {
        let limit = q.limit.clamp(1, 500);
        let start = match q.cursor.as_deref() {
            None => 0,
            Some(c) => c
                .strip_prefix(CURSOR_PREFIX)
                .and_then(|n| n.parse::<u64>().ok())
                .filter(|n| *n <= 10_000_000)
                .ok_or_else(|| Problem::new(ErrorCode::InvalidParam, "cursor is not valid"))?,
        };
        let mut conds = Vec::new();
        let mut vars = serde_json::Map::new();
        if let Some(s) = q.status {
            conds.push("status = $status");
            vars.insert("status".into(), json!(s));
        }
        if let Some(c) = &q.contact_id {
            conds.push("contact_id = $contact");
            vars.insert("contact".into(), json!(c));
        }
        if let Some(u) = &q.user_id {
            conds.push("user_id = $user");
            vars.insert("user".into(), json!(u));
        }
        let filter = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        vars.insert("limit".into(), json!(limit + 1));
        vars.insert("start".into(), json!(start));
        let sql = format!(
            "SELECT * FROM scheduled_message{filter} ORDER BY send_at, id LIMIT $limit START $start"
        );
        let mut items: Vec<ScheduledMessage> = fetch(self.raw(), &sql, Value::Object(vars)).await?;
        let next_cursor = (items.len() > limit as usize).then(|| {
            items.truncate(limit as usize);
            format!("{CURSOR_PREFIX}{}", start + u64::from(limit))
        });
        Ok(SchedulePage { items, next_cursor })
    }

    /// Change a message that is still scheduled; its sends start again from the new
    /// `send_at`. Returns the new timer revision, or `None` when it had left already.
    pub async fn edit_scheduled(&self, id: &str, e: &ScheduleEdit) -> StoreResult<Option<u32>> {
        check_id(id, Resource::ScheduledMessage)?;
        let row: Option<Value> = fetch_one(
            self.raw(),
            "UPDATE type::record('scheduled_message', $id) SET contact_name = $name, connection_id = $conn, \
             body = $body, media_id = $media ?? NONE, template = $template ?? NONE, send_at = <datetime> $at, \
             first_at = <datetime> $at, slot = 0, repeat = $repeat, \
             repeat_until = IF $until THEN <datetime> $until ELSE NONE END, last_error = NONE, rev += 1 \
             WHERE status = 'scheduled' RETURN rev",
            json!({
                "id": id, "name": e.contact_name, "conn": e.connection_id, "body": e.body,
                "media": e.media_id, "template": e.template, "at": e.send_at,
                "repeat": e.repeat, "until": e.repeat_until,
            }),
        )
        .await?;
        Ok(row.and_then(|r| r["rev"].as_u64()).map(|r| r as u32))
    }

    /// Stop a message that is still scheduled; false when it had left already.
    pub async fn cancel_scheduled(&self, id: &str) -> StoreResult<bool> {
        check_id(id, Resource::ScheduledMessage)?;
        let row: Option<Value> = fetch_one(
            self.raw(),
            "UPDATE type::record('scheduled_message', $id) SET status = 'cancelled', rev += 1 \
             WHERE status = 'scheduled' RETURN rev",
            json!({ "id": id }),
        )
        .await?;
        Ok(row.is_some())
    }

    /// Record a due send made under timer `rev`: its message or its failure, then the next
    /// send (a new `rev`) or the end (`sent`, or `failed` when the last one did not go).
    /// Returns the new revision when it stays scheduled; `None` when it ended, or when the
    /// timer was stale (the message was edited, cancelled or sent meanwhile).
    pub async fn turn_scheduled(
        &self,
        id: &str,
        rev: u32,
        turn: &ScheduleTurn,
    ) -> StoreResult<Option<u32>> {
        check_id(id, Resource::ScheduledMessage)?;
        let (message_id, error) = match &turn.sent {
            Ok(m) => (Some(m.as_str()), None),
            Err(e) => (None, Some(e.as_str())),
        };
        let status = match (&turn.next, &turn.sent) {
            (Some(_), _) => "scheduled",
            (None, Ok(_)) => "sent",
            (None, Err(_)) => "failed",
        };
        let row: Option<Value> = fetch_one(
            self.raw(),
            "UPDATE type::record('scheduled_message', $id) SET \
             sent_count += IF $message THEN 1 ELSE 0 END, \
             message_id = $message ?? message_id, \
             last_error = $error ?? NONE, status = $status, slot = $slot, \
             send_at = IF $next THEN <datetime> $next ELSE send_at END, rev += 1 \
             WHERE status = 'scheduled' AND rev = $rev RETURN rev, status",
            json!({
                "id": id, "rev": rev, "message": message_id, "error": error,
                "status": status, "slot": turn.slot, "next": turn.next,
            }),
        )
        .await?;
        Ok(row
            .filter(|r| r["status"] == "scheduled")
            .and_then(|r| r["rev"].as_u64())
            .map(|r| r as u32))
    }
}
