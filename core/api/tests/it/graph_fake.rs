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

/// A read receipt or a message to send.
enum Incoming {
    Read(String),
    Send { to: String, kind: String },
}

/// What a `/messages` request is, or the `details` of why it is malformed.
fn classify(body: &Value) -> Result<Incoming, String> {
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

// ---------------------------------------------------------------------------------------------
// The fake's own checks.

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

    #[tokio::test]
    async fn the_fake_speaks_graph() {
        let fake = GraphFake::start("tok", "1001").await;
        let http = reqwest::Client::new();
        let messages = format!("{}/v21.0/1001/messages", fake.base);
        let text = json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+5511988887777",
            "type": "text",
            "text": {"body": "oi"},
        });

        // No or a wrong token.
        let r = http.post(&messages).json(&text).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 401);
        let r = http
            .post(&messages)
            .bearer_auth("nope")
            .json(&text)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 401);
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["error"]["code"], 190);
        assert_eq!(e["error"]["type"], "OAuthException");

        // Sent.
        let r = http
            .post(&messages)
            .bearer_auth("tok")
            .json(&text)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let ok: Value = r.json().await.unwrap();
        assert_eq!(ok["contacts"][0]["wa_id"], "5511988887777");
        assert_eq!(ok["contacts"][0]["input"], "+5511988887777");
        let sent = fake.wait_sent(1, Duration::from_secs(2)).await;
        assert_eq!(sent[0].kind, "text");
        assert_eq!(sent[0].to, "+5511988887777");
        assert_eq!(sent[0].body, text);
        assert_eq!(ok["messages"][0]["id"], sent[0].id.as_str());

        // Malformed, another number, an unknown version-less path.
        let bad = json!({"messaging_product": "whatsapp", "to": "1", "type": "image", "image": {}});
        let r = http
            .post(&messages)
            .bearer_auth("tok")
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400);
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["error"]["code"], 100);
        assert_eq!(e["error"]["message"], "(#100) Invalid parameter");
        let r = http
            .post(format!("{}/v21.0/999/messages", fake.base))
            .bearer_auth("tok")
            .json(&text)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400);
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["error"]["type"], "GraphMethodException");

        // Armed failures, then success again; a read receipt does not use them up.
        fake.fail_next(1, 429, 130429, None, "Rate limit hit");
        let read =
            json!({"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.in1"});
        let r = http
            .post(&messages)
            .bearer_auth("tok")
            .json(&read)
            .send()
            .await
            .unwrap();
        assert_eq!(r.json::<Value>().await.unwrap(), json!({"success": true}));
        assert_eq!(fake.marked_read(), vec!["wamid.in1".to_string()]);
        let r = http
            .post(&messages)
            .bearer_auth("tok")
            .json(&text)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 429);
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["error"]["code"], 130429);
        assert_eq!(e["error"]["error_data"]["messaging_product"], "whatsapp");
        assert!(e["error"].get("error_subcode").is_none());
        assert_eq!(fake.sent().len(), 1);
        let r = http
            .post(format!("{}/v19.0/1001/messages", fake.base))
            .bearer_auth("tok")
            .json(&text)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(fake.sent().len(), 2);

        // Media: metadata and download.
        fake.add_media("555", "image/png", b"png bytes".to_vec());
        let r = http
            .get(format!("{}/v21.0/555", fake.base))
            .bearer_auth("tok")
            .send()
            .await
            .unwrap();
        let meta: Value = r.json().await.unwrap();
        assert_eq!(meta["mime_type"], "image/png");
        assert_eq!(meta["file_size"], 9);
        assert_eq!(meta["sha256"], hex::encode(Sha256::digest(b"png bytes")));
        let url = meta["url"].as_str().unwrap();
        assert_eq!(http.get(url).send().await.unwrap().status().as_u16(), 401);
        let r = http.get(url).bearer_auth("tok").send().await.unwrap();
        assert_eq!(r.headers()["content-type"], "image/png");
        assert_eq!(r.bytes().await.unwrap().as_ref(), b"png bytes");
        let r = http
            .get(format!("{}/v21.0/556", fake.base))
            .bearer_auth("tok")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400);

        // Upload.
        let boundary = "----fakeboundary";
        let mut form = Vec::new();
        for (name, value) in [("messaging_product", "whatsapp"), ("type", "audio/ogg")] {
            form.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        form.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.ogg\"\r\nContent-Type: audio/ogg\r\n\r\n"
            )
            .as_bytes(),
        );
        form.extend_from_slice(b"OggS\x00voice");
        form.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let r = http
            .post(format!("{}/v21.0/1001/media", fake.base))
            .bearer_auth("tok")
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let id = r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            fake.uploads(),
            vec![(
                id.clone(),
                "audio/ogg".to_string(),
                b"OggS\x00voice".to_vec()
            )]
        );
        let r = http
            .get(format!("{}/v21.0/{id}", fake.base))
            .bearer_auth("tok")
            .send()
            .await
            .unwrap();
        assert_eq!(r.json::<Value>().await.unwrap()["file_size"], 10);

        // The phone number.
        let r = http
            .get(format!(
                "{}/v21.0/1001?fields=verified_name,display_phone_number",
                fake.base
            ))
            .bearer_auth("tok")
            .send()
            .await
            .unwrap();
        let number: Value = r.json().await.unwrap();
        assert_eq!(number["verified_name"], "Loja Teste");
        assert_eq!(number["id"], "1001");
    }
}
