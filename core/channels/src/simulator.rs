//! The simulator channel: a connection of kind `simulator` behaves as a WhatsApp number
//! whose customers are played through the API. What a played customer writes goes on its
//! simulated phone and reaches the inbox through the sink, as any channel's message does;
//! what the platform sends lands on the phone and is reported delivered a moment later, as
//! WhatsApp would. Where the phones keep their conversations is the [`SimPhones`] given.

use std::sync::{Arc, Weak};
use std::time::Duration;

use async_trait::async_trait;
use tucan_model::ids::new_id;
use tucan_model::ticket::{ChatState, GroupChat, MessageKind, MessageStatus};

use crate::channel::{
    Channel, ChannelError, ChannelEvent, ChannelSink, Incoming, IncomingFile, Outgoing, SinkError,
    Taken,
};
use crate::media::{kind_of, sniff};

/// One message on a simulated phone.
#[derive(Debug, Clone)]
pub struct PhoneMessage<'a> {
    pub connection_id: &'a str,
    /// The chat: the customer's number, or a group's id.
    pub phone: &'a str,
    /// Written by the customer (`true`) or received from the platform.
    pub incoming: bool,
    pub kind: MessageKind,
    pub body: &'a str,
    pub media_url: Option<&'a str>,
    pub quoted: Option<&'a str>,
    /// The message's channel id.
    pub id: &'a str,
}

/// Where the simulated phones keep their conversations (the phone page shows them).
#[async_trait]
pub trait SimPhones: Send + Sync {
    /// Put a message on a phone (once per id); returns its channel id.
    async fn record(
        &self,
        tenant: &str,
        message: &PhoneMessage<'_>,
    ) -> Result<String, ChannelError>;
    /// Mark what a chat received as read; returns the channel ids that were unread.
    async fn mark_read(
        &self,
        tenant: &str,
        connection_id: &str,
        chat: &str,
    ) -> Result<Vec<String>, ChannelError>;
    /// Show something passing on a phone's page (an agent typing).
    async fn show(
        &self,
        tenant: &str,
        connection_id: &str,
        data: serde_json::Value,
    ) -> Result<(), ChannelError>;
}

/// A message a played customer writes.
#[derive(Debug, Clone, Default)]
pub struct CustomerMessage {
    /// The customer's number, E.164 (in a group, the member who writes).
    pub from: String,
    /// The name the customer set on WhatsApp.
    pub name: Option<String>,
    /// Text when absent; a file's own kind when it comes with one.
    pub kind: Option<MessageKind>,
    pub text: String,
    /// A file the phone sends.
    pub file: Option<IncomingFile>,
    /// A file the phone links instead.
    pub media_url: Option<String>,
    /// The channel id of the message this one answers.
    pub quoted: Option<String>,
    pub group: Option<GroupChat>,
    /// The channel id to give it (a test's redelivery); a new one when absent.
    pub id: Option<String>,
}

/// What became of a played customer's message.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub channel_id: String,
    pub taken: Taken,
}

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The played message is not one a phone sends; `field` names what is wrong.
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// The phone could not keep the message.
    #[error(transparent)]
    Phone(#[from] ChannelError),
    /// The inbox did not take it.
    #[error(transparent)]
    Inbox(#[from] SinkError),
}

pub struct Simulator {
    pub tenant: String,
    pub connection_id: String,
    pub phones: Arc<dyn SimPhones>,
    /// The inbox.
    pub sink: Weak<dyn ChannelSink>,
    /// How long after a send the phone reports it delivered.
    pub receipt_delay: Duration,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("tenant", &self.tenant)
            .field("connection_id", &self.connection_id)
            .finish()
    }
}

fn invalid(field: &'static str, message: &str) -> SimError {
    SimError::Invalid {
        field,
        message: message.to_string(),
    }
}

impl Simulator {
    /// The played customer writes: the message goes on its phone, then to the inbox through
    /// the sink, like a WhatsApp message.
    pub async fn customer_writes(&self, m: CustomerMessage) -> Result<Delivered, SimError> {
        if m.file.is_some() && m.media_url.is_some() {
            return Err(invalid(
                "media_url",
                "send a file either as media_base64 or as media_url",
            ));
        }
        let has_file = m.file.is_some() || m.media_url.is_some();
        let kind = m.kind.unwrap_or(MessageKind::Text);
        if kind != MessageKind::Text && !has_file {
            return Err(invalid(
                "kind",
                "a media message needs media_base64 or media_url",
            ));
        }
        if !has_file && m.text.trim().is_empty() {
            return Err(invalid("text", "text must not be empty"));
        }
        let channel_id = match m.id {
            Some(id) if !id.is_empty() && id.len() <= 100 => id,
            Some(_) => return Err(invalid("id", "id must have 1-100 characters")),
            None => format!("sim-in-{}", new_id()),
        };
        // A group's messages are one chat on the phone, as on WhatsApp; the phone shows a
        // file as what it is.
        let chat = m.group.as_ref().map_or(m.from.as_str(), |g| g.id.as_str());
        let shown_kind = match (&m.file, m.kind) {
            (Some(f), None) => sniff(&f.bytes).map_or(MessageKind::Document, kind_of),
            _ => kind,
        };
        self.phones
            .record(
                &self.tenant,
                &PhoneMessage {
                    connection_id: &self.connection_id,
                    phone: chat,
                    incoming: true,
                    kind: shown_kind,
                    body: &m.text,
                    media_url: m.media_url.as_deref(),
                    quoted: m.quoted.as_deref(),
                    id: &channel_id,
                },
            )
            .await?;
        let sink = self
            .sink
            .upgrade()
            .ok_or_else(|| SinkError::Failed("the inbox of this process has stopped".into()))?;
        let taken = sink
            .channel_event(
                &self.tenant,
                &self.connection_id,
                ChannelEvent::Message(Box::new(Incoming {
                    channel_id: channel_id.clone(),
                    from: m.from,
                    push_name: m.name,
                    kind,
                    body: m.text,
                    media_url: m.media_url,
                    mime: None,
                    file: m.file,
                    quoted: m.quoted,
                    group: m.group,
                    choice: None,
                })),
            )
            .await?;
        Ok(Delivered { channel_id, taken })
    }

    /// The played customer reads what a chat (a number or a group's id) received: read
    /// receipts go back, as WhatsApp's do. Returns how many messages were read.
    pub async fn customer_reads(&self, chat: &str) -> Result<usize, ChannelError> {
        let channel_ids = self
            .phones
            .mark_read(&self.tenant, &self.connection_id, chat)
            .await?;
        let read = channel_ids.len();
        let Some(sink) = self.sink.upgrade() else {
            return Ok(read);
        };
        for channel_id in channel_ids {
            let receipt = ChannelEvent::Receipt {
                channel_id,
                status: MessageStatus::Read,
            };
            if let Err(e) = sink
                .channel_event(&self.tenant, &self.connection_id, receipt)
                .await
            {
                tracing::warn!(connection = %self.connection_id, error = %e, "read receipt not taken");
            }
        }
        Ok(read)
    }
}

#[async_trait]
impl Channel for Simulator {
    async fn connect(&self) -> Result<(), ChannelError> {
        Ok(())
    }

    async fn disconnect(&self) -> Result<(), ChannelError> {
        Ok(())
    }

    async fn send(&self, msg: &Outgoing) -> Result<String, ChannelError> {
        // Sending twice with one key puts one message on the phone.
        let id = format!("sim-{}", msg.key);
        let sent = self
            .phones
            .record(
                &self.tenant,
                &PhoneMessage {
                    connection_id: &self.connection_id,
                    phone: &msg.to,
                    incoming: false,
                    kind: msg.kind,
                    body: &msg.body,
                    media_url: msg.media_url.as_deref(),
                    quoted: msg.quoted.as_deref(),
                    id: &id,
                },
            )
            .await?;
        if let Some(sink) = self.sink.upgrade() {
            let (tenant, connection) = (self.tenant.clone(), self.connection_id.clone());
            let delay = self.receipt_delay;
            let channel_id = sent.clone();
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let receipt = ChannelEvent::Receipt {
                    channel_id,
                    status: MessageStatus::Delivered,
                };
                if let Err(e) = sink.channel_event(&tenant, &connection, receipt).await {
                    tracing::warn!(connection = %connection, error = %e, "delivery receipt not taken");
                }
            });
        }
        Ok(sent)
    }

    async fn typing(&self, to: &str, state: ChatState) -> Result<(), ChannelError> {
        let data = serde_json::json!({ "phone": to, "typing": state });
        self.phones
            .show(&self.tenant, &self.connection_id, data)
            .await
    }
}
