//! A local receiver of outgoing webhooks that checks every call as the Standard Webhooks
//! specification (standardwebhooks.com, "Verifying webhooks") tells a consumer to:
//! `webhook-signature` holds space-separated `v1,<base64>` signatures, each the HMAC-SHA256
//! of `"{webhook-id}.{webhook-timestamp}.{body}"` keyed with the base64-decoded part of the
//! `whsec_` secret. HMAC is computed here from SHA-256 as RFC 2104 defines it, not with the
//! sender's code.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use poem::http::StatusCode;
use poem::listener::TcpAcceptor;
use poem::web::Data;
use poem::{Body, EndpointExt, Request, Response, Route, Server, handler};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// One call the receiver got.
#[derive(Debug, Clone)]
pub struct Call {
    pub id: String,
    pub timestamp: i64,
    pub signatures: Vec<String>,
    pub body: String,
}

impl Call {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }

    /// The `v1,…` signature of the call under `secret`.
    pub fn signature_with(&self, secret: &str) -> String {
        let key = STANDARD
            .decode(secret.strip_prefix("whsec_").expect("a whsec_ secret"))
            .unwrap();
        let mac = hmac_sha256(
            &key,
            format!("{}.{}.{}", self.id, self.timestamp, self.body).as_bytes(),
        );
        format!("v1,{}", STANDARD.encode(mac))
    }

    /// Whether one of the call's signatures is `secret`'s.
    pub fn signed_by(&self, secret: &str) -> bool {
        self.signatures.contains(&self.signature_with(secret))
    }
}

/// HMAC-SHA256 (RFC 2104): H((K ^ opad) || H((K ^ ipad) || m)), 64-byte blocks.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .to_vec()
}

#[derive(Default)]
struct State {
    calls: Vec<Call>,
    /// Statuses to answer before answering 200, in order.
    answers: VecDeque<u16>,
}

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    state: Arc<Mutex<State>>,
}

#[handler]
async fn receive(req: &Request, body: Body, Data(state): Data<&Arc<Mutex<State>>>) -> Response {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let call = Call {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp").parse().unwrap_or_default(),
        signatures: header("webhook-signature")
            .split(' ')
            .map(str::to_string)
            .collect(),
        body: body.into_string().await.unwrap_or_default(),
    };
    let mut s = state.lock().unwrap();
    s.calls.push(call);
    let status = s.answers.pop_front().unwrap_or(200);
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .body(format!("answered {status}"))
}

impl Receiver {
    pub async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let app = Route::new().at("/hook", receive).data(state.clone());
        let acceptor = TcpAcceptor::from_tokio(listener).unwrap();
        tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
        Receiver { url, state }
    }

    /// Answer these statuses to the next calls (then 200).
    pub fn answer(&self, statuses: &[u16]) {
        self.state.lock().unwrap().answers.extend(statuses);
    }

    pub fn calls(&self) -> Vec<Call> {
        self.state.lock().unwrap().calls.clone()
    }

    /// Wait until `n` calls came (panics after 10 s); each body must match the published
    /// schema of webhook events.
    pub async fn wait_calls(&self, n: usize) -> Vec<Call> {
        for _ in 0..200 {
            let calls = self.calls();
            if calls.len() >= n {
                for call in &calls {
                    assert_valid_event(&call.json());
                }
                return calls;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the receiver got {:?}", self.calls());
    }

    /// The calls of an event type.
    pub fn of_type(&self, kind: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.json()["type"] == kind)
            .collect()
    }
}

/// `event` matches `schemas/webhook-events.schema.json` (read from the file the project
/// publishes, checked by an independent JSON Schema validator).
pub fn assert_valid_event(event: &Value) {
    static VALIDATOR: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    let validator = VALIDATOR.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../schemas/webhook-events.schema.json"
        );
        let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        jsonschema::validator_for(&schema).unwrap()
    });
    let errors: Vec<String> = validator
        .iter_errors(event)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{event} does not match the schema: {errors:?}"
    );
}

#[test]
fn hmac_matches_rfc_4231_case_2() {
    let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
    assert_eq!(
        hex::encode(mac),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

#[test]
fn the_schema_refuses_an_event_that_does_not_match() {
    let result = std::panic::catch_unwind(|| {
        assert_valid_event(&serde_json::json!({
            "type": "ticket.closed", "timestamp": "2026-01-01T00:00:00Z", "data": { "ticket": { "id": 7 } }
        }))
    });
    assert!(result.is_err(), "a ticket without its fields passed");
    assert_valid_event(&serde_json::json!({
        "type": "webhook.test", "timestamp": "2026-01-01T00:00:00Z",
        "data": { "endpoint_id": "e", "message": "hi" }
    }));
}
