//! Standard Webhooks signatures (standardwebhooks.com): a secret is `whsec_` and the base64 of
//! its key bytes; a call is signed with HMAC-SHA256 over `"{webhook-id}.{webhook-timestamp}.{body}"`
//! and the `webhook-signature` header lists `v1,<base64 signature>` for each secret in force,
//! separated by spaces.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;

const PREFIX: &str = "whsec_";

/// A new secret: 24 random bytes.
pub fn new_secret() -> String {
    let mut key = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut key);
    format!("{PREFIX}{}", STANDARD.encode(key))
}

/// The `v1,<signature>` of a call under `secret`; `None` for a secret that is not a
/// `whsec_` one.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix(PREFIX)?).ok()?;
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &key);
    let signed = format!("{id}.{timestamp}.{body}");
    let tag = aws_lc_rs::hmac::sign(&key, signed.as_bytes());
    Some(format!("v1,{}", STANDARD.encode(tag.as_ref())))
}

/// The lower-case hex HMAC-SHA256 of `body` keyed with the bytes of `secret` (GitHub's
/// `X-Hub-Signature-256` after `sha256=`).
pub fn hex_hmac(secret: &str, body: &str) -> String {
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret.as_bytes());
    aws_lc_rs::hmac::sign(&key, body.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The `webhook-signature` header for the secrets in force, the current one first.
pub fn header(secrets: &[&str], id: &str, timestamp: i64, body: &str) -> String {
    secrets
        .iter()
        .filter_map(|s| sign(s, id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_specifications_example_signs_alike() {
        // The example of the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }

    #[test]
    fn secrets_are_new_and_both_sign_during_a_rotation() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert!(a.starts_with("whsec_"));
        let h = header(&[&a, &b], "id", 1, "{}");
        assert_eq!(h.split(' ').count(), 2);
        assert!(h.split(' ').all(|s| s.starts_with("v1,")));
        assert_eq!(sign("not-a-secret", "id", 1, "{}"), None);
    }
}
