//! Messages: the inbound write (ticket found, reopened or created, message stored, exactly
//! once per channel message id), outgoing messages and notes, status changes and pages.
//! `dedupe:[scope, key]` makes a write happen once: a channel's message id for inbound
//! messages, an effect key for messages a flow sends.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use tucan_model::Resource;
use tucan_model::contact::Contact;
use tucan_model::ids::new_id;
use tucan_model::ticket::{
    Direction, Media, Message, MessageAuthor, MessageKind, MessageStatus, TemplateUse, Ticket,
    TicketStatus, Writer, preview,
};
use tucan_model::{ErrorCode, Problem};

use super::TenantDb;
use super::events::{MESSAGE_AND_TICKET_EVENT, MESSAGE_EVENT};
use super::tickets::ticket_error;
use crate::db::{check_id, fetch, fetch_found, fetch_one, returned};
use crate::error::{StoreError, StoreResult, throw};
use crate::platform::strip_nulls;

/// A message that arrived on a connection.
#[derive(Debug, Clone)]
pub struct InboundWrite {
    pub connection_id: String,
    /// The channel's id for the message (the idempotency key).
    pub channel_id: String,
    pub contact: Contact,
    pub kind: MessageKind,
    pub body: String,
    pub media: Option<Media>,
    /// Why the customer's file is not with the message.
    pub media_error: Option<String>,
    /// The member who wrote it, in a group chat.
    pub author: Option<MessageAuthor>,
    /// The channel id of the message it answers.
    pub quoted_channel_id: Option<String>,
    pub is_group: bool,
    /// A ticket closed less than this many minutes ago reopens instead of a new one.
    pub reopen_window_minutes: u32,
    /// Where a new ticket waits.
    pub default_queue_id: Option<String>,
    /// That queue has a bot: a new ticket starts held by it (status `bot`).
    pub bot_queue: bool,
}

/// What an inbound message finds before it is written.
#[derive(Debug, Clone)]
pub struct InboundLookup {
    /// The contact with the sender's number.
    pub contact: Option<Contact>,
    /// The message a first delivery of the same channel message made.
    pub seen: Option<String>,
    /// The contact's ticket not closed on the connection.
    pub live: Option<String>,
}

/// What the inbound write did.
#[derive(Debug, Clone)]
pub struct InboundOutcome {
    pub message: Message,
    pub ticket: Ticket,
    /// A new ticket was opened for it.
    pub opened: bool,
    /// A recently closed ticket was reopened for it.
    pub reopened: bool,
    /// The channel delivered it before: nothing was written.
    pub duplicate: bool,
    /// Whether flow runs of the contact were waiting when it was written (`None`: not
    /// looked at; whoever needs to know reads them).
    pub runs_waiting: Option<bool>,
}

/// A message to the customer, or an internal note.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OutgoingWrite {
    pub ticket_id: String,
    /// `Out` or `Note`.
    #[serde(skip)]
    pub note: bool,
    pub kind: Option<MessageKind>,
    pub body: String,
    pub media: Option<Media>,
    pub quoted_id: Option<String>,
    pub user_id: Option<String>,
    pub run_id: Option<String>,
    pub mentions: Vec<String>,
    /// Written once per key (a flow's effect key): a second write returns the first message.
    #[serde(skip)]
    pub dedupe_key: Option<String>,
    /// A flow may write on a closed ticket (a survey after the close); an agent may not.
    #[serde(skip)]
    pub allow_closed: bool,
    /// An agent answering marks the customer's messages read.
    #[serde(skip)]
    pub mark_read: bool,
    /// Who writes a note, for the ticket's timeline (written with the note, once).
    #[serde(skip)]
    pub actor: Option<String>,
    /// The approved template it goes out as.
    pub template: Option<TemplateUse>,
    /// Options the customer picks from (a flow's menu).
    pub choices: Vec<String>,
    /// The campaign recipient (`campaign id`, `seq`) it goes to: its receipts move the
    /// recipient, and the customer's next message on the ticket marks it replied.
    #[serde(skip)]
    pub campaign: Option<(String, u64)>,
}

#[derive(Debug, Clone)]
pub struct MessagePage {
    /// Oldest first.
    pub items: Vec<Message>,
    /// Pass as `before` for the older page.
    pub next_cursor: Option<String>,
}

enum Target {
    Existing(String),
    Reopen(String),
    New(String),
    /// The closed ticket that asked for a rating: the answer goes on it, and it stays
    /// closed.
    Rated {
        ticket: String,
        score: u8,
        comment: Option<String>,
    },
}

impl OutgoingWrite {
    /// Who writes it: an agent or API client (`user_id`), a flow (`run_id`), or the platform.
    fn writer(&self) -> Writer {
        match (&self.user_id, &self.run_id) {
            (Some(_), _) => Writer::Agent,
            (None, Some(_)) => Writer::Bot,
            (None, None) => Writer::System,
        }
    }
}

impl TenantDb {
    /// Store an inbound message on its ticket (found, reopened or opened), once per channel
    /// message id, with the ticket's and the message's events.
    /// `known` is what [`TenantDb::inbound_lookup_by_phone`] found for it a moment ago (the
    /// first try uses it instead of looking again; a stale answer only costs a retry).
    pub async fn record_inbound(
        &self,
        w: &InboundWrite,
        mut known: Option<(Option<String>, Option<String>)>,
    ) -> StoreResult<InboundOutcome> {
        for _ in 0..8 {
            let (seen, live) = match known.take() {
                Some(found) => found,
                None => self.inbound_lookup(w).await?,
            };
            if let Some(id) = seen {
                return self.inbound_duplicate(&id).await;
            }
            let target = match live {
                Some(id) => Target::Existing(id),
                None => match self.recently_closed(w).await? {
                    Some(id) => Target::Reopen(id),
                    None => Target::New(new_id()),
                },
            };
            match self.write_inbound(w, &target).await {
                Ok(outcome) => return Ok(outcome),
                Err(e)
                    if e.is_conflict()
                        || e.is_thrown(throw::TICKET_MOVED)
                        || matches!(e, StoreError::UniqueViolation { .. }) =>
                {
                    // A concurrent delivery of the same message, or another message that
                    // opened the ticket first: look again.
                    continue;
                }
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Backend(
            "inbound message kept conflicting".into(),
        ))
    }

    /// In one round trip, for a message from `phone` on a connection: the contact with that
    /// number, the message a first delivery of this channel message made, and the contact's
    /// live ticket on the connection.
    pub async fn inbound_lookup_by_phone(
        &self,
        phone: &str,
        connection_id: &str,
        channel_id: &str,
    ) -> StoreResult<InboundLookup> {
        let sets = crate::db::row_sets(
            self.raw(),
            "LET $contact = (SELECT * FROM contact WHERE phone = $phone LIMIT 1)[0];
SELECT VALUE message_id FROM type::record('dedupe', [$c, $k]);
IF $contact = NONE { [] } ELSE { (SELECT VALUE ticket_id FROM type::record('ticket_live', [record::id($contact.id), $c])) };
RETURN $contact;",
            json!({ "phone": phone, "c": connection_id, "k": channel_id }),
            4,
        )
        .await?;
        let first = |i: usize| sets[i].first().and_then(Value::as_str).map(String::from);
        let contact = match sets[3].first() {
            Some(row) if row.is_object() => Some(decode_row(row)?),
            _ => None,
        };
        Ok(InboundLookup {
            contact,
            seen: first(1),
            live: first(2),
        })
    }

    /// In one round trip: the message a first delivery of this channel message made, and
    /// the contact's live ticket on the connection.
    async fn inbound_lookup(
        &self,
        w: &InboundWrite,
    ) -> StoreResult<(Option<String>, Option<String>)> {
        let sets = crate::db::row_sets(
            self.raw(),
            "SELECT VALUE message_id FROM type::record('dedupe', [$c, $k]);
SELECT VALUE ticket_id FROM type::record('ticket_live', [$contact, $c]);",
            json!({ "c": w.connection_id, "k": w.channel_id, "contact": w.contact.id }),
            2,
        )
        .await?;
        let first = |i: usize| sets[i].first().and_then(Value::as_str).map(String::from);
        Ok((first(0), first(1)))
    }

    /// The customer's answer to a rating request: on the closed ticket that asked (it stays
    /// closed), with the score and comment kept on the ticket, once per channel message id.
    /// `TICKET_MOVED` when the request was answered or withdrawn meanwhile.
    pub async fn record_rating(
        &self,
        w: &InboundWrite,
        ticket_id: &str,
        score: u8,
        comment: Option<String>,
    ) -> StoreResult<InboundOutcome> {
        let target = Target::Rated {
            ticket: ticket_id.to_string(),
            score,
            comment,
        };
        self.write_inbound(w, &target).await
    }

    /// What a duplicate delivery answers: the first delivery's message and its ticket.
    pub async fn inbound_duplicate(&self, message_id: &str) -> StoreResult<InboundOutcome> {
        let message = self.get_message(message_id).await?;
        let ticket = self.get_ticket(&message.ticket_id).await?;
        Ok(InboundOutcome {
            message,
            ticket,
            opened: false,
            reopened: false,
            duplicate: true,
            runs_waiting: None,
        })
    }

    async fn recently_closed(&self, w: &InboundWrite) -> StoreResult<Option<String>> {
        if w.reopen_window_minutes == 0 {
            return Ok(None);
        }
        let since = chrono::Utc::now() - chrono::Duration::minutes(w.reopen_window_minutes.into());
        let rows = crate::db::rows(
            self.raw(),
            "SELECT VALUE record::id(id) FROM ticket WHERE contact_id = $c AND connection_id = $k AND status = 'closed' AND closed_at > <datetime> $since ORDER BY closed_at DESC LIMIT 1",
            json!({ "c": w.contact.id, "k": w.connection_id, "since": since }),
        )
        .await?;
        Ok(rows
            .into_iter()
            .next()
            .and_then(|v| v.as_str().map(String::from)))
    }

    async fn write_inbound(
        &self,
        w: &InboundWrite,
        target: &Target,
    ) -> StoreResult<InboundOutcome> {
        let quoted_id = match &w.quoted_channel_id {
            Some(q) => self
                .message_by_channel_id(&w.connection_id, q)
                .await?
                .map(|m| m.id),
            None => None,
        };
        let (tid, opening) = match target {
            Target::Existing(id) => (id.clone(), "IF (SELECT VALUE ticket_id FROM ONLY type::record('ticket_live', [$contact, $conn])) != $tid { THROW 'ticket_moved' };\n".to_string()),
            Target::Reopen(id) => (id.clone(), "CREATE type::record('ticket_live', [$contact, $conn]) CONTENT { ticket_id: $tid };\nUPDATE type::record('ticket', $tid) SET status = 'pending', user_id = NONE, closed_at = NONE WHERE status = 'closed';\nCREATE type::record('ticket_log', $log) CONTENT { ticket_id: $tid, actor: 'customer', action: 'reopened', detail: '{}' };\n".to_string()),
            Target::New(id) => (id.clone(), "CREATE type::record('ticket_live', [$contact, $conn]) CONTENT { ticket_id: $tid };\nCREATE type::record('ticket', $tid) CONTENT $ticket;\nCREATE type::record('ticket_log', $log) CONTENT { ticket_id: $tid, actor: 'customer', action: 'created', detail: $created };\n".to_string()),
            Target::Rated { ticket, comment, .. } => (
                ticket.clone(),
                format!(
                    "IF (SELECT VALUE ticket_id FROM ONLY type::record('rating_wait', [$contact, $conn])) != $tid {{ THROW 'ticket_moved' }};\nDELETE type::record('rating_wait', [$contact, $conn]);\nUPDATE type::record('ticket', $tid) SET rating = $score, rated_at = time::now(){};\nCREATE type::record('ticket_log', $log) CONTENT {{ ticket_id: $tid, actor: 'customer', action: 'rated', detail: $rated }};\n",
                    if comment.is_some() { ", rating_comment = $comment" } else { "" }
                ),
            ),
        };
        let (score, comment) = match target {
            Target::Rated { score, comment, .. } => (Some(*score), comment.clone()),
            _ => (None, None),
        };
        let mid = new_id();
        let mut message = json!({
            "ticket_id": tid, "contact_id": w.contact.id, "connection_id": w.connection_id,
            "direction": Direction::In, "kind": w.kind, "body": w.body, "media": w.media,
            "quoted_id": quoted_id, "channel_id": w.channel_id, "status": MessageStatus::Received,
            "error": w.media_error, "author": w.author,
        });
        strip_nulls(&mut message);
        let mut ticket = json!({
            "contact_id": w.contact.id, "contact_name": w.contact.name,
            "contact_phone": w.contact.phone, "connection_id": w.connection_id,
            "queue_id": w.default_queue_id,
            "status": if w.bot_queue { TicketStatus::Bot } else { TicketStatus::Pending },
            "is_group": w.is_group, "activity": new_id(),
        });
        strip_nulls(&mut ticket);
        let text = ticket_preview(w.kind, &w.body);
        let stored_file = w.media.as_ref().and_then(|m| m.id.clone());
        let attach = if stored_file.is_some() {
            "UPDATE type::record('media', $file) SET ticket_id = $tid;\n"
        } else {
            ""
        };
        let sql = format!(
            "BEGIN TRANSACTION;
CREATE type::record('dedupe', [$conn, $cid]) CONTENT {{ message_id: $mid }};
{opening}{attach}LET $m = (CREATE ONLY type::record('message', $mid) CONTENT $message RETURN AFTER);
LET $t = (UPDATE ONLY type::record('ticket', $tid) SET unread += 1, last_message = $preview, last_message_at = time::now(), last_message_by = 'customer', activity = $activity, contact_name = $name, updated_at = time::now() RETURN AFTER);
{MESSAGE_AND_TICKET_EVENT}
RETURN {{ m: $m, t: $t }};
COMMIT TRANSACTION;"
        );
        let vars = json!({
            "conn": w.connection_id, "cid": w.channel_id, "mid": mid, "tid": tid,
            "contact": w.contact.id, "ticket": ticket, "message": message,
            "preview": text, "activity": new_id(), "name": w.contact.name, "log": new_id(),
            "created": json!({ "queue_id": w.default_queue_id }).to_string(),
            "ev_t": new_id(), "ev_m": new_id(), "file": stored_file,
            "score": score, "comment": comment,
            "rated": json!({ "rating": score }).to_string(),
        });
        let row: Value = returned(self.raw(), &sql, vars)
            .await?
            .ok_or_else(|| StoreError::Backend("inbound write returned nothing".into()))?;
        Ok(InboundOutcome {
            message: decode_row(&row["m"])?,
            ticket: decode_row(&row["t"])?,
            opened: matches!(target, Target::New(_)),
            reopened: matches!(target, Target::Reopen(_)),
            duplicate: false,
            runs_waiting: None,
        })
    }

    /// Write a message to the customer (status `pending`, for the sender job) or an internal
    /// note, with its events. With a `dedupe_key` seen before, returns the first message.
    pub async fn create_outgoing(&self, w: &OutgoingWrite) -> StoreResult<Message> {
        check_id(&w.ticket_id, Resource::Ticket)?;
        if let Some(key) = &w.dedupe_key {
            let seen: Option<Value> = fetch_one(
                self.raw(),
                "SELECT message_id FROM type::record('dedupe', ['effect', $k])",
                json!({ "k": key }),
            )
            .await?;
            if let Some(id) = seen.and_then(|v| v["message_id"].as_str().map(String::from)) {
                return self.get_message(&id).await;
            }
        }
        let mid = new_id();
        let (direction, status) = if w.note {
            (Direction::Note, MessageStatus::Sent)
        } else {
            (Direction::Out, MessageStatus::Pending)
        };
        let kind = w.kind.unwrap_or(MessageKind::Text);
        let mut message = json!({
            "direction": direction, "kind": kind, "body": w.body, "media": w.media,
            "template": w.template, "choices": w.choices,
            "quoted_id": w.quoted_id, "status": status, "user_id": w.user_id,
            "run_id": w.run_id, "mentions": w.mentions,
            "campaign_id": w.campaign.as_ref().map(|c| &c.0),
            "campaign_seq": w.campaign.as_ref().map(|c| c.1),
        });
        strip_nulls(&mut message);
        let dedupe = if w.dedupe_key.is_some() {
            "CREATE type::record('dedupe', ['effect', $key]) CONTENT { message_id: $mid };"
        } else {
            ""
        };
        let closed_check = if w.allow_closed || w.note {
            ""
        } else {
            "IF $t0.status = 'closed' { THROW 'ticket_state:closed' };"
        };
        // An agent writing takes the conversation from a flow; a flow writing on a ticket no
        // agent has is the one talking there.
        let bot = match w.writer() {
            Writer::Agent => ", bot_run_id = NONE",
            Writer::Bot => ", bot_run_id = IF $t0.user_id = NONE THEN $run ELSE bot_run_id END",
            Writer::Customer | Writer::System => "",
        };
        let read = if w.mark_read { ", unread = 0" } else { "" };
        // The customer's next message on the ticket answers the campaign.
        let camp = if w.campaign.is_some() {
            ", campaign_rcpt = [$message.campaign_id, $message.campaign_seq]"
        } else {
            ""
        };
        let ticket_update = if w.note && !w.mentions.is_empty() {
            // Whoever a note mentions may open the ticket from then on.
            "LET $t = (UPDATE ONLY type::record('ticket', $tid) SET mentioned = array::union(mentioned ?? [], $mentions) RETURN AFTER);".to_string()
        } else if w.note {
            "LET $t = $t0;".to_string()
        } else {
            format!(
                "LET $t = (UPDATE ONLY type::record('ticket', $tid) SET last_message = $preview, last_message_at = time::now(), last_message_by = $by, activity = $activity{read}{bot}{camp}, updated_at = time::now() RETURN AFTER);"
            )
        };
        let events = if w.note {
            format!(
                "CREATE type::record('ticket_log', $log) CONTENT {{ ticket_id: $tid, actor: $actor, action: 'note', detail: $detail }};\n{MESSAGE_EVENT}"
            )
        } else {
            MESSAGE_AND_TICKET_EVENT.to_string()
        };
        let sql = format!(
            "BEGIN TRANSACTION;
{dedupe}
LET $t0 = (SELECT * FROM ONLY type::record('ticket', $tid));
IF $t0 = NONE {{ THROW 'ticket_not_found' }};
{closed_check}
LET $m = (CREATE ONLY type::record('message', $mid) CONTENT object::extend($message, {{ ticket_id: $tid, contact_id: $t0.contact_id, connection_id: $t0.connection_id }}) RETURN AFTER);
{ticket_update}
{events}
RETURN $m;
COMMIT TRANSACTION;"
        );
        let text = ticket_preview(kind, &w.body);
        let vars = json!({
            "tid": w.ticket_id, "mid": mid, "key": w.dedupe_key, "message": message,
            "preview": text, "activity": new_id(), "ev_t": new_id(), "ev_m": new_id(),
            "by": w.writer(), "run": w.run_id, "mentions": w.mentions, "log": new_id(), "actor": w.actor.as_deref().unwrap_or("system"),
            "detail": json!({ "message_id": mid, "mentions": w.mentions }).to_string(),
        });
        match returned(self.raw(), &sql, vars).await {
            Ok(Some(m)) => Ok(m),
            Ok(None) => Err(StoreError::Backend("message write returned nothing".into())),
            Err(e) if e.is_unique_violation_of("dedupe") => {
                let key = w.dedupe_key.clone().unwrap_or_default();
                let id: Option<Value> = fetch_one(
                    self.raw(),
                    "SELECT message_id FROM type::record('dedupe', ['effect', $k])",
                    json!({ "k": key }),
                )
                .await?;
                let id = id
                    .and_then(|v| v["message_id"].as_str().map(String::from))
                    .ok_or_else(|| StoreError::Backend("dedupe entry vanished".into()))?;
                self.get_message(&id).await
            }
            Err(e) => Err(ticket_error(e)),
        }
    }

    pub async fn get_message(&self, id: &str) -> StoreResult<Message> {
        check_id(id, Resource::Message)?;
        fetch_found(
            self.raw(),
            "SELECT * FROM type::record('message', $id)",
            json!({ "id": id }),
            Resource::Message,
        )
        .await
    }

    pub async fn message_by_channel_id(
        &self,
        connection_id: &str,
        channel_id: &str,
    ) -> StoreResult<Option<Message>> {
        fetch_one(
            self.raw(),
            "SELECT * FROM message WHERE connection_id = $c AND channel_id = $k LIMIT 1",
            json!({ "c": connection_id, "k": channel_id }),
        )
        .await
    }

    /// Move an outgoing message forward (`sent` → `delivered` → `read`, or `failed` from
    /// `pending`); a step backwards or sideways changes nothing and returns `None`.
    pub async fn set_message_status(
        &self,
        id: &str,
        status: MessageStatus,
        channel_id: Option<&str>,
        error: Option<&str>,
    ) -> StoreResult<Option<Message>> {
        check_id(id, Resource::Message)?;
        let from: Vec<MessageStatus> = match status {
            MessageStatus::Sent => vec![MessageStatus::Pending],
            MessageStatus::Delivered => vec![MessageStatus::Pending, MessageStatus::Sent],
            MessageStatus::Read => vec![
                MessageStatus::Pending,
                MessageStatus::Sent,
                MessageStatus::Delivered,
            ],
            // A channel may take a message and fail to deliver it afterwards.
            MessageStatus::Failed => vec![MessageStatus::Pending, MessageStatus::Sent],
            MessageStatus::Pending | MessageStatus::Received => return Ok(None),
        };
        let sql = format!(
            "BEGIN TRANSACTION;
LET $ms = (UPDATE type::record('message', $id) SET status = $status, channel_id = $cid ?? channel_id, error = $error ?? NONE, updated_at = time::now() WHERE status IN $from RETURN AFTER);
IF array::len($ms) = 0 {{ THROW 'unchanged' }};
LET $m = $ms[0];
LET $t = (SELECT * FROM ONLY type::record('ticket', $m.ticket_id));
{MESSAGE_EVENT}
IF $m.campaign_id != NONE {{ UPDATE type::record('campaign_recipient', [$m.campaign_id, $m.campaign_seq]) SET status = $status, error = $error ?? error, updated_at = time::now() WHERE status IN ['queued', 'sent', 'delivered'] RETURN NONE }};
RETURN $m;
COMMIT TRANSACTION;"
        );
        let vars = json!({
            "id": id, "status": status, "cid": channel_id, "error": error, "from": from,
            "ev_m": new_id(),
        });
        match returned(self.raw(), &sql, vars).await {
            Ok(m) => Ok(m),
            Err(e) if e.is_thrown(throw::UNCHANGED) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Outgoing messages of a ticket still waiting to go out that were written before
    /// `before` (a message id), oldest first.
    pub async fn pending_before(
        &self,
        ticket_id: &str,
        before: &str,
        limit: u32,
    ) -> StoreResult<Vec<Message>> {
        check_id(ticket_id, Resource::Ticket)?;
        check_id(before, Resource::Message)?;
        fetch(
            self.raw(),
            "SELECT * FROM message WHERE ticket_id = $t AND status = 'pending' AND direction = 'out' AND id < type::record('message', $before) ORDER BY id ASC LIMIT $limit",
            json!({ "t": ticket_id, "before": before, "limit": limit.clamp(1, 200) }),
        )
        .await
    }

    /// A page of a ticket's messages and notes going back from `before` (a message id).
    /// Claim a pending message for handing to its channel, for `secs`: false when it is no
    /// longer pending or another worker holds a claim that has not run out, so two workers
    /// never send one message at once.
    pub async fn claim_send(&self, id: &str, secs: u64) -> StoreResult<bool> {
        check_id(id, Resource::Message)?;
        let claimed = fetch::<Value>(
            self.raw(),
            "UPDATE type::record('message', $id) SET send_claim = time::now() + <duration> $for WHERE status = 'pending' AND (send_claim = NONE OR send_claim < time::now()) RETURN VALUE id",
            json!({ "id": id, "for": format!("{secs}s") }),
        )
        .await?;
        Ok(!claimed.is_empty())
    }

    /// When the claim on a pending message runs out (`None`: not pending, or not claimed).
    pub async fn send_claim_until(
        &self,
        id: &str,
    ) -> StoreResult<Option<chrono::DateTime<chrono::Utc>>> {
        check_id(id, Resource::Message)?;
        let until: Vec<Option<chrono::DateTime<chrono::Utc>>> = fetch(
            self.raw(),
            "SELECT VALUE send_claim FROM type::record('message', $id) WHERE status = 'pending'",
            json!({ "id": id }),
        )
        .await?;
        Ok(until.into_iter().next().flatten())
    }

    /// Give up a claim (the channel could not take the message now; a retry may claim it).
    pub async fn release_send(&self, id: &str) -> StoreResult<()> {
        check_id(id, Resource::Message)?;
        crate::db::execute(
            self.raw(),
            "UPDATE type::record('message', $id) SET send_claim = NONE",
            json!({ "id": id }),
        )
        .await
    }

    /// When the customer last wrote on a connection, on any of their tickets there.
    pub async fn last_customer_message_at(
        &self,
        contact_id: &str,
        connection_id: &str,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        check_id(contact_id, Resource::Contact)?;
        let rows: Vec<DateTime<Utc>> = fetch(
            self.raw(),
            "SELECT VALUE created_at FROM message WHERE contact_id = $c AND connection_id = $conn AND direction = 'in' ORDER BY created_at DESC LIMIT 1",
            json!({ "c": contact_id, "conn": connection_id }),
        )
        .await?;
        Ok(rows.into_iter().next())
    }

    /// The customer's latest message on a ticket (not a note, not the platform's).
    pub async fn last_customer_message(&self, ticket_id: &str) -> StoreResult<Option<Message>> {
        check_id(ticket_id, Resource::Ticket)?;
        fetch_one(
            self.raw(),
            "SELECT * FROM message WHERE ticket_id = $t AND direction = 'in' ORDER BY id DESC LIMIT 1",
            json!({ "t": ticket_id }),
        )
        .await
    }

    pub async fn list_messages(
        &self,
        ticket_id: &str,
        before: Option<&str>,
        limit: u32,
    ) -> StoreResult<MessagePage> {
        check_id(ticket_id, Resource::Ticket)?;
        let limit = limit.clamp(1, 200);
        let mut cond = "ticket_id = $t".to_string();
        if let Some(b) = before {
            if !tucan_model::ids::is_valid_id(b) {
                return Err(
                    Problem::new(ErrorCode::InvalidParam, "before is not a message id").into(),
                );
            }
            cond.push_str(" AND id < type::record('message', $before)");
        }
        let sql = format!("SELECT * FROM message WHERE {cond} ORDER BY id DESC LIMIT $limit");
        let mut items: Vec<Message> = fetch(
            self.raw(),
            &sql,
            json!({ "t": ticket_id, "before": before, "limit": limit + 1 }),
        )
        .await?;
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|m| m.id.clone())
        } else {
            None
        };
        items.reverse();
        Ok(MessagePage { items, next_cursor })
    }
}

/// What a ticket shows of its last message: the text's start, or the kind of a bare file.
pub(super) fn ticket_preview(kind: MessageKind, body: &str) -> String {
    if body.is_empty() {
        format!("[{}]", kind.as_str())
    } else {
        preview(body)
    }
}

pub(super) fn decode_row<T: serde::de::DeserializeOwned>(v: &Value) -> StoreResult<T> {
    Ok(serde_json::from_value(crate::db::normalize_ids(v.clone()))?)
}
