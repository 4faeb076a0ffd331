//! Crash safety of the worker process, on both backends: `kill -9` a worker with deliveries
//! in flight, start another, and every job completes with each effect applied once as the
//! receiver sees it (it deduplicates on the `Idempotency-Key` header).

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use poem::web::Data;
use poem::{EndpointExt, Request, Route, handler, post};

use super::*;

/// Per idempotency key: requests that arrived, and whether the effect was applied.
type Seen = Arc<Mutex<HashMap<String, (u32, bool)>>>;

#[handler]
async fn hook(req: &Request, seen: Data<&Seen>) -> &'static str {
    let key = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("missing")
        .to_string();
    seen.lock().unwrap().entry(key.clone()).or_default().0 += 1;
    // Slow enough that a kill catches several requests in flight. A request whose sender
    // died may still complete here; its redelivery then finds the effect applied.
    tokio::time::sleep(Duration::from_millis(150)).await;
    seen.lock().unwrap().entry(key).or_default().1 = true;
    "ok"
}

async fn receiver() -> (u16, Seen) {
    let seen = Seen::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let acceptor = tucan_api::Listener::from_tokio(listener).unwrap();
    let app = Route::new().at("/hook", post(hook)).data(seen.clone());
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
    (port, seen)
}

/// Effects applied (each key at most once, by construction of the receiver).
fn applied(seen: &Seen) -> usize {
    seen.lock()
        .unwrap()
        .values()
        .filter(|(_, done)| *done)
        .count()
}

fn deliveries(seen: &Seen) -> u32 {
    seen.lock().unwrap().values().map(|(n, _)| n).sum()
}

async fn wait_for(seen: &Seen, n: usize, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if applied(seen) >= n {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

const JOBS: usize = 60;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_worker_loses_no_job_and_repeats_no_effect() {
    let amqp =
        std::env::var("TUCAN_TEST_AMQP").unwrap_or_else(|_| "amqp://127.0.0.1:5672/%2f".into());
    for bus_url in ["embedded".to_string(), amqp] {
        let data = tempfile::tempdir().unwrap();
        let prefix = format!("crash-{}", tucan_model::ids::new_id());
        let (port, seen) = receiver().await;
        let configured = |mut c: Command| {
            c.env("TUCAN__BUS__URL", &bus_url)
                .env("TUCAN__BUS__PREFIX", &prefix)
                .env("TUCAN__BUS__VISIBILITY_TIMEOUT_SECS", "2")
                .env("TUCAN__OUTBOUND_HTTP__ALLOW_INTERNAL", "true")
                .env("TUCAN__WORKERS__WEBHOOKS_CONCURRENCY", "8");
            c
        };
        let payload =
            format!(r#"{{"url":"http://127.0.0.1:{port}/hook","body":{{"event":"test"}}}}"#);
        let published = configured(tucanlink(data.path()))
            .args([
                "jobs",
                "publish",
                "--lane",
                "webhooks",
                "--kind",
                "http.deliver",
            ])
            .args(["--payload", &payload, "--count", &JOBS.to_string()])
            .output()
            .unwrap();
        assert!(published.status.success(), "{published:?}");

        let spawn_worker = || {
            configured(tucanlink(data.path()))
                .arg("worker")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        };
        let mut first = spawn_worker();
        // Kill once some effects are applied and several requests are in flight.
        let start = Instant::now();
        while !(applied(&seen) >= 8 && deliveries(&seen) as usize >= applied(&seen) + 4) {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{bus_url}: first worker started"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        first.kill().unwrap(); // SIGKILL: no chance to settle anything
        first.wait().unwrap();
        let at_kill = applied(&seen);
        assert!(at_kill < JOBS, "{bus_url}: the kill came before the end");

        let second = spawn_worker();
        assert!(
            wait_for(&seen, JOBS, Duration::from_secs(60)).await,
            "{bus_url}: every job done after the crash ({} of {JOBS})",
            applied(&seen)
        );
        // Requests in flight at the kill are delivered again once their lease (embedded)
        // or connection (broker) is gone; the receiver sees their key twice and applies the
        // effect once.
        let start = Instant::now();
        while deliveries(&seen) as usize <= JOBS && start.elapsed() < Duration::from_secs(30) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(
            deliveries(&seen) as usize > JOBS,
            "{bus_url}: the deliveries cut off by the kill were repeated"
        );
        assert!(!seen.lock().unwrap().contains_key("missing"));
        stop(second);
        // Nothing is left waiting or in flight.
        let start = Instant::now();
        loop {
            let stats = configured(tucanlink(data.path()))
                .args(["jobs", "stats"])
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&stats.stdout).to_string();
            let webhooks = text
                .lines()
                .find(|l| l.starts_with("webhooks"))
                .unwrap_or("")
                .to_string();
            if webhooks.split_whitespace().skip(1).all(|n| n == "0") && !webhooks.is_empty() {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{bus_url}: queue not drained: {text}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        if bus_url.starts_with("amqp") {
            drop_topology(&bus_url, &prefix).await;
        }
    }
}

async fn drop_topology(url: &str, prefix: &str) {
    let store = tucan_store::Store::memory().await.unwrap();
    let bus = tucan_bus::RabbitBus::connect(
        tucan_bus::RabbitOptions {
            url: url.into(),
            prefix: prefix.into(),
            connection_name: "crash-test-cleanup".into(),
        },
        tucan_bus::BusOptions::default(),
        Arc::default(),
        tucan_bus::DeadLetters::new(store.jobs()),
    )
    .await
    .unwrap();
    bus.delete_topology().await.unwrap();
    bus.close().await;
}
