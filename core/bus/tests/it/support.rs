//! Buses on both backends, a recording receiver for side effects, and closure handlers.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tucan_bus::{
    Backoff, BusMetrics, BusOptions, DeadLetters, EmbeddedBus, Job, JobBus, JobError, JobHandler,
    RabbitBus, RabbitOptions,
};
use tucan_model::ids::new_id;
use tucan_store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Embedded,
    Rabbit,
}

pub fn amqp_url() -> String {
    std::env::var("TUCAN_TEST_AMQP").unwrap_or_else(|_| "amqp://127.0.0.1:5672/%2f".into())
}

/// Quick retries and short leases so tests run in seconds.
pub fn fast_options() -> BusOptions {
    BusOptions {
        backoff: Backoff {
            base: Duration::from_millis(100),
            max: Duration::from_millis(800),
        },
        max_attempts: 3,
        visibility_timeout: Duration::from_millis(1500),
        poll_interval: Duration::from_millis(50),
    }
}

pub struct TestBus {
    pub bus: Arc<dyn JobBus>,
    pub store: Store,
    pub dead: DeadLetters,
    pub rabbit: Option<RabbitBus>,
    pub connection_name: String,
}

impl TestBus {
    pub async fn new(backend: Backend, opts: BusOptions) -> TestBus {
        let store = Store::memory().await.unwrap();
        Self::on_store(backend, opts, store).await
    }

    pub async fn on_store(backend: Backend, opts: BusOptions, store: Store) -> TestBus {
        let metrics = Arc::new(BusMetrics::default());
        let dead = DeadLetters::new(store.jobs());
        let connection_name = format!("tucan-test-{}", new_id());
        let (bus, rabbit): (Arc<dyn JobBus>, _) = match backend {
            Backend::Embedded => (
                Arc::new(EmbeddedBus::new(store.jobs(), opts, metrics)),
                None,
            ),
            Backend::Rabbit => {
                let rabbit = RabbitBus::connect(
                    RabbitOptions {
                        url: amqp_url(),
                        prefix: format!("test-{}", new_id()),
                        connection_name: connection_name.clone(),
                    },
                    opts,
                    metrics,
                    dead.clone(),
                )
                .await
                .expect("RabbitMQ must run at 127.0.0.1:5672 (see .ci/run)");
                (Arc::new(rabbit.clone()), Some(rabbit))
            }
        };
        TestBus {
            bus,
            store,
            dead,
            rabbit,
            connection_name,
        }
    }

    /// Remove the broker topology this test declared.
    pub async fn finish(self) {
        if let Some(rabbit) = self.rabbit {
            rabbit.delete_topology().await.unwrap();
            rabbit.close().await;
        }
    }
}

/// The receiver of side effects: applies each idempotency key once and counts deliveries.
#[derive(Default, Clone)]
pub struct Receiver {
    seen: Arc<Mutex<HashMap<String, u32>>>,
}

impl Receiver {
    /// Record an attempt; true when the effect is applied (first time for this key).
    pub fn apply(&self, key: &str) -> bool {
        let mut seen = self.seen.lock().unwrap();
        let n = seen.entry(key.to_string()).or_default();
        *n += 1;
        *n == 1
    }

    pub fn distinct(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    pub fn attempts(&self) -> u32 {
        self.seen.lock().unwrap().values().sum()
    }
}

type HandlerFn =
    dyn Fn(Job) -> Pin<Box<dyn Future<Output = Result<(), JobError>> + Send>> + Send + Sync;

/// A handler made of a closure.
pub struct FnHandler(pub Box<HandlerFn>);

impl FnHandler {
    pub fn new<F, Fut>(f: F) -> Arc<FnHandler>
    where
        F: Fn(Job) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), JobError>> + Send + 'static,
    {
        Arc::new(FnHandler(Box::new(move |job| Box::pin(f(job)))))
    }
}

#[async_trait]
impl JobHandler for FnHandler {
    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        (self.0)(job.clone()).await
    }
}

/// Poll `check` until it holds or `timeout` passes.
pub async fn eventually(timeout: Duration, mut check: impl AsyncFnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    check().await
}
