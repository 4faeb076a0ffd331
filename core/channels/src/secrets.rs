//! Secrets of a connection's configuration (access tokens, app secrets) sealed at rest with
//! AES-256-GCM under the server's key (config `secrets.key`): a sealed value is
//! `v1:<base64 of nonce ‖ ciphertext ‖ tag>`, and a database copy without the key tells
//! nothing. The connection's id is the associated data, so a value moved to another
//! connection does not open.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

const PREFIX: &str = "v1:";

/// The key that seals and opens connection secrets.
#[derive(Clone)]
pub struct SecretKey {
    key: std::sync::Arc<LessSafeKey>,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("the secrets key must be 32 bytes, written as 64 hex digits")]
    BadKey,
    /// Not a sealed value, sealed under another key, or for another connection.
    #[error("a stored secret does not open with this server's key")]
    Unreadable,
}

impl SecretKey {
    /// The key from its 64 hex digits.
    pub fn from_hex(hex_key: &str) -> Result<SecretKey, SecretError> {
        let bytes = hex::decode(hex_key.trim()).map_err(|_| SecretError::BadKey)?;
        let unbound = UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| SecretError::BadKey)?;
        if bytes.len() != 32 {
            return Err(SecretError::BadKey);
        }
        Ok(SecretKey {
            key: std::sync::Arc::new(LessSafeKey::new(unbound)),
        })
    }

    /// A new random key, as 64 hex digits (for a development start).
    pub fn generate_hex() -> String {
        let mut bytes = [0u8; 32];
        SystemRandom::new()
            .fill(&mut bytes)
            .expect("the system's random source answers");
        hex::encode(bytes)
    }

    /// `plain` sealed for the record `owner` (a connection id).
    pub fn seal(&self, owner: &str, plain: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .expect("the system's random source answers");
        let mut data = plain.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(owner.as_bytes()),
                &mut data,
            )
            .expect("sealing a short value cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        format!("{PREFIX}{}", STANDARD.encode(out))
    }

    /// The plain value of `sealed`, sealed for `owner`.
    pub fn open(&self, owner: &str, sealed: &str) -> Result<String, SecretError> {
        let raw = sealed
            .strip_prefix(PREFIX)
            .and_then(|b| STANDARD.decode(b).ok())
            .filter(|r| r.len() > NONCE_LEN)
            .ok_or(SecretError::Unreadable)?;
        let (nonce, body) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SecretError::Unreadable)?;
        let mut body = body.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(owner.as_bytes()), &mut body)
            .map_err(|_| SecretError::Unreadable)?;
        String::from_utf8(plain.to_vec()).map_err(|_| SecretError::Unreadable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key_and_owner() {
        let key = SecretKey::from_hex(&SecretKey::generate_hex()).unwrap();
        let sealed = key.seal("conn-1", "EAAG-token");
        assert!(sealed.starts_with("v1:") && !sealed.contains("EAAG"));
        assert_ne!(
            sealed,
            key.seal("conn-1", "EAAG-token"),
            "a fresh nonce each time"
        );
        assert_eq!(key.open("conn-1", &sealed).unwrap(), "EAAG-token");
        assert_eq!(key.open("conn-2", &sealed), Err(SecretError::Unreadable));
        let other = SecretKey::from_hex(&SecretKey::generate_hex()).unwrap();
        assert_eq!(other.open("conn-1", &sealed), Err(SecretError::Unreadable));
        assert_eq!(
            key.open("conn-1", "EAAG-token"),
            Err(SecretError::Unreadable)
        );
        assert_eq!(
            SecretKey::from_hex("abcd").unwrap_err(),
            SecretError::BadKey
        );
    }
}
