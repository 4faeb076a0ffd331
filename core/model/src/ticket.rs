//! The shared inbox: connections (WhatsApp numbers), tickets (one conversation with a
//! contact on a connection), their messages and internal notes, and the ticket timeline.

use chrono::{DateTime, Utc};
#[cfg(feature = "openapi")]
use poem_openapi::{Enum, Object};
use serde::{Deserialize, Serialize};

/// What carries a connection's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Enum))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum ChannelKind {
    /// A built-in test number: someone plays the customer through the simulator API.
    Simulator,
    /// Meta's WhatsApp Cloud API (Graph API and webhooks); settings in `cloud_api`.
    CloudApi,
}

/// The Cloud API settings of a connection, as a client sends them. Secrets are sealed at
/// rest and never shown again: a change that leaves one out keeps the one saved.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct CloudApiSettings {
    /// The number's id in Meta's WhatsApp Manager.
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 40)))]
    pub phone_number_id: String,
    /// The WhatsApp Business Account's id.
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 40)))]
    pub waba_id: String,
    /// A system user's access token (required when the connection is created).
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 1024)))]
    #[serde(default)]
    pub access_token: Option<String>,
    /// The Meta app's secret, which signs the webhooks (required when created).
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 256)))]
    #[serde(default)]
    pub app_secret: Option<String>,
    /// What Meta's console sends to verify the webhook; made up when absent.
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 8, max_length = 128)))]
    #[serde(default)]
    pub verify_token: Option<String>,
    /// The Graph API's base, with its version; Meta's when absent.
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 300)))]
    #[serde(default)]
    pub graph_url: Option<String>,
}

/// The Graph API base a Cloud API connection uses when none is set.
pub const DEFAULT_GRAPH_URL: &str = "https://graph.facebook.com/v21.0";

/// The Cloud API settings of a connection as the API shows them: whether each secret is
/// set, never the secret.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct CloudApiView {
    pub phone_number_id: String,
    pub waba_id: String,
    pub graph_url: String,
    /// To paste into Meta's console with the webhook URL.
    pub verify_token: String,
    pub access_token_set: bool,
    pub app_secret_set: bool,
    /// The URL to paste into Meta's console (from the server's `http.public_url`).
    #[serde(default)]
    pub webhook_url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Enum))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum ConnectionStatus {
    Disconnected,
    Connecting,
    /// Waiting for the phone to scan a QR code or enter a pair code.
    Pairing,
    Connected,
}

/// A WhatsApp number of the company.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct Connection {
    pub id: String,
    pub name: String,
    pub kind: ChannelKind,
    /// The number, E.164.
    pub phone: String,
    pub status: ConnectionStatus,
    /// QR code text or pair code while pairing.
    pub pairing: Option<String>,
    /// Flow started (at its manual trigger, with the text in `vars.message`) for a new
    /// ticket whose first message started or answered no other flow.
    pub default_flow_id: Option<String>,
    /// Queue a new ticket enters when no flow routes it.
    pub default_queue_id: Option<String>,
    /// Sent when a ticket opens on this number (empty = none).
    pub greeting: String,
    /// Sent when a ticket closes (empty = none).
    pub farewell: String,
    /// Outgoing messages per minute this number may send (pacing).
    pub messages_per_minute: u32,
    /// A Cloud API connection's settings.
    #[serde(default)]
    pub cloud_api: Option<CloudApiView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct NewConnection {
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 80)))]
    pub name: String,
    pub kind: ChannelKind,
    pub phone: String,
    pub default_flow_id: Option<String>,
    pub default_queue_id: Option<String>,
    #[cfg_attr(feature = "openapi", oai(default, validator(max_length = 4096)))]
    #[serde(default)]
    pub greeting: String,
    #[cfg_attr(feature = "openapi", oai(default, validator(max_length = 4096)))]
    #[serde(default)]
    pub farewell: String,
    /// Outgoing messages per minute (pacing, shared by agents, flows and campaigns); by
    /// default 60 for a simulator and Meta's 80 a second (4,800) for the Cloud API.
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "1"), maximum(value = "60000")))
    )]
    #[serde(default)]
    pub messages_per_minute: Option<u32>,
    /// Required for a `cloud_api` connection.
    #[serde(default)]
    pub cloud_api: Option<CloudApiSettings>,
}

/// The pacing of a connection of `kind` when none is given: a simulator's 60 a minute,
/// Meta's default throughput of 80 a second for the Cloud API.
pub fn default_pace(kind: ChannelKind) -> u32 {
    match kind {
        ChannelKind::Simulator => 60,
        ChannelKind::CloudApi => 4800,
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct ConnectionPatch {
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 80)))]
    pub name: Option<String>,
    /// `""` clears it.
    pub default_flow_id: Option<String>,
    /// `""` clears it.
    pub default_queue_id: Option<String>,
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 4096)))]
    pub greeting: Option<String>,
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 4096)))]
    pub farewell: Option<String>,
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "1"), maximum(value = "60000")))
    )]
    pub messages_per_minute: Option<u32>,
    /// A Cloud API connection's settings (secrets left out stay as saved).
    pub cloud_api: Option<CloudApiSettings>,
}

/// One change of a connection's status.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct StatusChange {
    pub status: ConnectionStatus,
    pub detail: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[cfg_attr(feature = "openapi", derive(Enum))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum TicketStatus {
    /// Waiting in a queue (or with a flow) for an agent.
    Pending,
    /// An agent has it.
    Open,
    Closed,
    /// Its queue's bot has it; agents see it once the bot hands it over.
    Bot,
}

impl TicketStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Pending => "pending",
            TicketStatus::Open => "open",
            TicketStatus::Closed => "closed",
            TicketStatus::Bot => "bot",
        }
    }
}

/// One conversation with a contact on a connection.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct Ticket {
    pub id: String,
    pub contact_id: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub connection_id: String,
    pub queue_id: Option<String>,
    /// The agent who has it.
    pub user_id: Option<String>,
    pub status: TicketStatus,
    pub is_group: bool,
    /// Customer messages since an agent last read the ticket.
    pub unread: u32,
    /// The last message, shortened, for lists.
    pub last_message: String,
    pub last_message_at: Option<DateTime<Utc>>,
    /// Who wrote the last message.
    #[serde(default)]
    pub last_message_by: Option<Writer>,
    /// The flow run talking to the customer on this ticket while no agent has it; set by
    /// the run's messages, cleared when the run ends or an agent takes over.
    #[serde(default)]
    pub bot_run_id: Option<String>,
    /// Users a note on the ticket mentioned: they may open it, whatever their queues.
    #[serde(default)]
    pub mentioned: Vec<String>,
    /// Tag ids.
    pub tags: Vec<String>,
    /// Orders ticket lists (most recent activity first) and is their cursor.
    pub activity: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The customer's rating (1 to 5) when asked at closing (`rating_on_close`).
    #[serde(default)]
    pub rating: Option<u8>,
    /// What the customer added after the rating.
    #[serde(default)]
    pub rating_comment: Option<String>,
    /// The campaign recipient (`[campaign id, seq]`) a campaign's message on the ticket
    /// went to, until the customer answers it (internal).
    #[serde(default, skip_serializing)]
    #[schemars(skip)]
    #[cfg_attr(feature = "openapi", oai(skip))]
    pub campaign_rcpt: Option<(String, u64)>,
}

/// Who wrote a message: the customer, an agent (or an API client), a flow, or the platform
/// (a connection's greeting, an out-of-hours or auto-close message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[cfg_attr(feature = "openapi", derive(Enum))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum Writer {
    Customer,
    Agent,
    Bot,
    System,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[cfg_attr(feature = "openapi", derive(Enum))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum Direction {
    /// From the customer.
    In,
    /// To the customer (an agent, a flow, the connection's greeting).
    Out,
    /// An internal note, never sent.
    Note,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[cfg_attr(feature = "openapi", derive(Enum))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum MessageKind {
    Text,
    Image,
    Audio,
    Video,
    Document,
}

impl MessageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Text => "text",
            MessageKind::Image => "image",
            MessageKind::Audio => "audio",
            MessageKind::Video => "video",
            MessageKind::Document => "document",
        }
    }
}

/// Where a message is: an incoming one is `received`; an outgoing one goes
/// `pending` → `sent` → `delivered` → `read`, or `failed` with the reason.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[cfg_attr(feature = "openapi", derive(Enum))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum MessageStatus {
    Received,
    Pending,
    Sent,
    Delivered,
    Read,
    Failed,
}

impl MessageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Received => "received",
            MessageStatus::Pending => "pending",
            MessageStatus::Sent => "sent",
            MessageStatus::Delivered => "delivered",
            MessageStatus::Read => "read",
            MessageStatus::Failed => "failed",
        }
    }
}

/// A file attached to a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct Media {
    /// The stored file (`GET /api/media/{id}`), when the platform holds it.
    pub id: Option<String>,
    /// Where the channel fetches it from, for a file the platform does not hold.
    pub url: Option<String>,
    pub mime: String,
    pub filename: Option<String>,
    pub size: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct Message {
    pub id: String,
    pub ticket_id: String,
    pub contact_id: String,
    pub connection_id: String,
    pub direction: Direction,
    pub kind: MessageKind,
    /// Text, or a media message's caption.
    pub body: String,
    pub media: Option<Media>,
    /// The message this one answers.
    pub quoted_id: Option<String>,
    /// The channel's id for it, once it has one.
    pub channel_id: Option<String>,
    pub status: MessageStatus,
    /// Why it failed.
    pub error: Option<String>,
    /// The agent who wrote it.
    pub user_id: Option<String>,
    /// The flow run that sent it.
    pub run_id: Option<String>,
    /// Users a note mentions (`@name`).
    pub mentions: Vec<String>,
    /// The member who wrote it, in a group chat.
    #[serde(default)]
    pub author: Option<MessageAuthor>,
    /// The approved template it went out as (a Cloud API number, outside the 24-hour window).
    #[serde(default)]
    pub template: Option<TemplateUse>,
    /// Options the customer picks from (a flow's menu), shown as buttons or a list where the
    /// channel can.
    #[serde(default)]
    pub choices: Vec<String>,
    /// A voice note's text, once the company's provider transcribed it.
    #[serde(default)]
    pub transcript: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A template to send, or the one a message went out as: its name and language, and the
/// values of its `{{1}}`, `{{2}}`… in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct TemplateUse {
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 512)))]
    pub name: String,
    /// As Meta names it, e.g. `pt_BR`.
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 2, max_length = 15)))]
    pub language: String,
    #[cfg_attr(feature = "openapi", oai(default, validator(max_items = 20)))]
    #[serde(default)]
    pub variables: Vec<String>,
}

/// A message template of a Cloud API number's account, as last synced from Meta.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct MessageTemplate {
    pub connection_id: String,
    pub name: String,
    pub language: String,
    /// `APPROVED`, `PENDING`, `REJECTED`, `PAUSED`…: only approved ones go out.
    pub status: String,
    /// `MARKETING`, `UTILITY` or `AUTHENTICATION`.
    pub category: String,
    /// The text of its body, with `{{1}}`… where the variables go.
    pub body: String,
    /// How many variables its body takes.
    pub variables: u32,
    /// Why the platform cannot send it (a header with a variable or a file, a button with a
    /// value, named parameters); none when it can.
    #[serde(default)]
    pub unsupported: Option<String>,
    pub synced_at: DateTime<Utc>,
}

impl MessageTemplate {
    /// The body with `values` in place of `{{1}}`, `{{2}}`… (in one pass: a value that
    /// itself holds `{{2}}` stays as it is).
    pub fn render(&self, values: &[String]) -> String {
        let mut out = String::with_capacity(self.body.len());
        let mut rest = self.body.as_str();
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find("}}") else {
                out.push_str(&rest[start..]);
                return out;
            };
            match after[..end].trim().parse::<usize>() {
                Ok(n) if (1..=values.len()).contains(&n) => out.push_str(&values[n - 1]),
                _ => out.push_str(&rest[start..start + 2 + end + 2]),
            }
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        out
    }
}

/// How many `{{n}}` variables a template body takes (the highest `n`).
pub fn template_variables(body: &str) -> u32 {
    let mut most = 0;
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            break;
        };
        if let Ok(n) = after[..end].trim().parse::<u32>() {
            most = most.max(n);
        }
        rest = &after[end + 2..];
    }
    most
}

/// A message an agent sends.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct NewMessage {
    /// Text, or the caption of `media_id`. A text that is exactly `/shortcut` is replaced by
    /// that quick reply.
    #[cfg_attr(feature = "openapi", oai(default, validator(max_length = 4096)))]
    #[serde(default)]
    pub body: String,
    /// A file uploaded with `POST /api/media`.
    pub media_id: Option<String>,
    /// Answer this message of the ticket.
    pub quoted_id: Option<String>,
    /// Lead the text with the agent's name; heeded when the company's
    /// `signature_on_messages` is `agent_choice` (signed when absent).
    pub sign: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct NewNote {
    /// Internal note; `@name` or `@email` mentions a user.
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 4096)))]
    pub body: String,
}

/// Where a ticket goes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct Transfer {
    pub queue_id: Option<String>,
    /// The agent who takes it (open); without one the ticket waits in the queue (pending).
    pub user_id: Option<String>,
}

/// One entry of a ticket's timeline: who did what, when.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct TicketLogEntry {
    pub id: String,
    pub ticket_id: String,
    /// `user:<id>`, `run:<id>`, `customer` or `system`.
    pub actor: String,
    /// `created`, `accepted`, `transferred`, `returned`, `closed`, `reopened`, `tagged`,
    /// `untagged`, `note`, `assigned`.
    pub action: String,
    /// What changed, as JSON text (queue, user, tag…).
    pub detail: String,
    pub at: DateTime<Utc>,
}

/// Shortened text for ticket lists.
pub fn preview(text: &str) -> String {
    let t: String = text.chars().take(120).collect();
    t.replace('\n', " ")
}

/// A message on the simulator's phone: what the customer sent (`in`) or received (`out`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct SimMessage {
    /// The channel id (also the platform message's `channel_id`).
    pub id: String,
    pub connection_id: String,
    /// The customer's number.
    pub phone: String,
    /// `in` (customer → platform) or `out` (platform → customer).
    pub direction: String,
    pub kind: MessageKind,
    pub body: String,
    pub media_url: Option<String>,
    /// The channel id of the message this one answers.
    pub quoted: Option<String>,
    /// `sent` for the customer's own; `delivered` or `read` for what it received.
    pub status: String,
    pub at: DateTime<Utc>,
}

/// What the simulated customer sends.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct SimInbound {
    /// The customer's number (local numbers are read in the company's country).
    pub from: String,
    /// The customer's WhatsApp name.
    pub name: Option<String>,
    #[cfg_attr(feature = "openapi", oai(default, validator(max_length = 4096)))]
    #[serde(default)]
    pub text: String,
    /// A media message: its kind and a URL to the file.
    pub kind: Option<MessageKind>,
    /// A file the platform does not keep: only its address is stored (an `http` or `https`
    /// URL).
    #[cfg_attr(
        feature = "openapi",
        oai(validator(pattern = r"^(?i)https?://[^\s]+$", max_length = 2048))
    )]
    pub media_url: Option<String>,
    /// A file the customer sends, base64: the platform keeps it like WhatsApp media (type
    /// read from the content, size limited); `kind` follows the content when not given.
    pub media_base64: Option<String>,
    /// The file's name (documents).
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 200)))]
    pub filename: Option<String>,
    /// The channel id of the message answered.
    pub quoted: Option<String>,
    /// The channel message id; a second message with the same id is a duplicate delivery.
    pub id: Option<String>,
    /// Sent in a WhatsApp group: `from` is the member who wrote.
    pub group: Option<GroupChat>,
}

/// A WhatsApp group chat as a channel reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct GroupChat {
    /// The group's id on WhatsApp (`120363…@g.us`).
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 100)))]
    pub id: String,
    /// The group's name.
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 200)))]
    pub subject: Option<String>,
}

/// Who wrote a message in a group chat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct MessageAuthor {
    /// The member's number, E.164.
    pub phone: String,
    /// The name the member set on WhatsApp.
    pub name: Option<String>,
}

/// Whether someone in a chat is writing (WhatsApp's chat state).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Enum))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum ChatState {
    /// Typing a text.
    Composing,
    /// Recording a voice message.
    Recording,
    /// Stopped.
    Paused,
}

impl ChatState {
    pub fn as_str(self) -> &'static str {
        match self {
            ChatState::Composing => "composing",
            ChatState::Recording => "recording",
            ChatState::Paused => "paused",
        }
    }
}

/// An agent is (or stopped) writing on a ticket: the customer's phone shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct Typing {
    pub state: ChatState,
}

/// The simulated customer is (or stopped) writing.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct SimTyping {
    pub phone: String,
    /// Writing in this group chat (its id).
    pub group: Option<String>,
    pub state: ChatState,
}

/// The simulated customer reads what it received.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct SimRead {
    pub phone: String,
}

#[cfg(test)]
mod template_tests {
    use super::*;

    #[test]
    fn templates_count_and_fill_their_variables_once() {
        let t = MessageTemplate {
            connection_id: "c".into(),
            name: "n".into(),
            language: "pt_BR".into(),
            status: "APPROVED".into(),
            category: "UTILITY".into(),
            body: "Olá {{1}}, pedido {{2}} ({{1}})".into(),
            variables: template_variables("Olá {{1}}, pedido {{2}} ({{1}})"),
            unsupported: None,
            synced_at: Utc::now(),
        };
        assert_eq!(t.variables, 2);
        assert_eq!(
            t.render(&["Ana".into(), "12".into()]),
            "Olá Ana, pedido 12 (Ana)"
        );
        assert_eq!(
            t.render(&["{{2}}".into(), "x".into()]),
            "Olá {{2}}, pedido x ({{2}})"
        );
        assert_eq!(template_variables("sem variáveis"), 0);
    }
}
