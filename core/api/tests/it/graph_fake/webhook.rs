//! Meta's webhook notifications as the fake's tests send them: the body (`object`
//! "whatsapp_business_account", `entry[].changes[].value`) with Meta's escaping, the building
//! blocks of its `value`, and the `X-Hub-Signature-256` header (hex HMAC-SHA256, RFC 2104).

// Not every test uses every helper.
#![allow(dead_code)]

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use base64::Engine as _;

use super::{DISPLAY_PHONE_DIGITS, WABA_ID, now};

// ---------------------------------------------------------------------------------------------
// Webhooks.

/// A webhook notification body as Meta sends it, around `value` (one of [`text_message`],
/// [`image_message`], [`status_update`]; `metadata` is added unless `value` has one). Like
/// Meta's, the JSON escapes `/` and every non-ASCII character (`\u00e3`, `\ud83d\ude00`), so a
/// receiver must check the signature over the bytes it got, not over re-encoded JSON.
pub fn webhook_body(phone_number_id: &str, mut value: Value) -> String {
    if let Some(obj) = value.as_object_mut() {
        obj.entry("messaging_product")
            .or_insert_with(|| json!("whatsapp"));
        obj.entry("metadata").or_insert_with(|| {
            json!({
                "display_phone_number": DISPLAY_PHONE_DIGITS,
                "phone_number_id": phone_number_id,
            })
        });
    }
    let body = json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": WABA_ID,
            "changes": [{"value": value, "field": "messages"}],
        }],
    });
    escape_like_meta(&body.to_string())
}

/// The `X-Hub-Signature-256` header value of `body`: `sha256=` + hex HMAC-SHA256.
pub fn signature(app_secret: &str, body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(hmac_sha256(app_secret.as_bytes(), body))
    )
}

/// An inbound text message from `wa_id` (digits, no '+'), the `value` of a notification.
pub fn text_message(wa_id: &str, name: &str, wamid: &str, text: &str) -> Value {
    json!({
        "messaging_product": "whatsapp",
        "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
        "messages": [{
            "from": wa_id,
            "id": wamid,
            "timestamp": now().to_string(),
            "text": {"body": text},
            "type": "text",
        }],
    })
}

/// An inbound image message (no `caption` when `caption` is empty). Its `sha256` is a
/// stand-in (the hash of the media id), as the image's bytes are not known here.
pub fn image_message(
    wa_id: &str,
    name: &str,
    wamid: &str,
    media_id: &str,
    mime: &str,
    caption: &str,
) -> Value {
    let mut image = json!({
        "mime_type": mime,
        "sha256": base64::engine::general_purpose::STANDARD.encode(Sha256::digest(media_id)),
        "id": media_id,
    });
    if !caption.is_empty() {
        image["caption"] = json!(caption);
    }
    json!({
        "messaging_product": "whatsapp",
        "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
        "messages": [{
            "from": wa_id,
            "id": wamid,
            "timestamp": now().to_string(),
            "type": "image",
            "image": image,
        }],
    })
}

/// A status update of an outbound message: `status` "sent", "delivered", "read" or "failed";
/// `error` (code, title) makes its `errors` array (meant for "failed").
pub fn status_update(
    wamid: &str,
    recipient: &str,
    status: &str,
    error: Option<(i64, &str)>,
) -> Value {
    let now = now();
    let mut update = json!({
        "id": wamid,
        "status": status,
        "timestamp": now.to_string(),
        "recipient_id": recipient,
    });
    if matches!(status, "sent" | "delivered") {
        // One conversation per recipient and day.
        let id = hex::encode(Sha256::digest(format!("{recipient}/{}", now / 86_400)));
        let mut conversation = json!({
            "id": id[..32],
            "origin": {"type": "service"},
        });
        if status == "sent" {
            conversation["expiration_timestamp"] = json!((now + 86_400).to_string());
        }
        update["conversation"] = conversation;
        update["pricing"] = json!({
            "billable": true,
            "pricing_model": "CBP",
            "category": "service",
        });
    }
    if let Some((code, title)) = error {
        update["errors"] = json!([{
            "code": code,
            "title": title,
            "message": title,
            "error_data": {"details": error_details(code, title)},
        }]);
    }
    json!({
        "messaging_product": "whatsapp",
        "statuses": [update],
    })
}

/// The `error_data.details` Meta gives with a few common codes.
fn error_details(code: i64, title: &str) -> String {
    match code {
        131047 => "Message failed to send because more than 24 hours have passed since the customer last replied to this number.".into(),
        131026 => "Message Undeliverable.".into(),
        131050 => "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.".into(),
        131053 => "Media upload error.".into(),
        130472 => "User's number is part of an experiment.".into(),
        _ => title.to_string(),
    }
}

/// JSON with `/` and non-ASCII characters escaped, as Meta's webhook bodies are. Both only occur
/// inside strings, so escaping them everywhere keeps the JSON equal.
fn escape_like_meta(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '/' => out.push_str("\\/"),
            c if c.is_ascii() => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out
}

/// HMAC-SHA256 (RFC 2104) over `sha2::Sha256`.
fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        let hashed = Sha256::digest(key);
        block[..hashed.len()].copy_from_slice(&hashed);
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(data);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner);
    outer.finalize().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_sha256_matches_rfc_4231() {
        // Test case 2.
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block is hashed first.
        assert_eq!(
            hex::encode(hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn webhook_bodies_look_like_metas() {
        let body = webhook_body(
            "123",
            text_message("5511988887777", "João 😀", "wamid.in1", "olá/tchau"),
        );
        assert!(body.is_ascii());
        assert!(body.contains(r"Jo\u00e3o \ud83d\ude00"), "{body}");
        assert!(body.contains(r"ol\u00e1\/tchau"), "{body}");
        let parsed: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(parsed["object"], "whatsapp_business_account");
        let value = &parsed["entry"][0]["changes"][0]["value"];
        assert_eq!(parsed["entry"][0]["changes"][0]["field"], "messages");
        assert_eq!(value["metadata"]["phone_number_id"], "123");
        assert_eq!(value["contacts"][0]["profile"]["name"], "João 😀");
        assert_eq!(value["messages"][0]["text"]["body"], "olá/tchau");
        assert!(value["messages"][0]["timestamp"].is_string());

        let failed = status_update(
            "wamid.out1",
            "5511988887777",
            "failed",
            Some((131047, "Re-engagement message")),
        );
        assert_eq!(failed["statuses"][0]["errors"][0]["code"], 131047);
        assert!(failed["statuses"][0].get("conversation").is_none());
        let image = image_message("1", "A", "wamid.in2", "42", "image/jpeg", "");
        assert!(image["messages"][0]["image"].get("caption").is_none());
    }
}
