//! Meta's WhatsApp Cloud API, following its published reference (Graph API v21): messages
//! go out through `POST /{phone-number-id}/messages` (media uploaded first through
//! `POST /{phone-number-id}/media` when the platform holds the file), customers' media come
//! in through `GET /{media-id}` and its URL; Meta's webhooks are read in [`webhook`].

use std::sync::Weak;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};
use tucan_model::ticket::{ConnectionStatus, MessageKind};

mod webhook;

pub use webhook::{Notification, notifications, numbers_in, signature_valid};

use crate::channel::{Channel, ChannelError, ChannelEvent, ChannelSink, IncomingFile, Outgoing};

/// A Cloud API connection's settings, secrets opened.
#[derive(Clone)]
pub struct CloudApiConfig {
    pub phone_number_id: String,
    pub waba_id: String,
    pub access_token: String,
    pub app_secret: String,
    pub verify_token: String,
    /// The Graph API's base with its version, e.g. `https://graph.facebook.com/v21.0`.
    pub graph_url: String,
}

impl std::fmt::Debug for CloudApiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudApiConfig")
            .field("phone_number_id", &self.phone_number_id)
            .field("graph_url", &self.graph_url)
            .finish_non_exhaustive()
    }
}

/// The number as Meta knows it (the connection's "verify" action).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberInfo {
    pub verified_name: String,
    pub display_phone_number: String,
    pub quality_rating: String,
}

/// A message template as the account lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncedTemplate {
    pub name: String,
    pub language: String,
    pub status: String,
    pub category: String,
    /// The text of its body component, `{{1}}`… where the variables go.
    pub body: String,
    /// Why the platform cannot send it yet (a header with a variable or a file, a button
    /// with a variable, named parameters), or `None` when it can.
    pub unsupported: Option<String>,
}

/// Why a template's components are beyond what the platform sends (only body variables are
/// filled), or `None` when they are not.
fn unsupported_parts(t: &Value) -> Option<String> {
    if t["parameter_format"].as_str() == Some("NAMED") {
        return Some("named parameters".into());
    }
    for c in t["components"].as_array().into_iter().flatten() {
        match c["type"].as_str() {
            Some("HEADER") => match c["format"].as_str() {
                Some("TEXT") if c["text"].as_str().is_some_and(|x| x.contains("{{")) => {
                    return Some("a header with a variable".into());
                }
                Some("IMAGE" | "VIDEO" | "DOCUMENT" | "LOCATION") => {
                    return Some("a header with a file".into());
                }
                _ => {}
            },
            Some("BUTTONS") => {
                let variable = c["buttons"].as_array().into_iter().flatten().any(|b| {
                    b["url"].as_str().is_some_and(|u| u.contains("{{"))
                        || matches!(
                            b["type"].as_str(),
                            Some("OTP" | "COPY_CODE" | "CATALOG" | "MPM" | "FLOW")
                        )
                });
                if variable {
                    return Some("a button that takes a value".into());
                }
            }
            _ => {}
        }
    }
    None
}

pub struct CloudApi {
    pub tenant: String,
    pub connection_id: String,
    pub config: CloudApiConfig,
    pub http: reqwest::Client,
    /// The inbox: a revoked token marks the connection.
    pub sink: Weak<dyn ChannelSink>,
}

impl std::fmt::Debug for CloudApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudApi")
            .field("connection_id", &self.connection_id)
            .field("config", &self.config)
            .finish()
    }
}

/// A Graph API error as Meta answers it: `{"error": {"message", "code", "error_subcode",
/// "error_data": {"details"}}}`.
#[derive(Debug, Clone)]
struct GraphError {
    code: i64,
    message: String,
}

impl GraphError {
    fn from_body(status: u16, body: &Value) -> GraphError {
        let e = &body["error"];
        let mut message = e["message"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| format!("HTTP {status}"));
        if let Some(details) = e["error_data"]["details"].as_str() {
            message = format!("{message} ({details})");
        }
        GraphError {
            code: e["code"].as_i64().unwrap_or(0),
            message,
        }
    }
}

/// Graph codes that mean "not now": rate limits and throttling (the send is tried again
/// with backoff).
const RATE_LIMITED: [i64; 5] = [4, 80007, 130429, 131048, 131056];
/// The access token expired or was revoked: the connection needs attention.
const TOKEN_INVALID: i64 = 190;
/// More than 24 hours since the customer last wrote: only a template may go out.
const REENGAGEMENT: i64 = 131047;

impl CloudApi {
    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.config.graph_url.trim_end_matches('/'))
    }

    /// A Graph call answered with JSON; a Graph error mapped to what the sender does next.
    async fn call(&self, req: reqwest::RequestBuilder) -> Result<Value, ChannelError> {
        let resp = req
            .bearer_auth(&self.config.access_token)
            .timeout(Duration::from_secs(20))
            .send()
            .await
            .map_err(|e| {
                ChannelError::Unavailable(format!("Graph API unreachable: {}", e.without_url()))
            })?;
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            return Ok(body);
        }
        Err(self.graph_failure(GraphError::from_body(status, &body), status))
    }

    fn graph_failure(&self, e: GraphError, status: u16) -> ChannelError {
        let said = format!("{} ({})", e.message, e.code);
        if RATE_LIMITED.contains(&e.code) || status == 429 || status >= 500 {
            return ChannelError::Unavailable(format!("Meta: {said}"));
        }
        if e.code == TOKEN_INVALID {
            self.needs_attention(format!(
                "the access token is expired or revoked; paste a new one: {said}"
            ));
            return ChannelError::Rejected(format!("the connection's access token: {said}"));
        }
        if e.code == REENGAGEMENT {
            return ChannelError::Rejected(format!(
                "more than 24 hours since the customer last wrote; only a template can reach them now ({})",
                e.code
            ));
        }
        ChannelError::Rejected(format!("Meta: {said}"))
    }

    /// Tell the inbox the connection cannot work until someone acts.
    fn needs_attention(&self, detail: String) {
        let Some(sink) = self.sink.upgrade() else {
            return;
        };
        let (tenant, connection) = (self.tenant.clone(), self.connection_id.clone());
        tokio::spawn(async move {
            let event = ChannelEvent::Status {
                status: ConnectionStatus::Disconnected,
                pairing: None,
                detail,
            };
            if let Err(e) = sink.channel_event(&tenant, &connection, event).await {
                tracing::warn!(connection = %connection, error = %e, "connection status not recorded");
            }
        });
    }

    /// The number's name and quality as Meta shows them.
    pub async fn verify(&self) -> Result<NumberInfo, ChannelError> {
        let body = self
            .call(
                self.http
                    .get(self.url(&self.config.phone_number_id))
                    .query(&[(
                        "fields",
                        "verified_name,display_phone_number,quality_rating",
                    )]),
            )
            .await?;
        let text = |k: &str| body[k].as_str().unwrap_or_default().to_string();
        Ok(NumberInfo {
            verified_name: text("verified_name"),
            display_phone_number: text("display_phone_number"),
            quality_rating: text("quality_rating"),
        })
    }

    /// The account's message templates, every page of `GET /{waba-id}/message_templates`
    /// (at most 50 pages of 100), with the text of each one's body.
    pub async fn templates(&self) -> Result<Vec<SyncedTemplate>, ChannelError> {
        let mut out = Vec::new();
        let mut next = Some(format!(
            "{}?limit=100&fields=name,language,status,category,components,parameter_format",
            self.url(&format!("{}/message_templates", self.config.waba_id))
        ));
        for _ in 0..50 {
            let Some(url) = next.take() else {
                break;
            };
            let page = self.call(self.http.get(url)).await?;
            for t in page["data"].as_array().into_iter().flatten() {
                let text = |k: &str| t[k].as_str().unwrap_or_default().to_string();
                let body = t["components"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|c| c["type"].as_str() == Some("BODY"))
                    .and_then(|c| c["text"].as_str())
                    .unwrap_or_default()
                    .to_string();
                out.push(SyncedTemplate {
                    name: text("name"),
                    language: text("language"),
                    status: text("status"),
                    category: text("category"),
                    body,
                    unsupported: unsupported_parts(t),
                });
            }
            next = page["paging"]["next"]
                .as_str()
                .filter(|u| self.trusted(u))
                .map(str::to_string);
        }
        Ok(out)
    }

    /// True when `url` may receive the access token: Meta's own hosts, or the host of the
    /// connection's Graph URL (checked by the outbound guard when it was saved). An address
    /// in a Graph answer goes nowhere else, so a Graph URL under someone's control cannot
    /// steer the token or the platform's requests further.
    fn trusted(&self, url: &str) -> bool {
        let host = |u: &str| {
            reqwest::Url::parse(u).ok().map(|u| {
                (
                    u.scheme().to_string(),
                    u.host_str().map(str::to_string),
                    u.port_or_known_default(),
                )
            })
        };
        let Some((scheme, Some(h), port)) = host(url) else {
            return false;
        };
        if scheme != "https" && scheme != "http" {
            return false;
        }
        let meta = scheme == "https"
            && [".facebook.com", ".fbsbx.com", ".whatsapp.net", ".fbcdn.net"]
                .iter()
                .any(|d| h.ends_with(d));
        meta || host(&self.config.graph_url) == Some((scheme, Some(h), port))
    }

    /// A customer's file (at most `max_bytes`): its address from `GET /{media-id}`, then its
    /// bytes.
    pub async fn fetch_media(
        &self,
        media_id: &str,
        max_bytes: usize,
    ) -> Result<(Vec<u8>, String), ChannelError> {
        let meta = self.call(self.http.get(self.url(media_id))).await?;
        let url = meta["url"]
            .as_str()
            .filter(|u| self.trusted(u))
            .ok_or_else(|| {
                ChannelError::Rejected(format!("media {media_id} has no address at Meta"))
            })?;
        let mime = meta["mime_type"].as_str().unwrap_or_default().to_string();
        let mut resp = self
            .http
            .get(url)
            .bearer_auth(&self.config.access_token)
            .timeout(Duration::from_secs(60))
            .send()
            .await
            .map_err(|e| {
                ChannelError::Unavailable(format!("media download: {}", e.without_url()))
            })?;
        let status = resp.status();
        if status.as_u16() == 429 || status.is_server_error() {
            return Err(ChannelError::Unavailable(format!(
                "media download: HTTP {status}"
            )));
        }
        if !status.is_success() {
            return Err(ChannelError::Rejected(format!(
                "media download: HTTP {status}"
            )));
        }
        if resp.content_length().is_some_and(|n| n > max_bytes as u64) {
            return Err(ChannelError::Rejected(format!(
                "the file is larger than {max_bytes} bytes"
            )));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| {
            ChannelError::Unavailable(format!("media download: {}", e.without_url()))
        })? {
            if bytes.len() + chunk.len() > max_bytes {
                return Err(ChannelError::Rejected(format!(
                    "the file is larger than {max_bytes} bytes"
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok((bytes, mime))
    }

    /// Upload a file the platform holds; returns its media id.
    async fn upload(&self, file: &IncomingFile, mime: &str) -> Result<String, ChannelError> {
        let boundary = format!("tucan{}", tucan_model::ids::new_id());
        let name = file.filename.as_deref().unwrap_or("file").replace('"', "");
        let mut body = Vec::with_capacity(file.bytes.len() + 512);
        for (field, value) in [("messaging_product", "whatsapp"), ("type", mime)] {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {mime}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(&file.bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let answer = self
            .call(
                self.http
                    .post(self.url(&format!("{}/media", self.config.phone_number_id)))
                    .header(
                        "content-type",
                        format!("multipart/form-data; boundary={boundary}"),
                    )
                    .body(body),
            )
            .await?;
        answer["id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| ChannelError::Unavailable("the upload answered no media id".into()))
    }

    /// A menu as WhatsApp shows one: up to 3 options as reply buttons (titles of up to 20
    /// characters), up to 10 as a list (up to 24), each with its number as the id; `None`
    /// when the options fit neither (the numbered text goes instead).
    fn interactive(msg: &Outgoing) -> Option<Value> {
        let n = msg.choices.len();
        // Meta refuses empty, over-long, multi-line or repeated titles: those menus go as text.
        let distinct = msg
            .choices
            .iter()
            .collect::<std::collections::BTreeSet<_>>()
            .len()
            == n;
        let fits = |max: usize| {
            distinct
                && msg
                    .choices
                    .iter()
                    .all(|c| !c.trim().is_empty() && !c.contains('\n') && c.chars().count() <= max)
        };
        // The body numbers the options on its last lines; the buttons take their place.
        let lines: Vec<&str> = msg.body.lines().collect();
        let prompt = lines[..lines.len().saturating_sub(n)].join("\n");
        let prompt = if prompt.trim().is_empty() {
            "…".to_string()
        } else {
            prompt
        };
        if prompt.chars().count() > 1024 {
            return None;
        }
        if (1..=3).contains(&n) && fits(20) {
            let buttons: Vec<Value> = msg
                .choices
                .iter()
                .enumerate()
                .map(|(i, c)| json!({ "type": "reply", "reply": { "id": (i + 1).to_string(), "title": c } }))
                .collect();
            return Some(json!({
                "type": "button", "body": { "text": prompt }, "action": { "buttons": buttons },
            }));
        }
        if (1..=10).contains(&n) && fits(24) {
            let rows: Vec<Value> = msg
                .choices
                .iter()
                .enumerate()
                .map(|(i, c)| json!({ "id": (i + 1).to_string(), "title": c }))
                .collect();
            return Some(json!({
                "type": "list", "body": { "text": prompt },
                "action": { "button": "Menu", "sections": [{ "title": "Menu", "rows": rows }] },
            }));
        }
        None
    }

    async fn media_object(&self, msg: &Outgoing) -> Result<Value, ChannelError> {
        let mut object = match (&msg.file, &msg.media_url) {
            (Some(file), _) => {
                let mime = msg.mime.as_deref().unwrap_or("application/octet-stream");
                json!({ "id": self.upload(file, mime).await? })
            }
            (None, Some(url)) if url.starts_with("https://") || url.starts_with("http://") => {
                json!({ "link": url })
            }
            _ => {
                return Err(ChannelError::Rejected(
                    "the file is neither held by the platform nor at a public address".into(),
                ));
            }
        };
        if !msg.body.is_empty() && msg.kind != MessageKind::Audio {
            object["caption"] = json!(msg.body);
        }
        if msg.kind == MessageKind::Document
            && let Some(name) = &msg.filename
        {
            object["filename"] = json!(name);
        }
        Ok(object)
    }
}

/// The number in the form the Cloud API takes: digits, no `+`.
pub(crate) fn wa_id(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}

#[async_trait]
impl Channel for CloudApi {
    async fn connect(&self) -> Result<(), ChannelError> {
        self.verify().await.map(drop)
    }

    async fn disconnect(&self) -> Result<(), ChannelError> {
        Ok(())
    }

    /// Tell Meta the customer's message was read (blue ticks on the phone).
    async fn mark_read(&self, channel_id: &str) -> Result<(), ChannelError> {
        self.call(
            self.http
                .post(self.url(&format!("{}/messages", self.config.phone_number_id)))
                .json(&json!({
                    "messaging_product": "whatsapp", "status": "read", "message_id": channel_id,
                })),
        )
        .await
        .map(drop)
    }

    async fn send(&self, msg: &Outgoing) -> Result<String, ChannelError> {
        let mut payload = json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": wa_id(&msg.to),
        });
        let kind = match msg.kind {
            MessageKind::Text => {
                payload["text"] = json!({
                    "body": msg.body,
                    "preview_url": msg.body.contains("https://") || msg.body.contains("http://"),
                });
                "text"
            }
            MessageKind::Image => "image",
            MessageKind::Audio => "audio",
            MessageKind::Video => "video",
            MessageKind::Document => "document",
        };
        payload["type"] = json!(kind);
        if let Some(t) = &msg.template {
            payload.as_object_mut().map(|p| p.remove("text"));
            payload["type"] = json!("template");
            let mut template = json!({ "name": t.name, "language": { "code": t.language } });
            if !t.variables.is_empty() {
                let parameters: Vec<Value> = t
                    .variables
                    .iter()
                    .map(|v| json!({ "type": "text", "text": v }))
                    .collect();
                template["components"] = json!([{ "type": "body", "parameters": parameters }]);
            }
            payload["template"] = template;
        } else if kind != "text" {
            payload[kind] = self.media_object(msg).await?;
        } else if let Some(menu) = Self::interactive(msg) {
            payload.as_object_mut().map(|p| p.remove("text"));
            payload["type"] = json!("interactive");
            payload["interactive"] = menu;
        }
        if let Some(quoted) = &msg.quoted {
            payload["context"] = json!({ "message_id": quoted });
        }
        let answer = self
            .call(
                self.http
                    .post(self.url(&format!("{}/messages", self.config.phone_number_id)))
                    .header("Idempotency-Key", &msg.key)
                    .json(&payload),
            )
            .await?;
        answer["messages"][0]["id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| ChannelError::Unavailable("Meta answered no message id".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn menu(choices: &[&str]) -> Outgoing {
        let mut body = "Escolha:".to_string();
        for (i, c) in choices.iter().enumerate() {
            body.push_str(&format!("\n{}. {c}", i + 1));
        }
        Outgoing {
            to: "+5511987654321".into(),
            kind: MessageKind::Text,
            body,
            media_url: None,
            file: None,
            mime: None,
            filename: None,
            quoted: None,
            template: None,
            choices: choices.iter().map(|c| c.to_string()).collect(),
            key: "k".into(),
        }
    }

    #[test]
    fn menus_become_buttons_lists_or_stay_numbered_text() {
        let buttons = CloudApi::interactive(&menu(&["Sim", "Não"])).unwrap();
        assert_eq!(buttons["type"], "button");
        assert_eq!(buttons["body"]["text"], "Escolha:");
        assert_eq!(buttons["action"]["buttons"][1]["reply"]["id"], "2");
        let list = CloudApi::interactive(&menu(&["a", "b", "c", "d", "e"])).unwrap();
        assert_eq!(list["type"], "list");
        assert_eq!(list["action"]["sections"][0]["rows"][4]["title"], "e");
        let long = "an option far longer than a list row may be";
        assert!(CloudApi::interactive(&menu(&["a", long])).is_none());
        let eleven: Vec<&str> = vec!["x"; 11];
        assert!(CloudApi::interactive(&menu(&eleven)).is_none());
        assert!(
            CloudApi::interactive(&menu(&["Sim", "Sim"])).is_none(),
            "repeated titles"
        );
    }

    #[test]
    fn the_token_goes_only_to_meta_or_the_graph_urls_host() {
        let api = CloudApi {
            tenant: "t".into(),
            connection_id: "c".into(),
            config: CloudApiConfig {
                phone_number_id: "1".into(),
                waba_id: "2".into(),
                access_token: "tok".into(),
                app_secret: "sec".into(),
                verify_token: "verify-me".into(),
                graph_url: "http://127.0.0.1:9000/v21.0".into(),
            },
            http: reqwest::Client::new(),
            sink: std::sync::Weak::<NoSink>::new(),
        };
        assert!(api.trusted("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1"));
        assert!(api.trusted("https://graph.facebook.com/v21.0/2/message_templates?after=x"));
        assert!(api.trusted("http://127.0.0.1:9000/media-bytes/1"));
        assert!(
            !api.trusted("http://127.0.0.1:9001/media-bytes/1"),
            "another port"
        );
        assert!(!api.trusted("http://169.254.169.254/latest/meta-data"));
        assert!(!api.trusted("http://evil.facebook.com.example.net/x"));
        assert!(
            !api.trusted("http://graph.facebook.com/x"),
            "Meta's hosts over https only"
        );
    }

    struct NoSink;

    #[async_trait::async_trait]
    impl ChannelSink for NoSink {
        async fn channel_event(
            &self,
            _: &str,
            _: &str,
            _: ChannelEvent,
        ) -> Result<crate::channel::Taken, crate::channel::SinkError> {
            Err(crate::channel::SinkError::Failed("no inbox".into()))
        }
    }
}
