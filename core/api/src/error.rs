//! The error shape every endpoint answers with: `{ "code": "...", "message": "..." }` and the
//! HTTP status that goes with the code. Also turns the framework's own failures (malformed
//! JSON, unknown fields, missing token, oversized body, unknown route) into that shape.

use poem::{Endpoint, Response};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};
use tucan_model::{ErrorCode, Problem};
use tucan_store::StoreError;

/// The body of every error response.
#[derive(Debug, Clone, Object)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `PLAN_LIMIT_REACHED` (see README.md, "Error codes").
    pub code: String,
    /// What went wrong, for people.
    pub message: String,
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
    /// Too many attempts; try again later.
    #[oai(status = 429)]
    TooManyRequests(Json<ErrorBody>),
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
        });
        match code.http_status() {
            400 | 405 => ApiError::BadRequest(body),
            413 => ApiError::TooLarge(body),
            415 => ApiError::UnsupportedMediaType(body),
            401 => ApiError::Unauthorized(body),
            403 => ApiError::Forbidden(body),
            404 => ApiError::NotFound(body),
            409 => ApiError::Conflict(body),
            429 => ApiError::TooManyRequests(body),
            503 => ApiError::Unavailable(body),
            _ => ApiError::Internal(body),
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
            | ApiError::TooManyRequests(b)
            | ApiError::Internal(b)
            | ApiError::Unavailable(b) => &b.0,
        }
    }
}

impl From<Problem> for ApiError {
    fn from(p: Problem) -> Self {
        ApiError::new(p.code, p.message)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Problem(p) => p.into(),
            other => {
                tracing::error!(error = %other, "store failure");
                ApiError::internal()
            }
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
