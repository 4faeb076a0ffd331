//! Per-tenant settings: a fixed catalogue of known keys, each with a type, bounds and a
//! default. Unknown keys and ill-typed values are rejected, so the inbox and flows can rely on
//! what they read.

use std::collections::BTreeMap;

#[cfg(feature = "openapi")]
use poem_openapi::{Enum, Object};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{ErrorCode, Problem};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Enum))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum SettingType {
    Bool,
    Integer,
    Text,
    Choice,
    /// A business-hours schedule (see `hours::Schedule`).
    Schedule,
}

/// One known setting.
#[derive(Debug)]
pub struct SettingDef {
    pub key: &'static str,
    pub ty: SettingType,
    pub description: &'static str,
    pub default: fn() -> Value,
    /// Inclusive bounds for integers; max length for text (`max`).
    pub min: i64,
    pub max: i64,
    /// Allowed values for choices.
    pub choices: &'static [&'static str],
}

const fn boolean(
    key: &'static str,
    description: &'static str,
    default: fn() -> Value,
) -> SettingDef {
    SettingDef {
        key,
        ty: SettingType::Bool,
        description,
        default,
        min: 0,
        max: 0,
        choices: &[],
    }
}

/// The catalogue of settings a tenant can change.
pub static SETTINGS: &[SettingDef] = &[
    boolean(
        "rating_on_close",
        "Ask the customer for a 1-5 rating when a ticket closes.",
        || Value::Bool(false),
    ),
    boolean(
        "accept_group_chats",
        "Open tickets for WhatsApp group chats.",
        || Value::Bool(false),
    ),
    boolean(
        "agents_see_unassigned_pending",
        "Agents see pending tickets that have no queue.",
        || Value::Bool(true),
    ),
    SettingDef {
        key: "ticket_reopen_window_minutes",
        ty: SettingType::Integer,
        description: "A new message within this many minutes after a close reopens the ticket instead of opening a new one.",
        default: || Value::from(30),
        min: 0,
        max: 10_080,
        choices: &[],
    },
    SettingDef {
        key: "auto_close_open_minutes",
        ty: SettingType::Integer,
        description: "Close an open ticket after this many minutes without a message from the customer (0 = never).",
        default: || Value::from(0),
        min: 0,
        max: 43_200,
        choices: &[],
    },
    SettingDef {
        key: "auto_close_pending_minutes",
        ty: SettingType::Integer,
        description: "Close a pending ticket after this many minutes without any activity (0 = never).",
        default: || Value::from(0),
        min: 0,
        max: 43_200,
        choices: &[],
    },
    SettingDef {
        key: "auto_close_message",
        ty: SettingType::Text,
        description: "Sent to the customer when a quiet ticket is closed by itself (empty = nothing).",
        default: || Value::String(String::new()),
        min: 0,
        max: 4096,
        choices: &[],
    },
    SettingDef {
        key: "opt_out_keywords",
        ty: SettingType::Text,
        description: "Words that, sent alone, take the customer out of every campaign (comma-separated).",
        default: || Value::String("SAIR, PARAR, STOP".into()),
        min: 0,
        max: 500,
        choices: &[],
    },
    SettingDef {
        key: "business_hours_scope",
        ty: SettingType::Choice,
        description: "Whose business hours apply: none, the company's, or each queue's.",
        default: || Value::String("disabled".into()),
        min: 0,
        max: 0,
        choices: &["disabled", "company", "queue"],
    },
    SettingDef {
        key: "business_hours",
        ty: SettingType::Schedule,
        description: "The company's opening hours: time zone, intervals per weekday (\"09:00-18:00\") and holidays. Flows' business-hours nodes and triggers read it.",
        default: || serde_json::json!({ "week": {} }),
        min: 0,
        max: 0,
        choices: &[],
    },
    SettingDef {
        key: "out_of_hours_message",
        ty: SettingType::Text,
        description: "Sent when a customer writes outside business hours (empty = nothing).",
        default: || Value::String(String::new()),
        min: 0,
        max: 4096,
        choices: &[],
    },
    SettingDef {
        key: "contact_wallets",
        ty: SettingType::Choice,
        description: "Send a returning contact's new ticket to the agent whose wallet they are in: only while that agent is online (otherwise the wallet's queue hands it out), always, or never.",
        default: || Value::String("disabled".into()),
        min: 0,
        max: 0,
        choices: &["disabled", "owner_online", "owner"],
    },
    SettingDef {
        key: "signature_on_messages",
        ty: SettingType::Choice,
        description: "Lead agents' messages with the agent's name in bold: always, never, or as each agent chooses per message.",
        default: || Value::String("disabled".into()),
        min: 0,
        max: 0,
        choices: &["enabled", "disabled", "agent_choice"],
    },
];

/// The value of `key` in `stored` (a company's saved settings), or its default.
pub fn value_of(stored: &BTreeMap<String, Value>, key: &str) -> Value {
    stored
        .get(key)
        .cloned()
        .or_else(|| setting_def(key).map(|d| (d.default)()))
        .unwrap_or(Value::Null)
}

/// The definition of `key`, if it is a known setting.
pub fn setting_def(key: &str) -> Option<&'static SettingDef> {
    SETTINGS.iter().find(|d| d.key == key)
}

/// Check `value` against the setting `key`, returning the value to store.
pub fn check_setting(key: &str, value: &Value) -> Result<Value, Problem> {
    let def = setting_def(key).ok_or_else(|| {
        Problem::new(
            ErrorCode::UnknownSetting,
            format!("unknown setting '{key}'"),
        )
    })?;
    let invalid =
        |why: String| Problem::new(ErrorCode::InvalidSettingValue, format!("{key}: {why}"));
    match def.ty {
        SettingType::Bool => value
            .as_bool()
            .map(Value::Bool)
            .ok_or_else(|| invalid("expected true or false".into())),
        SettingType::Integer => {
            let n = value
                .as_i64()
                .ok_or_else(|| invalid("expected an integer".into()))?;
            if n < def.min || n > def.max {
                return Err(invalid(format!(
                    "must be between {} and {}",
                    def.min, def.max
                )));
            }
            Ok(Value::from(n))
        }
        SettingType::Text => {
            let s = value
                .as_str()
                .ok_or_else(|| invalid("expected text".into()))?;
            if s.chars().count() as i64 > def.max {
                return Err(invalid(format!("at most {} characters", def.max)));
            }
            Ok(Value::String(s.to_string()))
        }
        SettingType::Schedule => {
            let schedule: crate::hours::Schedule =
                serde_json::from_value(value.clone()).map_err(|e| invalid(e.to_string()))?;
            schedule.check().map_err(invalid)?;
            serde_json::to_value(schedule).map_err(|e| invalid(e.to_string()))
        }
        SettingType::Choice => {
            let s = value
                .as_str()
                .ok_or_else(|| invalid("expected text".into()))?;
            if !def.choices.contains(&s) {
                return Err(invalid(format!(
                    "must be one of {}",
                    def.choices.join(", ")
                )));
            }
            Ok(Value::String(s.to_string()))
        }
    }
}

/// A setting as the API shows it: current value plus what it accepts.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct Setting {
    pub key: String,
    pub value: Value,
    #[cfg_attr(feature = "openapi", oai(rename = "type"))]
    #[serde(rename = "type")]
    pub ty: SettingType,
    pub description: String,
    pub default: Value,
    /// Allowed values, for `choice` settings.
    pub choices: Vec<String>,
}

/// All known settings with `stored` values overriding defaults.
pub fn effective_settings(stored: &BTreeMap<String, Value>) -> Vec<Setting> {
    SETTINGS
        .iter()
        .map(|def| Setting {
            key: def.key.to_string(),
            value: stored.get(def.key).cloned().unwrap_or_else(def.default),
            ty: def.ty,
            description: def.description.to_string(),
            default: (def.default)(),
            choices: def.choices.iter().map(|c| c.to_string()).collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn typed_values() {
        assert_eq!(
            check_setting("rating_on_close", &json!(true)).unwrap(),
            json!(true)
        );
        assert_eq!(
            check_setting("rating_on_close", &json!("yes"))
                .unwrap_err()
                .code,
            ErrorCode::InvalidSettingValue
        );
        assert_eq!(
            check_setting("ticket_reopen_window_minutes", &json!(99999))
                .unwrap_err()
                .code,
            ErrorCode::InvalidSettingValue
        );
        assert_eq!(
            check_setting("business_hours_scope", &json!("queue")).unwrap(),
            json!("queue")
        );
        assert_eq!(
            check_setting("nope", &json!(1)).unwrap_err().code,
            ErrorCode::UnknownSetting
        );
    }

    #[test]
    fn defaults_fill_gaps() {
        let all = effective_settings(&BTreeMap::new());
        assert_eq!(all.len(), SETTINGS.len());
        assert!(all.iter().all(|s| s.value == s.default));
    }
}
