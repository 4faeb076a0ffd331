//! People who sign in: platform admins (no tenant) and a tenant's admins, supervisors and
//! agents.

use chrono::{DateTime, Utc};
#[cfg(feature = "openapi")]
use poem_openapi::{Enum, Object};
use serde::{Deserialize, Serialize};

use crate::{ErrorCode, Problem};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Enum))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum Role {
    Agent,
    Supervisor,
    Admin,
    PlatformAdmin,
}

impl Role {
    /// Roles a tenant can give its own users (platform admin is not one of them).
    pub fn is_tenant_role(self) -> bool {
        self != Role::PlatformAdmin
    }
}

/// A user as the API shows it (never with its password hash).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct User {
    pub id: String,
    /// Absent for platform admins.
    pub tenant_id: Option<String>,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// Most tickets the agent handles at once (0 = no limit).
    pub max_tickets: u32,
    pub language: String,
    /// The password was given to the user (printed at the first start, or by an operator):
    /// until they choose their own, only their profile and the password change answer.
    #[serde(default)]
    pub password_must_change: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct NewUser {
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 120)))]
    pub name: String,
    pub email: String,
    pub password: String,
    pub role: Role,
    #[cfg_attr(feature = "openapi", oai(default))]
    #[serde(default)]
    pub max_tickets: u32,
    #[cfg_attr(feature = "openapi", oai(default = "default_language"))]
    #[serde(default = "default_language")]
    pub language: String,
}

pub fn default_language() -> String {
    "pt-BR".to_string()
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct UserPatch {
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 120)))]
    pub name: Option<String>,
    pub email: Option<String>,
    pub role: Option<Role>,
    pub max_tickets: Option<u32>,
    pub language: Option<String>,
}

/// Languages the UI ships.
pub const LANGUAGES: [&str; 3] = ["pt-BR", "es", "en"];

pub fn check_language(lang: &str) -> Result<(), Problem> {
    if LANGUAGES.contains(&lang) {
        Ok(())
    } else {
        Err(Problem::new(
            ErrorCode::InvalidField,
            format!("language must be one of {}", LANGUAGES.join(", ")),
        ))
    }
}

/// Lower-cases and checks an email address: one `@`, a dotted domain, no spaces.
pub fn normalize_email(input: &str) -> Result<String, Problem> {
    let email = input.trim().to_ascii_lowercase();
    let bad = || {
        Problem::new(
            ErrorCode::InvalidEmail,
            format!("'{input}' is not a valid email address"),
        )
    };
    let (local, domain) = email.split_once('@').ok_or_else(bad)?;
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c));
    if !domain_ok || !local_ok || email.len() > 254 {
        return Err(bad());
    }
    Ok(email)
}

/// Password policy: 10 to 128 characters, not all one kind of character.
pub fn check_password(password: &str) -> Result<(), Problem> {
    let n = password.chars().count();
    if !(10..=128).contains(&n) {
        return Err(Problem::new(
            ErrorCode::InvalidField,
            "password must have 10 to 128 characters",
        ));
    }
    let first = password.chars().next();
    if password.chars().all(|c| Some(c) == first) {
        return Err(Problem::new(
            ErrorCode::InvalidField,
            "password must not repeat one character",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            normalize_email(" Ana@Example.COM ").unwrap(),
            "ana@example.com"
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@x.com",
            "ana@x",
            "a b@x.com",
            "ana@x..com",
            "ana@.x.com",
        ] {
            assert_eq!(
                normalize_email(bad).unwrap_err().code,
                ErrorCode::InvalidEmail,
                "{bad}"
            );
        }
    }

    #[test]
    fn passwords() {
        assert!(check_password("correct horse").is_ok());
        assert!(check_password("short").is_err());
        assert!(check_password("aaaaaaaaaaaa").is_err());
    }

    #[test]
    fn roles_order_by_power() {
        assert!(Role::Admin > Role::Supervisor && Role::Supervisor > Role::Agent);
        assert!(!Role::PlatformAdmin.is_tenant_role());
    }
}
