//! Workers: per lane, a consumer feeding handlers with bounded concurrency. Each delivery is
//! settled from its handler's outcome (ack, retry with backoff, dead-letter); leases are kept
//! alive while a handler runs; a panicking handler counts as a failure. On shutdown the
//! worker stops taking jobs, lets running ones finish within a grace period, and gives the
//! rest back to the bus.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures_util::FutureExt;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::bus::{BusError, Delivery, Failed, JobBus};
use crate::job::{Job, Lane, now_ms};

/// How a handler failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth another try later (a timeout, a 503).
    #[error("{0}")]
    Retry(String),
    /// Will never succeed (bad payload, a 400): dead-letter now.
    #[error("{0}")]
    Fatal(String),
}

/// Runs the jobs of one kind. Must be idempotent: a job can be delivered more than once;
/// `job.idempotency_key()` is stable across deliveries.
#[async_trait]
pub trait JobHandler: Send + Sync {
    async fn handle(&self, job: &Job) -> Result<(), JobError>;
}

/// Handlers by job kind.
#[derive(Default, Clone)]
pub struct Handlers {
    by_kind: HashMap<String, Arc<dyn JobHandler>>,
}

impl std::fmt::Debug for Handlers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.by_kind.keys()).finish()
    }
}

impl Handlers {
    pub fn register(&mut self, kind: &str, handler: Arc<dyn JobHandler>) -> &mut Self {
        self.by_kind.insert(kind.to_string(), handler);
        self
    }
}

/// Concurrency per lane and the shutdown grace period.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    pub lanes: Vec<(Lane, usize)>,
    pub grace: Duration,
    /// How often a running job's lease is renewed.
    pub keep_alive: Duration,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            lanes: vec![
                (Lane::Flow, 16),
                (Lane::Messages, 16),
                (Lane::Campaigns, 4),
                (Lane::Webhooks, 8),
                (Lane::System, 2),
            ],
            grace: Duration::from_secs(10),
            keep_alive: Duration::from_secs(10),
        }
    }
}

/// A set of lane workers over one bus.
pub struct Worker {
    bus: Arc<dyn JobBus>,
    handlers: Arc<Handlers>,
    opts: WorkerOptions,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker").field("opts", &self.opts).finish()
    }
}

impl Worker {
    pub fn new(bus: Arc<dyn JobBus>, handlers: Handlers, opts: WorkerOptions) -> Self {
        Worker {
            bus,
            handlers: Arc::new(handlers),
            opts,
        }
    }

    /// Work until `shutdown` is cancelled, then drain (see the module docs).
    pub async fn run(self, shutdown: CancellationToken) {
        let mut lanes = JoinSet::new();
        for (lane, concurrency) in self.opts.lanes.clone() {
            let lane_worker = LaneWorker {
                bus: self.bus.clone(),
                handlers: self.handlers.clone(),
                lane,
                concurrency: concurrency.max(1),
                grace: self.opts.grace,
                keep_alive: self.opts.keep_alive,
            };
            lanes.spawn(lane_worker.run(shutdown.clone()));
        }
        while lanes.join_next().await.is_some() {}
    }
}

struct LaneWorker {
    bus: Arc<dyn JobBus>,
    handlers: Arc<Handlers>,
    lane: Lane,
    concurrency: usize,
    grace: Duration,
    keep_alive: Duration,
}

impl LaneWorker {
    async fn run(self, shutdown: CancellationToken) {
        let lane = self.lane.as_str();
        let mut consumer = loop {
            match self.bus.consumer(self.lane, self.concurrency).await {
                Ok(c) => break c,
                Err(e) => {
                    tracing::warn!(lane, error = %e, "cannot start consumer, retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                        _ = shutdown.cancelled() => return,
                    }
                }
            }
        };
        let permits = Arc::new(Semaphore::new(self.concurrency));
        let hard_stop = CancellationToken::new();
        let mut running = JoinSet::new();
        loop {
            let permit = tokio::select! {
                p = permits.clone().acquire_owned() => p.expect("semaphore never closed"),
                _ = shutdown.cancelled() => break,
            };
            let delivery = tokio::select! {
                d = consumer.next() => d,
                _ = shutdown.cancelled() => break,
            };
            match delivery {
                Ok(delivery) => {
                    let ctx = JobRun {
                        bus: self.bus.clone(),
                        handlers: self.handlers.clone(),
                        keep_alive: self.keep_alive,
                        hard_stop: hard_stop.clone(),
                    };
                    running.spawn(async move {
                        ctx.run(delivery).await;
                        drop(permit);
                    });
                }
                Err(BusError::Closed) => break,
                Err(e) => {
                    tracing::warn!(lane, error = %e, "consumer error");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
            while running.try_join_next().is_some() {}
        }
        consumer.close().await;
        if !running.is_empty() {
            tracing::info!(lane, in_flight = running.len(), "draining");
            let drained = tokio::time::timeout(self.grace, async {
                while running.join_next().await.is_some() {}
            })
            .await;
            if drained.is_err() {
                hard_stop.cancel();
                while running.join_next().await.is_some() {}
            }
        }
    }
}

struct JobRun {
    bus: Arc<dyn JobBus>,
    handlers: Arc<Handlers>,
    keep_alive: Duration,
    hard_stop: CancellationToken,
}

/// What the handler said, or that the worker gave up waiting.
enum Outcome {
    Done,
    Failed(JobError),
    Stopped,
}

impl JobRun {
    async fn run(self, delivery: Delivery) {
        let job = delivery.job.clone();
        let m = self.bus.metrics().lane(job.lane);
        m.started.fetch_add(1, Relaxed);
        m.in_flight.fetch_add(1, Relaxed);
        let waited = (now_ms() - job.published_at_ms).max(0) as u64;
        m.wait.observe(Duration::from_millis(waited));
        let started = Instant::now();

        let outcome = match self.handlers.by_kind.get(&job.kind).cloned() {
            None => Outcome::Failed(JobError::Fatal(format!(
                "no handler for job kind `{}`",
                job.kind
            ))),
            Some(handler) => self.supervise(&delivery, handler.as_ref()).await,
        };
        m.run.observe(started.elapsed());
        m.in_flight.fetch_sub(1, Relaxed);

        let settled = match outcome {
            Outcome::Done => delivery.ack().await.map(|held| {
                if held {
                    m.completed.fetch_add(1, Relaxed);
                } else {
                    m.lease_lost.fetch_add(1, Relaxed);
                }
            }),
            Outcome::Failed(error) => {
                let result = match &error {
                    JobError::Retry(e) => delivery.fail(e).await,
                    JobError::Fatal(e) => delivery.dead_letter(e).await,
                };
                result.map(|f| match f {
                    Failed::Retried(delay) => {
                        m.retried.fetch_add(1, Relaxed);
                        tracing::debug!(id = %job.id, kind = %job.kind, ?delay, %error, "job will be retried");
                    }
                    Failed::DeadLettered => {
                        m.dead_lettered.fetch_add(1, Relaxed);
                        tracing::warn!(id = %job.id, kind = %job.kind, %error, "job dead-lettered");
                    }
                    Failed::LeaseLost => {
                        m.lease_lost.fetch_add(1, Relaxed);
                    }
                })
            }
            Outcome::Stopped => delivery.release().await.map(|_| ()),
        };
        if let Err(e) = settled {
            // Unsettled, the job comes back after its lease (or connection) ends.
            tracing::warn!(id = %job.id, error = %e, "could not settle a delivery");
        }
    }

    /// Run the handler, renewing the lease meanwhile; a panic is a retryable failure.
    async fn supervise(&self, delivery: &Delivery, handler: &dyn JobHandler) -> Outcome {
        let work = AssertUnwindSafe(handler.handle(&delivery.job)).catch_unwind();
        tokio::pin!(work);
        let mut renew = tokio::time::interval(self.keep_alive);
        renew.tick().await;
        loop {
            tokio::select! {
                result = &mut work => {
                    return match result {
                        Ok(Ok(())) => Outcome::Done,
                        Ok(Err(e)) => Outcome::Failed(e),
                        Err(_) => Outcome::Failed(JobError::Retry("the handler panicked".into())),
                    };
                }
                _ = renew.tick() => {
                    if let Err(e) = delivery.keep_alive().await {
                        tracing::warn!(id = %delivery.job.id, error = %e, "lease renewal failed");
                    }
                }
                _ = self.hard_stop.cancelled() => return Outcome::Stopped,
            }
        }
    }
}
