//! Notices: what the platform tells a company's admins in the app about something it did on
//! its own (it turned a webhook endpoint off, say). A notice stays until an admin dismisses
//! it; the app says it in the reader's language from its kind and reason.

use chrono::{DateTime, Utc};
#[cfg(feature = "openapi")]
use poem_openapi::{Enum, Object};
use serde::{Deserialize, Serialize};

/// What a notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Enum))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum NoticeKind {
    /// The platform turned an outgoing webhook endpoint off (`subject_id` is the endpoint).
    WebhookDisabled,
}

/// Why it happened, as a stable word the app translates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Enum))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum NoticeReason {
    /// The receiver answered 410 Gone.
    Gone,
    /// Its deliveries kept failing for the platform's limit (five days by default).
    KeptFailing,
}

/// Something the company's admins should know.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct Notice {
    pub id: String,
    pub kind: NoticeKind,
    pub reason: NoticeReason,
    /// The record it is about (a webhook endpoint's id).
    pub subject_id: String,
    /// That record in people's words when it happened (the endpoint's URL).
    pub subject: String,
    /// The platform's own words, in English, for logs and API clients.
    pub detail: String,
    pub created_at: DateTime<Utc>,
}

/// A new notice, as the platform writes it.
#[derive(Debug, Clone)]
pub struct NewNotice {
    pub kind: NoticeKind,
    pub reason: NoticeReason,
    pub subject_id: String,
    pub subject: String,
    pub detail: String,
}
