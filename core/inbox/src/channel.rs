//! What every channel (a way to reach WhatsApp) offers the inbox: connect, status and
//! pairing, send, and the events it reports back (messages, receipts, status changes).
//! The simulator (`simulator.rs`) is the one built in; WhatsApp Web and the Cloud API plug
//! in the same way.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tucan_model::ticket::{ChatState, ConnectionStatus, GroupChat, MessageKind, MessageStatus};

/// A message to send to a customer.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The customer's number, E.164.
    pub to: String,
    pub kind: MessageKind,
    /// Text, or a media message's caption.
    pub body: String,
    /// Where the channel fetches the file from (media messages).
    pub media_url: Option<String>,
    pub filename: Option<String>,
    /// The channel id of the message this one answers.
    pub quoted: Option<String>,
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
}

/// Where channels report what happens on a connection.
#[async_trait]
pub trait ChannelSink: Send + Sync {
    async fn channel_event(&self, tenant: &str, connection_id: &str, event: ChannelEvent);
}

/// Channels by (tenant, connection).
type ChannelMap = HashMap<(String, String), Arc<dyn Channel>>;

/// The open channels of this process, by tenant and connection.
#[derive(Default, Clone)]
pub struct ChannelSet {
    open: Arc<Mutex<ChannelMap>>,
}

impl std::fmt::Debug for ChannelSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.open.lock().map(|m| m.len()).unwrap_or(0);
        f.debug_struct("ChannelSet").field("open", &n).finish()
    }
}

impl ChannelSet {
    pub fn get(&self, tenant: &str, connection_id: &str) -> Option<Arc<dyn Channel>> {
        self.open
            .lock()
            .expect("channel set poisoned")
            .get(&(tenant.to_string(), connection_id.to_string()))
            .cloned()
    }

    pub fn insert(&self, tenant: &str, connection_id: &str, channel: Arc<dyn Channel>) {
        self.open
            .lock()
            .expect("channel set poisoned")
            .insert((tenant.to_string(), connection_id.to_string()), channel);
    }

    pub fn remove(&self, tenant: &str, connection_id: &str) -> Option<Arc<dyn Channel>> {
        self.open
            .lock()
            .expect("channel set poisoned")
            .remove(&(tenant.to_string(), connection_id.to_string()))
    }
}
