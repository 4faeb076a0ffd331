//! What every channel (a way to reach WhatsApp) offers the inbox — connect, status and
//! pairing, send — and the one door back: the events it reports to the inbox's
//! [`ChannelSink`] (messages, receipts, typing, status changes).

use async_trait::async_trait;
use tucan_model::Problem;
use tucan_model::ticket::{
    ChatState, ConnectionStatus, GroupChat, MessageKind, MessageStatus, TemplateUse,
};

/// A message to send to a customer.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The customer's number, E.164.
    pub to: String,
    pub kind: MessageKind,
    /// Text, or a media message's caption.
    pub body: String,
    /// Where the channel fetches the file from (media messages): a public address, or the
    /// platform's own `/api/media/<id>` for a file it holds (then in `file` too).
    pub media_url: Option<String>,
    /// A file the platform holds, for channels that upload it.
    pub file: Option<IncomingFile>,
    /// The file's type, taken from its content.
    pub mime: Option<String>,
    pub filename: Option<String>,
    /// The channel id of the message this one answers.
    pub quoted: Option<String>,
    /// An approved template to send it as (channels without templates send `body`, the
    /// template's text).
    pub template: Option<TemplateUse>,
    /// Options the customer picks from: buttons or a list where the channel has them (then
    /// the last lines of `body`, which number them, are left out), else `body` as it is.
    pub choices: Vec<String>,
    /// Our message id: a channel that supports it sends once per key.
    pub key: String,
}

/// A message a customer sent.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// The channel's id for it; a second delivery with the same id is ignored.
    pub channel_id: String,
    /// The sender's number as the channel reports it (in a group, the member who wrote).
    pub from: String,
    /// The name the sender set on WhatsApp.
    pub push_name: Option<String>,
    pub kind: MessageKind,
    pub body: String,
    /// A file the platform does not hold: only its address is kept.
    pub media_url: Option<String>,
    pub mime: Option<String>,
    /// A file the channel downloaded (WhatsApp media): the platform keeps it.
    pub file: Option<IncomingFile>,
    pub quoted: Option<String>,
    /// Written in a group chat.
    pub group: Option<GroupChat>,
    /// The number of the option the customer picked (a button or list reply), which a
    /// waiting menu takes as the answer.
    pub choice: Option<String>,
}

/// The bytes of a file a customer sent, as the channel fetched them.
#[derive(Clone)]
pub struct IncomingFile {
    pub bytes: Vec<u8>,
    pub filename: Option<String>,
}

impl std::fmt::Debug for IncomingFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IncomingFile")
            .field("bytes", &self.bytes.len())
            .field("filename", &self.filename)
            .finish()
    }
}

/// What a channel reports.
#[derive(Debug, Clone)]
pub enum ChannelEvent {
    Message(Box<Incoming>),
    /// An outgoing message reached the phone (`Delivered`) or was read (`Read`).
    Receipt {
        channel_id: String,
        status: MessageStatus,
    },
    /// An outgoing message the channel had taken could not be delivered.
    Failed {
        channel_id: String,
        reason: String,
    },
    /// A customer is writing (or stopped); `group` when it happens in a group chat.
    Typing {
        from: String,
        group: Option<String>,
        state: ChatState,
    },
    Status {
        status: ConnectionStatus,
        /// QR code text or pair code while pairing.
        pairing: Option<String>,
        detail: String,
    },
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum ChannelError {
    /// Not now (disconnected, rate limited, timed out): try again later.
    #[error("channel unavailable: {0}")]
    Unavailable(String),
    /// Never (the number is not on WhatsApp, the file is refused).
    #[error("refused: {0}")]
    Rejected(String),
}

/// A connected number.
#[async_trait]
pub trait Channel: Send + Sync {
    async fn connect(&self) -> Result<(), ChannelError>;
    async fn disconnect(&self) -> Result<(), ChannelError>;
    /// Send; returns the channel's id for the message.
    async fn send(&self, msg: &Outgoing) -> Result<String, ChannelError>;
    /// Show the customer `to` (a number, or a group's id) that an agent is writing. Channels
    /// without chat states ignore it.
    async fn typing(&self, to: &str, state: ChatState) -> Result<(), ChannelError> {
        let _ = (to, state);
        Ok(())
    }
    /// Show the customer their message `channel_id` (and those before it) as read. Channels
    /// without read receipts ignore it.
    async fn mark_read(&self, channel_id: &str) -> Result<(), ChannelError> {
        let _ = channel_id;
        Ok(())
    }
}

/// What the inbox made of an event a channel reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    /// A customer's message is stored on its ticket (`duplicate`: the channel had delivered
    /// it before, and this is the first delivery's message).
    Message {
        message_id: String,
        ticket_id: String,
        duplicate: bool,
    },
    /// A receipt, typing or status change was applied (or had nothing to change).
    Applied,
}

/// Why the inbox did not take an event.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SinkError {
    /// The event asks for something the company or the data refuses (a group chat where
    /// none are taken, an unknown connection…): telling the channel again changes nothing.
    #[error("{0}")]
    Refused(Problem),
    /// The inbox could not take it now (the database did not answer): worth reporting again.
    #[error("not taken: {0}")]
    Failed(String),
}

/// Where channels report what happens on a connection: the inbox, the one way in for every
/// channel's messages, receipts, typing and status.
#[async_trait]
pub trait ChannelSink: Send + Sync {
    async fn channel_event(
        &self,
        tenant: &str,
        connection_id: &str,
        event: ChannelEvent,
    ) -> Result<Taken, SinkError>;
}
