//! The inbound pipeline, per message: contact found or created (number normalised, name
//! from the channel) → ticket found, reopened or opened → message stored once per channel
//! message id → ticket-event and message triggers of flows (or the waiting run answered) →
//! a new ticket nobody routed finds an agent in its queue. The event stream carries each
//! write to the agents' sockets.

use async_trait::async_trait;
use serde_json::Value;
use tucan_engine::{MessageEvent, TicketEventData, TicketEventKind};
use tucan_model::contact::Contact;
use tucan_model::phone::{check_group_id, normalize_phone};
use tucan_model::ticket::{
    ChatState, Connection, GroupChat, Media, MessageAuthor, MessageKind, MessageStatus, Ticket,
    TicketStatus,
};
use tucan_model::{ErrorCode, Problem};
use tucan_runtime::{RunContact, RunSource, StartRun};
use tucan_store::{
    ContactFields, InboundOutcome, InboundWrite, QuickInbound, QuickOutcome, StoreError,
    StoreResult, TenantDb,
};

use crate::Inbox;
use crate::error::{InboxError, InboxResult};
use crate::voice::Handoff;
use tucan_channels::media::kind_of;
use tucan_channels::{ChannelEvent, ChannelSink, Incoming, SinkError, Taken};

/// Who files customers send are kept for (`media.created_by`).
const CUSTOMER: &str = "customer";

/// The contact with the number of `new` (a phone, or a group's id) passed through `found`,
/// or `new` created when there is none. A first message racing this one may create it
/// meanwhile: then it is found on the next look.
async fn found_or_created<F, Fut>(
    db: &TenantDb,
    new: ContactFields,
    found: F,
) -> StoreResult<Contact>
where
    F: FnOnce(Contact) -> Fut,
    Fut: std::future::Future<Output = StoreResult<Contact>>,
{
    for _ in 0..3 {
        if let Some(c) = db.find_contact_by_phone(&new.phone).await? {
            return found(c).await;
        }
        match db.create_contact(&new).await {
            Ok(c) => return Ok(c),
            Err(StoreError::Problem(p)) if p.code == ErrorCode::ContactExists => continue,
            Err(e) if e.is_conflict() => continue,
            Err(e) => return Err(e),
        }
    }
    Err(StoreError::Conflict)
}

/// A name as WhatsApp gives it: trimmed, at most 200 characters, none when empty.
pub(crate) fn clean_name(name: Option<&str>) -> Option<String> {
    name.map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| n.chars().take(200).collect())
}

/// A bounded memo of senders' numbers in E.164, keyed by what the channel reported (a JID or
/// digits). Only valid numbers are kept; when full it starts over.
#[derive(Debug, Default)]
pub(crate) struct SenderNumbers {
    known: std::sync::Mutex<std::collections::HashMap<String, String>>,
}

impl SenderNumbers {
    /// Most senders remembered at once.
    const CAPACITY: usize = 50_000;

    /// `from` in E.164, or why it is not a phone number.
    pub(crate) fn normalize(&self, from: &str) -> Result<String, Problem> {
        if let Some(phone) = self.known.lock().ok().and_then(|k| k.get(from).cloned()) {
            return Ok(phone);
        }
        let phone = normalize_phone(from, "ZZ")?;
        if let Ok(mut known) = self.known.lock() {
            if known.len() >= Self::CAPACITY {
                known.clear();
            }
            known.insert(from.to_string(), phone.clone());
        }
        Ok(phone)
    }
}

impl Inbox {
    /// Take a customer's message that arrived on `conn`.
    pub async fn receive(
        &self,
        db: &TenantDb,
        conn: &Connection,
        inc: Incoming,
    ) -> InboxResult<InboundOutcome> {
        if inc.channel_id.is_empty() || inc.channel_id.len() > 200 {
            return Err(InboxError::InvalidField(
                "a message needs a channel id of 1-200 characters".into(),
            ));
        }
        let phone = self.senders.normalize(&inc.from)?;
        let settings = self.runtime.settings_of(db).await?;
        let flag = |key: &str| settings.stored.get(key).and_then(Value::as_bool);
        if inc.group.is_some() && flag("accept_group_chats") != Some(true) {
            return Err(InboxError::Disabled(
                "this company does not take group chats (setting accept_group_chats)".into(),
            ));
        }
        let (media, media_error) = self.incoming_media(db, &inc).await;
        let kind = match (&media, inc.kind) {
            // A file's kind follows its content when the channel called it text.
            (Some(m), MessageKind::Text) if m.id.is_some() => kind_of(&m.mime),
            (_, kind) => kind,
        };
        let stored_file = media.as_ref().and_then(|m| m.id.clone());
        if inc.group.is_none() {
            // Most messages come from a known customer whose ticket is open: those are
            // written together with the others arriving at the same moment.
            let quick = QuickInbound {
                connection_id: conn.id.clone(),
                channel_id: inc.channel_id.clone(),
                phone: phone.clone(),
                push_name: clean_name(inc.push_name.as_deref()),
                kind,
                body: inc.body.clone(),
                media: media.clone(),
                media_error: media_error.clone(),
                quoted_channel_id: inc.quoted.clone(),
            };
            match self.batcher.write(db, quick).await {
                Some(QuickOutcome::Stored(outcome)) => {
                    self.after_inbound(db, conn, &outcome, &inc).await;
                    return Ok(*outcome);
                }
                Some(QuickOutcome::Seen(first)) => {
                    if let Some(id) = stored_file {
                        self.discard_media(db, &id).await;
                    }
                    return Ok(db.inbound_duplicate(&first).await?);
                }
                Some(QuickOutcome::Declined) | None => {}
            }
        }
        // A contact created by this message has no ticket yet, open or closed.
        let mut fresh_contact = false;
        let (contact, author, known) = match &inc.group {
            Some(group) => {
                let author = MessageAuthor {
                    phone: phone.clone(),
                    name: clean_name(inc.push_name.as_deref()),
                };
                (self.group_contact(db, group).await?, Some(author), None)
            }
            None => {
                // The contact, a first delivery and the live ticket in one round trip.
                let found = db
                    .inbound_lookup_by_phone(&phone, &conn.id, &inc.channel_id)
                    .await?;
                match found.contact {
                    Some(c) => {
                        let contact = self.renamed(db, c, inc.push_name.as_deref()).await?;
                        (contact, None, Some((found.seen, found.live)))
                    }
                    None => {
                        let (contact, created) = self
                            .contact_for(db, &phone, inc.push_name.as_deref())
                            .await?;
                        fresh_contact = created;
                        // Its first delivery was looked up already; it has no live ticket.
                        let known = created.then_some((found.seen, None));
                        (contact, None, known)
                    }
                }
            }
        };
        let reopen = if fresh_contact {
            0
        } else {
            settings
                .stored
                .get("ticket_reopen_window_minutes")
                .and_then(Value::as_u64)
                .unwrap_or(30) as u32
        };
        // A new ticket in a queue with a bot starts held by the bot, out of agents' sight.
        let may_open = !matches!(&known, Some((_, Some(_))));
        let bot_queue = may_open
            && inc.group.is_none()
            && self
                .queue_bot(db, conn.default_queue_id.as_deref())
                .await?
                .is_some();
        let write = InboundWrite {
            connection_id: conn.id.clone(),
            channel_id: inc.channel_id.clone(),
            contact,
            kind,
            body: inc.body.clone(),
            media,
            media_error,
            author,
            quoted_channel_id: inc.quoted.clone(),
            is_group: inc.group.is_some(),
            reopen_window_minutes: reopen,
            default_queue_id: conn.default_queue_id.clone(),
            bot_queue,
        };
        // A known customer with no live ticket here may be answering a rating request.
        let rated = match &known {
            Some((None, None)) if inc.group.is_none() && !fresh_contact => {
                self.rating_answer(db, &write).await?
            }
            _ => None,
        };
        if let Some(outcome) = rated {
            if let Err(e) = self.thank_for_rating(db, &outcome.ticket).await {
                tracing::warn!(ticket = %outcome.ticket.id, error = %e, "rating thanks not sent");
            }
            return Ok(outcome);
        }
        let outcome = db.record_inbound(&write, known).await;
        let outcome = match outcome {
            Ok(o) if !o.duplicate => o,
            other => {
                // Not stored (a second delivery, or the write failed): the file goes too.
                if let Some(id) = stored_file {
                    self.discard_media(db, &id).await;
                }
                return Ok(other?);
            }
        };
        self.after_inbound(db, conn, &outcome, &inc).await;
        Ok(outcome)
    }

    /// The file of an incoming message: kept when the channel fetched it (refused ones leave
    /// the reason on the message instead, so nothing the customer wrote is lost), or its
    /// address when the channel only has one.
    async fn incoming_media(
        &self,
        db: &TenantDb,
        inc: &Incoming,
    ) -> (Option<Media>, Option<String>) {
        if let Some(file) = &inc.file {
            return match self
                .store_media(db, CUSTOMER, file.filename.clone(), &file.bytes)
                .await
            {
                Ok(row) => (
                    Some(Media {
                        id: Some(row.id),
                        url: None,
                        mime: row.mime,
                        filename: row.filename,
                        size: row.size,
                    }),
                    None,
                ),
                Err(e) => match e.refusal() {
                    Some(why) => (None, Some(format!("file not kept: {why}"))),
                    None => {
                        tracing::warn!(error = %e, "incoming file not kept");
                        (None, Some("file not kept: the store failed".into()))
                    }
                },
            };
        }
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
        (media, None)
    }

    /// The contact that stands for a group chat, created on its first message; it takes the
    /// group's current name.
    async fn group_contact(&self, db: &TenantDb, group: &GroupChat) -> InboxResult<Contact> {
        let id = check_group_id(&group.id)?;
        let subject = clean_name(group.subject.as_deref());
        let new = ContactFields {
            name: subject.clone().unwrap_or_else(|| id.clone()),
            phone: id.clone(),
            is_group: true,
            ..Default::default()
        };
        Ok(found_or_created(db, new, |c| async move {
            match subject {
                Some(n) if n != c.name => {
                    let mut fields = ContactFields::from(c.clone());
                    fields.name = n;
                    db.save_contact(&c.id, &fields).await
                }
                _ => Ok(c),
            }
        })
        .await?)
    }

    /// Flows and assignment after a stored message. Failures here are logged: the message
    /// is stored and on the agents' screens whatever a flow does with it.
    async fn after_inbound(
        &self,
        db: &TenantDb,
        conn: &Connection,
        outcome: &InboundOutcome,
        inc: &Incoming,
    ) {
        let ticket = &outcome.ticket;
        let new_ticket = outcome.opened || outcome.reopened;
        self.announce_received(db, &outcome.message, ticket).await;
        if !ticket.is_group
            && let Err(e) = self.opt_out_if_asked(db, &outcome.message).await
        {
            tracing::warn!(ticket = %ticket.id, error = %e, "opt-out not recorded");
        }
        // The customer answered a campaign's message.
        if let Some((campaign, seq)) = &ticket.campaign_rcpt
            && let Err(e) = db.campaign_replied(&ticket.id, campaign, *seq).await
        {
            tracing::warn!(ticket = %ticket.id, error = %e, "campaign reply not recorded");
        }
        if ticket.is_group {
            // Flows talk to one customer; a group chat waits for an agent.
            if new_ticket && let Err(e) = self.auto_assign(db, &ticket.id).await {
                tracing::warn!(ticket = %ticket.id, error = %e, "assignment failed");
            }
            return;
        }
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
            if let Err(e) = self.arm_autoclose(db, ticket).await {
                tracing::warn!(ticket = %ticket.id, error = %e, "auto-close not set");
            }
        }
        // A returning contact's new ticket goes to their wallet's agent, who answers it.
        let by_owner = match outcome.opened {
            true => match self.route_by_wallet(db, ticket).await {
                Ok(agent) => agent.is_some(),
                Err(e) => {
                    tracing::warn!(ticket = %ticket.id, error = %e, "wallet routing failed");
                    false
                }
            },
            false => false,
        };
        if let Err(e) = self.out_of_hours(db, ticket).await {
            tracing::warn!(ticket = %ticket.id, error = %e, "out-of-hours message not sent");
        }
        let handoff = Handoff {
            message_id: outcome.message.id.clone(),
            ticket_id: ticket.id.clone(),
            connection_id: conn.id.clone(),
            // A tapped option answers as its number.
            text: inc.choice.clone().unwrap_or_else(|| inc.body.clone()),
            new_ticket,
            by_owner,
            runs_waiting: outcome.runs_waiting,
        };
        // A voice note reaches flows as its text when the company transcribes them.
        if self.transcribes(db, &outcome.message).await {
            match self.publish_transcription(db, &handoff).await {
                Ok(()) => return,
                Err(e) => {
                    tracing::warn!(ticket = %ticket.id, error = %e, "voice note not queued for transcription")
                }
            }
        }
        self.to_flows(db, conn, ticket, &handoff).await;
    }

    /// A customer's message handed to flows (a waiting run's reply, a message trigger, the
    /// number's flow for new tickets), or else to the queue's assignment.
    pub(crate) async fn to_flows(
        &self,
        db: &TenantDb,
        conn: &Connection,
        ticket: &Ticket,
        h: &Handoff,
    ) {
        let contact_id = &ticket.contact_id;
        let (new_ticket, by_owner) = (h.new_ticket, h.by_owner);
        // A queue's bot has the ticket before flows and agents do.
        if new_ticket && !by_owner {
            match self.bot_takes(db, ticket, h).await {
                Ok(true) => return,
                Ok(false) => {}
                Err(e) => tracing::warn!(ticket = %ticket.id, error = %e, "queue bot not started"),
            }
        } else if ticket.status == TicketStatus::Bot {
            if let Err(e) = self.to_bot(db, ticket, h).await {
                tracing::warn!(ticket = %ticket.id, error = %e, "message not given to the queue's bot");
            }
            return;
        }
        let event = MessageEvent {
            connection_id: conn.id.clone(),
            text: h.text.clone(),
            first_of_ticket: new_ticket,
            outside_business_hours: false,
        };
        // Flows still get the replies they wait for; none starts on an agent's ticket.
        let agent_has_it =
            by_owner || (ticket.status == TicketStatus::Open && ticket.user_id.is_some());
        let triggered = if agent_has_it {
            self.runtime
                .resume_replies(db, contact_id, &event, h.runs_waiting)
                .await
        } else {
            self.runtime
                .on_message_with(db, contact_id, Some(&ticket.id), &event, h.runs_waiting)
                .await
        };
        let moved = match triggered {
            Ok(runs) => runs,
            Err(e) => {
                tracing::warn!(ticket = %ticket.id, error = %e, "message triggers failed");
                Vec::new()
            }
        };
        if !moved.is_empty() || !new_ticket || by_owner {
            return;
        }
        if let Some(flow_id) = &conn.default_flow_id {
            let start = StartRun {
                flow_id: flow_id.clone(),
                source: RunSource::Published { version: None },
                contact: RunContact::Stored(contact_id.clone()),
                ticket_id: Some(ticket.id.clone()),
                vars: serde_json::Map::from_iter([(
                    "message".to_string(),
                    Value::String(h.text.clone()),
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

    /// While the company (or the ticket's queue, as `business_hours_scope` says) is closed,
    /// a customer's message gets the `out_of_hours_message`, once per ticket in each closed
    /// stretch (named by the opening that ends it).
    async fn out_of_hours(
        &self,
        db: &TenantDb,
        ticket: &tucan_model::ticket::Ticket,
    ) -> InboxResult<()> {
        let settings = self.runtime.settings_of(db).await?;
        let text = |key: &str| {
            tucan_model::settings::value_of(&settings.stored, key)
                .as_str()
                .unwrap_or_default()
                .trim()
                .to_string()
        };
        let (scope, message) = (text("business_hours_scope"), text("out_of_hours_message"));
        if message.is_empty() || !matches!(scope.as_str(), "company" | "queue") {
            return Ok(());
        }
        let queue_hours = match (&ticket.queue_id, scope.as_str()) {
            (Some(q), "queue") => match db.get_queue(q).await {
                Ok(q) => q.business_hours,
                Err(StoreError::NotFound(_)) => None,
                Err(e) => return Err(e.into()),
            },
            _ => None,
        };
        let Some(hours) = queue_hours.or_else(|| settings.business_hours.clone()) else {
            return Ok(());
        };
        let now = chrono::Utc::now();
        if hours.is_open(now, &settings.timezone) {
            return Ok(());
        }
        let stretch = hours
            .opens_after(now, &settings.timezone)
            .map_or(0, |t| t.timestamp());
        let key = format!("out-of-hours:{}:{stretch}", ticket.id);
        self.send_system(db, &ticket.id, &message, Some(key))
            .await?;
        Ok(())
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
        self.announce_ticket(db, ticket, kind).await;
    }

    /// The contact with this number, which a lookup just did not find: created (true), or
    /// found when a message racing this one created it meanwhile (false). A contact still
    /// named after its number takes the name the customer set on WhatsApp.
    async fn contact_for(
        &self,
        db: &TenantDb,
        phone: &str,
        push_name: Option<&str>,
    ) -> InboxResult<(Contact, bool)> {
        let new = ContactFields {
            name: clean_name(push_name).unwrap_or_else(|| phone.to_string()),
            phone: phone.to_string(),
            ..Default::default()
        };
        match db.create_contact(&new).await {
            Ok(c) => {
                self.announce_contact(db, &c, true).await;
                return Ok((c, true));
            }
            Err(StoreError::Problem(p)) if p.code == ErrorCode::ContactExists => {}
            Err(e) if e.is_conflict() => {}
            Err(e) => return Err(e.into()),
        }
        let contact = found_or_created(db, new, |c| self.renamed(db, c, push_name)).await?;
        Ok((contact, false))
    }

    /// A contact still named after its number takes the name the customer set on WhatsApp.
    async fn renamed(
        &self,
        db: &TenantDb,
        contact: Contact,
        push_name: Option<&str>,
    ) -> StoreResult<Contact> {
        match clean_name(push_name) {
            Some(n) if contact.name == contact.phone && n != contact.name => {
                let mut fields = ContactFields::from(contact.clone());
                fields.name = n;
                db.save_contact(&contact.id, &fields).await
            }
            _ => Ok(contact),
        }
    }

    /// A receipt for an outgoing message. The receipt may overtake the send's own write of
    /// the channel id, so a few short waits are allowed for it to appear.
    async fn receipt(
        &self,
        db: &TenantDb,
        connection_id: &str,
        channel_id: &str,
        status: MessageStatus,
        error: Option<&str>,
    ) -> InboxResult<()> {
        for attempt in 0..10 {
            if let Some(m) = db.message_by_channel_id(connection_id, channel_id).await? {
                if let Some(changed) = db.set_message_status(&m.id, status, None, error).await? {
                    self.announce_status(db, &changed).await;
                }
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(50 * (attempt + 1))).await;
        }
        tracing::debug!(channel_id, "receipt for an unknown message");
        Ok(())
    }
}

impl Inbox {
    /// A customer is writing (or stopped) in the chat of `from` (or of the group `group`):
    /// the agents who see its live ticket hear of it. False when there is no such ticket.
    pub async fn customer_typing(
        &self,
        db: &TenantDb,
        connection_id: &str,
        from: &str,
        group: Option<&str>,
        state: ChatState,
    ) -> InboxResult<bool> {
        let phone = normalize_phone(from, "ZZ")?;
        let chat = match group {
            Some(g) => check_group_id(g)?,
            None => phone.clone(),
        };
        let Some(contact) = db.find_contact_by_phone(&chat).await? else {
            return Ok(false);
        };
        Ok(db
            .append_typing_event(&contact.id, connection_id, &phone, state.as_str())
            .await?)
    }
}

#[async_trait]
impl ChannelSink for Inbox {
    async fn channel_event(
        &self,
        tenant: &str,
        connection_id: &str,
        event: ChannelEvent,
    ) -> Result<Taken, SinkError> {
        let result = async {
            let db = self.store.tenant(tenant).await?;
            match event {
                ChannelEvent::Message(inc) => {
                    let conn = db.get_connection(connection_id).await?;
                    let out = self.receive(&db, &conn, *inc).await?;
                    Ok(Taken::Message {
                        message_id: out.message.id,
                        ticket_id: out.ticket.id,
                        duplicate: out.duplicate,
                    })
                }
                ChannelEvent::Receipt { channel_id, status } => self
                    .receipt(&db, connection_id, &channel_id, status, None)
                    .await
                    .map(|()| Taken::Applied),
                ChannelEvent::Failed { channel_id, reason } => self
                    .receipt(
                        &db,
                        connection_id,
                        &channel_id,
                        MessageStatus::Failed,
                        Some(&reason),
                    )
                    .await
                    .map(|()| Taken::Applied),
                ChannelEvent::Typing { from, group, state } => self
                    .customer_typing(&db, connection_id, &from, group.as_deref(), state)
                    .await
                    .map(|_| Taken::Applied),
                ChannelEvent::Status {
                    status,
                    pairing,
                    detail,
                } => db
                    .set_connection_status(connection_id, status, pairing.as_deref(), &detail)
                    .await
                    .map(|_| Taken::Applied)
                    .map_err(InboxError::from),
            }
        }
        .await;
        result.map_err(|e| {
            match &e {
                // A group chat of a company that takes none: refused as it asked.
                InboxError::Disabled(_) => {
                    tracing::debug!(tenant, connection = connection_id, "group chat message refused")
                }
                e if e.refusal().is_some() => {
                    tracing::info!(tenant, connection = connection_id, error = %e, "channel event refused")
                }
                e => {
                    tracing::warn!(tenant, connection = connection_id, error = %e, "channel event not taken")
                }
            }
            match e.to_problem() {
                Some(p) if e.refusal().is_some() => SinkError::Refused(p),
                _ => SinkError::Failed(e.to_string()),
            }
        })
    }
}
