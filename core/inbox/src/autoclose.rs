//! Auto-close of inactive tickets (the company's `auto_close_open_minutes`,
//! `auto_close_pending_minutes` and `auto_close_message`, or the ticket's queue's own limits): one durable timer per ticket, set
//! when it opens or changes hands, that reads the ticket when it fires. Still quiet long
//! enough: the platform closes it (after the message, when there is one); otherwise the timer
//! moves to the end of the new quiet stretch. No sweep over every ticket, and no write for
//! each message.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use tucan_bus::{Job, JobError, JobHandler, Lane, NewJob};
use tucan_model::settings::value_of;
use tucan_model::ticket::{Ticket, TicketStatus};
use tucan_store::{StoreError, TenantDb};

use crate::Inbox;
use crate::actions::{Actor, TicketAction};
use crate::error::InboxResult;

/// The job a ticket's auto-close timer publishes.
pub const AUTOCLOSE_KIND: &str = "ticket.autoclose";

#[derive(Debug, Serialize, Deserialize)]
struct AutoclosePayload {
    ticket_id: String,
}

fn timer_name(tenant: &str, ticket_id: &str) -> String {
    format!("autoclose:{tenant}:{ticket_id}")
}

impl Inbox {
    /// How long the ticket may stay quiet in its status before it closes: its queue's own
    /// limit, else the company's; `None` when it may not be closed for it (off).
    async fn quiet_limit(&self, db: &TenantDb, ticket: &Ticket) -> InboxResult<Option<Duration>> {
        let key = match ticket.status {
            TicketStatus::Open => "auto_close_open_minutes",
            // A bot's customer who went quiet is treated as one waiting in the queue.
            TicketStatus::Pending | TicketStatus::Bot => "auto_close_pending_minutes",
            TicketStatus::Closed => return Ok(None),
        };
        let own = match &ticket.queue_id {
            Some(q) => match db.get_queue(q).await {
                Ok(queue) => queue.auto_close.and_then(|a| match ticket.status {
                    TicketStatus::Open => a.open_minutes,
                    _ => a.pending_minutes,
                }),
                Err(StoreError::NotFound(_)) => None,
                Err(e) => return Err(e.into()),
            },
            None => None,
        };
        let minutes = match own {
            Some(m) => i64::from(m),
            None => {
                let settings = self.runtime.settings_of(db).await?;
                value_of(&settings.stored, key).as_i64().unwrap_or(0)
            }
        };
        Ok((minutes > 0).then(|| Duration::minutes(minutes)))
    }

    /// Since when the ticket has been quiet: an open one since the customer's last message
    /// (or since it was taken), a pending one since anything happened on it.
    async fn quiet_since(&self, db: &TenantDb, ticket: &Ticket) -> InboxResult<DateTime<Utc>> {
        let activity = ticket.last_message_at.unwrap_or(ticket.updated_at);
        Ok(match ticket.status {
            TicketStatus::Open => match db.last_customer_message(&ticket.id).await? {
                Some(m) => m.created_at.max(ticket.updated_at),
                None => ticket.updated_at,
            },
            _ => activity.max(ticket.updated_at),
        })
    }

    /// Set (or move) the ticket's auto-close timer for its status, when the company closes
    /// quiet tickets of that status. Group chats are left alone.
    pub(crate) async fn arm_autoclose(&self, db: &TenantDb, ticket: &Ticket) -> InboxResult<()> {
        if ticket.is_group {
            return Ok(());
        }
        let Some(limit) = self.quiet_limit(db, ticket).await? else {
            return Ok(());
        };
        let due = self.quiet_since(db, ticket).await? + limit;
        self.set_autoclose_timer(db, &ticket.id, due).await
    }

    async fn set_autoclose_timer(
        &self,
        db: &TenantDb,
        ticket_id: &str,
        due: DateTime<Utc>,
    ) -> InboxResult<()> {
        let payload = AutoclosePayload {
            ticket_id: ticket_id.to_string(),
        };
        let job = NewJob::new(
            Lane::System,
            AUTOCLOSE_KIND,
            serde_json::to_value(&payload).expect("an auto-close payload is plain data"),
        )
        .tenant(db.tenant_id());
        self.runtime
            .timers()
            .schedule(
                &timer_name(db.tenant_id(), ticket_id),
                due.timestamp_millis(),
                &job,
            )
            .await?;
        Ok(())
    }

    /// The ticket's auto-close timer fired: close it when it stayed quiet long enough,
    /// otherwise set the timer again for the end of its new quiet stretch.
    pub(crate) async fn autoclose_due(&self, db: &TenantDb, ticket_id: &str) -> InboxResult<()> {
        let ticket = match db.get_ticket(ticket_id).await {
            Ok(t) => t,
            Err(StoreError::NotFound(_)) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        if ticket.is_group {
            return Ok(());
        }
        let Some(limit) = self.quiet_limit(db, &ticket).await? else {
            return Ok(());
        };
        let since = self.quiet_since(db, &ticket).await?;
        if Utc::now() < since + limit {
            return self.set_autoclose_timer(db, ticket_id, since + limit).await;
        }
        let settings = self.runtime.settings_of(db).await?;
        let message = value_of(&settings.stored, "auto_close_message");
        let message = message.as_str().unwrap_or_default().trim();
        if !message.is_empty() {
            let key = format!("autoclose:{ticket_id}:{}", since.timestamp_millis());
            self.send_system(db, ticket_id, message, Some(key)).await?;
        }
        match self
            .act(db, ticket_id, &Actor::system(), TicketAction::Close)
            .await
        {
            Ok(_) => Ok(()),
            // Closed by someone else meanwhile.
            Err(e) if e.is_ticket_state() => Ok(()),
            Err(e) => Err(e),
        }
    }
}

pub(crate) struct AutocloseJob(pub(crate) Arc<Inbox>);

#[async_trait]
impl JobHandler for AutocloseJob {
    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        let tenant = job
            .tenant
            .as_deref()
            .ok_or_else(|| JobError::Fatal("an auto-close job needs a tenant".into()))?;
        let p: AutoclosePayload = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Fatal(format!("invalid {AUTOCLOSE_KIND} payload: {e}")))?;
        let db = self
            .0
            .store
            .tenant(tenant)
            .await
            .map_err(|e| JobError::Fatal(format!("dropped: {e}")))?;
        self.0
            .autoclose_due(&db, &p.ticket_id)
            .await
            .map_err(|e| match e.refusal() {
                Some(why) => JobError::Fatal(why),
                None => JobError::Retry(e.to_string()),
            })
    }
}
