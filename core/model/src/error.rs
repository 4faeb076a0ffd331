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
    // 403
    Forbidden,
    PlanLimitReached,
    FeatureDisabled,
    TenantSuspended,
    // 404
    NotFound,
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
            | RefreshTokenInvalid | RefreshTokenReused | ResetTokenInvalid => 401,
            Forbidden | PlanLimitReached | FeatureDisabled | TenantSuspended => 403,
            NotFound => 404,
            MethodNotAllowed => 405,
            EmailTaken | ContactExists | NameTaken | PlanInUse | PluginInUse | FlowNotPublished
            | RunActive | RunNotWaiting | TicketState => 409,
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
            Forbidden => "FORBIDDEN",
            PlanLimitReached => "PLAN_LIMIT_REACHED",
            FeatureDisabled => "FEATURE_DISABLED",
            TenantSuspended => "TENANT_SUSPENDED",
            NotFound => "NOT_FOUND",
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
            BodyTooLarge => "BODY_TOO_LARGE",
            UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            TooManyAttempts => "TOO_MANY_ATTEMPTS",
            Internal => "INTERNAL",
            Unavailable => "UNAVAILABLE",
        }
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
}

impl Problem {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
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
        ] {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, code.as_str());
        }
    }
}
