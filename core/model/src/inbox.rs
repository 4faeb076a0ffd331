//! The inbox's organising records: tags, queues (with the agents who serve them) and quick
//! replies.

use chrono::{DateTime, Utc};
#[cfg(feature = "openapi")]
use poem_openapi::{Enum, Object};
use serde::{Deserialize, Serialize};

use crate::{ErrorCode, Problem};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct Tag {
    pub id: String,
    pub name: String,
    /// `#rrggbb`.
    pub color: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct NewTag {
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 60)))]
    pub name: String,
    #[cfg_attr(
        feature = "openapi",
        oai(default = "default_color", validator(pattern = "^#[0-9a-fA-F]{6}$"))
    )]
    pub color: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct TagPatch {
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 60)))]
    pub name: Option<String>,
    #[cfg_attr(feature = "openapi", oai(validator(pattern = "^#[0-9a-fA-F]{6}$")))]
    pub color: Option<String>,
}

pub fn default_color() -> String {
    "#5b8def".to_string()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct Queue {
    pub id: String,
    pub name: String,
    pub color: String,
    /// Sent to the customer when a ticket enters the queue (empty = none).
    pub greeting: String,
    /// Users who serve this queue.
    pub user_ids: Vec<String>,
    /// How a ticket entering the queue finds its agent.
    #[serde(default)]
    pub strategy: AssignStrategy,
    /// The queue's own opening hours (the company's `business_hours_scope` set to `queue`);
    /// the company's hours apply to a queue without them.
    #[serde(default)]
    pub business_hours: Option<crate::hours::Schedule>,
    /// The queue's own auto-close limits; the company's settings apply where absent.
    #[serde(default)]
    pub auto_close: Option<QueueAutoClose>,
    /// The bot that handles the queue's new tickets before agents see them.
    #[serde(default)]
    pub bot: Option<QueueBot>,
    pub created_at: DateTime<Utc>,
}

/// A queue's bot: a flow of the company, or an outside endpoint (n8n, Typebot, a company's
/// own service) that answers with messages or hands the conversation over to a human.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct QueueBot {
    pub kind: QueueBotKind,
    /// `flow`: the published flow that talks to the customer; the ticket goes to the queue's
    /// agents when its run ends (or when it routes the ticket elsewhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub flow_id: Option<String>,
    /// `endpoint`: called with each of the customer's messages and the conversation so far
    /// (`POST`, JSON); answers `{"messages": ["…"], "handover": false}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        oai(validator(max_length = 2048), skip_serializing_if_is_none)
    )]
    pub url: Option<String>,
}

/// What kind of bot a queue has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Enum))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum QueueBotKind {
    Flow,
    Endpoint,
    /// In a patch: the queue has no bot any more.
    None,
}

impl QueueBot {
    /// The bot as stored: `None` for kind `none`; a flow bot names its flow, an endpoint bot
    /// an http(s) URL.
    pub fn checked(self) -> Result<Option<QueueBot>, Problem> {
        let invalid = |m: &str| Problem::invalid_field("bot", m);
        match self.kind {
            QueueBotKind::None => Ok(None),
            QueueBotKind::Flow => match self.flow_id.as_deref().map(str::trim) {
                Some(f) if !f.is_empty() => Ok(Some(QueueBot {
                    kind: QueueBotKind::Flow,
                    flow_id: Some(f.to_string()),
                    url: None,
                })),
                _ => Err(invalid("a flow bot needs a flow_id")),
            },
            QueueBotKind::Endpoint => {
                let url = self.url.as_deref().map(str::trim).unwrap_or_default();
                let rest = url
                    .strip_prefix("https://")
                    .or_else(|| url.strip_prefix("http://"));
                match rest {
                    Some(r) if !r.is_empty() && !r.starts_with('/') => Ok(Some(QueueBot {
                        kind: QueueBotKind::Endpoint,
                        flow_id: None,
                        url: Some(url.to_string()),
                    })),
                    _ => Err(invalid("an endpoint bot needs an http(s) url")),
                }
            }
        }
    }
}

/// How long a ticket of the queue may stay quiet before it closes by itself, in place of the
/// company's `auto_close_open_minutes` and `auto_close_pending_minutes` (0 = never in this
/// queue; absent = the company's).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct QueueAutoClose {
    /// Minutes without a message from the customer, for open tickets.
    #[cfg_attr(feature = "openapi", oai(validator(maximum(value = "43200"))))]
    pub open_minutes: Option<u32>,
    /// Minutes without any activity, for pending tickets.
    #[cfg_attr(feature = "openapi", oai(validator(maximum(value = "43200"))))]
    pub pending_minutes: Option<u32>,
}

impl QueueAutoClose {
    /// No limit of its own.
    pub fn is_empty(&self) -> bool {
        self.open_minutes.is_none() && self.pending_minutes.is_none()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct NewQueue {
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 60)))]
    pub name: String,
    #[cfg_attr(
        feature = "openapi",
        oai(default = "default_color", validator(pattern = "^#[0-9a-fA-F]{6}$"))
    )]
    pub color: String,
    #[cfg_attr(feature = "openapi", oai(default, validator(max_length = 4096)))]
    #[serde(default)]
    pub greeting: String,
    #[cfg_attr(feature = "openapi", oai(default))]
    #[serde(default)]
    pub user_ids: Vec<String>,
    #[cfg_attr(feature = "openapi", oai(default))]
    #[serde(default)]
    pub strategy: AssignStrategy,
    /// The queue's own opening hours; the company's when absent.
    #[serde(default)]
    pub business_hours: Option<crate::hours::Schedule>,
    /// The queue's own auto-close limits; the company's when absent.
    #[serde(default)]
    pub auto_close: Option<QueueAutoClose>,
    /// The bot that handles the queue's new tickets before agents see them.
    #[serde(default)]
    pub bot: Option<QueueBot>,
}

/// How a ticket entering a queue finds its agent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Enum))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum AssignStrategy {
    /// It waits in the queue's pending list until an agent accepts it.
    #[default]
    Manual,
    /// The next online agent of the queue in turn (below their ticket limit).
    RoundRobin,
    /// The online agent of the queue with the fewest open tickets (below their limit).
    LeastBusy,
}

impl AssignStrategy {
    pub fn as_str(self) -> &'static str {
        match self {
            AssignStrategy::Manual => "manual",
            AssignStrategy::RoundRobin => "round_robin",
            AssignStrategy::LeastBusy => "least_busy",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct QueuePatch {
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 60)))]
    pub name: Option<String>,
    #[cfg_attr(feature = "openapi", oai(validator(pattern = "^#[0-9a-fA-F]{6}$")))]
    pub color: Option<String>,
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 4096)))]
    pub greeting: Option<String>,
    /// Replaces the set of users serving the queue.
    pub user_ids: Option<Vec<String>>,
    pub strategy: Option<AssignStrategy>,
    /// Replaces the queue's own opening hours; a schedule with no intervals and no holidays
    /// removes them (the company's apply again).
    pub business_hours: Option<crate::hours::Schedule>,
    /// Replaces the queue's own auto-close limits; one with neither limit removes them.
    pub auto_close: Option<QueueAutoClose>,
    /// Replaces the queue's bot; kind `none` removes it.
    pub bot: Option<QueueBot>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct QuickReply {
    pub id: String,
    /// Typed after `/` in the composer, e.g. `hours`.
    pub shortcut: String,
    /// The text (the file's caption when there is one); `{{contact.name}}` and the other
    /// variables are filled in when it goes.
    pub message: String,
    /// A file sent with it.
    pub media_id: Option<String>,
    /// Its owner, for a personal quick reply only they see and use; absent for the
    /// company's shared ones. A personal shortcut wins over a shared one for its owner.
    pub user_id: Option<String>,
    /// `message` filled in for the ticket the list was asked for (`?ticket_id=`).
    pub preview: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct NewQuickReply {
    pub shortcut: String,
    /// The text, or the caption of `media_id` (which may go without one).
    #[cfg_attr(feature = "openapi", oai(default, validator(max_length = 4096)))]
    #[serde(default)]
    pub message: String,
    /// A file uploaded with `POST /api/media`.
    pub media_id: Option<String>,
    /// Only for the caller (agents' quick replies are always their own); the company's
    /// shared ones are for supervisors and admins to make.
    #[cfg_attr(feature = "openapi", oai(default))]
    #[serde(default)]
    pub personal: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct QuickReplyPatch {
    pub shortcut: Option<String>,
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 4096)))]
    pub message: Option<String>,
    /// An empty string removes the file.
    pub media_id: Option<String>,
}

/// Shortcuts are 1-32 lower-case letters, digits, `-` or `_` (typed after `/`).
pub fn check_shortcut(shortcut: &str) -> Result<String, Problem> {
    let s = shortcut.trim_start_matches('/').to_ascii_lowercase();
    let ok = !s.is_empty()
        && s.len() <= 32
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(s)
    } else {
        Err(Problem::new(
            ErrorCode::InvalidField,
            "shortcut must be 1-32 letters, digits, '-' or '_'",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcuts() {
        assert_eq!(check_shortcut("/Hours").unwrap(), "hours");
        assert!(check_shortcut("/").is_err());
        assert!(check_shortcut("two words").is_err());
    }
}
