//! Stable error codes. A client branches on `code`; `message` is for people. Codes never
//! change meaning once published; the table in README.md ("Error codes") lists them all.

use serde::{Deserialize, Serialize};

/// Every error the platform reports to a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    // 400
    InvalidBody,
    InvalidParam,
    InvalidEmail,
    InvalidPhone,
    InvalidField,
    InvalidCsv,
    InvalidFlow,
    PluginInvalid,
    UnknownSetting,
    InvalidSettingValue,
    // 401
    Unauthorized,
    InvalidCredentials,
    TokenExpired,
    TokenInvalid,
    RefreshTokenInvalid,
    RefreshTokenReused,
    ResetTokenInvalid,
    /// A webhook whose signature does not match its body.
    SignatureInvalid,
    // 403
    Forbidden,
    PlanLimitReached,
    FeatureDisabled,
    TenantSuspended,
    /// The user signed in with a password given to them and must choose their own first.
    PasswordChangeRequired,
    // 404
    /// No such route (unknown resources have their own codes, below).
    NotFound,
    TenantNotFound,
    PlanNotFound,
    UserNotFound,
    ApiKeyNotFound,
    ContactNotFound,
    TagNotFound,
    QueueNotFound,
    QuickReplyNotFound,
    SettingNotFound,
    ConnectionNotFound,
    TicketNotFound,
    MessageNotFound,
    MediaNotFound,
    ScheduledMessageNotFound,
    FlowNotFound,
    FlowVersionNotFound,
    RunNotFound,
    WebhookNotFound,
    PluginNotFound,
    PluginVersionNotFound,
    DeadJobNotFound,
    WebhookEndpointNotFound,
    WebhookDeliveryNotFound,
    NoticeNotFound,
    ContactListNotFound,
    CampaignNotFound,
    // 405
    MethodNotAllowed,
    // 409
    EmailTaken,
    ContactExists,
    NameTaken,
    PlanInUse,
    PluginInUse,
    FlowNotPublished,
    RunActive,
    RunNotWaiting,
    TicketState,
    /// More than 24 hours since the customer last wrote on a Cloud API number.
    WindowClosed,
    /// An `Idempotency-Key` used in the last 24 hours for a different request.
    IdempotencyKeyReused,
    /// A flow is still talking to the customer on the ticket: accepting takes over from it.
    FlowTalking,
    CampaignState,
    // 413
    BodyTooLarge,
    // 415
    UnsupportedMediaType,
    // 429
    TooManyAttempts,
    // 500 / 503
    Internal,
    Unavailable,
}

impl ErrorCode {
    /// The HTTP status that carries this code.
    pub fn http_status(self) -> u16 {
        use ErrorCode::*;
        match self {
            InvalidBody | InvalidParam | InvalidEmail | InvalidPhone | InvalidField
            | InvalidCsv | InvalidFlow | PluginInvalid | UnknownSetting | InvalidSettingValue => {
                400
            }
            Unauthorized | InvalidCredentials | TokenExpired | TokenInvalid
            | RefreshTokenInvalid | RefreshTokenReused | ResetTokenInvalid | SignatureInvalid => {
                401
            }
            Forbidden
            | PlanLimitReached
            | FeatureDisabled
            | TenantSuspended
            | PasswordChangeRequired => 403,
            NotFound
            | TenantNotFound
            | PlanNotFound
            | UserNotFound
            | ApiKeyNotFound
            | ContactNotFound
            | TagNotFound
            | QueueNotFound
            | QuickReplyNotFound
            | SettingNotFound
            | ConnectionNotFound
            | TicketNotFound
            | MessageNotFound
            | MediaNotFound
            | ScheduledMessageNotFound
            | FlowNotFound
            | FlowVersionNotFound
            | RunNotFound
            | WebhookNotFound
            | PluginNotFound
            | PluginVersionNotFound
            | DeadJobNotFound
            | WebhookEndpointNotFound
            | WebhookDeliveryNotFound
            | NoticeNotFound
            | ContactListNotFound
            | CampaignNotFound => 404,
            MethodNotAllowed => 405,
            EmailTaken | ContactExists | NameTaken | PlanInUse | PluginInUse | FlowNotPublished
            | RunActive | RunNotWaiting | TicketState | WindowClosed | IdempotencyKeyReused
            | FlowTalking | CampaignState => 409,
            BodyTooLarge => 413,
            UnsupportedMediaType => 415,
            TooManyAttempts => 429,
            Internal => 500,
            Unavailable => 503,
        }
    }

    /// The code as it appears on the wire, e.g. `PLAN_LIMIT_REACHED`.
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            InvalidBody => "INVALID_BODY",
            InvalidParam => "INVALID_PARAM",
            InvalidEmail => "INVALID_EMAIL",
            InvalidPhone => "INVALID_PHONE",
            InvalidField => "INVALID_FIELD",
            InvalidCsv => "INVALID_CSV",
            InvalidFlow => "INVALID_FLOW",
            PluginInvalid => "PLUGIN_INVALID",
            UnknownSetting => "UNKNOWN_SETTING",
            InvalidSettingValue => "INVALID_SETTING_VALUE",
            Unauthorized => "UNAUTHORIZED",
            InvalidCredentials => "INVALID_CREDENTIALS",
            TokenExpired => "TOKEN_EXPIRED",
            TokenInvalid => "TOKEN_INVALID",
            RefreshTokenInvalid => "REFRESH_TOKEN_INVALID",
            RefreshTokenReused => "REFRESH_TOKEN_REUSED",
            ResetTokenInvalid => "RESET_TOKEN_INVALID",
            SignatureInvalid => "SIGNATURE_INVALID",
            Forbidden => "FORBIDDEN",
            PlanLimitReached => "PLAN_LIMIT_REACHED",
            FeatureDisabled => "FEATURE_DISABLED",
            TenantSuspended => "TENANT_SUSPENDED",
            PasswordChangeRequired => "PASSWORD_CHANGE_REQUIRED",
            NotFound => "NOT_FOUND",
            TenantNotFound => "TENANT_NOT_FOUND",
            PlanNotFound => "PLAN_NOT_FOUND",
            UserNotFound => "USER_NOT_FOUND",
            ApiKeyNotFound => "API_KEY_NOT_FOUND",
            ContactNotFound => "CONTACT_NOT_FOUND",
            TagNotFound => "TAG_NOT_FOUND",
            QueueNotFound => "QUEUE_NOT_FOUND",
            QuickReplyNotFound => "QUICK_REPLY_NOT_FOUND",
            SettingNotFound => "SETTING_NOT_FOUND",
            ConnectionNotFound => "CONNECTION_NOT_FOUND",
            TicketNotFound => "TICKET_NOT_FOUND",
            MessageNotFound => "MESSAGE_NOT_FOUND",
            MediaNotFound => "MEDIA_NOT_FOUND",
            ScheduledMessageNotFound => "SCHEDULED_MESSAGE_NOT_FOUND",
            FlowNotFound => "FLOW_NOT_FOUND",
            FlowVersionNotFound => "FLOW_VERSION_NOT_FOUND",
            RunNotFound => "RUN_NOT_FOUND",
            WebhookNotFound => "WEBHOOK_NOT_FOUND",
            PluginNotFound => "PLUGIN_NOT_FOUND",
            PluginVersionNotFound => "PLUGIN_VERSION_NOT_FOUND",
            DeadJobNotFound => "DEAD_JOB_NOT_FOUND",
            WebhookEndpointNotFound => "WEBHOOK_ENDPOINT_NOT_FOUND",
            WebhookDeliveryNotFound => "WEBHOOK_DELIVERY_NOT_FOUND",
            NoticeNotFound => "NOTICE_NOT_FOUND",
            ContactListNotFound => "CONTACT_LIST_NOT_FOUND",
            CampaignNotFound => "CAMPAIGN_NOT_FOUND",
            MethodNotAllowed => "METHOD_NOT_ALLOWED",
            EmailTaken => "EMAIL_TAKEN",
            ContactExists => "CONTACT_EXISTS",
            NameTaken => "NAME_TAKEN",
            PlanInUse => "PLAN_IN_USE",
            PluginInUse => "PLUGIN_IN_USE",
            FlowNotPublished => "FLOW_NOT_PUBLISHED",
            RunActive => "RUN_ACTIVE",
            RunNotWaiting => "RUN_NOT_WAITING",
            TicketState => "TICKET_STATE",
            FlowTalking => "FLOW_TALKING",
            CampaignState => "CAMPAIGN_STATE",
            WindowClosed => "WINDOW_CLOSED",
            IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
            BodyTooLarge => "BODY_TOO_LARGE",
            UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            TooManyAttempts => "TOO_MANY_ATTEMPTS",
            Internal => "INTERNAL",
            Unavailable => "UNAVAILABLE",
        }
    }
}

impl ErrorCode {
    /// True for every 404 code: the route's and each resource's.
    pub fn is_not_found(self) -> bool {
        self.http_status() == 404
    }
}

/// A kind of record a request can name by id; each has its own not-found code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Tenant,
    Plan,
    User,
    ApiKey,
    Contact,
    Tag,
    Queue,
    QuickReply,
    Setting,
    Connection,
    Ticket,
    Message,
    Media,
    ScheduledMessage,
    Flow,
    FlowVersion,
    Run,
    Webhook,
    Plugin,
    PluginVersion,
    DeadJob,
    WebhookEndpoint,
    WebhookDelivery,
    Notice,
    ContactList,
    Campaign,
}

impl Resource {
    /// The code a client gets when no such record exists (in its tenant).
    pub fn not_found_code(self) -> ErrorCode {
        use Resource::*;
        match self {
            Tenant => ErrorCode::TenantNotFound,
            Plan => ErrorCode::PlanNotFound,
            User => ErrorCode::UserNotFound,
            ApiKey => ErrorCode::ApiKeyNotFound,
            Contact => ErrorCode::ContactNotFound,
            Tag => ErrorCode::TagNotFound,
            Queue => ErrorCode::QueueNotFound,
            QuickReply => ErrorCode::QuickReplyNotFound,
            Setting => ErrorCode::SettingNotFound,
            Connection => ErrorCode::ConnectionNotFound,
            Ticket => ErrorCode::TicketNotFound,
            Message => ErrorCode::MessageNotFound,
            Media => ErrorCode::MediaNotFound,
            ScheduledMessage => ErrorCode::ScheduledMessageNotFound,
            Flow => ErrorCode::FlowNotFound,
            FlowVersion => ErrorCode::FlowVersionNotFound,
            Run => ErrorCode::RunNotFound,
            Webhook => ErrorCode::WebhookNotFound,
            Plugin => ErrorCode::PluginNotFound,
            PluginVersion => ErrorCode::PluginVersionNotFound,
            DeadJob => ErrorCode::DeadJobNotFound,
            WebhookEndpoint => ErrorCode::WebhookEndpointNotFound,
            WebhookDelivery => ErrorCode::WebhookDeliveryNotFound,
            Notice => ErrorCode::NoticeNotFound,
            ContactList => ErrorCode::ContactListNotFound,
            Campaign => ErrorCode::CampaignNotFound,
        }
    }

    /// The resource in people's words, e.g. `quick reply`.
    pub fn name(self) -> &'static str {
        use Resource::*;
        match self {
            Tenant => "tenant",
            Plan => "plan",
            User => "user",
            ApiKey => "API key",
            Contact => "contact",
            Tag => "tag",
            Queue => "queue",
            QuickReply => "quick reply",
            Setting => "setting",
            Connection => "connection",
            Ticket => "ticket",
            Message => "message",
            Media => "media",
            ScheduledMessage => "scheduled message",
            Flow => "flow",
            FlowVersion => "flow version",
            Run => "run",
            Webhook => "webhook",
            Plugin => "plugin",
            PluginVersion => "plugin version",
            DeadJob => "dead job",
            WebhookEndpoint => "webhook endpoint",
            WebhookDelivery => "webhook delivery",
            Notice => "notice",
            ContactList => "contact list",
            Campaign => "campaign",
        }
    }
}

impl std::fmt::Display for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A domain failure: a stable code plus a human message (never a database message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Problem {
    pub code: ErrorCode,
    pub message: String,
    /// The request field at fault, when one is (`timezone`, `admin.email`…).
    pub field: Option<String>,
}

impl Problem {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: None,
        }
    }

    /// `INVALID_FIELD` for `field`, the message saying what is wrong with it.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.to_string()),
            ..Self::new(ErrorCode::InvalidField, message)
        }
    }

    /// No such `what` (in the caller's tenant), with the resource's own code.
    pub fn not_found(what: Resource) -> Self {
        Self::new(what.not_found_code(), format!("{what} not found"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form_matches_serde() {
        for code in [
            ErrorCode::PlanLimitReached,
            ErrorCode::InvalidBody,
            ErrorCode::EmailTaken,
            ErrorCode::QuickReplyNotFound,
            ErrorCode::ScheduledMessageNotFound,
        ] {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, code.as_str());
        }
    }
}
