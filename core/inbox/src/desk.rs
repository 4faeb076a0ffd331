//! The flow runtime's messages and ticket actions, carried out on the run's ticket. Each is
//! idempotent on the effect key: messages and notes are written once per key, and actions
//! that already hold (the ticket is in that queue, already closed) change nothing.

use async_trait::async_trait;
use tucan_engine::{Effect, MediaKind};
use tucan_model::ticket::{Media, MessageKind, TicketStatus};
use tucan_runtime::{DeskError, TicketDesk};
use tucan_store::{OutgoingWrite, RunRow, TenantDb};

use crate::Inbox;
use crate::actions::{Actor, TicketAction};
use crate::error::{InboxError, InboxResult};

#[async_trait]
impl TicketDesk for Inbox {
    async fn apply(
        &self,
        db: &TenantDb,
        run: &RunRow,
        effect: &Effect,
    ) -> Result<String, DeskError> {
        let ticket_id = match &run.ticket_id {
            Some(id) => id.clone(),
            // A run started without a conversation (a webhook, by hand, on a schedule)
            // talks on its contact's ticket; closing one it does not have does nothing.
            None => {
                let open = !matches!(effect, Effect::CloseTicket { .. });
                match self
                    .ticket_for_run(db, run, open)
                    .await
                    .map_err(desk_error)?
                {
                    Ok(Some(t)) => t.id,
                    Ok(None) => return Ok("the contact has no open ticket to close".into()),
                    Err(why) => return Err(DeskError::Refused(why)),
                }
            }
        };
        self.apply_effect(db, run, &ticket_id, effect)
            .await
            .map_err(desk_error)
    }

    async fn emit_event(
        &self,
        db: &TenantDb,
        run: &RunRow,
        key: &str,
        name: &str,
        data: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<String, DeskError> {
        let Some(hooks) = &self.opts.webhooks else {
            return Ok("no webhooks in this process".into());
        };
        let ticket = match &run.ticket_id {
            Some(t) => db.get_ticket(t).await.ok(),
            None => None,
        };
        let scope = tucan_webhooks::Scope {
            connection_id: ticket.as_ref().map(|t| t.connection_id.clone()),
            queue_id: ticket.as_ref().and_then(|t| t.queue_id.clone()),
            tags: ticket.map(|t| t.tags).unwrap_or_default(),
        };
        let event = tucan_webhooks::Event {
            kind: format!("custom.{name}"),
            // The same step made again sends the same event id.
            id: Some(tucan_webhooks::event_id_for(db.tenant_id(), key)),
            data: serde_json::json!({
                "run_id": run.id, "flow_id": run.flow_id, "contact_id": run.contact_id,
                "ticket_id": run.ticket_id, "data": data,
            }),
            scope,
        };
        let n = hooks.emit(db, event).await;
        Ok(format!("custom.{name} sent to {n} endpoint(s)"))
    }

    async fn run_ended(&self, db: &TenantDb, run_id: &str, status: &str) {
        self.announce_run(db, run_id, status).await;
        self.bot_run_ended(db, run_id, status).await;
    }

    async fn release(&self, db: &TenantDb, run: &RunRow) -> Result<String, DeskError> {
        match db.release_bot(&run.id).await {
            Ok(Some(t)) => Ok(format!("ticket {} released", t.id)),
            Ok(None) => Ok("no ticket held".into()),
            Err(e) => Err(desk_error(e.into())),
        }
    }
}

/// A refusal (no such queue, a closed ticket, a closed window) fails the effect and its run;
/// anything else is worth another try.
fn desk_error(e: crate::error::InboxError) -> DeskError {
    match e.refusal() {
        Some(why) => DeskError::Refused(why),
        None => DeskError::Later(e.to_string()),
    }
}

impl Inbox {
    async fn apply_effect(
        &self,
        db: &TenantDb,
        run: &RunRow,
        ticket_id: &str,
        effect: &Effect,
    ) -> InboxResult<String> {
        let actor = Actor::run(&run.id);
        Ok(match effect {
            Effect::SendText { key, text, choices } => {
                let w = OutgoingWrite {
                    ticket_id: ticket_id.to_string(),
                    kind: Some(MessageKind::Text),
                    body: text.clone(),
                    choices: choices.clone(),
                    ..Default::default()
                };
                let m = self.run_message(db, run, key, w).await?;
                format!("message {} queued", m.id)
            }
            Effect::SendMedia {
                key,
                media,
                url,
                caption,
                filename,
            } => {
                let kind = match media {
                    MediaKind::Image => MessageKind::Image,
                    MediaKind::Audio => MessageKind::Audio,
                    MediaKind::Video => MessageKind::Video,
                    MediaKind::Document => MessageKind::Document,
                };
                let file = Media {
                    id: None,
                    url: Some(url.clone()),
                    mime: tucan_channels::media::mime_for_kind(kind).to_string(),
                    filename: filename.clone(),
                    size: 0,
                };
                let w = OutgoingWrite {
                    ticket_id: ticket_id.to_string(),
                    kind: Some(kind),
                    body: caption.clone().unwrap_or_default(),
                    media: Some(file),
                    ..Default::default()
                };
                let m = self.run_message(db, run, key, w).await?;
                format!("{} {} queued", kind.as_str(), m.id)
            }
            Effect::RouteToQueue { queue, .. } => {
                let found = db
                    .list_queues()
                    .await?
                    .into_iter()
                    .find(|q| q.id == *queue || q.name.eq_ignore_ascii_case(queue));
                let Some(q) = found else {
                    return Err(InboxError::InvalidField(format!("no queue named {queue}")));
                };
                let t = db.get_ticket(ticket_id).await?;
                if t.queue_id.as_deref() == Some(q.id.as_str()) && t.status != TicketStatus::Closed
                {
                    return Ok(format!("ticket already in {}", q.name));
                }
                let action = TicketAction::Transfer {
                    queue_id: Some(q.id.clone()),
                    user_id: None,
                };
                let t = self.act(db, ticket_id, &actor, action).await?;
                match &t.user_id {
                    Some(u) => format!("ticket routed to {} and assigned to {u}", q.name),
                    None => format!("ticket routed to {}", q.name),
                }
            }
            Effect::AssignAgent { agent, .. } => {
                let found = db
                    .users()
                    .list()
                    .await?
                    .into_iter()
                    .find(|u| u.id == *agent || u.email.eq_ignore_ascii_case(agent));
                let Some(u) = found else {
                    return Err(InboxError::InvalidField(format!("no user {agent}")));
                };
                let t = db.get_ticket(ticket_id).await?;
                if t.user_id.as_deref() == Some(u.id.as_str()) && t.status == TicketStatus::Open {
                    return Ok(format!("ticket already with {}", u.name));
                }
                let action = TicketAction::Transfer {
                    queue_id: None,
                    user_id: Some(u.id.clone()),
                };
                self.act(db, ticket_id, &actor, action).await?;
                format!("ticket assigned to {}", u.name)
            }
            Effect::AddNote { key, text } => {
                let note = self
                    .add_note(db, ticket_id, &actor, text, Some(key.clone()))
                    .await?;
                format!("note {} added", note.id)
            }
            Effect::CloseTicket { .. } => {
                let t = db.get_ticket(ticket_id).await?;
                if t.status == TicketStatus::Closed {
                    return Ok("ticket already closed".into());
                }
                self.act(db, ticket_id, &actor, TicketAction::Close).await?;
                "ticket closed".into()
            }
            other => format!("not a ticket effect: {other:?}"),
        })
    }

    /// A run's message `w` on its ticket, once per effect `key`.
    async fn run_message(
        &self,
        db: &TenantDb,
        run: &RunRow,
        key: &str,
        w: OutgoingWrite,
    ) -> InboxResult<tucan_model::ticket::Message> {
        let ticket = db.get_ticket(&w.ticket_id).await?;
        self.check_window(db, &ticket).await?;
        let m = db
            .create_outgoing(&OutgoingWrite {
                run_id: Some(run.id.clone()),
                dedupe_key: Some(key.to_string()),
                allow_closed: true,
                ..w
            })
            .await?;
        self.queue_send(db, &m).await?;
        Ok(m)
    }
}
