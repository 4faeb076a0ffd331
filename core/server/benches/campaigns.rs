//! Campaign benchmark, printed as tables: `BENCH_RECIPIENTS` (default 100,000) contacts in a
//! dynamic list, one campaign at `BENCH_RATE` (default 600) a minute on one simulator number,
//! for `BENCH_SECS` (default 600) after its first message:
//! 1. time from `start` to the first message out;
//! 2. the pace: messages out (sent, delivered or read) every minute and over the whole run,
//!    against the rate set;
//! 3. the process's memory before, while and after it sends;
//! 4. customers' messages on another number → an agent's websocket, `BENCH_INBOUND` (default
//!    100) a second for 20 s, before the campaign and while it sends.
//!
//! The server runs in this process with the job workers of `tucanlink serve` (its default lane
//! sizes) on the embedded on-disk store (`BENCH_STORE=mem` for the in-memory one).
//!
//! Run: `cargo bench -p tucan-server --bench campaigns` (builds release).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tucan_api::AppState;
use tucan_api::mailer::LogMailer;
use tucan_store::ContactFields;

mod common;

use common::{percentile, subscribed_socket};

/// The allocator the `tucanlink` binary runs with.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// This process's resident memory, MiB.
fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

struct Bench {
    base: String,
    ws_url: String,
    token: String,
    http: reqwest::Client,
}

impl Bench {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let v: Value = resp.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {v}");
        v
    }

    async fn simulator(&self, phone: &str) -> String {
        let c = self
            .call(
                reqwest::Method::POST,
                "/api/connections",
                Some(json!({ "name": phone, "kind": "simulator", "phone": phone, "messages_per_minute": 6000 })),
            )
            .await;
        c["id"].as_str().unwrap().to_string()
    }
}

async fn setup(
    kv: &str,
    recipients: usize,
) -> (Bench, tucan_store::Store, Option<tempfile::TempDir>) {
    let (store, dir) = common::open_store(kv).await;
    let tenant = common::company(&store).await;
    let db = store.tenant(&tenant.id).await.unwrap();
    let load = Instant::now();
    let mut batch = Vec::with_capacity(1000);
    for i in 0..recipients {
        batch.push(ContactFields {
            name: format!("Cliente {i}"),
            phone: format!("+55119{i:08}"),
            custom_fields: [("lista".to_string(), "bench".to_string())].into(),
            ..Default::default()
        });
        if batch.len() == 1000 {
            db.insert_contacts(&batch).await.unwrap();
            batch.clear();
        }
    }
    if !batch.is_empty() {
        db.insert_contacts(&batch).await.unwrap();
    }
    eprintln!(
        "[bench] {recipients} contacts loaded in {:.1} s",
        load.elapsed().as_secs_f64()
    );
    let bus = Arc::new(tucan_bus::EmbeddedBus::new(
        store.jobs(),
        tucan_bus::BusOptions::default(),
        Arc::default(),
    ));
    let services = tucan_api::Services::build(&store, bus.clone(), Default::default());
    let state = AppState::new(
        store.clone(),
        common::api_settings(),
        Arc::new(LogMailer::default()),
        bus.clone(),
        services,
    );
    let mut handlers = tucan_bus::Handlers::default();
    state.runtime.register(&mut handlers);
    state.inbox.register(&mut handlers);
    state.webhooks.register(&mut handlers);
    state.campaigns.register(&mut handlers);
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
    let b = Bench {
        ws_url: format!("ws://{addr}/api/ws?token={token}"),
        base,
        token,
        http,
    };
    (b, store, dir)
}

/// Customers' messages on `conn` at `rate` a second for `secs`: each one's latency from its
/// scheduled moment to the ticket event on an agent's socket (ms), sorted.
async fn inbound(b: &Bench, conn: &str, label: &str, rate: u32, secs: u32) -> Vec<f64> {
    let total = (rate * secs) as usize;
    let mut ws = subscribed_socket(&b.ws_url).await;
    let sent: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let reader = {
        let sent = sent.clone();
        tokio::spawn(async move {
            let mut out = Vec::with_capacity(total);
            let until = Instant::now() + Duration::from_secs(u64::from(secs) + 20);
            while out.len() < total && Instant::now() < until {
                let Ok(Some(Ok(WsMessage::Text(t)))) =
                    tokio::time::timeout(Duration::from_secs(20), ws.next()).await
                else {
                    break;
                };
                let frame: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
                let Some(marker) = frame["event"]["data"]["last_message"].as_str() else {
                    continue;
                };
                if let Some(due) = sent.lock().unwrap().remove(marker) {
                    out.push(due.elapsed().as_secs_f64() * 1000.0);
                }
            }
            out
        })
    };
    let start = Instant::now();
    let url = format!("{}/api/connections/{conn}/simulator/messages", b.base);
    let mut posts = Vec::with_capacity(total);
    for i in 0..total {
        let due = start + Duration::from_secs_f64(i as f64 / f64::from(rate));
        tokio::time::sleep_until(due.into()).await;
        let marker = format!("{label}-{i}");
        sent.lock().unwrap().insert(marker.clone(), due);
        let req = b
            .http
            .post(&url)
            .bearer_auth(&b.token)
            .json(&json!({ "from": format!("5511977{:06}", i % 300), "text": marker }));
        posts.push(tokio::spawn(async move {
            req.send().await.map(|r| r.status().as_u16()).ok()
        }));
    }
    let mut refused = 0;
    for p in posts {
        if p.await.unwrap() != Some(202) {
            refused += 1;
        }
    }
    if refused > 0 {
        eprintln!("[bench] {label}: {refused} customers' messages refused");
    }
    let mut ms = reader.await.unwrap();
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    ms
}

/// Recipients whose message went out (sent, delivered, read or replied), and all counts.
async fn out_count(b: &Bench, id: &str) -> (u64, Value) {
    let c = b
        .call(reqwest::Method::GET, &format!("/api/campaigns/{id}"), None)
        .await;
    let n = &c["counts"];
    let out = ["sent", "delivered", "read", "replied"]
        .iter()
        .map(|k| n[*k].as_u64().unwrap_or(0))
        .sum();
    (out, c)
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
    let recipients: usize = env_or("BENCH_RECIPIENTS", 100_000);
    let rate: u32 = env_or("BENCH_RATE", 600);
    let secs: u64 = env_or("BENCH_SECS", 600);
    let inbound_rate: u32 = env_or("BENCH_INBOUND", 100);
    let (b, _store, _dir) = setup(&kv, recipients).await;
    let number = b.simulator("+551130009001").await;
    let desk = b.simulator("+551130009002").await;
    let list = b
        .call(
            reqwest::Method::POST,
            "/api/lists",
            Some(json!({ "name": "Bench", "kind": "dynamic", "filter": { "fields": { "lista": "bench" } } })),
        )
        .await;
    let rss_idle = rss_mib();
    let quiet = inbound(&b, &desk, "quiet", inbound_rate, 20).await;

    let c = b
        .call(
            reqwest::Method::POST,
            "/api/campaigns",
            Some(json!({
                "name": "Bench", "list_id": list["id"], "connection_ids": [number],
                "content": { "kind": "message", "variants": ["Oi {{contact.name}}, temos novidades!"] },
                "per_minute": rate,
            })),
        )
        .await;
    let id = c["id"].as_str().unwrap().to_string();
    let started = Instant::now();
    b.call(
        reqwest::Method::POST,
        &format!("/api/campaigns/{id}/start"),
        Some(json!({})),
    )
    .await;
    loop {
        if out_count(&b, &id).await.0 >= 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let first = started.elapsed().as_secs_f64() * 1000.0;
    let t0 = Instant::now();
    let (base_out, _) = out_count(&b, &id).await;
    eprintln!("[bench] first message out after {first:.0} ms");

    // Sample the pace every minute and memory every 5 s; customers write in the second minute.
    // (seconds the sample covers, messages out in them)
    let mut minutes: Vec<(f64, u64)> = Vec::new();
    let mut rss_peak = rss_mib();
    let mut busy = Vec::new();
    let mut last = base_out;
    let mut last_at = 0.0;
    let mut minute = 1;
    let mut inbound_done = false;
    while t0.elapsed() < Duration::from_secs(secs) {
        tokio::time::sleep(Duration::from_secs(5)).await;
        rss_peak = rss_peak.max(rss_mib());
        if !inbound_done && t0.elapsed() > Duration::from_secs(60.min(secs / 2)) {
            busy = inbound(&b, &desk, "busy", inbound_rate, 20).await;
            inbound_done = true;
        }
        if t0.elapsed() >= Duration::from_secs(60 * minute).min(Duration::from_secs(secs)) {
            let (out, _) = out_count(&b, &id).await;
            let at = t0.elapsed().as_secs_f64();
            minutes.push((at - last_at, out - last));
            eprintln!("[bench] {at:.0} s: {} out since {last_at:.0} s", out - last);
            (last, last_at) = (out, at);
            minute = (at / 60.0).floor() as u64 + 1;
        }
    }
    let elapsed = t0.elapsed().as_secs_f64();
    let (out, view) = out_count(&b, &id).await;
    let rss_end = rss_mib();

    println!("# Campaign benchmark ({kv}, {recipients} recipients, {rate}/min, {secs} s)\n");
    println!("| measure | value |\n|---|---|");
    println!("| start → first message out | {first:.0} ms |");
    let expected = f64::from(rate) / 60.0 * elapsed;
    let got = (out - base_out) as f64;
    println!(
        "| messages out in {elapsed:.0} s after the first | {got:.0} (set rate: {expected:.0}; error {:+.2}%) |",
        (got - expected) / expected * 100.0
    );
    let rates: Vec<String> = minutes
        .iter()
        .map(|(secs, n)| format!("{:.0}", *n as f64 / secs * 60.0))
        .collect();
    println!(
        "| rate in each sample (a minute or so), per minute | {} |",
        rates.join(", ")
    );
    println!("| RSS idle, {recipients} contacts loaded | {rss_idle:.0} MiB |");
    println!("| RSS peak while sending | {rss_peak:.0} MiB |");
    println!("| RSS at the end | {rss_end:.0} MiB |");
    println!(
        "| recipients planned / pending at the end | {} / {} |",
        view["counts"]["total"], view["counts"]["pending"]
    );
    println!(
        "\n| inbound → agent socket, {inbound_rate}/s for 20 s | n | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|"
    );
    for (label, ms) in [("before the campaign", &quiet), ("while it sends", &busy)] {
        println!(
            "| {label} | {} | {:.1} | {:.1} | {:.1} |",
            ms.len(),
            percentile(ms, 0.5),
            percentile(ms, 0.99),
            ms.last().copied().unwrap_or(f64::NAN)
        );
    }
}
