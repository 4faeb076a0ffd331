//! Outgoing webhooks benchmarks, printed as tables:
//! 1. event → delivered: the company's events emitted at 500 a second for `BENCH_SECS`
//!    (default 10) to one endpoint, a local receiver that answers 200 at once; latency from
//!    each event's scheduled time to its signed call arriving (a backlog counts). The path is
//!    the whole one: the endpoint filter, the delivery row, the `webhook.deliver` job, the
//!    signature, the HTTP call, the log;
//! 2. throughput against a slow receiver: `BENCH_SLOW` (default 1,500) events queued at once,
//!    the receiver answering each after 50 ms; deliveries a second one worker process
//!    sustains with the `webhooks` lane's default size (8) and with 32.
//!
//! The platform runs in this process with the job workers of `tucanlink serve` on the
//! embedded on-disk store (`BENCH_STORE=mem` for the in-memory one).
//!
//! Run: `cargo bench -p tucan-server --bench webhooks` (builds release).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use poem::{EndpointExt, Request, Route, handler, web::Data};
use serde_json::json;
use tucan_model::webhook::NewWebhookEndpoint;
use tucan_store::{Store, TenantDb};
use tucan_webhooks::{Event, Scope, Webhooks};

mod common;

use common::percentile;

/// The allocator the `tucanlink` binary runs with.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A receiver: when each `webhook-id` arrived; answers 200 after `delay`.
#[derive(Default)]
struct Receiver {
    arrivals: Mutex<HashMap<String, Instant>>,
    delay: Mutex<Duration>,
}

#[handler]
async fn receive(req: &Request, Data(r): Data<&Arc<Receiver>>) -> &'static str {
    let at = Instant::now();
    let id = req.header("webhook-id").unwrap_or_default().to_string();
    let signed = req
        .header("webhook-signature")
        .is_some_and(|s| s.starts_with("v1,"));
    assert!(signed, "an unsigned call");
    r.arrivals.lock().unwrap().entry(id).or_insert(at);
    let delay = *r.delay.lock().unwrap();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    "ok"
}

async fn start_receiver() -> (String, Arc<Receiver>) {
    let r = Arc::new(Receiver::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = poem::listener::TcpAcceptor::from_tokio(listener).unwrap();
    let app = Route::new()
        .at("/hook", poem::post(receive))
        .data(r.clone());
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
    (format!("http://{addr}/hook"), r)
}

struct Bench {
    db: TenantDb,
    hooks: Arc<Webhooks>,
    receiver: Arc<Receiver>,
    _store: Store,
    _dir: Option<tempfile::TempDir>,
}

/// The platform with `lane` workers on the `webhooks` lane, one endpoint subscribed to
/// `custom.*` at a local receiver.
async fn setup(kv: &str, lane: usize) -> Bench {
    let (store, dir) = common::open_store(kv).await;
    let tenant = common::company(&store).await;
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
                ..Default::default()
            },
            webhooks: tucan_webhooks::WebhookOptions {
                // The receiver listens on loopback.
                allow_internal: true,
                ..Default::default()
            },
            ..Default::default()
        },
    );
    let mut handlers = tucan_bus::Handlers::default();
    services.runtime.register(&mut handlers);
    services.inbox.register(&mut handlers);
    services.webhooks.register(&mut handlers);
    common::run_workers(bus, handlers, services.runtime.timers().clone(), lane);
    let db = store.tenant(&tenant.id).await.unwrap();
    let (url, receiver) = start_receiver().await;
    services
        .webhooks
        .create_endpoint(
            &db,
            &NewWebhookEndpoint {
                url,
                description: "bench".into(),
                events: vec!["custom.*".into()],
                connection_id: None,
                queue_id: None,
                tag_id: None,
                enabled: true,
            },
        )
        .await
        .unwrap();
    Bench {
        db,
        hooks: services.webhooks.clone(),
        receiver,
        _store: store,
        _dir: dir,
    }
}

fn event(id: &str) -> Event {
    Event {
        kind: "custom.order.paid".into(),
        id: Some(id.to_string()),
        data: json!({ "order": id, "total": 129.9, "items": [{ "sku": "BOLO-FUBA", "qty": 2 }] }),
        scope: Scope::default(),
    }
}

/// Emits `total` events at `rate` a second; each event's latency (ms) from its scheduled
/// time to its call's arrival, and how many never arrived within 30 s of the last.
async fn paced(b: &Bench, label: &str, rate: u32, total: usize) -> (Vec<f64>, usize) {
    let start = Instant::now();
    let mut due = HashMap::with_capacity(total);
    let mut tasks = Vec::with_capacity(total);
    for i in 0..total {
        let at = start + Duration::from_secs_f64(i as f64 / f64::from(rate));
        tokio::time::sleep_until(at.into()).await;
        let id = format!("evt_{label}_{i}");
        due.insert(id.clone(), at);
        let (db, hooks) = (b.db.clone(), b.hooks.clone());
        tasks.push(tokio::spawn(
            async move { hooks.emit(&db, event(&id)).await },
        ));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 1, "one endpoint wants it");
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let n = b
            .receiver
            .arrivals
            .lock()
            .unwrap()
            .keys()
            .filter(|k| due.contains_key(*k))
            .count();
        if n == total || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let arrivals = b.receiver.arrivals.lock().unwrap();
    let mut ms: Vec<f64> = due
        .iter()
        .filter_map(|(id, at)| {
            arrivals
                .get(id)
                .map(|got| got.duration_since(*at).as_secs_f64() * 1000.0)
        })
        .collect();
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let lost = total - ms.len();
    (ms, lost)
}

/// Queues `total` events at once against a receiver answering after 50 ms; deliveries a
/// second from the first arrival to the last.
async fn slow_receiver(b: &Bench, label: &str, total: usize) -> (f64, usize) {
    *b.receiver.delay.lock().unwrap() = Duration::from_millis(50);
    let ids: Vec<String> = (0..total).map(|i| format!("evt_{label}_{i}")).collect();
    for chunk in ids.chunks(50) {
        let tasks: Vec<_> = chunk
            .iter()
            .map(|id| {
                let (db, hooks, id) = (b.db.clone(), b.hooks.clone(), id.clone());
                tokio::spawn(async move { hooks.emit(&db, event(&id)).await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let n = {
            let arrivals = b.receiver.arrivals.lock().unwrap();
            ids.iter().filter(|id| arrivals.contains_key(*id)).count()
        };
        if n == total || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The last call also waited its 50 ms answer.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let arrivals = b.receiver.arrivals.lock().unwrap();
    let times: Vec<Instant> = ids
        .iter()
        .filter_map(|id| arrivals.get(id).copied())
        .collect();
    let first = times.iter().min().copied();
    let last = times.iter().max().copied();
    let rate = match (first, last) {
        (Some(f), Some(l)) if l > f => (times.len() - 1) as f64 / l.duration_since(f).as_secs_f64(),
        _ => f64::NAN,
    };
    (rate, total - times.len())
}

fn main() {
    let kv = std::env::var("BENCH_STORE").unwrap_or_else(|_| "surrealkv".into());
    let secs: usize = std::env::var("BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let slow: usize = std::env::var("BENCH_SLOW")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1500);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        println!("store: {kv}\n");
        println!("| event → delivered | events | p50 ms | p99 ms | max ms | not delivered |");
        println!("|---|---|---|---|---|---|");
        let b = setup(&kv, 8).await;
        // A short warm-up, so the first table row does not pay for cold caches.
        paced(&b, "warm", 200, 200).await;
        let (ms, lost) = paced(&b, "500", 500, 500 * secs).await;
        println!(
            "| 500 events/s for {secs} s | {} | {:.2} | {:.2} | {:.2} | {lost} |",
            ms.len(),
            percentile(&ms, 0.5),
            percentile(&ms, 0.99),
            ms.last().copied().unwrap_or(f64::NAN)
        );
        println!();
        println!("| receiver answering in 50 ms | events | deliveries/s | not delivered |");
        println!("|---|---|---|---|");
        for lane in [8, 32] {
            let b = setup(&kv, lane).await;
            let (rate, lost) = slow_receiver(&b, &format!("slow{lane}"), slow).await;
            println!("| webhooks lane of {lane} | {slow} | {rate:.0} | {lost} |");
        }
    });
}
