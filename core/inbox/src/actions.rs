//! Ticket actions (accept, transfer, return to pending, close, reopen, read, tag, untag,
//! notes) with their timeline entries, queue greetings, farewells and flow triggers; the
//! queues' assignment strategies; agents' messages with quick-reply expansion.

use serde_json::json;
use tucan_engine::TicketEventKind;
use tucan_model::ErrorCode;
use tucan_model::inbox::AssignStrategy;
use tucan_model::settings::value_of;
use tucan_model::ticket::{Media, Message, MessageKind, NewMessage, Ticket, TicketStatus};
use tucan_runtime::RuntimeError;
use tucan_store::{LiveKey, OutgoingWrite, StoreError, TenantDb, TicketChange};

use crate::Inbox;
use crate::error::{InboxError, InboxResult};

/// Who acts on a ticket, for the timeline.
#[derive(Debug, Clone)]
pub struct Actor {
    /// `user:<id>`, `run:<id>` or `system`.
    pub name: String,
    pub user_id: Option<String>,
}

impl Actor {
    pub fn user(id: &str) -> Actor {
        Actor {
            name: format!("user:{id}"),
            user_id: Some(id.to_string()),
        }
    }

    pub fn run(id: &str) -> Actor {
        Actor {
            name: format!("run:{id}"),
            user_id: None,
        }
    }

    pub fn system() -> Actor {
        Actor {
            name: "system".into(),
            user_id: None,
        }
    }
}

#[derive(Debug, Clone)]
pub enum TicketAction {
    /// The acting agent takes a pending ticket; one a flow is still talking on only with
    /// `take_over`, which stops the flow's run.
    Accept {
        take_over: bool,
    },
    /// To a queue and/or an agent; without an agent it waits in the queue.
    Transfer {
        queue_id: Option<String>,
        user_id: Option<String>,
    },
    /// Back to the pending list of its queue.
    Return,
    Close,
    /// A closed ticket opens again (with the acting agent, if any).
    Reopen,
    /// The agent read the customer's messages.
    Read,
    Tag(String),
    Untag(String),
}

/// How a message goes out: led by whose name, and under which key it goes only once.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sending<'a> {
    pub signer: Option<&'a str>,
    pub dedupe_key: Option<&'a str>,
    /// The file is a scheduled message's own: it may go again on a later ticket.
    pub reuse_media: bool,
}

impl Inbox {
    /// Apply `action` to a ticket, then what follows from it (greetings, farewell, flows
    /// with ticket-event triggers, assignment).
    pub async fn act(
        &self,
        db: &TenantDb,
        ticket_id: &str,
        actor: &Actor,
        action: TicketAction,
    ) -> InboxResult<Ticket> {
        use TicketStatus::*;
        let mut c = TicketChange {
            ticket_id: ticket_id.to_string(),
            actor: actor.name.clone(),
            detail: json!({}),
            ..Default::default()
        };
        let before = db.get_ticket(ticket_id).await?;
        let mut event = None;
        match &action {
            TicketAction::Accept { take_over } => {
                let user = actor.user_id.clone().ok_or_else(|| {
                    InboxError::InvalidParam("only a user accepts tickets".into())
                })?;
                // A flow talking on it, or the queue's bot holding it: only taken over.
                if !take_over && (before.bot_run_id.is_some() || before.status == Bot) {
                    return Err(InboxError::FlowTalking);
                }
                c.allowed = vec![Pending, Bot];
                c.status = Some(Open);
                c.user_id = Some(Some(user.clone()));
                c.action = "accepted".into();
                c.detail = json!({ "user_id": user });
                event = Some(TicketEventKind::Accepted);
            }
            TicketAction::Transfer { queue_id, user_id } => {
                if queue_id.is_none() && user_id.is_none() {
                    return Err(InboxError::InvalidField(
                        "a transfer needs a queue_id, a user_id or both".into(),
                    ));
                }
                let mut to_bot = false;
                if let Some(q) = queue_id {
                    let queue = db.get_queue(q).await.map_err(|_| unknown("queue"))?;
                    // Into another queue with a bot: the bot has it first.
                    to_bot = queue.bot.is_some() && before.queue_id.as_deref() != Some(q.as_str());
                    c.queue_id = Some(Some(q.clone()));
                }
                match user_id {
                    Some(u) => {
                        db.users().get_row(u).await.map_err(|_| unknown("user"))?;
                        c.user_id = Some(Some(u.clone()));
                        c.status = Some(Open);
                    }
                    None => {
                        c.user_id = Some(None);
                        c.status = Some(if to_bot { Bot } else { Pending });
                    }
                }
                c.allowed = vec![Pending, Open, Bot];
                c.action = "transferred".into();
                c.detail = json!({ "queue_id": queue_id, "user_id": user_id });
                event = Some(TicketEventKind::Transferred);
            }
            TicketAction::Return => {
                c.allowed = vec![Open];
                c.status = Some(Pending);
                c.user_id = Some(None);
                c.action = "returned".into();
            }
            TicketAction::Close => {
                c.allowed = vec![Pending, Open, Bot];
                c.status = Some(Closed);
                c.live = LiveKey::Release;
                c.action = "closed".into();
                event = Some(TicketEventKind::Closed);
            }
            TicketAction::Reopen => {
                c.allowed = vec![Closed];
                c.live = LiveKey::Take;
                match &actor.user_id {
                    Some(u) => {
                        c.status = Some(Open);
                        c.user_id = Some(Some(u.clone()));
                    }
                    None => {
                        c.status = Some(Pending);
                        c.user_id = Some(None);
                    }
                }
                c.action = "reopened".into();
                event = Some(TicketEventKind::Reopened);
            }
            TicketAction::Read => c.read = true,
            TicketAction::Tag(tag) => {
                db.get_tag(tag).await.map_err(|_| unknown("tag"))?;
                c.add_tag = Some(tag.clone());
                c.action = "tagged".into();
                c.detail = json!({ "tag_id": tag });
            }
            TicketAction::Untag(tag) => {
                c.remove_tag = Some(tag.clone());
                c.action = "untagged".into();
                c.detail = json!({ "tag_id": tag });
            }
        }
        let mut ticket = db.change_ticket(&c).await?;
        // An agent took the ticket from a flow that was talking on it: the flow stops.
        if let (Some(run), None, Some(_)) = (&before.bot_run_id, &ticket.bot_run_id, &actor.user_id)
        {
            self.stop_flow(db, run).await;
        }
        self.after_action(db, &before, &ticket, &action).await;
        if ticket.status != before.status
            && let Err(e) = self.arm_autoclose(db, &ticket).await
        {
            tracing::warn!(ticket = %ticket.id, error = %e, "auto-close not set");
        }
        match event {
            Some(kind) => self.ticket_event(db, &ticket, kind).await,
            None if !matches!(action, TicketAction::Read) => {
                self.announce_ticket_change(db, &ticket).await;
            }
            None => {}
        }
        if matches!(action, TicketAction::Transfer { user_id: None, .. }) {
            // The queue's strategy may have handed it to an agent meanwhile.
            ticket = db.get_ticket(ticket_id).await?;
        }
        Ok(ticket)
    }

    /// Cancel the run of a flow an agent took a ticket from (one that ended already is left).
    async fn stop_flow(&self, db: &TenantDb, run_id: &str) {
        match self.runtime.cancel(db, run_id).await {
            Ok(_) => tracing::info!(run = run_id, "flow stopped: an agent took over"),
            Err(RuntimeError::RunEnded) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => tracing::warn!(run = run_id, error = %e, "flow not stopped"),
        }
    }

    async fn after_action(
        &self,
        db: &TenantDb,
        before: &Ticket,
        ticket: &Ticket,
        action: &TicketAction,
    ) {
        let result: InboxResult<()> = async {
            match action {
                TicketAction::Transfer { user_id: None, .. } => {
                    if ticket.queue_id != before.queue_id {
                        self.queue_greeting(db, ticket).await?;
                    }
                    if ticket.status == TicketStatus::Bot && ticket.queue_id != before.queue_id {
                        self.bot_begins_after_transfer(db, ticket).await?;
                    } else {
                        self.auto_assign(db, &ticket.id).await?;
                    }
                }
                TicketAction::Transfer { .. } if ticket.queue_id != before.queue_id => {
                    self.queue_greeting(db, ticket).await?;
                }
                TicketAction::Return => {
                    if let Some(agent) = &before.user_id {
                        self.assign_waiting(db, agent).await?;
                    }
                }
                TicketAction::Read if before.unread > 0 => {
                    // The customer's phone shows their messages read (where the channel can),
                    // without holding up the agent's request.
                    if let (Some(inbox), Some(last)) =
                        (self.me.upgrade(), db.last_customer_message(&ticket.id).await?)
                        && let Some(channel_id) = last.channel_id
                    {
                        let (db, ticket) = (db.clone(), ticket.clone());
                        tokio::spawn(async move {
                            let sent = async {
                                let conn = db.get_connection(&ticket.connection_id).await?;
                                let channel = inbox.channel_for(&db, &conn).await?;
                                channel
                                    .mark_read(&channel_id)
                                    .await
                                    .map_err(|e| InboxError::Channel(e.to_string()))
                            };
                            if let Err(e) = sent.await {
                                tracing::info!(ticket = %ticket.id, error = %e, "read receipt not sent");
                            }
                        });
                    }
                }
                TicketAction::Close => {
                    if let Some(agent) = &before.user_id {
                        self.assign_waiting(db, agent).await?;
                    }
                    let conn = db.get_connection(&ticket.connection_id).await?;
                    if !conn.farewell.trim().is_empty() {
                        let key = format!(
                            "farewell:{}:{}",
                            ticket.id,
                            ticket.updated_at.timestamp_millis()
                        );
                        self.send_system(db, &ticket.id, &conn.farewell, Some(key))
                            .await?;
                    }
                    self.ask_rating(db, ticket).await?;
                }
                _ => {}
            }
            Ok(())
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(ticket = %ticket.id, error = %e, "after a ticket action");
        }
    }

    async fn queue_greeting(&self, db: &TenantDb, ticket: &Ticket) -> InboxResult<()> {
        let Some(q) = &ticket.queue_id else {
            return Ok(());
        };
        let queue = db.get_queue(q).await?;
        if queue.greeting.trim().is_empty() {
            return Ok(());
        }
        let key = format!("queue-greeting:{}:{}", ticket.id, ticket.activity);
        self.send_system(db, &ticket.id, &queue.greeting, Some(key))
            .await
            .map(|_| ())
    }

    /// Hand the waiting tickets of `user_id`'s queues to free agents, the longest waiting
    /// first, when the agent comes online or frees a slot (a ticket closed or returned).
    /// Returns how many were handed out.
    pub async fn assign_waiting(&self, db: &TenantDb, user_id: &str) -> InboxResult<usize> {
        let mut assigned = 0;
        for queue in db.queues_of_user(user_id).await? {
            if queue.strategy == AssignStrategy::Manual {
                continue;
            }
            for ticket_id in db.pending_in_queue(&queue.id, 20).await? {
                match self.auto_assign(db, &ticket_id).await? {
                    Some(_) => assigned += 1,
                    // Nobody free in this queue any more.
                    None => break,
                }
            }
        }
        Ok(assigned)
    }

    /// Give a pending ticket to an agent of its queue when the queue's strategy says so:
    /// round robin over the online agents below their limit, or the least busy of them.
    /// Returns the agent, if one took it.
    pub async fn auto_assign(&self, db: &TenantDb, ticket_id: &str) -> InboxResult<Option<String>> {
        let ticket = db.get_ticket(ticket_id).await?;
        let (Some(queue_id), TicketStatus::Pending) = (&ticket.queue_id, ticket.status) else {
            return Ok(None);
        };
        let queue = db.get_queue(queue_id).await?;
        if queue.strategy == AssignStrategy::Manual {
            return Ok(None);
        }
        let online = db.online_agents(&queue.user_ids).await?;
        let ids: Vec<String> = online.iter().map(|(id, _)| id.clone()).collect();
        let load = db.open_ticket_counts(&ids).await?;
        let free: Vec<(String, u64)> = online
            .into_iter()
            .map(|(id, max)| {
                let n = load.get(&id).copied().unwrap_or(0);
                (id, n, max)
            })
            .filter(|(_, n, max)| *max == 0 || *n < u64::from(*max))
            .map(|(id, n, _)| (id, n))
            .collect();
        let pick = match queue.strategy {
            AssignStrategy::Manual => None,
            AssignStrategy::LeastBusy => free
                .iter()
                .min_by_key(|(_, n)| *n)
                .map(|(id, _)| id.clone()),
            AssignStrategy::RoundRobin => {
                let last = db.queue_turn(queue_id).await?;
                let after = last
                    .and_then(|l| queue.user_ids.iter().position(|u| *u == l))
                    .map(|i| i + 1)
                    .unwrap_or(0);
                let order = queue
                    .user_ids
                    .iter()
                    .cycle()
                    .skip(after)
                    .take(queue.user_ids.len());
                order
                    .into_iter()
                    .find(|u| free.iter().any(|(id, _)| id == *u))
                    .cloned()
            }
        };
        let Some(agent) = pick else {
            return Ok(None);
        };
        let change = TicketChange {
            ticket_id: ticket.id.clone(),
            allowed: vec![TicketStatus::Pending],
            status: Some(TicketStatus::Open),
            user_id: Some(Some(agent.clone())),
            actor: "system".into(),
            action: "assigned".into(),
            detail: json!({ "user_id": agent, "strategy": queue.strategy.as_str() }),
            ..Default::default()
        };
        match db.change_ticket(&change).await {
            Ok(t) => {
                if queue.strategy == AssignStrategy::RoundRobin {
                    db.set_queue_turn(queue_id, &agent).await?;
                }
                self.ticket_event(db, &t, TicketEventKind::Accepted).await;
                Ok(Some(agent))
            }
            // Someone accepted it meanwhile.
            Err(StoreError::Problem(p)) if p.code == ErrorCode::TicketState => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// An agent's message on a ticket: `/shortcut` becomes its quick reply, a media id
    /// attaches the uploaded file, a quote must be of the same ticket. Queued for sending.
    pub async fn send_agent_message(
        &self,
        db: &TenantDb,
        ticket_id: &str,
        user_id: &str,
        msg: &NewMessage,
    ) -> InboxResult<Message> {
        let settings = self.runtime.settings_of(db).await?;
        let signature = value_of(&settings.stored, "signature_on_messages");
        let signer = match (signature.as_str().unwrap_or_default(), msg.sign) {
            ("enabled", _) | ("agent_choice", None | Some(true)) => {
                Some(db.users().get_row(user_id).await?.name)
            }
            _ => None,
        };
        let how = Sending {
            signer: signer.as_deref(),
            ..Default::default()
        };
        self.send_as(db, ticket_id, user_id, msg, how).await
    }

    /// A message from `user_id` (an agent, or an API client's key), its text led by the
    /// signer's name when given, as WhatsApp shows a bold line.
    pub(crate) async fn send_as(
        &self,
        db: &TenantDb,
        ticket_id: &str,
        user_id: &str,
        msg: &NewMessage,
        how: Sending<'_>,
    ) -> InboxResult<Message> {
        let signer = how.signer;
        let mut body = msg.body.trim().to_string();
        let mut media_id = msg.media_id.clone();
        // A quick reply's own file may go on any ticket, as a scheduled message's does.
        let mut reuse_media = how.reuse_media;
        if let Some(shortcut) = body
            .strip_prefix('/')
            .filter(|s| !s.contains(char::is_whitespace))
        {
            let shortcut = shortcut.to_ascii_lowercase();
            if let Some(q) = db.quick_reply_for(user_id, &shortcut).await? {
                body = self
                    .fill_quick_reply(db, ticket_id, user_id, &q.message)
                    .await?;
                if media_id.is_none() && q.media_id.is_some() {
                    media_id = q.media_id.clone();
                    reuse_media = true;
                }
            }
        }
        let (kind, media) = match &media_id {
            Some(id) => {
                let m = db.get_media(id).await.map_err(|_| unknown("media"))?;
                // A file goes with the ticket it was first sent on; until then only its
                // uploader may send it.
                let usable = reuse_media
                    || match m.ticket_id.as_deref() {
                        Some(t) => t == ticket_id,
                        None => m.created_by == user_id,
                    };
                if !usable {
                    return Err(unknown("media"));
                }
                (
                    tucan_channels::media::kind_of(&m.mime),
                    Some(Media {
                        id: Some(m.id.clone()),
                        url: None,
                        mime: m.mime.clone(),
                        filename: m.filename.clone(),
                        size: m.size,
                    }),
                )
            }
            None => (MessageKind::Text, None),
        };
        if body.is_empty() && media.is_none() {
            return Err(InboxError::InvalidField(
                "a message needs a body or a media_id".into(),
            ));
        }
        if let Some(name) = signer.map(str::trim).filter(|n| !n.is_empty()) {
            body = if body.is_empty() {
                format!("*{name}:*")
            } else {
                format!("*{name}:*\n{body}")
            };
        }
        if let Some(q) = &msg.quoted_id {
            let quoted = db
                .get_message(q)
                .await
                .map_err(|_| unknown("quoted message"))?;
            if quoted.ticket_id != ticket_id {
                return Err(unknown("quoted message"));
            }
        }
        let ticket = db.get_ticket(ticket_id).await?;
        self.check_window(db, &ticket).await?;
        let message = db
            .create_outgoing(&OutgoingWrite {
                ticket_id: ticket_id.to_string(),
                kind: Some(kind),
                body,
                media,
                quoted_id: msg.quoted_id.clone(),
                user_id: Some(user_id.to_string()),
                mark_read: true,
                dedupe_key: how.dedupe_key.map(str::to_string),
                ..Default::default()
            })
            .await?;
        if let Some(id) = &media_id {
            db.attach_media(id, ticket_id).await?;
        }
        self.queue_send(db, &message).await?;
        // Writing on a ticket a flow was talking on takes the conversation over from it.
        if let Some(run) = &ticket.bot_run_id {
            self.stop_flow(db, run).await;
        }
        Ok(message)
    }

    /// A quick reply's text with `{{contact.…}}`, `{{ticket.…}}` and `{{agent.name}}` filled as
    /// flows fill them (a missing value leaves nothing).
    pub async fn fill_quick_reply(
        &self,
        db: &TenantDb,
        ticket_id: &str,
        user_id: &str,
        text: &str,
    ) -> InboxResult<String> {
        if !text.contains("{{") {
            return Ok(text.to_string());
        }
        let ticket = db.get_ticket(ticket_id).await?;
        let contact =
            serde_json::to_value(db.get_contact(&ticket.contact_id).await?).unwrap_or_default();
        let agent = match db.users().get_row(user_id).await {
            Ok(u) => json!({ "name": u.name }),
            Err(_) => json!({}),
        };
        let ticket = serde_json::to_value(&ticket).unwrap_or_default();
        Ok(tucan_engine::template::render(text, |path| {
            let (root, rest) = path.split_once('.').unwrap_or((path, ""));
            let mut v = match root {
                "contact" => &contact,
                "ticket" => &ticket,
                "agent" => &agent,
                _ => return None,
            };
            for part in rest.split('.').filter(|p| !p.is_empty()) {
                v = v.get(part)?;
            }
            Some(v)
        }))
    }

    /// An internal note; `@name`, `@first-name` or `@email` mentions a user of the tenant.
    pub async fn add_note(
        &self,
        db: &TenantDb,
        ticket_id: &str,
        actor: &Actor,
        body: &str,
        dedupe_key: Option<String>,
    ) -> InboxResult<Message> {
        let users = db.users().list().await?;
        let mut mentions = Vec::new();
        for word in body.split_whitespace().filter_map(|w| w.strip_prefix('@')) {
            let word = word
                .trim_end_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase();
            if word.is_empty() {
                continue;
            }
            let hit = users.iter().find(|u| {
                let name = u.name.to_lowercase();
                u.email.to_lowercase() == word
                    || u.email.to_lowercase().split('@').next() == Some(word.as_str())
                    || name.replace(' ', "") == word
                    || name.split_whitespace().next() == Some(word.as_str())
            });
            if let Some(u) = hit
                && !mentions.contains(&u.id)
            {
                mentions.push(u.id.clone());
            }
        }
        let note = db
            .create_outgoing(&OutgoingWrite {
                ticket_id: ticket_id.to_string(),
                note: true,
                body: body.to_string(),
                user_id: actor.user_id.clone(),
                run_id: actor.name.strip_prefix("run:").map(str::to_string),
                mentions,
                dedupe_key,
                actor: Some(actor.name.clone()),
                ..Default::default()
            })
            .await?;
        Ok(note)
    }

    /// A message from the platform itself (greetings, farewells), sent once per key.
    pub(crate) async fn send_system(
        &self,
        db: &TenantDb,
        ticket_id: &str,
        text: &str,
        key: Option<String>,
    ) -> InboxResult<Message> {
        let message = db
            .create_outgoing(&OutgoingWrite {
                ticket_id: ticket_id.to_string(),
                body: text.to_string(),
                dedupe_key: key,
                allow_closed: true,
                ..Default::default()
            })
            .await?;
        self.queue_send(db, &message).await?;
        Ok(message)
    }
}

fn unknown(what: &str) -> InboxError {
    InboxError::InvalidField(format!("unknown {what}"))
}
