//! Inbox benchmarks, printed as tables:
//! 1. an inbound message → stored → its event on an agent's websocket, p50/p99 at 200 and
//!    1,000 messages/s sustained for 25 s each (`BENCH_SECS`; latency from the message's
//!    scheduled time, so a backlog counts), and the part of it from the event row's insert
//!    to the socket. Phases shorter than about 10 s measure a start-up cost as well: the
//!    in-memory store's first sweep of old row versions, 10 s after it opens, is its
//!    largest;
//! 2. fan-out of one event to 1,000 connected agent sockets;
//! 3. `GET /api/tickets?status=open&limit=50` with 100k tickets and 2M messages in a tenant;
//! 4. a reconnecting socket's catch-up with 30k events in the stream (`BENCH_EVENTS`), and
//!    pruning the older half.
//!
//! Before any part, 200 messages warm the store and the path up untimed.
//!
//! Run: `cargo bench -p tucan-server --bench inbox` (builds release).
//! `BENCH_STORE=surrealkv` uses the embedded on-disk engine (default `mem`);
//! `BENCH_TICKETS` / `BENCH_MESSAGES` change the sizes of part 3 (`BENCH_BATCH`: rows per
//! insert while loading it); `BENCH_PARTS=3` (a comma
//! list of 1, 2, 3, 4; default 1,2,3,4) runs only some parts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tucan_api::AppState;
use tucan_api::mailer::LogMailer;
use tucan_channels::Incoming;
use tucan_model::ids::{id_time, new_id};
use tucan_model::ticket::{ChannelKind, Connection, MessageKind, NewConnection};
use tucan_store::{Store, TenantDb};

mod common;

use common::{percentile, subscribed_socket};
#[path = "inbox/stalls.rs"]
mod stalls;

use stalls::{Arrival, StallProbes, tail_summary};

/// The allocator the `tucanlink` binary runs with.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Logging set up as the `tucanlink` binary does (`info`, or `RUST_LOG`). With no
/// subscriber at all, tracing's `log` bridge has every disabled span of SurrealDB's
/// key-value layer format its keys anyway, a cost the binary does not pay.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

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

struct Bench {
    store: Store,
    db: TenantDb,
    state: AppState,
    conn: Connection,
    ws_url: String,
    base: String,
    token: String,
    _dir: Option<tempfile::TempDir>,
}

/// When the store was opened, to place a part's stalls on the store's clock.
static OPENED: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

async fn setup() -> Bench {
    let opened = OPENED.get_or_init(Instant::now);
    // `Instant` is CLOCK_MONOTONIC here, the clock `perf record -k CLOCK_MONOTONIC` stamps
    // its samples with: this line lines a profile up with the stall lines.
    eprintln!("store opened at {opened:?}");
    let kv = std::env::var("BENCH_STORE").unwrap_or_else(|_| "mem".into());
    let (store, dir) = common::open_store(&kv).await;
    let tenant = common::company(&store).await;
    let db = store.tenant(&tenant.id).await.unwrap();
    let conn = db
        .create_connection(&NewConnection {
            name: "Bench".into(),
            kind: ChannelKind::Simulator,
            phone: "+551130000000".into(),
            default_flow_id: None,
            default_queue_id: None,
            greeting: String::new(),
            farewell: String::new(),
            messages_per_minute: Some(1200),
            cloud_api: None,
        })
        .await
        .unwrap();
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
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(tucan_api::app(state.clone())));
    let base = format!("http://{addr}");
    let session: Value = reqwest::Client::new()
        .post(format!("{base}/api/auth/login"))
        .json(&json!({ "email": common::ADMIN_EMAIL, "password": common::PASSWORD }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["access_token"].as_str().unwrap().to_string();
    Bench {
        store,
        db,
        state,
        conn,
        ws_url: format!("ws://{addr}/api/ws?token={token}"),
        base,
        token,
        _dir: dir,
    }
}

/// What a bench client reads of a frame: the ticket's last message, which carries the
/// marker. The rest is scanned and skipped, not built into values: the clients share the
/// server's two cores, so what they spend is taken from what is measured.
#[derive(Deserialize)]
struct Frame {
    event: Option<FrameEvent>,
}

#[derive(Deserialize)]
struct FrameEvent {
    data: Option<FrameData>,
    /// When the event's row was inserted, late in the write's transaction.
    at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Deserialize)]
struct FrameData {
    last_message: Option<String>,
}

/// Milliseconds from an event row's insert (its `at`) until now.
fn ms_since(stamp: chrono::DateTime<chrono::Utc>) -> f64 {
    (chrono::Utc::now() - stamp).num_microseconds().unwrap_or(0) as f64 / 1000.0
}

/// The marker a frame carries, with the time its event row was inserted.
fn marker_and_stamp(text: &str) -> Option<(String, Option<chrono::DateTime<chrono::Utc>>)> {
    let frame: Frame = serde_json::from_str(text).unwrap();
    let event = frame.event?;
    Some((event.data?.last_message?, event.at))
}

fn incoming(i: usize, marker: &str) -> Incoming {
    Incoming {
        channel_id: new_id(),
        from: format!("+55119{:08}", i % 500),
        push_name: Some(format!("Customer {}", i % 500)),
        kind: MessageKind::Text,
        body: marker.to_string(),
        media_url: None,
        mime: None,
        quoted: None,
        file: None,
        group: None,
        choice: None,
    }
}

/// A fresh process's first messages cost tens of ms more (the store's caches, the
/// allocator's first pages): 200 messages at 200/s from 200 new customers the parts never
/// use, each waited for on a socket, before anything is timed.
async fn warm_up(b: &Bench) {
    const N: usize = 200;
    let started = Instant::now();
    let mut ws = subscribed_socket(&b.ws_url).await;
    let mut sends = Vec::with_capacity(N);
    for i in 0..N {
        tokio::time::sleep_until((started + Duration::from_millis(5 * i as u64)).into()).await;
        let mut msg = incoming(i, &format!("warm-{i}"));
        msg.from = format!("+55219{i:08}");
        let (inbox, db, conn) = (b.state.inbox.clone(), b.db.clone(), b.conn.clone());
        sends.push(tokio::spawn(async move {
            inbox.receive(&db, &conn, msg).await.unwrap()
        }));
    }
    for send in sends {
        send.await.expect("a warm-up message is received");
    }
    let mut seen = 0;
    while seen < N {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
            Ok(Some(Ok(WsMessage::Text(t)))) => {
                if marker_and_stamp(&t).is_some_and(|(m, _)| m.starts_with("warm-")) {
                    seen += 1;
                }
            }
            Ok(Some(Ok(_))) => {}
            _ => break,
        }
    }
    eprintln!(
        "warm-up: {seen} of {N} messages seen in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(seen, N, "every warm-up message reaches the socket");
}

/// Part 1: inbound → event on a socket at `rate` messages/s for `secs`.
async fn inbound_to_socket(b: &Bench, rate: u32, secs: u32) {
    let ws = subscribed_socket(&b.ws_url).await;
    let sent: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let arrivals: Arc<Mutex<Vec<Arrival>>> = Arc::default();
    let total = (rate * secs) as usize;
    let start = Instant::now();
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
                let Some((marker, stamp)) = marker_and_stamp(&t) else {
                    continue;
                };
                if let Some(at) = sent.lock().unwrap().remove(&marker) {
                    arrivals.lock().unwrap().push(Arrival {
                        due_s: at.duration_since(start).as_secs_f64(),
                        total: at.elapsed().as_secs_f64() * 1000.0,
                        row_ms: stamp.map(ms_since),
                    });
                    seen += 1;
                }
            }
        })
    };
    let probes = StallProbes::start(start);
    if let Some(opened) = OPENED.get() {
        eprintln!(
            "{rate}/s starts {:.2} s after the store was opened",
            start.duration_since(*opened).as_secs_f64()
        );
    }
    let mut tasks = Vec::with_capacity(total);
    for i in 0..total {
        let due = start + Duration::from_secs_f64(i as f64 / f64::from(rate));
        tokio::time::sleep_until(due.into()).await;
        let marker = format!("r{rate}-m{i}");
        sent.lock().unwrap().insert(marker.clone(), due);
        let (inbox, db, conn) = (b.state.inbox.clone(), b.db.clone(), b.conn.clone());
        tasks.push(tokio::spawn(async move {
            inbox
                .receive(&db, &conn, incoming(i, &marker))
                .await
                .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = start.elapsed().as_secs_f64();
    let _ = tokio::time::timeout(Duration::from_secs(30), reader).await;
    let arrivals = arrivals.lock().unwrap().clone();
    let lost = total - arrivals.len();
    row(
        &format!("inbound → socket @ {rate}/s"),
        arrivals.iter().map(|a| a.total).collect(),
        &format!(
            "{:.0} msgs/s offered over {elapsed:.1} s, {lost} not seen",
            total as f64 / elapsed
        ),
    );
    // From the event row's insert (late in the write's transaction) to the socket: the
    // commit, the live query, the hub and the socket, without the batching and the write.
    row(
        &format!("  of which event row → socket @ {rate}/s"),
        arrivals.iter().filter_map(|a| a.row_ms).collect(),
        "commit, live query, hub, socket",
    );
    eprintln!("{}", tail_summary(rate, arrivals));
    eprintln!("{}", probes.finish().await);
}

/// Part 2: one event to `n` sockets.
async fn fan_out(b: &Bench, n: usize, rounds: usize) {
    let mut sockets = Vec::with_capacity(n);
    let connecting = Instant::now();
    for _ in 0..n {
        sockets.push(subscribed_socket(&b.ws_url).await);
    }
    eprintln!(
        "{n} sockets connected and subscribed in {:.1} s",
        connecting.elapsed().as_secs_f64()
    );
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(String, Instant, f64)>();
    let mut readers = Vec::with_capacity(n);
    for mut ws in sockets {
        let tx = tx.clone();
        readers.push(tokio::spawn(async move {
            while let Some(Ok(WsMessage::Text(t))) = ws.next().await {
                if let Some((m, stamp)) = marker_and_stamp(&t) {
                    let from_row = stamp.map_or(f64::NAN, ms_since);
                    let _ = tx.send((m, Instant::now(), from_row));
                }
            }
        }));
    }
    let mut ms = Vec::new();
    let mut from_row = Vec::new();
    for r in 0..rounds {
        let marker = format!("fan-{r}");
        let at = Instant::now();
        b.state
            .inbox
            .receive(&b.db, &b.conn, incoming(10_000 + r, &marker))
            .await
            .unwrap();
        let mut got = 0;
        while got < n {
            match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
                Ok(Some((m, t, row_ms))) if m == marker => {
                    ms.push(t.duration_since(at).as_secs_f64() * 1000.0);
                    from_row.push(row_ms);
                    got += 1;
                }
                Ok(Some(_)) => {}
                _ => break,
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    row(
        &format!("fan-out to {n} sockets"),
        ms,
        &format!("{rounds} events, from the inbound message"),
    );
    row(
        "  of which event row → sockets",
        from_row,
        "commit, live query, hub, every socket",
    );
    // Close the sockets: left open, they would take every event of the later parts.
    for r in readers {
        r.abort();
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// Part 3: ticket list pages with a large tenant.
async fn list_tickets(b: &Bench, tickets: usize, messages: usize) {
    let load = Instant::now();
    let per_ticket = messages / tickets.max(1);
    // Rows per INSERT (tickets; messages go four times as many at once). Small batches load
    // fastest here: a SurrealDB transaction's cost grows faster than its size (measured on
    // 44k rows: 25 per insert 3.3 s, 100 per insert 4.6 s, 2,000 per insert 66.8 s).
    let batch_size: usize = std::env::var("BENCH_BATCH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(25);
    let statuses = ["open", "pending", "closed"];
    let mut batch = Vec::new();
    let mut mbatch = Vec::new();
    for i in 0..tickets {
        let id = new_id();
        batch.push(json!({
            "id": id, "contact_id": new_id(), "contact_name": format!("Customer {i}"),
            "contact_phone": format!("+55118{:08}", i), "connection_id": b.conn.id,
            "status": statuses[i % 3], "unread": i % 4, "last_message": format!("message {i}"),
            "activity": new_id(), "tags": [],
        }));
        for j in 0..per_ticket {
            mbatch.push(json!({
                "id": new_id(), "ticket_id": id, "contact_id": "c", "connection_id": b.conn.id,
                "direction": if j % 2 == 0 { "in" } else { "out" }, "kind": "text",
                "body": format!("message {j} of ticket {i}"), "status": "read", "mentions": [],
            }));
        }
        if batch.len() >= batch_size {
            b.db.import_tickets(&batch).await.unwrap();
            batch.clear();
        }
        if mbatch.len() >= batch_size * 4 {
            b.db.import_messages(&mbatch).await.unwrap();
            mbatch.clear();
            eprintln!(
                "loading: {} tickets, {:.1} s",
                i + 1,
                load.elapsed().as_secs_f64()
            );
        }
    }
    if !batch.is_empty() {
        b.db.import_tickets(&batch).await.unwrap();
    }
    if !mbatch.is_empty() {
        b.db.import_messages(&mbatch).await.unwrap();
    }
    println!(
        "\nloaded {tickets} tickets and {} messages in {:.1} s\n",
        per_ticket * tickets,
        load.elapsed().as_secs_f64()
    );
    println!("| request | n | p50 ms | p99 ms | max ms | notes |\n|---|---|---|---|---|---|");
    let client = reqwest::Client::new();
    let mut first = Vec::new();
    let mut deeper = Vec::new();
    let mut cursor: Option<String> = None;
    for i in 0..300 {
        let mut url = format!("{}/api/tickets?status=open&limit=50", b.base);
        if i % 2 == 1
            && let Some(c) = &cursor
        {
            url.push_str(&format!("&cursor={c}"));
        }
        let t = Instant::now();
        let page: Value = client
            .get(&url)
            .bearer_auth(&b.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(page["items"].as_array().map(Vec::len), Some(50), "{page}");
        if i % 2 == 1 {
            deeper.push(ms);
        } else {
            first.push(ms);
        }
        cursor = page["next_cursor"].as_str().map(str::to_string);
    }
    row("open tickets, first page of 50 (HTTP)", first, "");
    row(
        "open tickets, next pages of 50 (HTTP)",
        deeper,
        "cursor pages walking back",
    );
}

/// Part 4: a reconnecting socket's catch-up (500 events after its cursor) with `n` events in
/// the stream, from a cursor near the oldest and one near the newest (a range read costs the
/// same at both ends; a filtered table read costs more the newer the cursor), and pruning the
/// older half.
async fn event_stream(b: &Bench, n: usize) {
    let started = Instant::now();
    let writers = 4;
    let tasks: Vec<_> = (0..writers)
        .map(|_| {
            let db = b.db.clone();
            tokio::spawn(async move {
                for _ in 0..n / writers {
                    db.append_access_event().await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let ids: Vec<String> =
        b.db.events_after("0", u32::MAX)
            .await
            .unwrap()
            .events
            .into_iter()
            .map(|e| e.id)
            .collect();
    eprintln!(
        "{} events in the stream, written in {:.1} s",
        ids.len(),
        started.elapsed().as_secs_f64()
    );
    let resume = |cursor: String| {
        let db = b.db.clone();
        async move {
            let mut ms = Vec::new();
            for _ in 0..30 {
                let t = Instant::now();
                let got = db.events_after(&cursor, 500).await.unwrap();
                ms.push(t.elapsed().as_secs_f64() * 1000.0);
                assert!(got.more && got.events.len() >= 500, "a full page");
            }
            ms
        }
    };
    let near_oldest = ids[ids.len() / 100].clone();
    let near_newest = ids[ids.len() - 600].clone();
    row(
        &format!(
            "resume: 500 events after a cursor near the oldest of {}",
            ids.len()
        ),
        resume(near_oldest).await,
        "store call",
    );
    row(
        &format!(
            "resume: 500 events after a cursor near the newest of {}",
            ids.len()
        ),
        resume(near_newest).await,
        "store call",
    );
    // The cut: when the middle event was made.
    let cut = id_time(&ids[ids.len() / 2]).unwrap();
    let t = Instant::now();
    let pruned = b.db.prune_events(cut).await.unwrap();
    row(
        "prune the older half of the stream",
        vec![t.elapsed().as_secs_f64() * 1000.0],
        &format!("{pruned} events, 1,000 per transaction"),
    );
}

#[tokio::main]
async fn main() {
    init_logging();
    let b = setup().await;
    warm_up(&b).await;
    let kv = std::env::var("BENCH_STORE").unwrap_or_else(|_| "mem".into());
    println!("# inbox benchmark ({kv})\n");
    println!("| measure | n | p50 ms | p99 ms | max ms | notes |\n|---|---|---|---|---|---|");
    let parts = std::env::var("BENCH_PARTS").unwrap_or_else(|_| "1,2,3,4".into());
    let wanted = |p: &str| parts.split(',').any(|x| x.trim() == p);
    if wanted("1") {
        let secs = std::env::var("BENCH_SECS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(25);
        inbound_to_socket(&b, 200, secs).await;
        inbound_to_socket(&b, 1000, secs).await;
    }
    if wanted("2") {
        fan_out(&b, 1000, 20).await;
    }
    if wanted("4") {
        let events = std::env::var("BENCH_EVENTS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(30_000);
        event_stream(&b, events).await;
    }
    if !wanted("3") {
        drop(b.store);
        return;
    }
    let tickets = std::env::var("BENCH_TICKETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let messages = std::env::var("BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000_000);
    list_tickets(&b, tickets, messages).await;
    drop(b.store);
}
