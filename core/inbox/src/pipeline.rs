//! The inbound pipeline, per message: contact found or created (number normalised, name
//! from the channel) → ticket found, reopened or opened → message stored once per channel
//! message id → ticket-event and message triggers of flows (or the waiting run answered) →
//! a new ticket nobody routed finds an agent in its queue. The event stream carries each
//! write to the agents' sockets.

use async_trait::async_trait;
use serde_json::Value;
use tucan_engine::{MessageEvent, TicketEventData, TicketEventKind};
use tucan_model::contact::Contact;
use tucan_model::phone::normalize_phone;
use tucan_model::ticket::{Connection, Media, MessageStatus};
use tucan_model::{ErrorCode, Problem};
use tucan_runtime::{RunContact, RunSource, StartRun};
use tucan_store::{ContactFields, InboundOutcome, InboundWrite, StoreError, StoreResult, TenantDb};

use crate::Inbox;
use crate::channel::{ChannelEvent, ChannelSink, Incoming};

impl Inbox {
    /// Take a customer's message that arrived on `conn`.
    pub async fn receive(
        &self,
        db: &TenantDb,
        conn: &Connection,
        inc: Incoming,
    ) -> StoreResult<InboundOutcome> {
        if inc.channel_id.is_empty() || inc.channel_id.len() > 200 {
            return Err(Problem::new(
                ErrorCode::InvalidField,
                "a message needs a channel id of 1-200 characters",
            )
            .into());
        }
        let phone = normalize_phone(&inc.from, "ZZ")?;
        let contact = self
            .contact_for(db, &phone, inc.push_name.as_deref())
            .await?;
        let settings = self.runtime.settings_of(db).await?;
        let reopen = settings
            .stored
            .get("ticket_reopen_window_minutes")
            .and_then(Value::as_u64)
            .unwrap_or(30) as u32;
        let media = inc.media_url.as_ref().map(|url| Media {
            id: None,
            url: Some(url.clone()),
            mime: inc
                .mime
                .clone()
                .unwrap_or_else(|| "application/octet-stream".into()),
            filename: None,
            size: 0,
        });
        let outcome = db
            .record_inbound(&InboundWrite {
                connection_id: conn.id.clone(),
                channel_id: inc.channel_id.clone(),
                contact: contact.clone(),
                kind: inc.kind,
                body: inc.body.clone(),
                media,
                quoted_channel_id: inc.quoted.clone(),
                is_group: inc.is_group,
                reopen_window_minutes: reopen,
                default_queue_id: conn.default_queue_id.clone(),
            })
            .await?;
        if outcome.duplicate {
            return Ok(outcome);
        }
        self.after_inbound(db, conn, &contact, &outcome, &inc).await;
        Ok(outcome)
    }

    /// Flows and assignment after a stored message. Failures here are logged: the message
    /// is stored and on the agents' screens whatever a flow does with it.
    async fn after_inbound(
        &self,
        db: &TenantDb,
        conn: &Connection,
        contact: &Contact,
        outcome: &InboundOutcome,
        inc: &Incoming,
    ) {
        let ticket = &outcome.ticket;
        let new_ticket = outcome.opened || outcome.reopened;
        if new_ticket {
            if outcome.opened && !conn.greeting.trim().is_empty() {
                let key = format!("greeting:{}", ticket.id);
                if let Err(e) = self
                    .send_system(db, &ticket.id, &conn.greeting, Some(key))
                    .await
                {
                    tracing::warn!(ticket = %ticket.id, error = %e, "greeting not sent");
                }
            }
            let kind = if outcome.opened {
                TicketEventKind::Opened
            } else {
                TicketEventKind::Reopened
            };
            self.ticket_event(db, ticket, kind).await;
        }
        let event = MessageEvent {
            connection_id: conn.id.clone(),
            text: inc.body.clone(),
            first_of_ticket: new_ticket,
            outside_business_hours: false,
        };
        let moved = match self
            .runtime
            .on_message(db, &contact.id, Some(&ticket.id), &event)
            .await
        {
            Ok(runs) => runs,
            Err(e) => {
                tracing::warn!(ticket = %ticket.id, error = %e, "message triggers failed");
                Vec::new()
            }
        };
        if !moved.is_empty() || !new_ticket {
            return;
        }
        if let Some(flow_id) = &conn.default_flow_id {
            let start = StartRun {
                flow_id: flow_id.clone(),
                source: RunSource::Published { version: None },
                contact: RunContact::Stored(contact.id.clone()),
                ticket_id: Some(ticket.id.clone()),
                vars: serde_json::Map::from_iter([(
                    "message".to_string(),
                    Value::String(inc.body.clone()),
                )]),
                event: None,
                clock: None,
                id: None,
                parent: None,
            };
            match self.runtime.start(db, start).await {
                Ok(_) => return,
                Err(e) => {
                    tracing::warn!(flow = %flow_id, error = %e, "default flow not started")
                }
            }
        }
        // Nobody routed it: its queue's strategy may hand it to an agent now.
        if let Err(e) = self.auto_assign(db, &ticket.id).await {
            tracing::warn!(ticket = %ticket.id, error = %e, "assignment failed");
        }
    }

    /// Tell flows with a ticket-event trigger.
    pub(crate) async fn ticket_event(
        &self,
        db: &TenantDb,
        ticket: &tucan_model::ticket::Ticket,
        kind: TicketEventKind,
    ) {
        let data = TicketEventData {
            kind,
            queue_id: ticket.queue_id.clone(),
        };
        if let Err(e) = self
            .runtime
            .on_ticket_event(db, &ticket.contact_id, &ticket.id, &data)
            .await
        {
            tracing::warn!(ticket = %ticket.id, error = %e, "ticket-event triggers failed");
        }
    }

    /// The contact with this number, created when new; a contact still named after its
    /// number takes the name the customer set on WhatsApp.
    async fn contact_for(
        &self,
        db: &TenantDb,
        phone: &str,
        push_name: Option<&str>,
    ) -> StoreResult<Contact> {
        let name = push_name
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| n.chars().take(200).collect::<String>());
        for _ in 0..3 {
            if let Some(c) = db.find_contact_by_phone(phone).await? {
                return match &name {
                    Some(n) if c.name == c.phone && *n != c.name => {
                        let mut fields = ContactFields::from(c.clone());
                        fields.name = n.clone();
                        db.save_contact(&c.id, &fields).await
                    }
                    _ => Ok(c),
                };
            }
            let fields = ContactFields {
                name: name.clone().unwrap_or_else(|| phone.to_string()),
                phone: phone.to_string(),
                ..Default::default()
            };
            match db.create_contact(&fields).await {
                Ok(c) => return Ok(c),
                // Another message of the same new customer created it a moment ago.
                Err(StoreError::Problem(p)) if p.code == ErrorCode::ContactExists => continue,
                Err(e) if e.is_conflict() => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Backend("contact kept changing".into()))
    }

    /// A receipt for an outgoing message. The receipt may overtake the send's own write of
    /// the channel id, so a few short waits are allowed for it to appear.
    async fn receipt(
        &self,
        db: &TenantDb,
        connection_id: &str,
        channel_id: &str,
        status: MessageStatus,
    ) -> StoreResult<()> {
        for attempt in 0..10 {
            if let Some(m) = db.message_by_channel_id(connection_id, channel_id).await? {
                db.set_message_status(&m.id, status, None, None).await?;
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(50 * (attempt + 1))).await;
        }
        tracing::debug!(channel_id, "receipt for an unknown message");
        Ok(())
    }
}

impl Inbox {
    /// Receipts for several outgoing messages of a connection (the simulator's phone read
    /// them, say).
    pub async fn receipts(
        &self,
        tenant: &str,
        connection_id: &str,
        channel_ids: Vec<String>,
        status: MessageStatus,
    ) {
        for channel_id in channel_ids {
            self.channel_event(
                tenant,
                connection_id,
                ChannelEvent::Receipt { channel_id, status },
            )
            .await;
        }
    }
}

#[async_trait]
impl ChannelSink for Inbox {
    async fn channel_event(&self, tenant: &str, connection_id: &str, event: ChannelEvent) {
        let result = async {
            let db = self.store.tenant(tenant).await?;
            match event {
                ChannelEvent::Message(inc) => {
                    let conn = db.get_connection(connection_id).await?;
                    self.receive(&db, &conn, inc).await.map(|_| ())
                }
                ChannelEvent::Receipt { channel_id, status } => {
                    self.receipt(&db, connection_id, &channel_id, status).await
                }
                ChannelEvent::Status {
                    status,
                    pairing,
                    detail,
                } => db
                    .set_connection_status(connection_id, status, pairing.as_deref(), &detail)
                    .await
                    .map(|_| ()),
            }
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(tenant, connection = connection_id, error = %e, "channel event not taken");
        }
    }
}
