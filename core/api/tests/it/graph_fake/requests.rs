//! What the fake takes as a `/messages` request ("Messages" reference: a read receipt, or
//! a message of a known type with its object and a recipient), and why it refuses the rest.

use serde_json::Value;

use super::{MEDIA_TYPES, MESSAGE_TYPES};

/// A read receipt or a message to send.
pub(super) enum Incoming {
    Read(String),
    Send { to: String, kind: String },
}

/// What a `/messages` request is, or the `details` of why it is malformed.
pub(super) fn classify(body: &Value) -> Result<Incoming, String> {
    let obj = body
        .as_object()
        .ok_or("The request body must be a JSON object.")?;
    match obj.get("messaging_product").and_then(Value::as_str) {
        Some("whatsapp") => {}
        Some(other) => return Err(format!("Unsupported messaging_product: {other}")),
        None => return Err("The parameter messaging_product is required.".into()),
    }
    if let Some(status) = obj.get("status") {
        if status.as_str() != Some("read") {
            return Err(format!("Unsupported status: {status}"));
        }
        let id = non_empty(obj.get("message_id")).ok_or("The parameter message_id is required.")?;
        return Ok(Incoming::Read(id.to_string()));
    }
    let to = non_empty(obj.get("to")).ok_or("The parameter to is required.")?;
    if let Some(recipient_type) = obj.get("recipient_type")
        && recipient_type.as_str() != Some("individual")
    {
        return Err(format!("Unsupported recipient_type: {recipient_type}"));
    }
    // "type" is optional and defaults to text.
    let kind = match obj.get("type") {
        None => "text",
        Some(kind) => kind
            .as_str()
            .ok_or("The parameter type must be a string.")?,
    };
    if !MESSAGE_TYPES.contains(&kind) {
        return Err(format!(
            "Param type must be one of {{{}}}, got {kind}",
            MESSAGE_TYPES.join(", ")
        ));
    }
    let missing = |field: &str| format!("The parameter {kind}['{field}'] is required.");
    if kind == "contacts" {
        return match obj.get("contacts").and_then(Value::as_array) {
            Some(contacts) if !contacts.is_empty() => Ok(Incoming::Send {
                to: to.to_string(),
                kind: kind.to_string(),
            }),
            _ => Err("The parameter contacts is required.".into()),
        };
    }
    let part = obj
        .get(kind)
        .filter(|p| p.is_object())
        .ok_or_else(|| format!("The parameter {kind} is required."))?;
    match kind {
        "text" => {
            non_empty(part.get("body")).ok_or_else(|| missing("body"))?;
        }
        "reaction" => {
            non_empty(part.get("message_id")).ok_or_else(|| missing("message_id"))?;
            // An empty emoji removes the reaction.
            part.get("emoji")
                .and_then(Value::as_str)
                .ok_or_else(|| missing("emoji"))?;
        }
        "interactive" => {
            non_empty(part.get("type")).ok_or_else(|| missing("type"))?;
            part.get("action")
                .filter(|a| a.is_object())
                .ok_or_else(|| missing("action"))?;
        }
        "template" => {
            non_empty(part.get("name")).ok_or_else(|| missing("name"))?;
            non_empty(part.get("language").and_then(|l| l.get("code")))
                .ok_or("The parameter template['language']['code'] is required.")?;
        }
        "location" => {
            for field in ["latitude", "longitude"] {
                match part.get(field) {
                    Some(Value::Number(_)) => {}
                    Some(Value::String(s)) if s.trim().parse::<f64>().is_ok() => {}
                    _ => return Err(missing(field)),
                }
            }
        }
        media => {
            debug_assert!(MEDIA_TYPES.contains(&media));
            if non_empty(part.get("id")).is_none() && non_empty(part.get("link")).is_none() {
                return Err(format!(
                    "The parameter {media}['id'] or {media}['link'] is required."
                ));
            }
        }
    }
    Ok(Incoming::Send {
        to: to.to_string(),
        kind: kind.to_string(),
    })
}

fn non_empty(value: Option<&Value>) -> Option<&str> {
    value
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}
