//! Conversations the company starts: an agent writing first from the inbox or the contacts,
//! an API client sending to a number (once per `Idempotency-Key`), and a flow run that has a
//! contact but no ticket reaching a messaging or ticket step. Each finds the customer's live
//! ticket on the number or opens one, under the key inbound messages take.

use sha2::{Digest, Sha256};
use tucan_engine::TicketEventKind;
use tucan_model::ErrorCode;
use tucan_model::contact::Contact;
use tucan_model::conversation::{
    ConversationStarted, NewConversation, OutboundMessage, OutboundSent,
};
use tucan_model::ticket::{
    ChannelKind, Connection, Message, NewMessage, TemplateUse, Ticket, TicketStatus,
};
use tucan_store::{ContactFields, IdempotentCall, Opening, RunRow, StoreError, TenantDb};

use crate::Inbox;
use crate::actions::{Actor, Sending, TicketAction};
use crate::error::{InboxError, InboxResult};
use crate::pipeline::clean_name;

/// The customer a conversation is with.
#[derive(Debug, Clone, Copy)]
pub enum Customer<'a> {
    /// A number in E.164, and the name a new contact takes.
    Number {
        phone: &'a str,
        name: Option<&'a str>,
    },
    /// A contact of the company.
    Contact(&'a str),
}

/// An API client's send to a number.
#[derive(Debug, Clone, Copy)]
pub struct ApiSend<'a> {
    /// Who the message is from (the API key's user).
    pub user_id: &'a str,
    /// Whose `Idempotency-Key`s these are (`key:<api key id>`, `user:<id>`).
    pub scope: &'a str,
    /// The customer's number, E.164.
    pub phone: &'a str,
    pub req: &'a OutboundMessage,
    pub key: Option<&'a str>,
}

/// The first message of a conversation.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Opener<'a> {
    Text {
        body: &'a str,
        media_id: Option<&'a str>,
    },
    Template(&'a TemplateUse),
}

impl<'a> Opener<'a> {
    pub(crate) fn of(
        body: &'a str,
        media_id: Option<&'a str>,
        template: Option<&'a TemplateUse>,
    ) -> InboxResult<Self> {
        match template {
            Some(_) if !body.trim().is_empty() || media_id.is_some() => Err(
                InboxError::InvalidField("send a template, or a body and a file; not both".into()),
            ),
            Some(t) => Ok(Opener::Template(t)),
            None if body.trim().is_empty() && media_id.is_none() => Err(InboxError::InvalidField(
                "the first message needs a body, a media_id or a template".into(),
            )),
            None => Ok(Opener::Text { body, media_id }),
        }
    }
}

impl Inbox {
    /// An agent writes first: the customer's live ticket on the number (pending ones are
    /// taken, the agent's own go on; another agent's is refused), or a new ticket, open and
    /// the agent's; then the first message.
    pub async fn start_conversation(
        &self,
        db: &TenantDb,
        user_id: &str,
        customer: Customer<'_>,
        req: &NewConversation,
    ) -> InboxResult<ConversationStarted> {
        let opener = Opener::of(&req.body, req.media_id.as_deref(), req.template.as_ref())?;
        let conn = db.get_connection(&req.connection_id).await?;
        let contact = self.customer(db, customer).await?;
        self.check_opener(db, &conn, &contact, opener).await?;
        let actor = Actor::user(user_id);
        let (ticket, opened) = db
            .open_conversation(&Opening {
                contact: &contact,
                connection_id: &conn.id,
                user_id: Some(user_id),
                queue_id: conn.default_queue_id.as_deref(),
                actor: &actor.name,
            })
            .await?;
        let ticket = match (opened, ticket.status, ticket.user_id.as_deref()) {
            (true, ..) => ticket,
            (false, TicketStatus::Open, Some(u)) if u == user_id => ticket,
            (false, TicketStatus::Pending, _) => {
                self.act(
                    db,
                    &ticket.id,
                    &actor,
                    TicketAction::Accept { take_over: true },
                )
                .await?
            }
            _ => {
                return Err(InboxError::TicketState(format!(
                    "{} already has an open ticket on this number with another agent",
                    contact.name
                )));
            }
        };
        if opened {
            if let Err(e) = self.arm_autoclose(db, &ticket).await {
                tracing::warn!(ticket = %ticket.id, error = %e, "auto-close not set");
            }
            self.announce_ticket(db, &ticket, TicketEventKind::Opened)
                .await;
        }
        let message = self.send_opener(db, &ticket, user_id, opener, true).await?;
        Ok(ConversationStarted {
            ticket,
            message,
            opened,
        })
    }

    /// An API client sends to a number: the customer's live ticket on the connection, or a
    /// new one waiting in the connection's queue. With a `key`, a second call within 24 hours
    /// sends nothing and answers the first call's message (`IDEMPOTENCY_KEY_REUSED` when its
    /// request differs).
    pub async fn send_to_number(
        &self,
        db: &TenantDb,
        call: &ApiSend<'_>,
    ) -> InboxResult<OutboundSent> {
        let ApiSend {
            user_id,
            scope,
            phone,
            req,
            key,
        } = *call;
        let request = request_digest(phone, req);
        if let Some(key) = key
            && let Some(first) = db.idempotent_call(scope, key).await?
        {
            return self.replay(db, &first, &request).await;
        }
        let opener = Opener::of(&req.body, req.media_id.as_deref(), req.template.as_ref())?;
        let conn = db.get_connection(&req.connection_id).await?;
        let contact = self
            .customer(
                db,
                Customer::Number {
                    phone,
                    name: req.name.as_deref(),
                },
            )
            .await?;
        self.check_opener(db, &conn, &contact, opener).await?;
        let actor = format!("api:{user_id}");
        let (ticket, opened) = db
            .open_conversation(&Opening {
                contact: &contact,
                connection_id: &conn.id,
                user_id: None,
                queue_id: conn.default_queue_id.as_deref(),
                actor: &actor,
            })
            .await?;
        if opened {
            self.announce_ticket(db, &ticket, TicketEventKind::Opened)
                .await;
        }
        let message = self
            .send_opener(db, &ticket, user_id, opener, false)
            .await?;
        if let Some(key) = key {
            let call = IdempotentCall {
                request: request.clone(),
                message_id: message.id.clone(),
            };
            if !db.remember_call(scope, key, &call).await? {
                // Two calls with one key at once: the message of this one went too.
                tracing::warn!(key, message = %message.id, "idempotency key used by two calls at once");
            }
        }
        Ok(OutboundSent {
            ticket_id: ticket.id,
            contact_id: contact.id,
            message,
            replayed: false,
        })
    }

    async fn replay(
        &self,
        db: &TenantDb,
        first: &IdempotentCall,
        request: &str,
    ) -> InboxResult<OutboundSent> {
        if first.request != request {
            return Err(InboxError::Invalid(tucan_model::Problem::new(
                ErrorCode::IdempotencyKeyReused,
                "this Idempotency-Key was used in the last 24 hours for a different request",
            )));
        }
        let message = db.get_message(&first.message_id).await?;
        Ok(OutboundSent {
            ticket_id: message.ticket_id.clone(),
            contact_id: message.contact_id.clone(),
            message,
            replayed: true,
        })
    }

    /// The ticket a run without one talks on: the contact's live ticket on the number the
    /// flow names (`settings.connection_id`), else the one they last talked to the company
    /// on (the company's only number for a contact who never did), opened when `open` and there is none (pending in the number's queue). `Err`
    /// with the reason when the run has no one or nowhere to talk to; `Ok(None)` when there
    /// is no live ticket and `open` is false.
    pub(crate) async fn ticket_for_run(
        &self,
        db: &TenantDb,
        run: &RunRow,
        open: bool,
    ) -> InboxResult<Result<Option<Ticket>, String>> {
        let Some(contact_id) = &run.contact_id else {
            return Ok(Err("the run has no contact to talk to".into()));
        };
        let named = self
            .runtime
            .flow_of(db, run)
            .await?
            .settings
            .connection_id
            .clone();
        if let Some(id) = &named
            && let Err(StoreError::NotFound(_)) = db.get_connection(id).await
        {
            return Ok(Err(
                "the number the flow writes from no longer exists".into()
            ));
        }
        let last = match named {
            Some(id) => Some(id),
            None => db.last_connection_of(contact_id).await?,
        };
        let connection_id = match last {
            Some(id) => id,
            None => {
                let all = db.list_connections().await?;
                match all.as_slice() {
                    [only] => only.id.clone(),
                    [] => return Ok(Err("the company has no number to write from".into())),
                    _ => {
                        return Ok(Err(
                            "the contact never talked to the company and it has several numbers: start the conversation from one of them first"
                                .into(),
                        ));
                    }
                }
            }
        };
        let contact = match db.get_contact(contact_id).await {
            Ok(c) => c,
            Err(StoreError::NotFound(_)) => return Ok(Err("the contact was deleted".into())),
            Err(e) => return Err(e.into()),
        };
        if !open {
            return Ok(Ok(db.live_ticket(&contact.id, &connection_id).await?));
        }
        let conn = db.get_connection(&connection_id).await?;
        let actor = format!("run:{}", run.id);
        let (ticket, _) = db
            .open_conversation(&Opening {
                contact: &contact,
                connection_id: &conn.id,
                user_id: None,
                queue_id: conn.default_queue_id.as_deref(),
                actor: &actor,
            })
            .await?;
        Ok(Ok(Some(ticket)))
    }

    /// The customer's contact: by id, or by number (created when the company has none).
    async fn customer(&self, db: &TenantDb, who: Customer<'_>) -> InboxResult<Contact> {
        match who {
            Customer::Contact(id) => Ok(db.get_contact(id).await?),
            Customer::Number { phone, name } => {
                if let Some(c) = db.find_contact_by_phone(phone).await? {
                    return Ok(c);
                }
                let fields = ContactFields {
                    name: clean_name(name).unwrap_or_else(|| phone.to_string()),
                    phone: phone.to_string(),
                    ..Default::default()
                };
                match db.create_contact(&fields).await {
                    Ok(c) => Ok(c),
                    // Created by a message or another call a moment ago.
                    Err(StoreError::Problem(p)) if p.code == ErrorCode::ContactExists => db
                        .find_contact_by_phone(phone)
                        .await?
                        .ok_or(InboxError::Store(StoreError::Conflict)),
                    Err(e) => Err(e.into()),
                }
            }
        }
    }

    /// The first message can go: free text inside the channel's window, an approved
    /// template of the number. Checked before a ticket is opened for it.
    async fn check_opener(
        &self,
        db: &TenantDb,
        conn: &Connection,
        contact: &Contact,
        opener: Opener<'_>,
    ) -> InboxResult<()> {
        match opener {
            Opener::Template(t) => {
                self.approved_template(db, conn, t).await?;
                Ok(())
            }
            Opener::Text { .. } if conn.kind == ChannelKind::CloudApi => {
                self.check_window_of(db, conn, &contact.id).await
            }
            Opener::Text { .. } => Ok(()),
        }
    }

    /// The first message: an agent's is signed as the company's setting says; an API
    /// client's is not.
    async fn send_opener(
        &self,
        db: &TenantDb,
        ticket: &Ticket,
        user_id: &str,
        opener: Opener<'_>,
        by_agent: bool,
    ) -> InboxResult<Message> {
        match opener {
            Opener::Template(t) => self.send_template(db, &ticket.id, user_id, t).await,
            Opener::Text { body, media_id } => {
                let msg = NewMessage {
                    body: body.to_string(),
                    media_id: media_id.map(str::to_string),
                    quoted_id: None,
                    sign: None,
                };
                if by_agent {
                    self.send_agent_message(db, &ticket.id, user_id, &msg).await
                } else {
                    self.send_as(db, &ticket.id, user_id, &msg, Sending::default())
                        .await
                }
            }
        }
    }
}

/// What identifies a request for its `Idempotency-Key`: the same call repeated digests the
/// same.
fn request_digest(phone: &str, req: &OutboundMessage) -> String {
    let canonical = serde_json::json!({
        "to": phone, "connection_id": req.connection_id, "body": req.body,
        "media_id": req.media_id, "template": req.template, "name": req.name,
    });
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}
