//! The customer's end of a number, for each channel kind: what the customer sends, what the
//! customer's phone got, the receipts it sends back. The simulator is played through its
//! endpoints; the Cloud API through signed webhooks and the fake Graph API's record.

use std::time::{Duration, Instant};

use base64::Engine as _;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::cloud_api::{APP_SECRET, NUMBER_ID, TOKEN, cloud_connection, post_webhook};
use crate::graph_fake::{
    GraphFake, image_message, signature, status_update, text_message, webhook_body,
};
use crate::harness::{TestApp, TestTenant};
use crate::inbox::simulator;

/// The customer every case plays, as the channels write the number (digits only).
pub const CUSTOMER: &str = "5511987654321";
pub const CUSTOMER_NAME: &str = "Ana";

/// One company's number of one channel kind, and the customer's end of it.
pub struct Line {
    pub app: TestApp,
    pub t: TestTenant,
    pub conn_id: String,
    end: End,
}

enum End {
    Simulator,
    CloudApi { fake: GraphFake, hook: String },
}

/// A message the customer's phone got from the platform.
#[derive(Debug, Clone)]
pub struct Got {
    /// The channel's id of it (what receipts name).
    pub id: String,
    /// The text shown (a menu's text with its options as numbered lines where the channel has
    /// no native menus).
    pub text: String,
    /// A native menu's options, in order; empty for plain text.
    pub options: Vec<String>,
    /// "buttons", "list", or "text".
    pub shape: String,
}

impl Got {
    /// Option `n` (from 1) shows, natively or as a numbered line.
    pub fn shows_option(&self, n: usize, title: &str) -> bool {
        match self.options.get(n - 1) {
            Some(o) => o == title,
            None => self.text.lines().any(|l| l == format!("{n}. {title}")),
        }
    }
}

impl Line {
    pub async fn simulator() -> Line {
        let app = TestApp::start_with_workers().await;
        let t = app.tenant("acme").await;
        let conn_id = simulator(&app, &t, "+55 11 99999-0000", json!({})).await;
        Line {
            app,
            t,
            conn_id,
            end: End::Simulator,
        }
    }

    pub async fn cloud_api() -> Line {
        let app = TestApp::start_with_workers().await;
        let t = app.tenant("acme").await;
        let fake = GraphFake::start(TOKEN, NUMBER_ID).await;
        let conn = cloud_connection(&app, &t, &fake).await;
        let conn_id = conn["id"].as_str().unwrap().to_string();
        let hook = format!("/api/hooks/whatsapp/{}/{conn_id}", t.id);
        Line {
            app,
            t,
            conn_id,
            end: End::CloudApi { fake, hook },
        }
    }

    /// Whether the channel keeps the 24-hour customer-service window (and templates).
    pub fn has_window(&self) -> bool {
        matches!(self.end, End::CloudApi { .. })
    }

    pub fn fake(&self) -> &GraphFake {
        match &self.end {
            End::CloudApi { fake, .. } => fake,
            End::Simulator => panic!("the simulator has no Graph API"),
        }
    }

    /// The customer sends `text` as the channel message `id`; the channel took the delivery.
    pub async fn customer_says(&self, id: &str, text: &str) {
        match &self.end {
            End::Simulator => {
                self.simulate(json!({
                    "from": CUSTOMER, "name": CUSTOMER_NAME, "text": text, "id": id,
                }))
                .await;
            }
            End::CloudApi { .. } => {
                self.signed(&webhook_body(
                    NUMBER_ID,
                    text_message(CUSTOMER, CUSTOMER_NAME, id, text),
                ))
                .await;
            }
        }
    }

    /// The customer sends a PNG with a caption.
    pub async fn customer_sends_png(&self, id: &str, png: &[u8], caption: &str) {
        match &self.end {
            End::Simulator => {
                let data = base64::engine::general_purpose::STANDARD.encode(png);
                self.simulate(json!({
                    "from": CUSTOMER, "name": CUSTOMER_NAME, "text": caption, "id": id,
                    "media_base64": data,
                }))
                .await;
            }
            End::CloudApi { fake, .. } => {
                let media_id = format!("MEDIA-{id}");
                fake.add_media(&media_id, "image/png", png.to_vec());
                self.signed(&webhook_body(
                    NUMBER_ID,
                    image_message(CUSTOMER, CUSTOMER_NAME, id, &media_id, "image/png", caption),
                ))
                .await;
            }
        }
    }

    /// The customer picks option `n` (from 1, titled `title`) of the menu `menu`: a tap on a
    /// native menu, the option's number typed where menus are text.
    pub async fn customer_picks(&self, id: &str, menu: &Got, n: usize, title: &str) {
        match &self.end {
            End::Simulator => self.customer_says(id, &n.to_string()).await,
            End::CloudApi { .. } => {
                let (kind, reply) = match menu.shape.as_str() {
                    "buttons" => ("button_reply", "button_reply"),
                    _ => ("list_reply", "list_reply"),
                };
                let tap = json!({
                    "contacts": [{ "profile": { "name": CUSTOMER_NAME }, "wa_id": CUSTOMER }],
                    "messages": [{
                        "from": CUSTOMER, "id": id, "timestamp": "1700000000",
                        "type": "interactive",
                        "interactive": { "type": kind, reply: { "id": n.to_string(), "title": title } },
                        "context": { "from": "5511999990000", "id": menu.id },
                    }],
                });
                self.signed(&webhook_body(NUMBER_ID, tap)).await;
            }
        }
    }

    /// A delivery nobody vouches for (no signature, a wrong one, no credentials): every
    /// attempt is refused with 401 and the customer's `text` must reach nothing.
    pub async fn forged_deliveries(&self, text: &str) -> Vec<StatusCode> {
        match &self.end {
            End::Simulator => {
                let url = format!(
                    "{}/api/connections/{}/simulator/messages",
                    self.app.base, self.conn_id
                );
                let body = json!({ "from": CUSTOMER, "text": text });
                let anonymous = self.app.http.post(&url).json(&body).send().await.unwrap();
                let forged = self
                    .app
                    .http
                    .post(&url)
                    .bearer_auth("eyJhbGciOiJIUzI1NiJ9.e30.forged")
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                vec![anonymous.status(), forged.status()]
            }
            End::CloudApi { hook, .. } => {
                let body = webhook_body(
                    NUMBER_ID,
                    text_message(CUSTOMER, CUSTOMER_NAME, "wamid.forged", text),
                );
                let wrong = signature("not-the-app-secret", body.as_bytes());
                vec![
                    post_webhook(&self.app, hook, &body, Some(&wrong)).await,
                    post_webhook(&self.app, hook, &body, None).await,
                ]
            }
        }
    }

    /// Everything the customer's phone got from the platform so far, oldest first.
    pub async fn received(&self) -> Vec<Got> {
        match &self.end {
            End::Simulator => {
                let (status, chat) = self
                    .app
                    .get(
                        &format!(
                            "/api/connections/{}/simulator/chats/{CUSTOMER}",
                            self.conn_id
                        ),
                        &self.t.admin_token,
                    )
                    .await;
                assert_eq!(status, StatusCode::OK, "{chat}");
                chat.as_array()
                    .unwrap()
                    .iter()
                    .filter(|m| m["direction"] == "out")
                    .map(|m| Got {
                        id: m["id"].as_str().unwrap().to_string(),
                        text: m["body"].as_str().unwrap_or_default().to_string(),
                        options: Vec::new(),
                        shape: "text".into(),
                    })
                    .collect()
            }
            End::CloudApi { fake, .. } => fake
                .sent()
                .into_iter()
                .filter(|m| m.to == CUSTOMER)
                .map(|m| cloud_got(&m.id, &m.kind, &m.body))
                .collect(),
        }
    }

    /// Waits (10 s at most) until the phone got at least `n` messages; returns them.
    pub async fn wait_received(&self, n: usize) -> Vec<Got> {
        let start = Instant::now();
        loop {
            let got = self.received().await;
            if got.len() >= n {
                return got;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the phone got {} message(s), expected {n}: {got:#?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The phone reports it showed the platform's message `got` to the customer (`read`)
    /// or received it (`delivered`). The simulator's phone reports `delivered` by itself,
    /// shortly after each message, and `read` when its customer opens the chat.
    pub async fn receipt(&self, got: &Got, status: &str) {
        match &self.end {
            End::Simulator => {
                assert_eq!(
                    status, "read",
                    "the simulator's phone reports delivery itself"
                );
                let (code, body) = self
                    .app
                    .post(
                        &format!("/api/connections/{}/simulator/read", self.conn_id),
                        &self.t.admin_token,
                        json!({ "phone": CUSTOMER }),
                    )
                    .await;
                assert_eq!(code, StatusCode::OK, "{body}");
            }
            End::CloudApi { .. } => {
                self.signed(&webhook_body(
                    NUMBER_ID,
                    status_update(&got.id, CUSTOMER, status, None),
                ))
                .await;
            }
        }
    }

    /// Whether the phone can send a receipt that moves a status back (`delivered` after
    /// `read`), as a channel's retried or reordered notifications do.
    pub fn can_reorder_receipts(&self) -> bool {
        matches!(self.end, End::CloudApi { .. })
    }

    async fn simulate(&self, body: Value) {
        let (status, out) = self
            .app
            .post(
                &format!("/api/connections/{}/simulator/messages", self.conn_id),
                &self.t.admin_token,
                body,
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{out}");
    }

    async fn signed(&self, body: &str) {
        let End::CloudApi { hook, .. } = &self.end else {
            unreachable!("only the Cloud API takes webhooks");
        };
        let sig = signature(APP_SECRET, body.as_bytes());
        assert_eq!(
            post_webhook(&self.app, hook, body, Some(&sig)).await,
            StatusCode::OK
        );
    }
}

/// What the phone shows of a Cloud API message request.
fn cloud_got(id: &str, kind: &str, body: &Value) -> Got {
    let interactive = &body["interactive"];
    let (text, options, shape) = match kind {
        "text" => (body["text"]["body"].clone(), Vec::new(), "text"),
        "interactive" if interactive["type"] == "button" => (
            interactive["body"]["text"].clone(),
            titles(interactive["action"]["buttons"].as_array(), |b| {
                &b["reply"]["title"]
            }),
            "buttons",
        ),
        "interactive" => (
            interactive["body"]["text"].clone(),
            interactive["action"]["sections"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|s| titles(s["rows"].as_array(), |r| &r["title"]))
                .collect(),
            "list",
        ),
        other => (json!(other), Vec::new(), other),
    };
    Got {
        id: id.to_string(),
        text: text.as_str().unwrap_or_default().to_string(),
        options,
        shape: shape.to_string(),
    }
}

fn titles(items: Option<&Vec<Value>>, title: impl Fn(&Value) -> &Value) -> Vec<String> {
    items
        .into_iter()
        .flatten()
        .map(|i| title(i).as_str().unwrap_or_default().to_string())
        .collect()
}
