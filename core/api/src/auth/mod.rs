//! Authentication and authorisation: password hashing, access and refresh tokens, API keys,
//! the request principal, role and scope checks, and sign-in rate limits.

pub mod limiter;
pub mod password;
pub mod principal;
pub mod tokens;

pub use principal::{Auth, Principal, Scope, TenantCtx};
