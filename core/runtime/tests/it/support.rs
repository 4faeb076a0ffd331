//! A tenant with a flow, a runtime over the embedded bus, and workers draining it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use tucan_bus::{
    Backoff, BusMetrics, BusOptions, EmbeddedBus, Handlers, JobBus, Lane, Timers, Worker,
    WorkerOptions,
};
use tucan_engine::{FlowDocument, Registry};
use tucan_model::tenancy::PlanLimits;
use tucan_runtime::{FlowRuntime, RunContact, RuntimeOptions, RuntimeParts, TicketDesk};
use tucan_store::{ContactFields, RunRow, Store, TenantDb};
use tucan_testkit::TenantSpec;

pub struct Rig {
    pub db: TenantDb,
    pub runtime: Arc<FlowRuntime>,
    pub shutdown: CancellationToken,
}

impl Drop for Rig {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// A tenant whose plan allows one connection and 50 flows.
pub async fn tenant(store: &Store) -> TenantDb {
    TenantSpec {
        limits: PlanLimits {
            connections: 1,
            flows: 50,
            ..tucan_testkit::limits()
        },
        ..TenantSpec::default()
    }
    .create(store)
    .await
}

pub fn bus_options() -> BusOptions {
    BusOptions {
        backoff: Backoff {
            base: Duration::from_millis(50),
            max: Duration::from_millis(400),
        },
        max_attempts: 3,
        visibility_timeout: Duration::from_secs(5),
        poll_interval: Duration::from_millis(20),
    }
}

impl Rig {
    pub async fn new(opts: RuntimeOptions) -> Rig {
        let store = tucan_testkit::memory_store().await;
        let db = tenant(&store).await;
        Rig::on(store, db, opts, true).await
    }

    /// A runtime (and, with `workers`, its workers) on an existing store: another process
    /// after a restart.
    pub async fn on(store: Store, db: TenantDb, opts: RuntimeOptions, workers: bool) -> Rig {
        let bus: Arc<dyn JobBus> = Arc::new(EmbeddedBus::new(
            store.jobs(),
            bus_options(),
            Arc::new(BusMetrics::default()),
        ));
        let timers = Timers::new(store.jobs(), bus.clone());
        let runtime = FlowRuntime::new(
            RuntimeParts {
                store: store.clone(),
                bus: bus.clone(),
                timers: timers.clone(),
                registry: Arc::new(Registry::builtin()),
                desk: taking_desk(),
                plugins: None,
            },
            RuntimeOptions {
                allow_internal_http: true,
                ..opts
            },
        );
        let shutdown = CancellationToken::new();
        if workers {
            let mut handlers = Handlers::default();
            runtime.register(&mut handlers);
            let worker = Worker::new(
                bus.clone(),
                handlers,
                WorkerOptions {
                    lanes: vec![(Lane::Flow, 4), (Lane::Webhooks, 2)],
                    grace: Duration::from_secs(1),
                    keep_alive: Duration::from_secs(1),
                },
            );
            tokio::spawn(worker.run(shutdown.clone()));
            let t = timers.clone();
            let s = shutdown.clone();
            tokio::spawn(async move { t.run(s).await });
        }
        Rig {
            db,
            runtime,
            shutdown,
        }
    }

    /// Create and publish a flow; returns its id.
    pub async fn publish(&self, name: &str, doc: Value) -> String {
        let doc: FlowDocument = serde_json::from_value(doc).unwrap();
        let text = serde_json::to_string(&doc).unwrap();
        let flow = self.db.create_flow(name, "", &text).await.unwrap();
        self.db
            .publish_flow(&flow.id, &text, &doc.content_hash(), "tester")
            .await
            .unwrap();
        self.runtime.forget_published(self.db.tenant_id());
        flow.id
    }

    pub async fn contact(&self, name: &str, phone: &str) -> String {
        self.db
            .create_contact(&ContactFields {
                name: name.into(),
                phone: phone.into(),
                email: None,
                custom_fields: Default::default(),
                tags: vec![],
                is_group: false,
                ..Default::default()
            })
            .await
            .unwrap()
            .id
    }

    /// A new contact for a run to talk to (each has its own number).
    pub async fn someone(&self) -> RunContact {
        let phone = format!("+5511{:09}", rand_digits());
        RunContact::Stored(self.contact("Someone", &phone).await)
    }

    /// Wait until the run satisfies `done` (workers and timers move it).
    pub async fn until(&self, run_id: &str, done: impl Fn(&RunRow) -> bool) -> RunRow {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let run = self.db.get_run(run_id).await.unwrap();
            if done(&run) {
                return run;
            }
            assert!(
                Instant::now() < deadline,
                "run did not get there: {} at {}",
                run.status,
                run.node
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The texts the run sent, in order.
    pub async fn sent(&self, run_id: &str) -> Vec<String> {
        self.db
            .run_effects(run_id, false)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.kind == "send_text")
            .map(|e| {
                let v: Value = serde_json::from_str(&e.body).unwrap();
                v["text"].as_str().unwrap().to_string()
            })
            .collect()
    }
}

/// Nodes in a line from a manual trigger: `[(id, type, config)]`.
pub fn line(nodes: &[(&str, &str, Value)]) -> Value {
    let mut all = vec![json!({ "id": "start", "type": "trigger.manual" })];
    let mut edges = Vec::new();
    let mut prev = ("start".to_string(), "trigger.manual");
    for (id, kind, config) in nodes {
        all.push(json!({ "id": id, "type": kind, "config": config }));
        edges.push(json!({ "id": format!("{}-{id}", prev.0), "source": prev.0, "target": id, "source_port": port_out(prev.1) }));
        prev = (id.to_string(), kind);
    }
    json!({ "nodes": all, "edges": edges })
}

fn port_out(kind: &str) -> &'static str {
    match kind {
        "messaging.ask" => "answer",
        "integrations.http_request" => "success",
        _ => "out",
    }
}

/// The desk of a runtime without an inbox: the messages and actions of a run without a
/// ticket are taken at once, as an inbox with one number would (and nothing is kept); those
/// of a run with a ticket wait for an inbox, which this process does not have.
struct TakingDesk;

#[async_trait::async_trait]
impl TicketDesk for TakingDesk {
    async fn apply(
        &self,
        _db: &tucan_store::TenantDb,
        run: &tucan_store::RunRow,
        _effect: &tucan_engine::Effect,
    ) -> Result<String, tucan_runtime::DeskError> {
        match run.ticket_id {
            Some(_) => Err(tucan_runtime::DeskError::Later(
                "no inbox in this process".into(),
            )),
            None => Ok("taken by the desk".into()),
        }
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
pub fn taking_desk() -> std::sync::Weak<dyn TicketDesk> {
    static DESK: std::sync::OnceLock<Arc<dyn TicketDesk>> = std::sync::OnceLock::new();
    Arc::downgrade(DESK.get_or_init(|| Arc::new(TakingDesk)))
}

/// Nine digits no other call in this process got.
fn rand_digits() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(900_000_000);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
