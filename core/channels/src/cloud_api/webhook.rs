//! Meta's webhooks for the Cloud API (the "Webhooks" reference): the `X-Hub-Signature-256`
//! check, and a notification's changes read into the inbox's messages and statuses.

use serde_json::Value;
use tucan_model::ticket::{MessageKind, MessageStatus};

use super::wa_id;
use crate::channel::Incoming;

/// What a webhook notification carries for a number.
#[derive(Debug, Clone)]
pub enum Notification {
    /// A customer's message; media still to fetch by its id.
    Message {
        incoming: Box<Incoming>,
        media_id: Option<String>,
    },
    /// What became of a message the platform sent.
    Status {
        channel_id: String,
        status: MessageStatus,
        /// Meta's code and title when it failed.
        error: Option<String>,
    },
}

/// True when `header` (`sha256=<hex>`) is the HMAC-SHA256 of `body` under `app_secret`,
/// compared in constant time.
pub fn signature_valid(app_secret: &str, body: &[u8], header: Option<&str>) -> bool {
    let Some(tag) = header
        .and_then(|h| h.trim().strip_prefix("sha256="))
        .and_then(|h| hex::decode(h).ok())
    else {
        return false;
    };
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, app_secret.as_bytes());
    aws_lc_rs::hmac::verify(&key, body, &tag).is_ok()
}

/// The numbers (`metadata.phone_number_id`) a webhook notification has changes for, in
/// order of first appearance.
pub fn numbers_in(body: &Value) -> Vec<String> {
    let mut numbers: Vec<String> = Vec::new();
    let changes = body["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|e| e["changes"].as_array().into_iter().flatten());
    for change in changes {
        if let Some(n) = change["value"]["metadata"]["phone_number_id"].as_str()
            && !numbers.iter().any(|m| m == n)
        {
            numbers.push(n.to_string());
        }
    }
    numbers
}

/// What a webhook notification (`object: whatsapp_business_account`) says for the number
/// `phone_number_id`; other numbers' changes and unknown fields are left out.
pub fn notifications(body: &Value, phone_number_id: &str) -> Vec<Notification> {
    let mut out = Vec::new();
    let changes = body["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|e| e["changes"].as_array().into_iter().flatten());
    for change in changes {
        let value = &change["value"];
        if value["metadata"]["phone_number_id"].as_str() != Some(phone_number_id) {
            continue;
        }
        let name_of = |wa: &str| {
            value["contacts"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|c| c["wa_id"].as_str() == Some(wa))
                .and_then(|c| c["profile"]["name"].as_str())
                .map(str::to_string)
        };
        for m in value["messages"].as_array().into_iter().flatten() {
            if let Some(n) = message(m, &name_of) {
                out.push(n);
            }
        }
        for s in value["statuses"].as_array().into_iter().flatten() {
            let status = match s["status"].as_str() {
                Some("sent") => MessageStatus::Sent,
                Some("delivered") => MessageStatus::Delivered,
                Some("read") => MessageStatus::Read,
                Some("failed") => MessageStatus::Failed,
                _ => continue,
            };
            let Some(id) = s["id"].as_str() else {
                continue;
            };
            let error = s["errors"][0].as_object().map(|e| {
                let code = e.get("code").and_then(Value::as_i64).unwrap_or_default();
                let title = e
                    .get("title")
                    .or_else(|| e.get("message"))
                    .and_then(Value::as_str)
                    .unwrap_or("failed");
                format!("Meta: {title} ({code})")
            });
            out.push(Notification::Status {
                channel_id: id.to_string(),
                status,
                error,
            });
        }
    }
    out
}

/// One customer's message from a webhook: its kind, text and the media to fetch. Types the
/// platform has no form for come in as readable text rather than being dropped.
fn message(m: &Value, name_of: &dyn Fn(&str) -> Option<String>) -> Option<Notification> {
    let id = m["id"].as_str()?;
    let from = m["from"].as_str()?;
    let kind_name = m["type"].as_str().unwrap_or("unknown");
    let text_of = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let mut media_id = None;
    let mut mime = None;
    let mut choice = None;
    let (kind, body) = match kind_name {
        "text" => (MessageKind::Text, text_of(&m["text"]["body"])),
        "image" | "video" | "audio" | "document" | "sticker" => {
            let media = &m[kind_name];
            media_id = media["id"].as_str().map(str::to_string);
            mime = media["mime_type"].as_str().map(str::to_string);
            let kind = match kind_name {
                "image" | "sticker" => MessageKind::Image,
                "video" => MessageKind::Video,
                "audio" => MessageKind::Audio,
                _ => MessageKind::Document,
            };
            (kind, text_of(&media["caption"]))
        }
        "location" => {
            let l = &m["location"];
            let place = [l["name"].as_str(), l["address"].as_str()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ");
            let at = format!(
                "{}, {}",
                l["latitude"].as_f64().unwrap_or_default(),
                l["longitude"].as_f64().unwrap_or_default()
            );
            let text = if place.is_empty() {
                format!("📍 {at}")
            } else {
                format!("📍 {place} ({at})")
            };
            (MessageKind::Text, text)
        }
        "contacts" => {
            let cards: Vec<String> = m["contacts"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| {
                    let name = c["name"]["formatted_name"].as_str().unwrap_or("?");
                    let phones: Vec<&str> = c["phones"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|p| p["phone"].as_str())
                        .collect();
                    format!("👤 {name} {}", phones.join(" "))
                })
                .collect();
            (MessageKind::Text, cards.join("\n"))
        }
        "reaction" => (
            MessageKind::Text,
            format!("{} (reaction)", text_of(&m["reaction"]["emoji"])),
        ),
        "interactive" => {
            let i = &m["interactive"];
            let reply = if i["type"] == "list_reply" {
                &i["list_reply"]
            } else {
                &i["button_reply"]
            };
            // The options sent as buttons or a list carry their numbers as ids.
            choice = reply["id"]
                .as_str()
                .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
                .map(str::to_string);
            (MessageKind::Text, text_of(&reply["title"]))
        }
        "button" => (MessageKind::Text, text_of(&m["button"]["text"])),
        other => (MessageKind::Text, format!("[unsupported message: {other}]")),
    };
    let quoted = match kind_name {
        "reaction" => m["reaction"]["message_id"].as_str(),
        _ => m["context"]["id"].as_str(),
    };
    Some(Notification::Message {
        incoming: Box::new(Incoming {
            channel_id: id.to_string(),
            from: format!("+{}", wa_id(from)),
            push_name: name_of(from),
            kind,
            body,
            media_url: None,
            mime,
            file: None,
            quoted: quoted.map(str::to_string),
            group: None,
            choice,
        }),
        media_id,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use tucan_model::ticket::{MessageKind, MessageStatus};

    use super::*;

    #[test]
    fn signatures_are_checked_against_the_raw_body() {
        let body = br#"{"object":"whatsapp_business_account"}"#;
        let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, b"app-secret");
        let tag = hex::encode(aws_lc_rs::hmac::sign(&key, body).as_ref());
        assert!(signature_valid(
            "app-secret",
            body,
            Some(&format!("sha256={tag}"))
        ));
        assert!(!signature_valid(
            "other",
            body,
            Some(&format!("sha256={tag}"))
        ));
        assert!(!signature_valid(
            "app-secret",
            b"{}",
            Some(&format!("sha256={tag}"))
        ));
        assert!(!signature_valid("app-secret", body, None));
        assert!(!signature_valid("app-secret", body, Some("sha1=abc")));
    }

    #[test]
    fn webhooks_become_messages_and_statuses_of_the_number() {
        let body = json!({
            "object": "whatsapp_business_account",
            "entry": [{ "id": "WABA", "changes": [{ "field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": { "display_phone_number": "15550001111", "phone_number_id": "PN1" },
                "contacts": [{ "profile": { "name": "Ana" }, "wa_id": "5511987654321" }],
                "messages": [
                    { "from": "5511987654321", "id": "wamid.1", "timestamp": "1700000000", "type": "text", "text": { "body": "Oi" } },
                    { "from": "5511987654321", "id": "wamid.2", "timestamp": "1700000001", "type": "image",
                      "image": { "id": "MEDIA1", "mime_type": "image/jpeg", "caption": "boleto" },
                      "context": { "from": "15550001111", "id": "wamid.out" } },
                    { "from": "5511987654321", "id": "wamid.3", "timestamp": "1700000002", "type": "interactive",
                      "interactive": { "type": "button_reply", "button_reply": { "id": "1", "title": "Vendas" } } },
                    { "from": "5511987654321", "id": "wamid.4", "timestamp": "1700000003", "type": "unsupported" }
                ],
                "statuses": [
                    { "id": "wamid.out", "status": "delivered", "recipient_id": "5511987654321", "timestamp": "1700000004" },
                    { "id": "wamid.out2", "status": "failed", "recipient_id": "5511987654321", "timestamp": "1700000005",
                      "errors": [{ "code": 131026, "title": "Message undeliverable" }] }
                ]
            }}]}]
        });
        let got = notifications(&body, "PN1");
        assert_eq!(got.len(), 6);
        let Notification::Message { incoming, media_id } = &got[0] else {
            panic!("{got:?}")
        };
        assert_eq!(
            (incoming.from.as_str(), incoming.body.as_str()),
            ("+5511987654321", "Oi")
        );
        assert_eq!(incoming.push_name.as_deref(), Some("Ana"));
        assert!(media_id.is_none());
        let Notification::Message { incoming, media_id } = &got[1] else {
            panic!()
        };
        assert_eq!(incoming.kind, MessageKind::Image);
        assert_eq!(media_id.as_deref(), Some("MEDIA1"));
        assert_eq!(incoming.quoted.as_deref(), Some("wamid.out"));
        let Notification::Message { incoming, .. } = &got[2] else {
            panic!()
        };
        assert_eq!(incoming.body, "Vendas");
        let Notification::Message { incoming, .. } = &got[3] else {
            panic!()
        };
        assert_eq!(incoming.body, "[unsupported message: unsupported]");
        assert!(matches!(
            &got[4],
            Notification::Status {
                status: MessageStatus::Delivered,
                ..
            }
        ));
        let Notification::Status { error, .. } = &got[5] else {
            panic!()
        };
        assert_eq!(
            error.as_deref(),
            Some("Meta: Message undeliverable (131026)")
        );
        assert!(notifications(&body, "OTHER").is_empty());
    }
}
