//! Conversations the company starts: an agent writing first to a customer from the inbox or
//! the contacts, and an API client sending to a number.

#[cfg(feature = "openapi")]
use poem_openapi::Object;
use serde::{Deserialize, Serialize};

use crate::ticket::{Message, TemplateUse, Ticket};

/// An agent starts a conversation (`POST /api/tickets`): the customer by number or contact,
/// the company's number it goes out on, and the first message (text, a file, or an approved
/// template where the channel needs one).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct NewConversation {
    /// The connection (the company's number) to write from.
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 40)))]
    pub connection_id: String,
    /// The customer's number (local numbers are read in the company's country); or
    /// `contact_id`.
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 40)))]
    pub phone: Option<String>,
    /// A contact of the company; or `phone`.
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 40)))]
    pub contact_id: Option<String>,
    /// The name of a contact the number creates (the number when absent).
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 200)))]
    pub name: Option<String>,
    /// The first message, or the caption of `media_id`.
    #[cfg_attr(feature = "openapi", oai(default, validator(max_length = 4096)))]
    #[serde(default)]
    pub body: String,
    /// A file uploaded with `POST /api/media`.
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 40)))]
    pub media_id: Option<String>,
    /// An approved template instead of `body` (Cloud API numbers, outside the 24-hour
    /// window).
    pub template: Option<TemplateUse>,
}

/// What starting a conversation did.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct ConversationStarted {
    /// The ticket, open and the caller's.
    pub ticket: Ticket,
    /// The first message, `pending` until the connection sends it.
    pub message: Message,
    /// False when the customer's live ticket on that number was taken instead of a new one.
    pub opened: bool,
}

/// A message an API client sends to a number (`POST /api/messages`): text, a file, or a
/// template. The contact is found by number or created; the message goes on the contact's
/// live ticket on the connection, or on a new ticket that waits in the connection's queue.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct OutboundMessage {
    /// The connection (the company's number) to send from.
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 40)))]
    pub connection_id: String,
    /// The customer's number (local numbers are read in the company's country).
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 40)))]
    pub to: String,
    /// The name of a contact the number creates.
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 200)))]
    pub name: Option<String>,
    /// Text, or the caption of `media_id`.
    #[cfg_attr(feature = "openapi", oai(default, validator(max_length = 4096)))]
    #[serde(default)]
    pub body: String,
    /// A file uploaded with `POST /api/media`.
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 40)))]
    pub media_id: Option<String>,
    /// An approved template instead of `body`.
    pub template: Option<TemplateUse>,
}

/// A message an API client sent, with the ticket it went on.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct OutboundSent {
    pub message: Message,
    pub ticket_id: String,
    pub contact_id: String,
    /// True when this answer repeats the first call's with the same `Idempotency-Key`: the
    /// message was not sent again.
    pub replayed: bool,
}
