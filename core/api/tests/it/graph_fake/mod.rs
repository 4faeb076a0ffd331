//! A local fake of Meta's WhatsApp Cloud API (Graph API v21.0), on a loopback port.
//!
//! It follows the Cloud API reference:
//! - "Messages": `POST /{Version}/{Phone-Number-ID}/messages` (text, media by id or link,
//!   reaction, interactive, template, location, contacts; read receipts with
//!   `"status":"read"` + `message_id`), answering
//!   `{"messaging_product","contacts":[{"input","wa_id"}],"messages":[{"id"}]}`;
//! - "Media": upload (`POST /{Version}/{Phone-Number-ID}/media`, multipart form with
//!   `messaging_product`, `type`, `file`, answering `{"id"}`), retrieve URL
//!   (`GET /{Version}/{Media-ID}`: `url`, `mime_type`, `sha256`, `file_size`, `id`,
//!   `messaging_product`), delete (`DELETE /{Version}/{Media-ID}`) and download (the `url`,
//!   bearer token required);
//! - "Phone Numbers": `GET /{Version}/{Phone-Number-ID}`;
//! - "Graph API error codes": errors as `{"error":{"message","type","code","error_subcode",
//!   "error_data":{"messaging_product","details"},"fbtrace_id"}}`, 190 for a bad token (HTTP
//!   401), 100 for a bad parameter or an unknown object (HTTP 400);
//! - "Webhooks": the notification payload (`object` "whatsapp_business_account",
//!   `entry[].changes[].value` with `messaging_product`, `metadata`, `contacts` + `messages` or
//!   `statuses`, `field` "messages") and its `X-Hub-Signature-256` header
//!   (`sha256=` + hex HMAC-SHA256 of the exact body bytes, keyed with the app secret).
//!
//! Any `/v{N}.{M}/` version prefix is accepted. Every request (the media download too) needs
//! `Authorization: Bearer <token>`.

// Not every test uses every helper.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use poem::http::StatusCode;
use poem::listener::TcpAcceptor;
use poem::web::Json;
use poem::web::{Data, Multipart};
use poem::{
    Body, EndpointExt, FromRequest, IntoResponse, Request, RequestBody, Response, Route, Server,
    handler,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use requests::{Incoming, classify};

/// The WhatsApp Business Account the webhook entries come from.
const WABA_ID: &str = "102290129340398";
const VERIFIED_NAME: &str = "Loja Teste";
const DISPLAY_PHONE_NUMBER: &str = "+55 11 99999-0000";
/// The display number as webhooks carry it in `metadata` (digits only).
const DISPLAY_PHONE_DIGITS: &str = "5511999990000";

const MESSAGE_TYPES: &[&str] = &[
    "text",
    "image",
    "audio",
    "video",
    "document",
    "sticker",
    "reaction",
    "interactive",
    "template",
    "location",
    "contacts",
];
const MEDIA_TYPES: &[&str] = &["image", "audio", "video", "document", "sticker"];
/// The media types the Cloud API takes in an upload ("Supported media types").
const UPLOAD_TYPES: &[&str] = &[
    "audio/aac",
    "audio/amr",
    "audio/mpeg",
    "audio/mp4",
    "audio/ogg",
    "text/plain",
    "application/pdf",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "image/jpeg",
    "image/png",
    "image/webp",
    "video/3gpp",
    "video/mp4",
];

const TOKEN_ERROR: &str = "Invalid OAuth access token - Cannot parse access token";

/// A fake Graph API server; it runs for the rest of the test's runtime.
#[derive(Clone, Debug)]
pub struct GraphFake {
    /// `http://127.0.0.1:PORT`, without the version.
    pub base: String,
    state: Arc<Mutex<FakeState>>,
}

/// A message request the fake accepted.
#[derive(Clone, Debug, PartialEq)]
pub struct SentMessage {
    /// `to` as the request gave it.
    pub to: String,
    /// `type`: "text", "image", ….
    pub kind: String,
    /// The whole request JSON.
    pub body: Value,
    /// The `wamid.…` answered.
    pub id: String,
}

type Shared = Arc<Mutex<FakeState>>;

#[derive(Debug)]
struct FakeState {
    token: String,
    phone_number_id: String,
    base: String,
    sent: Vec<SentMessage>,
    failures: VecDeque<Failure>,
    media: HashMap<String, Media>,
    uploads: Vec<(String, String, Vec<u8>)>,
    read: Vec<String>,
    /// The account's message templates, as `GET /{waba-id}/message_templates` lists them.
    templates: Vec<Value>,
}

#[derive(Clone, Debug)]
struct Failure {
    status: u16,
    code: i64,
    subcode: Option<i64>,
    message: String,
}

#[derive(Clone, Debug)]
struct Media {
    mime: String,
    bytes: Vec<u8>,
}

fn lock(state: &Shared) -> MutexGuard<'_, FakeState> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl GraphFake {
    /// Starts on 127.0.0.1:0. `token` is the only bearer token accepted; `phone_number_id` the
    /// only number.
    pub async fn start(token: &str, phone_number_id: &str) -> GraphFake {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let base = format!("http://{addr}");
        let state = Arc::new(Mutex::new(FakeState {
            token: token.to_string(),
            phone_number_id: phone_number_id.to_string(),
            base: base.clone(),
            sent: Vec::new(),
            failures: VecDeque::new(),
            media: HashMap::new(),
            uploads: Vec::new(),
            read: Vec::new(),
            templates: Vec::new(),
        }));
        let app = Route::new().at("/*path", graph).data(state.clone());
        let acceptor = TcpAcceptor::from_tokio(listener).unwrap();
        tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
        GraphFake { base, state }
    }

    /// Every message request accepted so far, in order.
    pub fn sent(&self) -> Vec<SentMessage> {
        lock(&self.state).sent.clone()
    }

    /// Waits (polling every 20 ms, up to `timeout`) until at least `n` messages were accepted;
    /// returns them. Panics when `timeout` passes first.
    pub async fn wait_sent(&self, n: usize, timeout: Duration) -> Vec<SentMessage> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let sent = self.sent();
            if sent.len() >= n {
                return sent;
            }
            if tokio::time::Instant::now() >= deadline {
                panic!(
                    "the Graph fake got {} message(s) in {timeout:?}, expected {n}: {sent:#?}",
                    sent.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The next `times` message requests fail with this Graph error (HTTP status, code,
    /// subcode, title/message), e.g. (429, 130429, None, "Rate limit hit"),
    /// (401, 190, Some(463), "Error validating access token: Session has expired").
    /// Calls queue up; read receipts and malformed requests do not use them up.
    pub fn fail_next(
        &self,
        times: usize,
        status: u16,
        code: i64,
        subcode: Option<i64>,
        message: &str,
    ) {
        let failure = Failure {
            status,
            code,
            subcode,
            message: message.to_string(),
        };
        let mut state = lock(&self.state);
        for _ in 0..times {
            state.failures.push_back(failure.clone());
        }
    }

    /// A media object the fake serves: `GET /{version}/{media_id}` answers its metadata (url
    /// pointing at this fake's `/media-bytes/{media_id}`, mime_type, sha256, file_size, id,
    /// messaging_product) and the url answers `bytes` (bearer required).
    pub fn add_media(&self, media_id: &str, mime: &str, bytes: Vec<u8>) {
        lock(&self.state).media.insert(
            media_id.to_string(),
            Media {
                mime: mime.to_string(),
                bytes,
            },
        );
    }

    /// Media uploaded through `POST /{version}/{phone-number-id}/media`, as (media id, mime,
    /// bytes).
    pub fn uploads(&self) -> Vec<(String, String, Vec<u8>)> {
        lock(&self.state).uploads.clone()
    }

    /// The message ids of the read receipts received.
    pub fn marked_read(&self) -> Vec<String> {
        lock(&self.state).read.clone()
    }

    /// A message template of the account (Message Templates reference: `name`, `language`,
    /// `status`, `category`, `components` with a `BODY` whose text holds `{{1}}`…).
    pub fn add_template(&self, name: &str, language: &str, status: &str, body: &str) {
        let id = format!("{}", 1_000_000 + lock(&self.state).templates.len());
        lock(&self.state).templates.push(json!({
            "name": name, "language": language, "status": status, "category": "UTILITY",
            "components": [{ "type": "BODY", "text": body }], "id": id,
        }));
    }
}

impl GraphFake {
    /// A message template given whole (its components as Meta lists them).
    pub fn add_raw_template(&self, template: Value) {
        lock(&self.state).templates.push(template);
    }
}

/// `GET /{version}/{waba-id}/message_templates`: one page of the account's templates, with
/// Meta's cursor paging (`paging.next` while more are left); `limit` as asked (25 by default).
fn list_templates(state: &Shared, req: &Request) -> Response {
    let all = lock(state).templates.clone();
    let query: HashMap<String, String> = req
        .uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let limit: usize = query
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(25);
    let after: usize = query.get("after").and_then(|a| a.parse().ok()).unwrap_or(0);
    let page: Vec<Value> = all.iter().skip(after).take(limit).cloned().collect();
    let mut body = json!({ "data": page, "paging": { "cursors": { "before": after.to_string(), "after": (after + limit).to_string() } } });
    if after + limit < all.len() {
        let base = lock(state).base.clone();
        body["paging"]["next"] = json!(format!(
            "{base}{}?limit={limit}&after={}",
            req.uri().path(),
            after + limit
        ));
    }
    Json(body).into_response()
}

// ---------------------------------------------------------------------------------------------
// The server.

#[handler]
async fn graph(req: &Request, body: Body, Data(state): Data<&Shared>) -> Response {
    let (token, number) = {
        let s = lock(state);
        (s.token.clone(), s.phone_number_id.clone())
    };
    if !bearer_ok(req, &token) {
        return invalid_token();
    }
    let path = req.uri().path().to_string();
    let method = req.method().as_str().to_ascii_uppercase();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        ["media-bytes", id] if method == "GET" => media_bytes(state, id),
        [version, rest @ ..] if is_version(version) => match (method.as_str(), rest) {
            ("POST", [id, "messages"]) => send(state, &number, id, body).await,
            ("POST", [id, "media"]) => upload(req, body, state, &number, id).await,
            ("GET", [_waba, "message_templates"]) => list_templates(state, req),
            ("GET", [id]) => get_object(state, &number, id),
            ("DELETE", [id]) => delete_media(state, id),
            (_, [id]) => unsupported(&method, id),
            _ => unknown_path(&path),
        },
        _ => unknown_path(&path),
    }
}

/// `Authorization: Bearer <token>` with the configured token.
fn bearer_ok(req: &Request, token: &str) -> bool {
    let Some(header) = req.header("authorization") else {
        return false;
    };
    let Some((scheme, value)) = header.trim().split_once(' ') else {
        return false;
    };
    scheme.eq_ignore_ascii_case("bearer") && value.trim() == token
}

/// `v21.0`, `v19.0`, ….
fn is_version(segment: &str) -> bool {
    let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    segment
        .strip_prefix('v')
        .and_then(|rest| rest.split_once('.'))
        .is_some_and(|(major, minor)| number(major) && number(minor))
}

/// `POST /{v}/{phone-number-id}/messages`.
async fn send(state: &Shared, number: &str, id: &str, body: Body) -> Response {
    if id != number {
        return unsupported("POST", id);
    }
    let bytes = match body.into_vec().await {
        Ok(bytes) => bytes,
        Err(e) => return invalid_parameter(&format!("The request body could not be read: {e}")),
    };
    let request: Value = match serde_json::from_slice(&bytes) {
        Ok(request) => request,
        Err(e) => return invalid_parameter(&format!("The request body is not JSON: {e}")),
    };
    let incoming = match classify(&request) {
        Ok(incoming) => incoming,
        Err(details) => return invalid_parameter(&details),
    };
    let mut s = lock(state);
    match incoming {
        Incoming::Read(message_id) => {
            s.read.push(message_id);
            json_response(200, json!({"success": true}))
        }
        Incoming::Send { to, kind } => {
            if let Some(failure) = s.failures.pop_front() {
                return failure_response(&failure);
            }
            let wamid = new_wamid();
            let mut message = json!({"id": wamid});
            if kind == "template" {
                message["message_status"] = json!("accepted");
            }
            let answer = json!({
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": digits(&to)}],
                "messages": [message],
            });
            s.sent.push(SentMessage {
                to,
                kind,
                body: request,
                id: wamid,
            });
            json_response(200, answer)
        }
    }
}

/// `POST /{v}/{phone-number-id}/media`.
async fn upload(req: &Request, body: Body, state: &Shared, number: &str, id: &str) -> Response {
    if id != number {
        return unsupported("POST", id);
    }
    let mut form = match Multipart::from_request(req, &mut RequestBody::new(body)).await {
        Ok(form) => form,
        Err(e) => {
            return invalid_parameter(&format!(
                "The upload must be a multipart/form-data body: {e}"
            ));
        }
    };
    let mut product: Option<String> = None;
    let mut kind: Option<String> = None;
    let mut file: Option<Vec<u8>> = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                return invalid_parameter(&format!("The multipart body could not be parsed: {e}"));
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        let value = match field.bytes().await {
            Ok(value) => value,
            Err(e) => {
                return invalid_parameter(&format!("The multipart body could not be parsed: {e}"));
            }
        };
        match name.as_str() {
            "messaging_product" => product = Some(String::from_utf8_lossy(&value).into_owned()),
            "type" => kind = Some(String::from_utf8_lossy(&value).trim().to_string()),
            "file" => file = Some(value),
            _ => {}
        }
    }
    if product.as_deref().map(str::trim) != Some("whatsapp") {
        return graph_error(
            400,
            "OAuthException",
            100,
            None,
            "(#100) The parameter messaging_product is required.",
            None,
        );
    }
    let Some(bytes) = file else {
        return graph_error(
            400,
            "OAuthException",
            100,
            None,
            "(#100) The parameter file is required.",
            None,
        );
    };
    let Some(mime) = kind.filter(|k| !k.is_empty()) else {
        return graph_error(
            400,
            "OAuthException",
            100,
            None,
            "(#100) The parameter type is required.",
            None,
        );
    };
    let essence = mime
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if !UPLOAD_TYPES.contains(&essence.as_str()) {
        return graph_error(
            400,
            "OAuthException",
            100,
            None,
            &format!(
                "(#100) Param file must be a file with one of the following types: {}. Received file of type '{mime}'.",
                UPLOAD_TYPES.join(", ")
            ),
            None,
        );
    }
    let media_id = new_media_id();
    let mut s = lock(state);
    s.media.insert(
        media_id.clone(),
        Media {
            mime: mime.clone(),
            bytes: bytes.clone(),
        },
    );
    s.uploads.push((media_id.clone(), mime, bytes));
    json_response(200, json!({"id": media_id}))
}

/// `GET /{v}/{id}`: the phone number or a media object's metadata.
fn get_object(state: &Shared, number: &str, id: &str) -> Response {
    if id == number {
        return json_response(
            200,
            json!({
                "verified_name": VERIFIED_NAME,
                "code_verification_status": "VERIFIED",
                "display_phone_number": DISPLAY_PHONE_NUMBER,
                "quality_rating": "GREEN",
                "platform_type": "CLOUD_API",
                "throughput": {"level": "STANDARD"},
                "id": id,
            }),
        );
    }
    let s = lock(state);
    match s.media.get(id) {
        Some(media) => json_response(
            200,
            json!({
                "url": format!("{}/media-bytes/{id}", s.base),
                "mime_type": media.mime,
                "sha256": hex::encode(Sha256::digest(&media.bytes)),
                "file_size": media.bytes.len(),
                "id": id,
                "messaging_product": "whatsapp",
            }),
        ),
        None => unsupported("GET", id),
    }
}

/// `DELETE /{v}/{media-id}`.
fn delete_media(state: &Shared, id: &str) -> Response {
    match lock(state).media.remove(id) {
        Some(_) => json_response(200, json!({"success": true})),
        None => unsupported("DELETE", id),
    }
}

/// `GET /media-bytes/{media-id}`: what a media `url` answers.
fn media_bytes(state: &Shared, id: &str) -> Response {
    let s = lock(state);
    match s.media.get(id) {
        Some(media) => Response::builder()
            .content_type(&media.mime)
            .body(media.bytes.clone()),
        None => graph_error(
            404,
            "GraphMethodException",
            100,
            Some(33),
            &format!("Media with ID '{id}' does not exist."),
            None,
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Graph API answers.

fn json_response(status: u16, body: Value) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .content_type("application/json; charset=UTF-8")
        .body(body.to_string())
}

/// `{"error":{…}}` as the Graph API answers it.
fn graph_error(
    status: u16,
    kind: &str,
    code: i64,
    subcode: Option<i64>,
    message: &str,
    details: Option<&str>,
) -> Response {
    let mut error = json!({"message": message, "type": kind, "code": code});
    if let Some(subcode) = subcode {
        error["error_subcode"] = json!(subcode);
    }
    if let Some(details) = details {
        error["error_data"] = json!({"messaging_product": "whatsapp", "details": details});
    }
    error["fbtrace_id"] = json!(fbtrace_id());
    json_response(status, json!({ "error": error }))
}

fn invalid_token() -> Response {
    let mut response = graph_error(401, "OAuthException", 190, None, TOKEN_ERROR, None);
    if let Ok(value) = format!("OAuth \"Facebook Platform\" \"invalid_token\" \"{TOKEN_ERROR}\"")
        .parse::<poem::http::HeaderValue>()
    {
        response.headers_mut().insert("www-authenticate", value);
    }
    response
}

fn invalid_parameter(details: &str) -> Response {
    graph_error(
        400,
        "OAuthException",
        100,
        None,
        "(#100) Invalid parameter",
        Some(details),
    )
}

/// An object that does not exist (or does not take this method).
fn unsupported(method: &str, id: &str) -> Response {
    graph_error(
        400,
        "GraphMethodException",
        100,
        Some(33),
        &format!(
            "Unsupported {} request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
            method.to_ascii_lowercase()
        ),
        None,
    )
}

fn unknown_path(path: &str) -> Response {
    graph_error(
        400,
        "OAuthException",
        2500,
        None,
        &format!("Unknown path components: {path}"),
        None,
    )
}

fn failure_response(failure: &Failure) -> Response {
    let mut error = json!({
        "message": failure.message,
        "type": "OAuthException",
        "code": failure.code,
    });
    if let Some(subcode) = failure.subcode {
        error["error_subcode"] = json!(subcode);
    }
    error["error_data"] = json!({"messaging_product": "whatsapp", "details": failure.message});
    error["fbtrace_id"] = json!(fbtrace_id());
    json_response(failure.status, json!({ "error": error }))
}

fn new_wamid() -> String {
    format!("wamid.{}", hex::encode(rand::random::<[u8; 16]>()))
}

/// Numeric, 16 digits, like Meta's media ids.
fn new_media_id() -> String {
    (1_000_000_000_000_000 + rand::random::<u64>() % 8_000_000_000_000_000).to_string()
}

fn fbtrace_id() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>())
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

mod requests;
mod webhook;

pub use webhook::{image_message, signature, status_update, text_message, webhook_body};

#[cfg(test)]
mod tests;
