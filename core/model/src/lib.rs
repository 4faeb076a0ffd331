//! Domain types of TucanLink: tenants and plans, users and roles, contacts, tags, queues,
//! quick replies, settings, and the stable error codes every layer reports with.
//! No I/O here; types derive serde, and the OpenAPI schema under the `openapi` feature, so the
//! API speaks them directly.

pub mod api_key;
pub mod campaign;
pub mod contact;
pub mod conversation;
pub mod dashboard;
pub mod error;
pub mod hours;
pub mod ids;
pub mod inbox;
pub mod integrations;
pub mod notice;
pub mod phone;
pub mod schedule;
pub mod settings;
pub mod tenancy;
pub mod ticket;
pub mod user;
pub mod webhook;

/// Trim `value` and check it is 1..=`max` characters; `field` names it in the error.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String, Problem> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max {
        return Err(Problem::new(
            ErrorCode::InvalidField,
            format!("{field} must have 1 to {max} characters"),
        ));
    }
    Ok(v.to_string())
}

pub use error::{ErrorCode, Problem, Resource};
