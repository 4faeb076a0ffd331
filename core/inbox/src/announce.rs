//! The inbox's events for the company's outgoing webhooks: messages received, sent and
//! their receipts, tickets opened, changed and closed, contacts created and changed, and flow
//! runs that ended. Nothing is built when no endpoint of the company wants the event.

use serde_json::{Value, json};
use tucan_engine::TicketEventKind;
use tucan_model::contact::Contact;
use tucan_model::ticket::{Message, MessageStatus, Ticket};
use tucan_store::TenantDb;
use tucan_webhooks::{Event, Scope};

use crate::Inbox;

/// What an event on a ticket concerns, for the endpoints' filters.
fn scope_of(ticket: &Ticket) -> Scope {
    Scope {
        connection_id: Some(ticket.connection_id.clone()),
        queue_id: ticket.queue_id.clone(),
        tags: ticket.tags.clone(),
    }
}

impl Inbox {
    /// Send `kind` to the endpoints that want it; `data` is only built for them.
    pub async fn announce(
        &self,
        db: &TenantDb,
        kind: &'static str,
        scope: Scope,
        data: impl FnOnce() -> Value,
    ) {
        let Some(hooks) = &self.opts.webhooks else {
            return;
        };
        match hooks.wanted(db, kind).await {
            Ok(true) => {
                hooks
                    .emit(
                        db,
                        Event {
                            kind: kind.to_string(),
                            id: None,
                            data: data(),
                            scope,
                        },
                    )
                    .await;
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(event = kind, error = %e, "webhook endpoints not read"),
        }
    }

    /// A ticket was opened, changed or closed.
    pub(crate) async fn announce_ticket(
        &self,
        db: &TenantDb,
        ticket: &Ticket,
        kind: TicketEventKind,
    ) {
        let name = match kind {
            TicketEventKind::Opened => "ticket.created",
            TicketEventKind::Closed => "ticket.closed",
            _ => "ticket.updated",
        };
        self.announce(db, name, scope_of(ticket), || json!({ "ticket": ticket }))
            .await;
    }

    /// A ticket changed in a way no ticket trigger names (returned, tagged, untagged).
    pub(crate) async fn announce_ticket_change(&self, db: &TenantDb, ticket: &Ticket) {
        self.announce(
            db,
            "ticket.updated",
            scope_of(ticket),
            || json!({ "ticket": ticket }),
        )
        .await;
    }

    /// A customer's message was stored.
    pub(crate) async fn announce_received(
        &self,
        db: &TenantDb,
        message: &Message,
        ticket: &Ticket,
    ) {
        self.announce(
            db,
            "message.received",
            scope_of(ticket),
            || json!({ "message": message, "ticket": ticket }),
        )
        .await;
    }

    /// An outgoing message changed status: `message.sent` when its channel took it,
    /// `message.status` for delivered, read and failed.
    pub(crate) async fn announce_status(&self, db: &TenantDb, message: &Message) {
        let kind = match message.status {
            MessageStatus::Sent => "message.sent",
            _ => "message.status",
        };
        let scope = Scope {
            connection_id: Some(message.connection_id.clone()),
            ..Scope::default()
        };
        self.announce(db, kind, scope, || json!({ "message": message }))
            .await;
    }

    /// A contact was created or changed.
    pub async fn announce_contact(&self, db: &TenantDb, contact: &Contact, created: bool) {
        let kind = if created {
            "contact.created"
        } else {
            "contact.updated"
        };
        let scope = Scope {
            tags: contact.tags.clone(),
            ..Scope::default()
        };
        self.announce(db, kind, scope, || json!({ "contact": contact }))
            .await;
    }

    /// A flow run completed or failed (a cancelled one, or a test run, is not announced):
    /// announced when it still has the `status` it was written with.
    pub(crate) async fn announce_run(&self, db: &TenantDb, run_id: &str, status: &str) {
        let kind = match status {
            "completed" => "flow.run.completed",
            "failed" => "flow.run.failed",
            _ => return,
        };
        let Some(hooks) = &self.opts.webhooks else {
            return;
        };
        if !hooks.wanted(db, kind).await.unwrap_or(false) {
            return;
        }
        let run = match db.get_run(run_id).await {
            Ok(r) if r.status == status && !r.test => r,
            _ => return,
        };
        let ticket = match &run.ticket_id {
            Some(t) => db.get_ticket(t).await.ok(),
            None => None,
        };
        let scope = ticket.as_ref().map(scope_of).unwrap_or_default();
        self.announce(db, kind, scope, || {
            json!({ "run": {
                "id": run.id, "flow_id": run.flow_id, "version": run.version,
                "status": run.status, "error": run.error, "contact_id": run.contact_id,
                "ticket_id": run.ticket_id, "trigger": run.trigger,
                "started_at": run.started_at, "ended_at": run.ended_at,
            } })
        })
        .await;
    }
}
