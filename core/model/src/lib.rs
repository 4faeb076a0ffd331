//! Domain types of TucanLink: tenants and plans, users and roles, contacts, tags, queues,
//! quick replies, settings, and the stable error codes every layer reports with.
//! No I/O here; types derive serde and the OpenAPI schema so the API speaks them directly.

pub mod contact;
pub mod error;
pub mod ids;
pub mod inbox;
pub mod phone;
pub mod settings;
pub mod tenancy;
pub mod user;

pub use error::{ErrorCode, Problem};
