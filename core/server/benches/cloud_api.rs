//! Cloud API channel benchmarks, printed as tables:
//! 1. a customer's message through Meta's webhook → on an agent's websocket: signed
//!    `POST /api/hooks/whatsapp/…` deliveries (one message each, 500 customers) at 200 and
//!    1,000 a second for `BENCH_SECS` (default 20) each; latency from each delivery's
//!    scheduled time, so a backlog counts. The path is the whole one: signature check, the
//!    `whatsapp.webhook` job, the inbox's write, the event, the socket;
//! 2. outbound pacing: `BENCH_OUTBOUND` (default 1,200) agents' replies on 100 tickets of a
//!    number paced at 4,800 a minute (Meta's 80 a second), delivered to a local Graph API;
//!    the rate it saw after the bucket's first burst, against the configured one.
//!
//! The server runs in this process with the job workers of `tucanlink serve` (its default lane
//! sizes) on the embedded on-disk store (`BENCH_STORE=mem` for the in-memory one).
//!
//! Run: `cargo bench -p tucan-server --bench cloud_api` (builds release).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use poem::web::{Data, Json};
use poem::{EndpointExt, Request, Route, handler};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tucan_api::AppState;
use tucan_api::mailer::LogMailer;
use tucan_store::Store;

mod common;

use common::{percentile, subscribed_socket};

/// The allocator the `tucanlink` binary runs with.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const TOKEN: &str = "EAAG-bench-token";
const APP_SECRET: &str = "bench-app-secret";
const NUMBER_ID: &str = "106540352242922";
const PACE_PER_MINUTE: u32 = 4800;

fn row(label: &str, mut ms: Vec<f64>, extra: &str) {
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "| {label} | {} | {:.2} | {:.2} | {:.2} | {extra} |",
        ms.len(),
        percentile(&ms, 0.5),
        percentile(&ms, 0.99),
        ms.last().copied().unwrap_or(f64::NAN)
    );
}

// ---------------------------------------------------------------------------------------------
// A Graph API that answers what the channel asks here, in the shapes of Meta's Cloud API
// reference: `GET /{version}/{phone-number-id}` (Phone Numbers: `verified_name`,
// `display_phone_number`, `quality_rating`, `id`) and `POST /{version}/{phone-number-id}/messages`
// (Messages: `messaging_product`, `contacts[{input, wa_id}]`, `messages[{id}]`), bearer token
// required. It notes when each message arrived.

#[derive(Default)]
struct Graph {
    arrivals: Mutex<Vec<Instant>>,
}

#[handler]
async fn graph_api(req: &Request, body: poem::Body, Data(g): Data<&Arc<Graph>>) -> poem::Response {
    use poem::IntoResponse;
    let bearer = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    if bearer != Some(&format!("Bearer {TOKEN}")) {
        let error = json!({ "error": { "message": "Invalid OAuth access token", "type": "OAuthException", "code": 190 } });
        return Json(error)
            .with_status(poem::http::StatusCode::UNAUTHORIZED)
            .into_response();
    }
    let path = req.uri().path().to_string();
    if path.ends_with("/messages") {
        let at = Instant::now();
        let body: Value = serde_json::from_slice(&body.into_vec().await.unwrap_or_default())
            .unwrap_or(Value::Null);
        let n = {
            let mut arrivals = g.arrivals.lock().unwrap();
            arrivals.push(at);
            arrivals.len()
        };
        let to = body["to"].as_str().unwrap_or_default();
        return Json(json!({
            "messaging_product": "whatsapp",
            "contacts": [{ "input": to, "wa_id": to }],
            "messages": [{ "id": format!("wamid.bench{n}") }],
        }))
        .into_response();
    }
    Json(json!({
        "verified_name": "Bench", "display_phone_number": "+55 11 99999-0000",
        "quality_rating": "GREEN", "id": NUMBER_ID,
    }))
    .into_response()
}

async fn start_graph() -> (String, Arc<Graph>) {
    let g = Arc::new(Graph::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = poem::listener::TcpAcceptor::from_tokio(listener).unwrap();
    let app = Route::new().at("/*path", graph_api).data(g.clone());
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
    (format!("http://{addr}/v21.0"), g)
}

// ---------------------------------------------------------------------------------------------
// The platform.

struct Bench {
    base: String,
    ws_url: String,
    token: String,
    hook: String,
    graph: Arc<Graph>,
    http: reqwest::Client,
    _store: Store,
    _dir: Option<tempfile::TempDir>,
}

async fn setup(kv: &str) -> Bench {
    let (store, dir) = common::open_store(kv).await;
    let tenant = common::company(&store).await;
    let settings = common::api_settings();
    let bus = Arc::new(tucan_bus::EmbeddedBus::new(
        store.jobs(),
        tucan_bus::BusOptions::default(),
        Arc::default(),
    ));
    let key = tucan_channels::secrets::SecretKey::generate_hex();
    let services = tucan_api::Services::build(
        &store,
        bus.clone(),
        tucan_api::ServiceOptions {
            inbox: tucan_inbox::InboxOptions {
                secret_key: Some(tucan_channels::secrets::SecretKey::from_hex(&key).unwrap()),
                // The Graph API of this bench listens on loopback.
                allow_internal_http: true,
                ..Default::default()
            },
            ..Default::default()
        },
    );
    let state = AppState::new(
        store.clone(),
        settings,
        Arc::new(LogMailer::default()),
        bus.clone(),
        services,
    );
    // The workers of `tucanlink serve`, with its default lane sizes.
    let mut handlers = tucan_bus::Handlers::default();
    state.runtime.register(&mut handlers);
    state.inbox.register(&mut handlers);
    common::run_workers(bus, handlers, state.runtime.timers().clone(), 8);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = tucan_api::Listener::from_tokio(listener).unwrap();
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(tucan_api::app(state)));
    let base = format!("http://{addr}");
    let http = reqwest::Client::new();
    let session: Value = http
        .post(format!("{base}/api/auth/login"))
        .json(&json!({ "email": common::ADMIN_EMAIL, "password": common::PASSWORD }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["access_token"].as_str().unwrap().to_string();
    let (graph_url, graph) = start_graph().await;
    let conn: Value = http
        .post(format!("{base}/api/connections"))
        .bearer_auth(&token)
        .json(&json!({
            "name": "Loja", "kind": "cloud_api", "phone": "+55 11 99999-0000",
            "messages_per_minute": PACE_PER_MINUTE,
            "cloud_api": {
                "phone_number_id": NUMBER_ID, "waba_id": "102290129340398",
                "access_token": TOKEN, "app_secret": APP_SECRET, "graph_url": graph_url,
            },
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(conn["status"], "connected", "{conn}");
    let hook = format!(
        "{base}/api/hooks/whatsapp/{}/{}",
        tenant.id,
        conn["id"].as_str().unwrap()
    );
    Bench {
        ws_url: format!("ws://{addr}/api/ws?token={token}"),
        base,
        token,
        hook,
        graph,
        http,
        _store: store,
        _dir: dir,
    }
}

// ---------------------------------------------------------------------------------------------
// Part 1: webhook → socket.

/// A webhook delivery of one text from customer `i % 500`, as Meta sends it, with its
/// `X-Hub-Signature-256`.
fn delivery(i: usize, marker: &str) -> (String, String) {
    let wa_id = format!("55119{:08}", i % 500);
    let body = json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "102290129340398", "changes": [{ "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "5511999990000", "phone_number_id": NUMBER_ID },
            "contacts": [{ "profile": { "name": format!("Customer {}", i % 500) }, "wa_id": wa_id }],
            "messages": [{ "from": wa_id, "id": format!("wamid.{marker}"), "timestamp": "1700000000",
                           "type": "text", "text": { "body": marker } }],
        }}]}],
    })
    .to_string();
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, APP_SECRET.as_bytes());
    let sig = format!(
        "sha256={}",
        hex::encode(aws_lc_rs::hmac::sign(&key, body.as_bytes()).as_ref())
    );
    (body, sig)
}

/// The ticket's last message a frame carries (the marker).
fn marker_of(text: &str) -> Option<String> {
    let frame: Value = serde_json::from_str(text).ok()?;
    frame["event"]["data"]["last_message"]
        .as_str()
        .map(str::to_string)
}

/// Sends `total` deliveries at `rate` a second; returns each one's latency to the socket (ms)
/// and how many answered other than 200.
async fn webhooks_to_socket(b: &Bench, label: &str, rate: u32, total: usize) -> (Vec<f64>, usize) {
    let ws = subscribed_socket(&b.ws_url).await;
    let sent: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let arrivals: Arc<Mutex<Vec<f64>>> = Arc::default();
    let reader = {
        let (sent, arrivals) = (sent.clone(), arrivals.clone());
        tokio::spawn(async move {
            let mut ws = ws;
            let mut seen = 0;
            while seen < total {
                let Ok(Some(Ok(WsMessage::Text(t)))) =
                    tokio::time::timeout(Duration::from_secs(20), ws.next()).await
                else {
                    break;
                };
                let Some(marker) = marker_of(&t) else {
                    continue;
                };
                if let Some(due) = sent.lock().unwrap().remove(&marker) {
                    arrivals
                        .lock()
                        .unwrap()
                        .push(due.elapsed().as_secs_f64() * 1000.0);
                    seen += 1;
                }
            }
        })
    };
    let start = Instant::now();
    let mut posts = Vec::with_capacity(total);
    for i in 0..total {
        let due = start + Duration::from_secs_f64(i as f64 / f64::from(rate));
        tokio::time::sleep_until(due.into()).await;
        let marker = format!("{label}-{i}");
        let (body, sig) = delivery(i, &marker);
        sent.lock().unwrap().insert(marker, due);
        let request = b
            .http
            .post(&b.hook)
            .header("content-type", "application/json")
            .header("x-hub-signature-256", sig)
            .body(body);
        posts.push(tokio::spawn(async move {
            request.send().await.map(|r| r.status().as_u16()).ok()
        }));
    }
    let mut refused = 0;
    for p in posts {
        if p.await.unwrap() != Some(200) {
            refused += 1;
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(30), reader).await;
    let arrivals = arrivals.lock().unwrap().clone();
    (arrivals, refused)
}

async fn part_inbound(b: &Bench, secs: u32) {
    // A fresh process's first messages cost more (caches, the allocator's first pages).
    let (warm, _) = webhooks_to_socket(b, "warm", 100, 200).await;
    eprintln!("warm-up: {} of 200 seen", warm.len());
    for rate in [200, 1000] {
        let total = (rate * secs) as usize;
        let started = Instant::now();
        let (ms, refused) = webhooks_to_socket(b, &format!("r{rate}"), rate, total).await;
        let elapsed = started.elapsed().as_secs_f64();
        let lost = total - ms.len();
        row(
            &format!("webhook → socket @ {rate}/s"),
            ms,
            &format!(
                "{total} signed deliveries in {elapsed:.1} s, {refused} not answered 200, {lost} not seen"
            ),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Part 2: outbound pacing.

async fn part_outbound(b: &Bench, total: usize) {
    // 100 customers' tickets, taken by the admin.
    let tickets: Value = b
        .http
        .get(format!("{}/api/tickets?limit=100", b.base))
        .bearer_auth(&b.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<String> = tickets["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    assert!(!ids.is_empty(), "part 1 opens the tickets: {tickets}");
    for id in &ids {
        b.http
            .post(format!("{}/api/tickets/{id}/accept", b.base))
            .bearer_auth(&b.token)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
    }
    let before = b.graph.arrivals.lock().unwrap().len();
    let started = Instant::now();
    let mut posts = Vec::with_capacity(total);
    for i in 0..total {
        let request = b
            .http
            .post(format!(
                "{}/api/tickets/{}/messages",
                b.base,
                ids[i % ids.len()]
            ))
            .bearer_auth(&b.token)
            .json(&json!({ "body": format!("reply {i}") }));
        posts.push(tokio::spawn(async move {
            request.send().await.map(|r| r.status().as_u16()).ok()
        }));
        // Agents and flows do not post all at once: 400 a second, five times the pace.
        if i % 40 == 39 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let mut created = 0;
    for p in posts {
        if p.await.unwrap() == Some(201) {
            created += 1;
        }
    }
    let posted = started.elapsed().as_secs_f64();
    let deadline = Instant::now() + Duration::from_secs(total as u64 / 40 + 60);
    while b.graph.arrivals.lock().unwrap().len() < before + created && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let arrivals: Vec<Instant> = b.graph.arrivals.lock().unwrap()[before..].to_vec();
    let configured = f64::from(PACE_PER_MINUTE) / 60.0;
    // The bucket lets a burst of up to 20 go at once; the pace is what follows it.
    let burst = 20.min(arrivals.len());
    let steady = &arrivals[burst..];
    let rate = match (steady.first(), steady.last()) {
        (Some(first), Some(last)) if steady.len() > 1 => {
            (steady.len() - 1) as f64 / last.duration_since(*first).as_secs_f64()
        }
        _ => f64::NAN,
    };
    let gaps: Vec<f64> = steady
        .windows(2)
        .map(|w| w[1].duration_since(w[0]).as_secs_f64() * 1000.0)
        .collect();
    let worst_second = steady
        .iter()
        .map(|t| {
            steady
                .iter()
                .filter(|u| **u >= *t && u.duration_since(*t) < Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap_or(0);
    println!(
        "\n| outbound | posted | created | delivered | configured /s | measured /s | error | busiest second |\n|---|---|---|---|---|---|---|---|"
    );
    println!(
        "| agents' replies → Graph API | {total} in {posted:.1} s | {created} | {} | {configured:.1} | {rate:.2} | {:+.2}% | {worst_second} |",
        arrivals.len(),
        (rate - configured) / configured * 100.0
    );
    println!("\n| measure | n | p50 ms | p99 ms | max ms | notes |\n|---|---|---|---|---|---|");
    row(
        "gap between deliveries after the burst",
        gaps,
        &format!("{:.1} ms at the configured pace", 1000.0 / configured),
    );
}

#[tokio::main]
async fn main() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let kv = std::env::var("BENCH_STORE").unwrap_or_else(|_| "surrealkv".into());
    let secs = std::env::var("BENCH_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let outbound = std::env::var("BENCH_OUTBOUND")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1200);
    let b = setup(&kv).await;
    println!("# Cloud API benchmark ({kv})\n");
    println!("| measure | n | p50 ms | p99 ms | max ms | notes |\n|---|---|---|---|---|---|");
    part_inbound(&b, secs).await;
    part_outbound(&b, outbound).await;
}
