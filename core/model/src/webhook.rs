//! Outgoing webhooks: a company's endpoints, the events they subscribe to, and the log of
//! each delivery. Calls follow the Standard Webhooks specification (standardwebhooks.com).

use chrono::{DateTime, Utc};
#[cfg(feature = "openapi")]
use poem_openapi::{Enum, Object};
use serde::{Deserialize, Serialize};

use crate::{ErrorCode, Problem};

/// The events an endpoint can subscribe to.
pub const EVENT_TYPES: &[&str] = &[
    "message.received",
    "message.sent",
    "message.status",
    "ticket.created",
    "ticket.updated",
    "ticket.closed",
    "contact.created",
    "contact.updated",
    "flow.run.completed",
    "flow.run.failed",
];

/// The event a "send test event" call delivers.
pub const TEST_EVENT: &str = "webhook.test";

/// Where a company's events are sent.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct WebhookEndpoint {
    pub id: String,
    pub url: String,
    pub description: String,
    /// Event types (`message.received`, …); `*` is every one.
    pub events: Vec<String>,
    /// Only events of this number.
    pub connection_id: Option<String>,
    /// Only events of tickets in this queue.
    pub queue_id: Option<String>,
    /// Only events of tickets or contacts with this tag.
    pub tag_id: Option<String>,
    pub enabled: bool,
    /// Why the platform turned it off (the receiver answered 410, or it kept failing).
    pub disabled_reason: Option<String>,
    /// Since when its deliveries fail (none while they succeed).
    pub failing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct NewWebhookEndpoint {
    /// `https://…` (or `http://`); addresses inside the platform's network are refused.
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 2048)))]
    pub url: String,
    #[cfg_attr(feature = "openapi", oai(default, validator(max_length = 500)))]
    #[serde(default)]
    pub description: String,
    #[cfg_attr(feature = "openapi", oai(validator(min_items = 1, max_items = 50)))]
    pub events: Vec<String>,
    pub connection_id: Option<String>,
    pub queue_id: Option<String>,
    pub tag_id: Option<String>,
    #[cfg_attr(feature = "openapi", oai(default = "yes"))]
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// A change to an endpoint; absent fields stay, an empty filter id removes the filter.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct WebhookEndpointPatch {
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 2048)))]
    pub url: Option<String>,
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 500)))]
    pub description: Option<String>,
    #[cfg_attr(feature = "openapi", oai(validator(min_items = 1, max_items = 50)))]
    pub events: Option<Vec<String>>,
    pub connection_id: Option<String>,
    pub queue_id: Option<String>,
    pub tag_id: Option<String>,
    /// Turning an endpoint on again clears why it was turned off.
    pub enabled: Option<bool>,
}

/// An endpoint with its signing secret, shown once: when it is created or rotated.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct WebhookEndpointSecret {
    pub endpoint: WebhookEndpoint,
    /// `whsec_<base64>`: verify the `webhook-signature` header with it.
    pub secret: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Enum))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum DeliveryStatus {
    /// Waiting for its first or next attempt.
    Pending,
    Succeeded,
    /// Every attempt failed, or the endpoint was turned off.
    Failed,
}

/// One event sent (or being sent) to one endpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct WebhookDelivery {
    pub id: String,
    pub endpoint_id: String,
    /// The `webhook-id` header: the same for every attempt of the delivery.
    pub event_id: String,
    pub event_type: String,
    /// The JSON body sent.
    pub payload: String,
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: u32,
    /// The last answer's status.
    pub response_status: Option<u16>,
    /// The start of the last answer's body.
    pub response_excerpt: Option<String>,
    /// Why the last attempt failed without an answer (timeout, refused address…).
    pub error: Option<String>,
    pub duration_ms: Option<u64>,
    /// When the next attempt goes, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A page of deliveries, newest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct WebhookDeliveryPage {
    pub items: Vec<WebhookDelivery>,
    /// Pass as `cursor` for the next (older) page; absent on the last.
    pub next_cursor: Option<String>,
}

/// Each event type is known (or `*`), once.
pub fn check_events(events: &[String]) -> Result<Vec<String>, Problem> {
    let mut out: Vec<String> = Vec::new();
    for e in events {
        let e = e.trim();
        if e != "*" && !EVENT_TYPES.contains(&e) && !is_custom(e) {
            return Err(Problem::new(
                ErrorCode::InvalidField,
                format!(
                    "unknown event type '{e}'; known: *, {}",
                    EVENT_TYPES.join(", ")
                ),
            ));
        }
        if !out.iter().any(|o| o == e) {
            out.push(e.to_string());
        }
    }
    if out.is_empty() {
        return Err(Problem::new(
            ErrorCode::InvalidField,
            "an endpoint needs at least one event type",
        ));
    }
    Ok(out)
}

/// A flow's custom event type (`custom.<name>`), or the subscription to all of them
/// (`custom.*`).
fn is_custom(e: &str) -> bool {
    e.strip_prefix("custom.").is_some_and(|name| {
        name == "*"
            || (!name.is_empty()
                && name.len() <= 64
                && name.chars().all(|c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')
                }))
    })
}

/// Whether an endpoint subscribed to `events` wants `event_type`.
pub fn wants(events: &[String], event_type: &str) -> bool {
    event_type == TEST_EVENT
        || events.iter().any(|e| {
            e == "*" || e == event_type || (e == "custom.*" && event_type.starts_with("custom."))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_checked_and_matched() {
        let ok = check_events(&["ticket.closed".into(), "ticket.closed".into()]).unwrap();
        assert_eq!(ok, ["ticket.closed"]);
        assert!(check_events(&["ticket.exploded".into()]).is_err());
        assert!(check_events(&[]).is_err());
        assert!(wants(&ok, "ticket.closed"));
        assert!(!wants(&ok, "ticket.created"));
        assert!(wants(&["*".into()], "contact.updated"));
        assert!(wants(&ok, TEST_EVENT));
        let custom = check_events(&["custom.*".into(), "custom.order.paid".into()]).unwrap();
        assert!(wants(&custom, "custom.lead_won"));
        assert!(!wants(&custom[1..], "custom.lead_won"));
        assert!(check_events(&["custom.Bad Name".into()]).is_err());
    }
}
