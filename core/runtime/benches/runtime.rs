//! Durable steps: a run answering a question in a loop, each reply one advance persisted on
//! SurrealDB (state, trace and effect in one transaction, then the effect carried out).
//! Prints p50/p99 per backend. `cargo bench -p tucan-runtime --bench runtime`

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, json};
use tucan_bus::{BusMetrics, BusOptions, EmbeddedBus, JobBus, Timers};
use tucan_engine::{FlowDocument, Registry, Resume};
use tucan_model::ids::new_id;
use tucan_model::tenancy::{PlanFeatures, PlanLimits};
use tucan_runtime::{
    FlowRuntime, RunContact, RunSource, RuntimeOptions, RuntimeParts, StartRun, TicketDesk,
};
use tucan_store::{Store, StoreOptions};
use tucan_testkit::TenantSpec;

const REPLIES: usize = 2_000;
const STARTS: usize = 500;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

async fn bench(label: &str, store: Store) -> (String, [f64; 5]) {
    let db = TenantSpec {
        name: "bench".into(),
        timezone: "UTC".into(),
        limits: PlanLimits {
            users: 1,
            connections: 1,
            queues: 1,
            flows: 10,
            plugins: 0,
            campaign_recipients: 10_000,
        },
        features: PlanFeatures {
            webhooks: false,
            ..tucan_testkit::features()
        },
        ..TenantSpec::default()
    }
    .create(&store)
    .await;
    let bus: Arc<dyn JobBus> = Arc::new(EmbeddedBus::new(
        store.jobs(),
        BusOptions::default(),
        Arc::new(BusMetrics::default()),
    ));
    let timers = Timers::new(store.jobs(), bus.clone());
    let rt = FlowRuntime::new(
        RuntimeParts {
            store: store.clone(),
            bus,
            timers,
            registry: Arc::new(Registry::builtin()),
            desk: taking_desk(),
            plugins: None,
        },
        RuntimeOptions::default(),
    );
    let doc: FlowDocument = serde_json::from_value(json!({
        "nodes": [
            { "id": "start", "type": "trigger.manual" },
            { "id": "ask", "type": "messaging.ask", "config": { "question": "Next?", "variable": "answer" } },
            { "id": "count", "type": "logic.set_variable", "config": { "name": "n", "value": "vars.n + 1", "expression": true } }
        ],
        "edges": [
            { "id": "a", "source": "start", "target": "ask" },
            { "id": "b", "source": "ask", "source_port": "answer", "target": "count" },
            { "id": "c", "source": "count", "target": "ask" }
        ],
        "variables": [{ "name": "n", "default": 0 }]
    }))
    .unwrap();
    let text = serde_json::to_string(&doc).unwrap();
    let flow = db.create_flow("bench", "", &text).await.unwrap();
    db.publish_flow(&flow.id, &text, &doc.content_hash(), "bench")
        .await
        .unwrap();
    // Each run talks to a contact of its own (a contact has one active run of a flow).
    let mut contacts = Vec::with_capacity(STARTS + 1);
    for i in 0..=STARTS {
        let c = db
            .create_contact(&tucan_store::ContactFields {
                name: format!("Bench {i}"),
                phone: format!("+551190{i:07}"),
                ..Default::default()
            })
            .await
            .unwrap();
        contacts.push(c.id);
    }
    let mut contacts = contacts.into_iter();
    let mut start = || StartRun {
        flow_id: flow.id.clone(),
        source: RunSource::Published { version: None },
        contact: RunContact::Stored(contacts.next().expect("a contact per run")),
        ticket_id: None,
        vars: Map::new(),
        event: None,
        clock: None,
        id: None,
        parent: None,
    };

    let mut starts = Vec::with_capacity(STARTS);
    for _ in 0..STARTS {
        let t = Instant::now();
        rt.start(&db, start()).await.unwrap();
        starts.push(t.elapsed());
    }
    let run = rt.start(&db, start()).await.unwrap();
    let mut steps = Vec::with_capacity(REPLIES);
    let all = Instant::now();
    for i in 0..REPLIES {
        let t = Instant::now();
        rt.resume(
            &db,
            &run.id,
            Resume::Reply {
                text: format!("r{i}"),
            },
            None,
        )
        .await
        .unwrap();
        steps.push(t.elapsed());
    }
    let per_sec = REPLIES as f64 / all.elapsed().as_secs_f64();
    let end = db.get_run(&run.id).await.unwrap();
    assert!(
        end.state.contains(&format!("\"n\":{REPLIES}")),
        "every reply counted"
    );
    starts.sort();
    steps.sort();
    (
        label.to_string(),
        [
            percentile(&steps, 0.5),
            percentile(&steps, 0.99),
            per_sec,
            percentile(&starts, 0.5),
            percentile(&starts, 0.99),
        ],
    )
}

#[tokio::main]
async fn main() {
    // A silent subscriber, as the binary has one: with none at all, tracing's `log` bridge
    // has every disabled span of SurrealDB's key-value layer format its keys anyway.
    tracing::subscriber::set_global_default(tracing::subscriber::NoSubscriber::default())
        .expect("no other subscriber");
    let dir = std::env::temp_dir().join(format!("tucan-runtime-bench-{}", new_id()));
    let mut rows = Vec::new();
    rows.push(bench("embedded mem://", tucan_testkit::memory_store().await).await);
    let kv = Store::connect(&StoreOptions {
        url: format!("surrealkv://{}", dir.display()),
        namespace: "tucan".into(),
        username: None,
        password: None,
        max_queries: None,
    })
    .await
    .unwrap();
    kv.migrate().await.unwrap();
    rows.push(bench("embedded surrealkv://", kv).await);
    let _ = std::fs::remove_dir_all(&dir);

    println!(
        "\nDurable step: one reply = resume → 3 node steps → state, trace and effect committed → effect carried out"
    );
    println!(
        "{:<24} {:>12} {:>12} {:>12} {:>14} {:>14}",
        "backend", "step p50 ms", "step p99 ms", "steps/s", "start p50 ms", "start p99 ms"
    );
    for (label, v) in rows {
        println!(
            "{label:<24} {:>12.3} {:>12.3} {:>12.0} {:>14.3} {:>14.3}",
            v[0], v[1], v[2], v[3], v[4]
        );
    }
}

/// The desk of a runtime without an inbox: it takes every message and ticket action at once,
/// as an inbox with a number would, and keeps nothing.
struct TakingDesk;

#[async_trait::async_trait]
impl TicketDesk for TakingDesk {
    async fn apply(
        &self,
        _db: &tucan_store::TenantDb,
        _run: &tucan_store::RunRow,
        _effect: &tucan_engine::Effect,
    ) -> Result<String, tucan_runtime::DeskError> {
        Ok("taken by the desk".into())
    }

    async fn release(
        &self,
        _db: &tucan_store::TenantDb,
        _run: &tucan_store::RunRow,
    ) -> Result<String, tucan_runtime::DeskError> {
        Ok("no ticket held".into())
    }

    async fn emit_event(
        &self,
        _db: &tucan_store::TenantDb,
        _run: &tucan_store::RunRow,
        _key: &str,
        name: &str,
        _data: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<String, tucan_runtime::DeskError> {
        Ok(format!("custom.{name} taken by the desk"))
    }
}

/// A desk that lives as long as the process.
fn taking_desk() -> std::sync::Weak<dyn TicketDesk> {
    static DESK: std::sync::OnceLock<Arc<dyn TicketDesk>> = std::sync::OnceLock::new();
    Arc::downgrade(DESK.get_or_init(|| Arc::new(TakingDesk)))
}
