//! The error shape every endpoint answers with: `{ "code": "...", "message": "..." }` and the
//! HTTP status that goes with the code. Also turns the framework's own failures (malformed
//! JSON, unknown fields, missing token, oversized body, unknown route) into that shape.

use poem::{Endpoint, Response};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};
use tucan_inbox::InboxError;
use tucan_model::{ErrorCode, Problem};
use tucan_plugins::HostError;
use tucan_runtime::RuntimeError;
use tucan_store::StoreError;

/// The body of every error response.
#[derive(Debug, Clone, Object)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `PLAN_LIMIT_REACHED` (see README.md, "Error codes").
    pub code: String,
    /// What went wrong, for people.
    pub message: String,
    /// The request field at fault, when one is (e.g. `timezone`).
    #[oai(skip_serializing_if_is_none)]
    pub field: Option<String>,
}

/// Error responses of the API.
#[derive(Debug, ApiResponse)]
pub enum ApiError {
    /// The request is malformed or a value is invalid.
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// No valid credentials.
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// Authenticated, but not allowed (role, scope, plan limit or feature).
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// No such resource in the caller's tenant.
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// The write conflicts with existing data (duplicate email, name…).
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
    /// The body (or an uploaded file) is larger than allowed.
    #[oai(status = 413)]
    TooLarge(Json<ErrorBody>),
    /// The body's type (or an uploaded file's content) is not accepted.
    #[oai(status = 415)]
    UnsupportedMediaType(Json<ErrorBody>),
    /// Too many attempts; try again after `Retry-After` seconds.
    #[oai(status = 429)]
    TooManyRequests(Json<ErrorBody>, #[oai(header = "Retry-After")] u64),
    /// Something failed on our side; the message carries no internals.
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
    /// A dependency (the database) is not available.
    #[oai(status = 503)]
    Unavailable(Json<ErrorBody>),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        let body = Json(ErrorBody {
            code: code.as_str().to_string(),
            message: message.into(),
            field: None,
        });
        match code.http_status() {
            400 | 405 => ApiError::BadRequest(body),
            413 => ApiError::TooLarge(body),
            415 => ApiError::UnsupportedMediaType(body),
            401 => ApiError::Unauthorized(body),
            403 => ApiError::Forbidden(body),
            404 => ApiError::NotFound(body),
            409 => ApiError::Conflict(body),
            429 => ApiError::TooManyRequests(body, 60),
            503 => ApiError::Unavailable(body),
            _ => ApiError::Internal(body),
        }
    }

    /// A 429 that tells the client to wait `secs` seconds (60 unless set).
    pub fn retry_after(self, secs: u64) -> Self {
        match self {
            ApiError::TooManyRequests(body, _) => ApiError::TooManyRequests(body, secs.max(1)),
            other => other,
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    pub fn internal() -> Self {
        Self::new(ErrorCode::Internal, "internal error; it has been logged")
    }

    pub fn code(&self) -> &str {
        &self.body().code
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::BadRequest(_) => 400,
            ApiError::Unauthorized(_) => 401,
            ApiError::Forbidden(_) => 403,
            ApiError::NotFound(_) => 404,
            ApiError::Conflict(_) => 409,
            ApiError::TooLarge(_) => 413,
            ApiError::UnsupportedMediaType(_) => 415,
            ApiError::TooManyRequests(..) => 429,
            ApiError::Internal(_) => 500,
            ApiError::Unavailable(_) => 503,
        }
    }

    fn body_mut(&mut self) -> &mut ErrorBody {
        match self {
            ApiError::BadRequest(b)
            | ApiError::Unauthorized(b)
            | ApiError::Forbidden(b)
            | ApiError::NotFound(b)
            | ApiError::Conflict(b)
            | ApiError::TooLarge(b)
            | ApiError::UnsupportedMediaType(b)
            | ApiError::TooManyRequests(b, _)
            | ApiError::Internal(b)
            | ApiError::Unavailable(b) => &mut b.0,
        }
    }

    /// The JSON body this error answers with.
    pub fn body(&self) -> &ErrorBody {
        match self {
            ApiError::BadRequest(b)
            | ApiError::Unauthorized(b)
            | ApiError::Forbidden(b)
            | ApiError::NotFound(b)
            | ApiError::Conflict(b)
            | ApiError::TooLarge(b)
            | ApiError::UnsupportedMediaType(b)
            | ApiError::TooManyRequests(b, _)
            | ApiError::Internal(b)
            | ApiError::Unavailable(b) => &b.0,
        }
    }
}

/// Sets of error statuses an endpoint declares, as bits: `{ AUTHED | NOT_FOUND }`.
pub mod status {
    pub const BAD_REQUEST: u32 = 1 << 0;
    pub const UNAUTHORIZED: u32 = 1 << 1;
    pub const FORBIDDEN: u32 = 1 << 2;
    pub const NOT_FOUND: u32 = 1 << 3;
    pub const CONFLICT: u32 = 1 << 4;
    pub const TOO_LARGE: u32 = 1 << 5;
    pub const UNSUPPORTED_MEDIA_TYPE: u32 = 1 << 6;
    pub const TOO_MANY_REQUESTS: u32 = 1 << 7;
    pub const INTERNAL: u32 = 1 << 8;
    pub const UNAVAILABLE: u32 = 1 << 9;

    /// What any endpoint may answer: a failure of ours, or the database out of reach.
    pub const ALWAYS: u32 = INTERNAL | UNAVAILABLE;
    /// What any endpoint behind a token or key may answer: no or bad credentials, and a
    /// role, scope, plan or suspended tenant that does not allow it.
    pub const AUTHED: u32 = ALWAYS | UNAUTHORIZED | FORBIDDEN;
    /// A JSON body: malformed, invalid, too large, or not JSON.
    pub const BODY: u32 = BAD_REQUEST | TOO_LARGE | UNSUPPORTED_MEDIA_TYPE;

    /// The bit of an HTTP status.
    pub(crate) fn bit(status: u16) -> u32 {
        match status {
            400 => BAD_REQUEST,
            401 => UNAUTHORIZED,
            403 => FORBIDDEN,
            404 => NOT_FOUND,
            409 => CONFLICT,
            413 => TOO_LARGE,
            415 => UNSUPPORTED_MEDIA_TYPE,
            429 => TOO_MANY_REQUESTS,
            503 => UNAVAILABLE,
            _ => INTERNAL,
        }
    }
}

/// The error responses of one endpoint: an [`ApiError`] whose status is one of the bits
/// in `S` (see [`status`]), and the OpenAPI document lists exactly those.
#[derive(Debug)]
pub struct Fails<const S: u32>(pub ApiError);

/// What an endpoint returns: `T`, or an error with one of the statuses in `S`.
pub type Reply<T, const S: u32> = Result<T, Fails<S>>;

/// Answers with a status their endpoint does not declare, since the process started.
static UNDECLARED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many answers had a status their endpoint's OpenAPI entry does not list (each is also
/// logged as an error); the API's tests check that none did.
pub fn undeclared_statuses() -> u64 {
    UNDECLARED.load(std::sync::atomic::Ordering::Relaxed)
}

impl<E: Into<ApiError>, const S: u32> From<E> for Fails<S> {
    fn from(e: E) -> Self {
        let e = e.into();
        let status = e.status();
        if status::bit(status) & S == 0 {
            UNDECLARED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tracing::error!(
                status,
                code = e.code(),
                message = %e.body().message,
                "an endpoint answered with a status its OpenAPI entry does not list"
            );
        }
        Fails(e)
    }
}

impl<const S: u32> From<Fails<S>> for poem::Error {
    fn from(f: Fails<S>) -> Self {
        f.0.into()
    }
}

impl<const S: u32> poem_openapi::ApiResponse for Fails<S> {
    fn meta() -> poem_openapi::registry::MetaResponses {
        let mut meta = ApiError::meta();
        meta.responses
            .retain(|r| r.status.is_some_and(|s| status::bit(s) & S != 0));
        meta
    }

    fn register(registry: &mut poem_openapi::registry::Registry) {
        ApiError::register(registry);
    }
}

impl From<Problem> for ApiError {
    fn from(p: Problem) -> Self {
        let mut e = ApiError::new(p.code, p.message);
        e.body_mut().field = p.field;
        e
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e.to_problem() {
            Some(p) => {
                if !matches!(e, StoreError::Problem(_) | StoreError::NotFound(_)) {
                    tracing::warn!(error = %e, "store failure");
                }
                p.into()
            }
            None => {
                tracing::error!(error = %e, "store failure");
                ApiError::internal()
            }
        }
    }
}

/// A crate's failure as the client sees it: its problem, or (logged as `what` failed) an
/// internal error that says nothing of it.
fn shown_or_logged(problem: Option<Problem>, what: &str, e: &dyn std::fmt::Display) -> ApiError {
    match problem {
        Some(p) => p.into(),
        None => {
            tracing::error!(error = %e, "{what} failure");
            ApiError::internal()
        }
    }
}

impl From<RuntimeError> for ApiError {
    fn from(e: RuntimeError) -> Self {
        match e {
            RuntimeError::Store(e) => e.into(),
            other => shown_or_logged(other.to_problem(), "flow runtime", &other),
        }
    }
}

impl From<InboxError> for ApiError {
    fn from(e: InboxError) -> Self {
        match e {
            InboxError::Store(e) => e.into(),
            InboxError::Runtime(e) => e.into(),
            other => shown_or_logged(other.to_problem(), "inbox", &other),
        }
    }
}

impl From<HostError> for ApiError {
    fn from(e: HostError) -> Self {
        match e {
            HostError::Store(e) => e.into(),
            other => shown_or_logged(other.to_problem(), "plugin host", &other),
        }
    }
}

impl From<tucan_webhooks::WebhookError> for ApiError {
    fn from(e: tucan_webhooks::WebhookError) -> Self {
        use tucan_webhooks::WebhookError as W;
        match e {
            W::Store(e) => e.into(),
            W::Invalid(p) => ApiError::from(p),
            W::NoSecretsKey => shown_or_logged(
                Some(tucan_model::Problem::new(
                    ErrorCode::Unavailable,
                    e.to_string(),
                )),
                "webhooks",
                &e,
            ),
            other => shown_or_logged(None, "webhooks", &other),
        }
    }
}

impl From<tucan_campaigns::CampaignError> for ApiError {
    fn from(e: tucan_campaigns::CampaignError) -> Self {
        use tucan_campaigns::CampaignError as C;
        match e {
            C::Store(e) => e.into(),
            C::Inbox(e) => e.into(),
            C::Invalid(p) => ApiError::from(p),
            other => shown_or_logged(None, "campaigns", &other),
        }
    }
}

fn json_error(status: poem::http::StatusCode, code: ErrorCode, message: String) -> Response {
    let body = serde_json::json!({ "code": code.as_str(), "message": message });
    Response::builder()
        .status(status)
        .content_type("application/json; charset=utf-8")
        .body(body.to_string())
}

/// Wrap an endpoint so every error leaves as JSON with a stable code.
pub fn json_errors<E: Endpoint>(ep: E) -> impl Endpoint<Output = Response> {
    use poem::EndpointExt;
    ep.catch_all_error(|err: poem::Error| async move {
        let status = err.status();
        let is_param = err.is::<poem_openapi::error::ParseParamError>()
            || err.is::<poem_openapi::error::ParsePathError>();
        let is_auth = err.is::<poem_openapi::error::AuthorizationError>();
        let message = err.to_string();
        let resp = err.into_response();
        let already_json = resp
            .headers()
            .get(poem::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/json"));
        if already_json {
            return resp;
        }
        let code = match status.as_u16() {
            400 if is_param => ErrorCode::InvalidParam,
            400 => ErrorCode::InvalidBody,
            401 if is_auth => ErrorCode::Unauthorized,
            401 => ErrorCode::TokenInvalid,
            403 => ErrorCode::Forbidden,
            404 => ErrorCode::NotFound,
            405 => ErrorCode::MethodNotAllowed,
            413 => ErrorCode::BodyTooLarge,
            415 => ErrorCode::UnsupportedMediaType,
            429 => ErrorCode::TooManyAttempts,
            503 => ErrorCode::Unavailable,
            s if s >= 500 => {
                tracing::error!(status = s, error = %message, "unhandled failure");
                return json_error(
                    status,
                    ErrorCode::Internal,
                    "internal error; it has been logged".into(),
                );
            }
            _ => ErrorCode::InvalidBody,
        };
        let message = match code {
            ErrorCode::Unauthorized => "a bearer token or API key is required".to_string(),
            ErrorCode::NotFound => "no such route".to_string(),
            ErrorCode::BodyTooLarge => "the request body is too large".to_string(),
            _ => message,
        };
        json_error(status, code, message)
    })
}

#[cfg(test)]
mod tests {
    use poem_openapi::ApiResponse;

    use super::*;

    #[test]
    fn an_endpoint_lists_only_its_statuses() {
        type Errors = Fails<{ status::AUTHED | status::NOT_FOUND }>;
        let mut listed: Vec<u16> = Errors::meta()
            .responses
            .iter()
            .filter_map(|r| r.status)
            .collect();
        listed.sort();
        assert_eq!(listed, vec![401, 403, 404, 500, 503]);
    }

    #[test]
    fn an_undeclared_status_is_counted() {
        let before = undeclared_statuses();
        let _declared: Fails<{ status::NOT_FOUND }> =
            ApiError::new(ErrorCode::TicketNotFound, "ticket not found").into();
        assert_eq!(undeclared_statuses(), before);
        let _undeclared: Fails<{ status::NOT_FOUND }> =
            ApiError::new(ErrorCode::NameTaken, "a tag with this name exists").into();
        assert_eq!(undeclared_statuses(), before + 1);
    }
}
