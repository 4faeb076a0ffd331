//! Tickets: lists with cursor pages, actions (each one transaction that changes the ticket,
//! writes its timeline entry and its event), and the timeline. `ticket_live:[contact,
//! connection]` names the one ticket not closed of a contact on a connection.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tucan_model::ErrorCode;
use tucan_model::Resource;
use tucan_model::ids::new_id;
use tucan_model::ticket::{Ticket, TicketLogEntry, TicketStatus};

use super::TenantDb;
use super::events::TICKET_EVENT;
use crate::db::{check_id, fetch, fetch_found, returned};
use crate::error::{StoreError, StoreResult, throw};

/// What an agent may see: tickets of these queues, and the agent's own.
#[derive(Debug, Clone)]
pub struct Visibility {
    pub user_id: String,
    pub queue_ids: Vec<String>,
    /// Also pending tickets that are in no queue (the company's setting
    /// `agents_see_unassigned_pending`).
    pub unassigned_pending: bool,
}

impl Visibility {
    /// Whether a ticket in `queue_id`, with `user_id`, of `status` is in sight.
    pub fn sees(
        &self,
        queue_id: Option<&str>,
        user_id: Option<&str>,
        status: Option<&str>,
    ) -> bool {
        // A queue's bot holds its tickets out of agents' sight until it hands them over.
        status != Some("bot")
            && (user_id == Some(self.user_id.as_str())
                || queue_id.is_some_and(|q| self.queue_ids.iter().any(|v| v == q))
                || (self.unassigned_pending
                    && queue_id.is_none()
                    && user_id.is_none()
                    && status == Some("pending")))
    }
}

/// The condition [`Visibility::sees`] puts on ticket rows (`$my_queues`, `$me`, `$queueless`).
const VISIBLE: &str = "(status != 'bot' AND (queue_id IN $my_queues OR user_id = $me OR ($queueless AND queue_id = NONE AND user_id = NONE AND status = 'pending')))";

#[derive(Debug, Clone, Default)]
pub struct TicketQuery {
    pub status: Option<TicketStatus>,
    pub queue_id: Option<String>,
    pub user_id: Option<String>,
    /// One contact's tickets (its history).
    pub contact_id: Option<String>,
    /// The tickets of one number.
    pub connection_id: Option<String>,
    /// Opened at or after this moment.
    pub since: Option<DateTime<Utc>>,
    /// Opened before this moment.
    pub until: Option<DateTime<Utc>>,
    pub tag: Option<String>,
    /// Only group chats (`true`) or only one-to-one chats (`false`).
    pub group: Option<bool>,
    pub search: Option<String>,
    pub cursor: Option<String>,
    pub limit: u32,
    /// `None` sees every ticket (supervisors and admins).
    pub visible_to: Option<Visibility>,
}

#[derive(Debug, Clone)]
pub struct TicketPage {
    pub items: Vec<Ticket>,
    pub next_cursor: Option<String>,
}

/// Who may hold the ticket's `ticket_live` key after a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LiveKey {
    #[default]
    Keep,
    /// The ticket closes: the contact's next message opens (or reopens) a ticket.
    Release,
    /// The ticket reopens: refused if the contact has another ticket on the connection.
    Take,
}

/// One action on a ticket. Fields left `None` stay as they are; `Some(None)` clears.
#[derive(Debug, Clone, Default)]
pub struct TicketChange {
    pub ticket_id: String,
    /// The statuses the ticket may be in for the action (empty: any).
    pub allowed: Vec<TicketStatus>,
    pub status: Option<TicketStatus>,
    pub queue_id: Option<Option<String>>,
    pub user_id: Option<Option<String>>,
    pub read: bool,
    pub add_tag: Option<String>,
    pub remove_tag: Option<String>,
    pub live: LiveKey,
    /// For the timeline: `user:<id>`, `run:<id>`, `customer` or `system`.
    pub actor: String,
    pub action: String,
    pub detail: Value,
}

impl TenantDb {
    pub async fn get_ticket(&self, id: &str) -> StoreResult<Ticket> {
        check_id(id, Resource::Ticket)?;
        fetch_found(
            self.raw(),
            "SELECT * FROM type::record('ticket', $id)",
            json!({ "id": id }),
            Resource::Ticket,
        )
        .await
    }

    /// A page of tickets, most recent activity first; the cursor is the last `activity` seen.
    pub async fn list_tickets(&self, q: &TicketQuery) -> StoreResult<TicketPage> {
        let limit = q.limit.clamp(1, 200);
        let mut conds = Vec::new();
        let mut vars = serde_json::Map::new();
        vars.insert("limit".into(), json!(limit + 1));
        let mut bind = |cond: &'static str, name: &str, value: Value| {
            conds.push(cond);
            vars.insert(name.into(), value);
        };
        if let Some(s) = q.status {
            bind("status = $status", "status", json!(s));
        }
        if let Some(v) = &q.queue_id {
            bind("queue_id = $queue", "queue", json!(v));
        }
        if let Some(v) = &q.user_id {
            bind("user_id = $user", "user", json!(v));
        }
        if let Some(v) = &q.contact_id {
            bind("contact_id = $contact", "contact", json!(v));
        }
        if let Some(v) = &q.connection_id {
            bind("connection_id = $conn", "conn", json!(v));
        }
        if let Some(v) = &q.since {
            bind("created_at >= <datetime> $since", "since", json!(v));
        }
        if let Some(v) = &q.until {
            bind("created_at < <datetime> $until", "until", json!(v));
        }
        if let Some(v) = &q.tag {
            bind("tags CONTAINS $tag", "tag", json!(v));
        }
        if let Some(v) = q.group {
            bind("is_group = $group", "group", json!(v));
        }
        if let Some(v) = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            bind(
                "(string::contains(string::lowercase(contact_name), $q) OR string::contains(contact_phone, $q) OR string::contains(string::lowercase(last_message), $q))",
                "q",
                json!(v.to_lowercase()),
            );
        }
        if let Some(c) = &q.cursor {
            bind("activity < $cursor", "cursor", json!(c));
        }
        if let Some(v) = &q.visible_to {
            bind(VISIBLE, "my_queues", json!(v.queue_ids));
            vars.insert("me".into(), json!(v.user_id));
            vars.insert("queueless".into(), json!(v.unassigned_pending));
        }
        let filter = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        let sql = format!("SELECT * FROM ticket{filter} ORDER BY activity DESC LIMIT $limit");
        let mut items: Vec<Ticket> = fetch(self.raw(), &sql, Value::Object(vars)).await?;
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|t| t.activity.clone())
        } else {
            None
        };
        Ok(TicketPage { items, next_cursor })
    }

    /// Apply one action; `TICKET_STATE` when the ticket's status does not allow it.
    pub async fn change_ticket(&self, c: &TicketChange) -> StoreResult<Ticket> {
        check_id(&c.ticket_id, Resource::Ticket)?;
        let mut sets = vec!["updated_at = time::now()".to_string()];
        if c.status.is_some() {
            sets.push("status = $status".into());
            sets.push(
                "closed_at = IF $status = 'closed' { time::now() } ELSE { NONE }".to_string(),
            );
        }
        for (field, value) in [("queue_id", &c.queue_id), ("user_id", &c.user_id)] {
            match value {
                Some(Some(_)) => sets.push(format!("{field} = ${field}")),
                Some(None) => sets.push(format!("{field} = NONE")),
                None => {}
            }
        }
        // An agent taking the ticket, or its close, ends a flow's hold on it.
        if matches!(c.user_id, Some(Some(_))) || c.status == Some(TicketStatus::Closed) {
            sets.push("bot_run_id = NONE".into());
        }
        if c.read {
            sets.push("unread = 0".into());
        }
        if c.add_tag.is_some() {
            sets.push("tags = array::union(tags, [$add_tag])".into());
        }
        if c.remove_tag.is_some() {
            sets.push("tags -= $remove_tag".into());
        }
        let live = match c.live {
            LiveKey::Keep => "",
            LiveKey::Release => {
                "DELETE type::record('ticket_live', [$t.contact_id, $t.connection_id]) WHERE ticket_id = $id;"
            }
            LiveKey::Take => {
                "CREATE type::record('ticket_live', [$t.contact_id, $t.connection_id]) CONTENT { ticket_id: $id };"
            }
        };
        let log = if c.action.is_empty() {
            ""
        } else {
            "CREATE type::record('ticket_log', $log) CONTENT { ticket_id: $id, actor: $actor, action: $action, detail: $detail };"
        };
        let sql = format!(
            "BEGIN TRANSACTION;
LET $before = (SELECT * FROM ONLY type::record('ticket', $id));
IF $before = NONE {{ THROW 'ticket_not_found' }};
IF array::len($allowed) > 0 AND $before.status NOTINSIDE $allowed {{ THROW string::concat('ticket_state:', $before.status) }};
LET $t = (UPDATE ONLY type::record('ticket', $id) SET {} RETURN AFTER);
{live}
{log}
{TICKET_EVENT}
RETURN $t;
COMMIT TRANSACTION;",
            sets.join(", ")
        );
        let vars = json!({
            "id": c.ticket_id, "allowed": c.allowed, "status": c.status,
            "queue_id": c.queue_id.clone().flatten(), "user_id": c.user_id.clone().flatten(),
            "add_tag": c.add_tag, "remove_tag": c.remove_tag,
            "log": new_id(), "actor": c.actor, "action": c.action, "detail": c.detail.to_string(),
            "ev_t": new_id(),
        });
        match returned(self.raw(), &sql, vars).await {
            Ok(Some(t)) => Ok(t),
            Ok(None) => Err(StoreError::NotFound(Resource::Ticket)),
            Err(e) => Err(ticket_error(e)),
        }
    }

    /// A flow run ended: the ticket it was talking on is no longer a flow's. Returns the
    /// ticket it released, if any.
    pub async fn release_bot(&self, run_id: &str) -> StoreResult<Option<Ticket>> {
        let sql = format!(
            "BEGIN TRANSACTION;
LET $before = (SELECT * FROM ONLY ticket WHERE bot_run_id = $run LIMIT 1);
LET $t = IF $before {{ (UPDATE ONLY $before.id SET bot_run_id = NONE, updated_at = time::now() RETURN AFTER) }} ELSE {{ NONE }};
IF $t {{ {TICKET_EVENT} }};
RETURN $t;
COMMIT TRANSACTION;"
        );
        returned(self.raw(), &sql, json!({ "run": run_id, "ev_t": new_id() })).await
    }

    /// The ticket's timeline, oldest first (its latest 1,000 entries).
    pub async fn ticket_log(&self, id: &str) -> StoreResult<Vec<TicketLogEntry>> {
        self.get_ticket(id).await?;
        let mut entries: Vec<TicketLogEntry> = fetch(
            self.raw(),
            "SELECT * FROM ticket_log WHERE ticket_id = $id ORDER BY id DESC LIMIT 1000",
            json!({ "id": id }),
        )
        .await?;
        entries.reverse();
        Ok(entries)
    }

    /// Ids of a queue's pending tickets, the longest waiting first.
    pub async fn pending_in_queue(&self, queue_id: &str, limit: u32) -> StoreResult<Vec<String>> {
        check_id(queue_id, Resource::Queue)?;
        let rows = crate::db::rows(
            self.raw(),
            "SELECT id, activity FROM ticket WHERE queue_id = $q AND status = 'pending' ORDER BY activity ASC LIMIT $limit",
            json!({ "q": queue_id, "limit": limit.clamp(1, 200) }),
        )
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| r["id"].as_str().map(str::to_string))
            .collect())
    }

    /// How many tickets of each status the viewer may see (in one queue, when given).
    pub async fn count_tickets(
        &self,
        queue_id: Option<&str>,
        visible_to: Option<&Visibility>,
    ) -> StoreResult<tucan_model::dashboard::StatusCounts> {
        let mut conds = Vec::new();
        if queue_id.is_some() {
            conds.push("queue_id = $queue");
        }
        if visible_to.is_some() {
            conds.push(VISIBLE);
        }
        let filter = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        let rows = crate::db::rows(
            self.raw(),
            &format!("SELECT status, count() AS n FROM ticket{filter} GROUP BY status"),
            json!({
                "queue": queue_id,
                "my_queues": visible_to.map(|v| v.queue_ids.clone()),
                "me": visible_to.map(|v| v.user_id.clone()),
                "queueless": visible_to.is_some_and(|v| v.unassigned_pending),
            }),
        )
        .await?;
        let mut counts = tucan_model::dashboard::StatusCounts::default();
        for r in rows {
            counts.add(
                r["status"].as_str().unwrap_or_default(),
                r["n"].as_u64().unwrap_or(0),
            );
        }
        Ok(counts)
    }

    /// How many open tickets each of `users` has.
    pub async fn open_ticket_counts(
        &self,
        users: &[String],
    ) -> StoreResult<std::collections::HashMap<String, u64>> {
        let rows = crate::db::rows(
            self.raw(),
            "SELECT user_id, count() AS n FROM ticket WHERE status = 'open' AND user_id IN $users GROUP BY user_id",
            json!({ "users": users }),
        )
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| Some((r["user_id"].as_str()?.to_string(), r["n"].as_u64()?)))
            .collect())
    }

    /// Remember the agent a round-robin queue gave its last ticket to.
    pub async fn set_queue_turn(&self, queue_id: &str, user_id: &str) -> StoreResult<()> {
        crate::db::execute(
            self.raw(),
            "UPDATE type::record('queue', $q) SET rr_last = $u",
            json!({ "q": queue_id, "u": user_id }),
        )
        .await
    }

    /// The agent a round-robin queue gave its last ticket to.
    pub async fn queue_turn(&self, queue_id: &str) -> StoreResult<Option<String>> {
        let rows = crate::db::rows(
            self.raw(),
            "SELECT VALUE rr_last FROM type::record('queue', $q)",
            json!({ "q": queue_id }),
        )
        .await?;
        Ok(rows
            .into_iter()
            .next()
            .and_then(|v| v.as_str().map(String::from)))
    }
}

/// Map a failed ticket transaction to what the client should hear.
pub(crate) fn ticket_error(e: StoreError) -> StoreError {
    match &e {
        StoreError::Thrown { code, .. } if code == throw::TICKET_NOT_FOUND => {
            StoreError::NotFound(Resource::Ticket)
        }
        StoreError::Thrown { code, detail } if code == throw::TICKET_STATE => {
            let status = detail.as_deref().unwrap_or("");
            StoreError::problem(
                ErrorCode::TicketState,
                format!("the ticket is {status}; this action does not apply"),
            )
        }
        StoreError::UniqueViolation { index } if index == "ticket_live" => StoreError::problem(
            ErrorCode::TicketState,
            "the contact has another ticket open on this connection",
        ),
        _ => e,
    }
}

impl TenantDb {
    /// Bulk import of tickets (history brought from another system): rows as stored, each
    /// with its `id`. One statement per call; a duplicate id fails the whole batch.
    pub async fn import_tickets(&self, rows: &[Value]) -> StoreResult<usize> {
        crate::db::execute(
            self.raw(),
            "INSERT INTO ticket $rows RETURN NONE",
            json!({ "rows": rows }),
        )
        .await?;
        Ok(rows.len())
    }

    /// Bulk import of messages, as [`TenantDb::import_tickets`].
    pub async fn import_messages(&self, rows: &[Value]) -> StoreResult<usize> {
        crate::db::execute(
            self.raw(),
            "INSERT INTO message $rows RETURN NONE",
            json!({ "rows": rows }),
        )
        .await?;
        Ok(rows.len())
    }
}
