//! Queue bots: a queue's bot handles its new tickets before agents see them. While it does,
//! the ticket's status is `bot`, out of agents' sight (supervisors see it). A flow bot is a
//! run of the company's flow on the ticket: the customer's replies go to it, and when the run
//! ends the ticket goes to the queue's agents (unless the flow sent it elsewhere). An
//! endpoint bot (n8n, Typebot, the company's own service) is called with each of the
//! customer's messages and the conversation (the `queue.bot` job), and answers with messages
//! to send and whether to hand over; an endpoint that fails or answers nonsense hands the
//! customer over to a human rather than leaving them alone.
//!
//! The call: `POST <url>`, JSON `{"event": "message", "ticket": {id, queue_id,
//! connection_id}, "queue": {id, name}, "contact": {id, name, phone}, "message": {id, kind,
//! body, transcript}, "messages": [{direction, kind, body, created_at}…]}` (the last 20, oldest
//! first). The answer: `{"messages": ["text"…] or [{"text": "…"}…], "handover": bool}`.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tucan_bus::{Job, JobError, JobHandler, Lane, NewJob};
use tucan_model::ErrorCode;
use tucan_model::inbox::{QueueBot, QueueBotKind};
use tucan_model::ticket::{Direction, Ticket, TicketStatus};
use tucan_runtime::{RunContact, RunSource, StartRun};
use tucan_store::{StoreError, TenantDb, TicketChange};

use crate::Inbox;
use crate::error::InboxResult;
use crate::voice::Handoff;

pub const BOT_KIND: &str = "queue.bot";

/// How long an endpoint bot may take to answer.
const BOT_TIMEOUT: Duration = Duration::from_secs(15);

/// How many messages of the conversation an endpoint bot is sent.
const CONTEXT: u32 = 20;

/// The most messages one answer of an endpoint bot sends.
const MAX_ANSWERS: usize = 10;

#[derive(Debug, Serialize, Deserialize)]
struct BotPayload {
    ticket_id: String,
    /// The customer's message the bot answers.
    message_id: Option<String>,
}

/// What an endpoint bot answers.
#[derive(Debug, Default, Deserialize)]
struct BotAnswer {
    #[serde(default)]
    messages: Vec<BotText>,
    #[serde(default)]
    handover: bool,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum BotText {
    Text(String),
    Object { text: String },
}

impl BotText {
    fn text(&self) -> &str {
        match self {
            BotText::Text(t) | BotText::Object { text: t } => t,
        }
    }
}

impl Inbox {
    /// The bot of the queue, if it has one.
    pub(crate) async fn queue_bot(
        &self,
        db: &TenantDb,
        queue_id: Option<&str>,
    ) -> InboxResult<Option<QueueBot>> {
        let Some(id) = queue_id else {
            return Ok(None);
        };
        match db.get_queue(id).await {
            Ok(q) => Ok(q.bot),
            Err(StoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// A ticket that entered a queue with a bot: the bot takes it (status `bot`) and starts.
    /// False when the queue has no bot (or the ticket is not waiting for one).
    pub(crate) async fn bot_takes(
        &self,
        db: &TenantDb,
        ticket: &Ticket,
        h: &Handoff,
    ) -> InboxResult<bool> {
        let Some(bot) = self.queue_bot(db, ticket.queue_id.as_deref()).await? else {
            return Ok(false);
        };
        let ticket = if ticket.status == TicketStatus::Bot {
            ticket.clone()
        } else {
            let change = TicketChange {
                ticket_id: ticket.id.clone(),
                allowed: vec![TicketStatus::Pending],
                status: Some(TicketStatus::Bot),
                actor: "system".into(),
                action: "bot_started".into(),
                detail: json!({ "queue_id": ticket.queue_id, "kind": bot.kind }),
                ..Default::default()
            };
            match db.change_ticket(&change).await {
                Ok(t) => {
                    self.announce_ticket_change(db, &t).await;
                    t
                }
                Err(StoreError::Problem(p)) if p.code == ErrorCode::TicketState => {
                    return Ok(false);
                }
                Err(e) => return Err(e.into()),
            }
        };
        self.bot_starts(db, &ticket, &bot, h).await?;
        Ok(true)
    }

    /// The bot begins on a ticket it holds: a flow bot's run starts on it, an endpoint bot
    /// hears the customer's message.
    pub(crate) async fn bot_starts(
        &self,
        db: &TenantDb,
        ticket: &Ticket,
        bot: &QueueBot,
        h: &Handoff,
    ) -> InboxResult<()> {
        match (bot.kind, &bot.flow_id) {
            (QueueBotKind::Flow, Some(flow_id)) => {
                let start = StartRun {
                    flow_id: flow_id.clone(),
                    source: RunSource::Published { version: None },
                    contact: RunContact::Stored(ticket.contact_id.clone()),
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
                if let Err(e) = self.runtime.start(db, start).await {
                    tracing::warn!(ticket = %ticket.id, flow = %flow_id, error = %e, "queue bot's flow not started");
                    self.hand_over(
                        db,
                        &ticket.id,
                        &format!("the bot's flow did not start: {e}"),
                    )
                    .await?;
                }
                Ok(())
            }
            (QueueBotKind::Endpoint, _) => {
                let message = Some(h.message_id.as_str()).filter(|m| !m.is_empty());
                self.publish_bot_call(db, &ticket.id, message).await
            }
            _ => {
                self.hand_over(db, &ticket.id, "the queue's bot is not set up")
                    .await
            }
        }
    }

    /// A ticket moved into a queue with a bot (held by it already): the bot begins with the
    /// customer's last message.
    pub(crate) async fn bot_begins_after_transfer(
        &self,
        db: &TenantDb,
        ticket: &Ticket,
    ) -> InboxResult<()> {
        let Some(bot) = self.queue_bot(db, ticket.queue_id.as_deref()).await? else {
            return self
                .hand_over(db, &ticket.id, "the queue has no bot any more")
                .await;
        };
        let page = db.list_messages(&ticket.id, None, CONTEXT).await?;
        let last = page
            .items
            .iter()
            .rev()
            .find(|m| m.direction == Direction::In);
        let h = Handoff {
            message_id: last.map(|m| m.id.clone()).unwrap_or_default(),
            ticket_id: ticket.id.clone(),
            connection_id: ticket.connection_id.clone(),
            text: last
                .map(|m| m.transcript.clone().unwrap_or_else(|| m.body.clone()))
                .unwrap_or_default(),
            new_ticket: false,
            by_owner: false,
            runs_waiting: None,
        };
        self.bot_starts(db, ticket, &bot, &h).await
    }

    /// A customer's message on a ticket a bot holds: a flow bot's waiting run gets it, an
    /// endpoint bot is called with it.
    pub(crate) async fn to_bot(
        &self,
        db: &TenantDb,
        ticket: &Ticket,
        h: &Handoff,
    ) -> InboxResult<()> {
        let Some(bot) = self.queue_bot(db, ticket.queue_id.as_deref()).await? else {
            return self
                .hand_over(db, &ticket.id, "the queue has no bot any more")
                .await;
        };
        match bot.kind {
            QueueBotKind::Endpoint => {
                self.publish_bot_call(db, &ticket.id, Some(&h.message_id))
                    .await
            }
            _ => {
                let event = tucan_engine::MessageEvent {
                    connection_id: h.connection_id.clone(),
                    text: h.text.clone(),
                    first_of_ticket: false,
                    outside_business_hours: false,
                };
                self.runtime
                    .resume_replies(db, &ticket.contact_id, &event, h.runs_waiting)
                    .await?;
                Ok(())
            }
        }
    }

    /// The bot lets go of the ticket: it waits for the queue's agents, and the queue's
    /// strategy may hand it to one. Nothing happens when the bot no longer holds it.
    pub(crate) async fn hand_over(
        &self,
        db: &TenantDb,
        ticket_id: &str,
        why: &str,
    ) -> InboxResult<()> {
        let change = TicketChange {
            ticket_id: ticket_id.to_string(),
            allowed: vec![TicketStatus::Bot],
            status: Some(TicketStatus::Pending),
            actor: "system".into(),
            action: "bot_handover".into(),
            detail: json!({ "reason": why }),
            ..Default::default()
        };
        match db.change_ticket(&change).await {
            Ok(t) => {
                tracing::info!(
                    ticket = ticket_id,
                    why,
                    "the queue's bot handed the ticket over"
                );
                self.announce_ticket_change(db, &t).await;
                self.auto_assign(db, ticket_id).await?;
                Ok(())
            }
            Err(StoreError::Problem(p)) if p.code == ErrorCode::TicketState => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// A run ended: when it was the flow bot of a ticket it still holds, the ticket goes to
    /// the queue's agents.
    pub(crate) async fn bot_run_ended(&self, db: &TenantDb, run_id: &str, status: &str) {
        let result: InboxResult<()> = async {
            let run = db.get_run(run_id).await?;
            let Some(ticket_id) = &run.ticket_id else {
                return Ok(());
            };
            let ticket = db.get_ticket(ticket_id).await?;
            if ticket.status != TicketStatus::Bot {
                return Ok(());
            }
            let bot = self.queue_bot(db, ticket.queue_id.as_deref()).await?;
            if bot.is_some_and(|b| b.flow_id.as_deref() == Some(run.flow_id.as_str())) {
                self.hand_over(db, ticket_id, &format!("the bot's flow ended ({status})"))
                    .await?;
            }
            Ok(())
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(run = run_id, error = %e, "queue bot's end not handled");
        }
    }

    async fn publish_bot_call(
        &self,
        db: &TenantDb,
        ticket_id: &str,
        message_id: Option<&str>,
    ) -> InboxResult<()> {
        let payload = BotPayload {
            ticket_id: ticket_id.to_string(),
            message_id: message_id.map(str::to_string),
        };
        let job = NewJob::new(
            Lane::Flow,
            BOT_KIND,
            serde_json::to_value(&payload).expect("plain data"),
        )
        .tenant(db.tenant_id())
        .max_attempts(3);
        self.bus.publish(job).await?;
        Ok(())
    }

    /// Call the endpoint bot of a ticket it holds; send what it answers.
    async fn call_bot(&self, db: &TenantDb, p: &BotPayload, key: &str) -> InboxResult<()> {
        let ticket = db.get_ticket(&p.ticket_id).await?;
        if ticket.status != TicketStatus::Bot {
            return Ok(());
        }
        let queue = match &ticket.queue_id {
            Some(q) => db.get_queue(q).await?,
            None => {
                return self
                    .hand_over(db, &ticket.id, "the ticket left its queue")
                    .await;
            }
        };
        let Some(url) = queue
            .bot
            .as_ref()
            .filter(|b| b.kind == QueueBotKind::Endpoint)
            .and_then(|b| b.url.clone())
        else {
            return self
                .hand_over(db, &ticket.id, "the queue has no endpoint bot any more")
                .await;
        };
        let contact = db.get_contact(&ticket.contact_id).await?;
        let page = db.list_messages(&ticket.id, None, CONTEXT).await?;
        let message = p
            .message_id
            .as_ref()
            .and_then(|id| page.items.iter().find(|m| m.id == *id))
            .or_else(|| {
                page.items
                    .iter()
                    .rev()
                    .find(|m| m.direction == Direction::In)
            });
        let body = json!({
            "event": "message",
            "ticket": { "id": ticket.id, "queue_id": ticket.queue_id, "connection_id": ticket.connection_id },
            "queue": { "id": queue.id, "name": queue.name },
            "contact": { "id": contact.id, "name": contact.name, "phone": contact.phone },
            "message": message.map(|m| json!({ "id": m.id, "kind": m.kind, "body": m.body, "transcript": m.transcript })),
            "messages": page.items.iter().filter(|m| m.direction != Direction::Note).map(|m| json!({
                "direction": m.direction, "kind": m.kind, "body": m.body, "created_at": m.created_at,
            })).collect::<Vec<_>>(),
        });
        let answer = match self.ask_bot(&url, &body).await {
            Ok(a) => a,
            Err(why) => {
                tracing::warn!(ticket = %ticket.id, url, why, "queue bot did not answer");
                return self
                    .hand_over(db, &ticket.id, &format!("the bot did not answer: {why}"))
                    .await;
            }
        };
        for (i, m) in answer.messages.iter().take(MAX_ANSWERS).enumerate() {
            let text = m.text().trim();
            if !text.is_empty() {
                self.send_system(db, &ticket.id, text, Some(format!("bot:{key}:{i}")))
                    .await?;
            }
        }
        if answer.handover {
            self.hand_over(db, &ticket.id, "the bot handed over")
                .await?;
        }
        Ok(())
    }

    /// The endpoint's answer, or why there is none.
    async fn ask_bot(&self, url: &str, body: &Value) -> Result<BotAnswer, String> {
        let url = self.http.check_url(url)?;
        let resp = self
            .http
            .client()
            .post(url)
            .timeout(BOT_TIMEOUT)
            .json(body)
            .send()
            .await
            .map_err(|e| match e.is_timeout() {
                true => format!("no answer within {} s", BOT_TIMEOUT.as_secs()),
                false => format!("request failed: {e}"),
            })?;
        let status = resp.status();
        if !status.is_success() {
            return Err(format!("it answered {}", status.as_u16()));
        }
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| format!("reading the answer failed: {e}"))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(BotAnswer::default());
        }
        serde_json::from_slice(&bytes).map_err(|e| format!("the answer is not a bot answer: {e}"))
    }
}

pub(crate) struct BotJob(pub(crate) Arc<Inbox>);

#[async_trait]
impl JobHandler for BotJob {
    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        let tenant = job
            .tenant
            .as_deref()
            .ok_or_else(|| JobError::Fatal("a queue bot job needs a tenant".into()))?;
        let p: BotPayload = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Fatal(format!("invalid {BOT_KIND} payload: {e}")))?;
        let db = self
            .0
            .store
            .tenant(tenant)
            .await
            .map_err(|e| JobError::Fatal(format!("dropped: {e}")))?;
        let key = p
            .message_id
            .clone()
            .unwrap_or_else(|| job.idempotency_key().to_string());
        self.0
            .call_bot(&db, &p, &key)
            .await
            .map_err(|e| match e.refusal() {
                Some(why) => JobError::Fatal(why),
                None => JobError::Retry(e.to_string()),
            })
    }
}
