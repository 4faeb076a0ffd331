//! Foundation benchmarks, printed as tables:
//! 1. cold start of `tucanlink serve` to ready, and idle RSS, on the embedded default store;
//! 2. `GET /api/contacts?search=` latency over HTTP with 100k contacts in one tenant.
//!
//! Run: `cargo bench -p tucan-server --bench foundation` (builds release).
//! `BENCH_CONTACTS` changes the contact count; `BENCH_STORE=mem` uses the in-memory engine.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tucan_api::AppState;
use tucan_api::mailer::LogMailer;
use tucan_store::ContactFields;

/// The allocator the `tucanlink` binary runs with.
mod common;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const FIRST: [&str; 24] = [
    "ana", "maria", "jose", "joao", "carlos", "mariana", "bruno", "carla", "pedro", "paula",
    "lucas", "luana", "rafael", "beatriz", "diego", "fernanda", "gabriel", "julia", "marcos",
    "camila", "tiago", "larissa", "felipe", "sofia",
];
const LAST: [&str; 16] = [
    "souza",
    "silva",
    "santos",
    "oliveira",
    "pereira",
    "lima",
    "costa",
    "ferreira",
    "rodrigues",
    "almeida",
    "gomes",
    "ribeiro",
    "martins",
    "carvalho",
    "rocha",
    "mendes",
];

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse()
                    .unwrap_or(0)
            })
        })
        .unwrap_or(0)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/release/deps/foundation-xxx -> target/release/tucanlink
    exe.parent()
        .and_then(Path::parent)
        .unwrap()
        .join("tucanlink")
}

async fn cold_start() {
    let bin = binary();
    if !bin.exists() {
        println!(
            "(skipping cold start: {} not built; run `cargo build --release -p tucan-server` first)",
            bin.display()
        );
        return;
    }
    println!("\n## Cold start of `tucanlink serve` (embedded surrealkv, development mode)\n");
    println!("| run | data dir | ready (ms) | idle RSS after 2 s (MB) |");
    println!("|---|---|---|---|");
    let client = reqwest::Client::new();
    let dir = tempfile::tempdir().unwrap();
    for run in 1..=6 {
        let port = free_port();
        let start = Instant::now();
        let mut child = Command::new(&bin)
            .arg("serve")
            .env("TUCAN__DATA_DIR", dir.path())
            .env("TUCAN__HTTP__BIND", format!("127.0.0.1:{port}"))
            .env("TUCAN__LOG__LEVEL", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let url = format!("http://127.0.0.1:{port}/readyz");
        let ready = loop {
            if let Ok(r) = client.get(&url).send().await
                && r.status().is_success()
            {
                break start.elapsed();
            }
            if start.elapsed() > Duration::from_secs(30) {
                panic!("server did not become ready");
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        };
        tokio::time::sleep(Duration::from_secs(2)).await;
        let rss = rss_kb(child.id());
        let _ = child.kill();
        let _ = child.wait();
        let kind = if run == 1 { "new" } else { "existing" };
        println!(
            "| {run} | {kind} | {:.0} | {:.1} |",
            ready.as_secs_f64() * 1000.0,
            rss as f64 / 1024.0
        );
    }
}

async fn contact_search() {
    let n: usize = std::env::var("BENCH_CONTACTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let engine = std::env::var("BENCH_STORE").unwrap_or_else(|_| "surrealkv".into());
    let (store, _dir) = common::open_store(&engine).await;
    let tenant = common::company(&store).await;
    let db = store.tenant(&tenant.id).await.unwrap();

    let load = Instant::now();
    let mut batch = Vec::with_capacity(1000);
    for i in 0..n {
        let name = format!(
            "{} {} {}",
            FIRST[i % FIRST.len()],
            LAST[(i / FIRST.len()) % LAST.len()],
            i
        );
        batch.push(ContactFields {
            name,
            phone: format!("+55119{:08}", i),
            email: (i % 3 == 0).then(|| format!("c{i}@example.com")),
            custom_fields: Default::default(),
            tags: vec![],
            is_group: false,
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
    let load_secs = load.elapsed().as_secs_f64();

    let settings = common::api_settings();
    let bus = Arc::new(tucan_bus::EmbeddedBus::new(
        store.jobs(),
        tucan_bus::BusOptions::default(),
        Arc::default(),
    ));
    let services = tucan_api::Services::build(&store, bus.clone(), Default::default());
    let state = AppState::new(
        store.clone(),
        settings,
        Arc::new(LogMailer::default()),
        bus,
        services,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = tucan_api::Listener::from_tokio(listener).unwrap();
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(tucan_api::app(state)));
    let client = reqwest::Client::new();
    let base = format!("http://{addr}");
    let session: serde_json::Value = client
        .post(format!("{base}/api/auth/login"))
        .json(&serde_json::json!({ "email": common::ADMIN_EMAIL, "password": common::PASSWORD }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["access_token"].as_str().unwrap().to_string();

    println!("\n## GET /api/contacts over HTTP, {n} contacts in one tenant ({engine}), limit 50\n");
    println!(
        "(bulk load: {load_secs:.1} s, {:.0} contacts/s)\n",
        n as f64 / load_secs
    );
    println!("| query | requests | p50 (ms) | p99 (ms) | max (ms) | rows on page |");
    println!("|---|---|---|---|---|---|");
    let cases: Vec<(String, Vec<String>)> = vec![
        ("no search, first page".into(), vec!["/api/contacts".into()]),
        (
            "full first name (`mariana`)".into(),
            FIRST
                .iter()
                .map(|f| format!("/api/contacts?search={f}"))
                .collect(),
        ),
        (
            "2-letter prefix (`ma`)".into(),
            vec![
                "/api/contacts?search=ma".into(),
                "/api/contacts?search=ca".into(),
                "/api/contacts?search=lu".into(),
            ],
        ),
        (
            "first + last name".into(),
            FIRST
                .iter()
                .zip(LAST.iter().cycle())
                .map(|(f, l)| format!("/api/contacts?search={f}%20{l}"))
                .collect(),
        ),
        (
            "phone prefix (`55119000123`)".into(),
            (0..20)
                .map(|i| format!("/api/contacts?search=5511900{:04}", i * 37))
                .collect(),
        ),
        (
            "rare: exact number in name".into(),
            (0..20)
                .map(|i| format!("/api/contacts?search={}", i * 4999 + 7))
                .collect(),
        ),
        (
            "no match".into(),
            vec!["/api/contacts?search=zzzzqq".into()],
        ),
        (
            "`ma`, deep page (offset 5,000)".into(),
            vec!["/api/contacts?search=ma&cursor=o5000".into()],
        ),
        ("no search, page after 50,000".into(), vec![String::new()]),
    ];
    // The cursor after the 50,000th contact, for a deep page of the plain listing.
    let mut deep_cursor = String::new();
    let mut url = format!("{base}/api/contacts?limit=500");
    for _ in 0..100 {
        let page: serde_json::Value = client
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        deep_cursor = page["next_cursor"].as_str().unwrap().to_string();
        url = format!("{base}/api/contacts?limit=500&cursor={deep_cursor}");
    }
    let cases: Vec<(String, Vec<String>)> = cases
        .into_iter()
        .map(|(label, urls)| {
            let urls = urls
                .into_iter()
                .map(|u| {
                    if u.is_empty() {
                        format!("/api/contacts?cursor={deep_cursor}")
                    } else {
                        u
                    }
                })
                .collect();
            (label, urls)
        })
        .collect();
    for (label, urls) in cases {
        // Warm up, then measure.
        for u in urls.iter().take(3) {
            client
                .get(format!("{base}{u}"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
        }
        let mut times = Vec::new();
        let mut rows = 0;
        for i in 0..300 {
            let u = &urls[i % urls.len()];
            let t = Instant::now();
            let resp = client
                .get(format!("{base}{u}"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert!(resp.status().is_success(), "{u}: {}", resp.status());
            let body: serde_json::Value = resp.json().await.unwrap();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            rows = body["items"].as_array().map(|a| a.len()).unwrap_or(0);
        }
        times.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "| {label} | {} | {:.2} | {:.2} | {:.2} | {rows} |",
            times.len(),
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            times[times.len() - 1]
        );
    }
}

#[tokio::main]
async fn main() {
    // A silent subscriber, as the binary has one: with none at all, tracing's `log` bridge
    // has every disabled span of SurrealDB's key-value layer format its keys anyway.
    tracing::subscriber::set_global_default(tracing::subscriber::NoSubscriber::default())
        .expect("no other subscriber");
    // `cargo bench` passes `--bench`; ignore arguments.
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    if only.is_empty() || only == "start" {
        cold_start().await;
    }
    if only.is_empty() || only == "search" {
        contact_search().await;
    }
}
