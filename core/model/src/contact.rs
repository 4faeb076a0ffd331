//! Contacts: the customers a tenant talks to, keyed by their E.164 phone number.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
#[cfg(feature = "openapi")]
use poem_openapi::Object;
use serde::{Deserialize, Serialize};

use crate::{ErrorCode, Problem};

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct Contact {
    pub id: String,
    pub name: String,
    /// E.164, e.g. `+5511987654321`; for a group chat, the group's WhatsApp id.
    pub phone: String,
    pub email: Option<String>,
    /// Free-form fields the tenant defines (`cpf`, `plan`, `city`…).
    pub custom_fields: BTreeMap<String, String>,
    /// Ids of the contact's tags.
    pub tags: Vec<String>,
    /// A WhatsApp group chat (its tickets hold the members' messages).
    #[serde(default)]
    pub is_group: bool,
    /// The agent whose wallet the contact is in: with the company's `contact_wallets`
    /// setting on, the contact's new tickets go to this agent.
    pub owner_id: Option<String>,
    /// The queue of the contact's wallet: new tickets wait there when the owner cannot take
    /// them (or when there is no owner).
    pub queue_id: Option<String>,
    /// Out of every campaign (the customer sent an opt-out word, or a user set it).
    #[serde(default)]
    pub opted_out: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct NewContact {
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 200)))]
    pub name: String,
    pub phone: String,
    pub email: Option<String>,
    #[cfg_attr(feature = "openapi", oai(default))]
    #[serde(default)]
    pub custom_fields: BTreeMap<String, String>,
    #[cfg_attr(feature = "openapi", oai(default))]
    #[serde(default)]
    pub tags: Vec<String>,
    /// The agent whose wallet the contact is in.
    pub owner_id: Option<String>,
    /// The queue of the contact's wallet.
    pub queue_id: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct ContactPatch {
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 200)))]
    pub name: Option<String>,
    pub phone: Option<String>,
    /// An empty string removes the email.
    pub email: Option<String>,
    /// Replaces all custom fields when given.
    pub custom_fields: Option<BTreeMap<String, String>>,
    /// Replaces all tags when given.
    pub tags: Option<Vec<String>>,
    /// The wallet's agent; an empty string takes the contact out of the agent's wallet.
    pub owner_id: Option<String>,
    /// The wallet's queue; an empty string removes it.
    pub queue_id: Option<String>,
    /// Out of every campaign, or back in.
    pub opted_out: Option<bool>,
}

pub const MAX_CUSTOM_FIELDS: usize = 50;

/// Custom field names are short identifiers; values are bounded text.
pub fn check_custom_fields(fields: &BTreeMap<String, String>) -> Result<(), Problem> {
    if fields.len() > MAX_CUSTOM_FIELDS {
        return Err(Problem::new(
            ErrorCode::InvalidField,
            format!("at most {MAX_CUSTOM_FIELDS} custom fields"),
        ));
    }
    for (name, value) in fields {
        let name_ok = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !name_ok {
            return Err(Problem::new(
                ErrorCode::InvalidField,
                format!("custom field name '{name}' must be 1-64 letters, digits, '_' or '-'"),
            ));
        }
        if value.chars().count() > 1000 {
            return Err(Problem::new(
                ErrorCode::InvalidField,
                format!("custom field '{name}' is longer than 1000 characters"),
            ));
        }
    }
    Ok(())
}

/// Text that contact search matches against: lower-cased name, phone digits and email.
pub fn search_text(name: &str, phone: &str, email: Option<&str>) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let mut text = format!("{} {}", name.to_lowercase(), digits);
    if let Some(email) = email {
        text.push(' ');
        text.push_str(email);
    }
    text
}

/// A page of contacts plus the cursor for the next one.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct ContactPage {
    pub items: Vec<Contact>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// What a CSV import did.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct ImportReport {
    pub created: u32,
    pub updated: u32,
    pub failed: u32,
    /// One entry per rejected row (1-based line number in the file, header is line 1).
    pub errors: Vec<ImportRowError>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct ImportRowError {
    pub line: u64,
    pub code: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_field_rules() {
        let mut f = BTreeMap::new();
        f.insert("cpf".to_string(), "123".to_string());
        assert!(check_custom_fields(&f).is_ok());
        f.insert("bad name".to_string(), "x".to_string());
        assert_eq!(
            check_custom_fields(&f).unwrap_err().code,
            ErrorCode::InvalidField
        );
    }

    #[test]
    fn search_text_has_digits_and_lowercase() {
        assert_eq!(
            search_text("Ana Souza", "+5511987654321", None),
            "ana souza 5511987654321"
        );
    }
}
