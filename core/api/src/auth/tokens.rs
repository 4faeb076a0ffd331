//! Access tokens (HS256 JWT; the algorithm is fixed here, never read from the token), opaque
//! refresh and reset tokens (random, stored as SHA-256), and API keys (`tlk_` + random).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tucan_model::ErrorCode;
use tucan_model::user::Role;

use crate::error::ApiError;

pub const AUDIENCE: &str = "tucanlink-api";
pub const ISSUER: &str = "tucanlink";
pub const API_KEY_PREFIX: &str = "tlk_";

/// What an access token says about its bearer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    /// Tenant id; absent for platform admins.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tid: Option<String>,
    pub role: Role,
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    /// Issue time in milliseconds, so a password change cuts off tokens issued in the same
    /// second before it.
    #[serde(default)]
    pub iat_ms: i64,
    pub exp: i64,
}

/// Signs and checks access tokens with one server-side secret.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    pub access_ttl_secs: i64,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("access_ttl_secs", &self.access_ttl_secs)
            .finish()
    }
}

impl TokenKeys {
    pub fn new(secret: &[u8], access_ttl_secs: i64) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            access_ttl_secs,
        }
    }

    pub fn issue(
        &self,
        user_id: &str,
        tenant_id: Option<&str>,
        role: Role,
    ) -> Result<String, ApiError> {
        let issued = chrono::Utc::now();
        let now = issued.timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            tid: tenant_id.map(String::from),
            role,
            aud: AUDIENCE.to_string(),
            iss: ISSUER.to_string(),
            iat: now,
            iat_ms: issued.timestamp_millis(),
            exp: now + self.access_ttl_secs,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(|e| {
            tracing::error!(error = %e, "signing a token failed");
            ApiError::internal()
        })
    }

    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
        validation.leeway = 5;
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => ApiError::new(
                    ErrorCode::TokenExpired,
                    "the access token has expired; refresh it",
                ),
                _ => ApiError::new(ErrorCode::TokenInvalid, "the access token is not valid"),
            })
    }
}

/// `bytes` random bytes, base64url without padding.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// SHA-256 of a token, hex; what the store keeps instead of the token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new API key secret.
pub fn new_api_key() -> String {
    format!("{API_KEY_PREFIX}{}", random_token(32))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(b"0123456789abcdef0123456789abcdef", 900)
    }

    #[test]
    fn issue_and_verify() {
        let t = keys().issue("u1", Some("t1"), Role::Agent).unwrap();
        let c = keys().verify(&t).unwrap();
        assert_eq!(
            (c.sub.as_str(), c.tid.as_deref(), c.role),
            ("u1", Some("t1"), Role::Agent)
        );
    }

    #[test]
    fn rejects_other_secret_alg_none_and_expired() {
        let t = keys().issue("u1", None, Role::PlatformAdmin).unwrap();
        let other = TokenKeys::new(b"another-secret-another-secret-xx", 900);
        assert_eq!(other.verify(&t).unwrap_err().code(), "TOKEN_INVALID");

        // alg: none with the same claims.
        let payload = t.split('.').nth(1).unwrap();
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert_eq!(
            keys()
                .verify(&format!("{header}.{payload}."))
                .unwrap_err()
                .code(),
            "TOKEN_INVALID"
        );

        let expired = TokenKeys::new(b"0123456789abcdef0123456789abcdef", -60)
            .issue("u1", None, Role::Agent)
            .unwrap();
        assert_eq!(keys().verify(&expired).unwrap_err().code(), "TOKEN_EXPIRED");
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = random_token(32);
        assert_ne!(a, random_token(32));
        assert_eq!(token_hash(&a).len(), 64);
        assert!(new_api_key().starts_with("tlk_"));
    }
}
