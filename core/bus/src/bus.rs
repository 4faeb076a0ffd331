//! The `JobBus` contract every backend fulfils: publish returns once the job is durable;
//! a consumer hands out deliveries that the caller settles exactly one way — ack, retry
//! later, dead-letter, or release (give back without counting the attempt).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tucan_store::{DeadJob, LaneCounts, StoreError};

use crate::job::{Backoff, Job, Lane, NewJob, now_ms};
use crate::metrics::BusMetrics;

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("job store: {0}")]
    Store(#[from] StoreError),
    #[error("broker: {0}")]
    Broker(String),
    #[error("the bus is closed")]
    Closed,
}

pub type BusResult<T> = Result<T, BusError>;

/// Settings shared by both backends.
#[derive(Debug, Clone)]
pub struct BusOptions {
    pub backoff: Backoff,
    /// Deliveries before a job is dead-lettered, unless the job says otherwise.
    pub max_attempts: u32,
    /// How long a delivery stays leased to a consumer that neither settles nor extends it
    /// (embedded backend; the broker ties a delivery to its connection instead).
    pub visibility_timeout: Duration,
    /// How often an idle embedded consumer looks for jobs published by other processes and
    /// for delayed jobs that became visible.
    pub poll_interval: Duration,
}

impl Default for BusOptions {
    fn default() -> Self {
        BusOptions {
            backoff: Backoff::default(),
            max_attempts: 8,
            visibility_timeout: Duration::from_secs(30),
            poll_interval: Duration::from_millis(200),
        }
    }
}

/// A durable job queue with lanes.
#[async_trait]
pub trait JobBus: Send + Sync + std::fmt::Debug {
    /// `embedded` or `rabbitmq`.
    fn backend(&self) -> &'static str;

    /// Publish jobs; returns their ids once every one of them is durably accepted.
    async fn publish_many(&self, jobs: Vec<NewJob>) -> BusResult<Vec<String>>;

    /// Publish one job; returns its id once it is durably accepted.
    async fn publish(&self, job: NewJob) -> BusResult<String> {
        let mut ids = self.publish_many(vec![job]).await?;
        ids.pop().ok_or(BusError::Closed)
    }

    /// A consumer of `lane` holding at most `prefetch` unsettled deliveries.
    async fn consumer(&self, lane: Lane, prefetch: usize) -> BusResult<Box<dyn Consumer>>;

    /// Jobs waiting, delayed and in flight in `lane`.
    async fn lane_counts(&self, lane: Lane) -> BusResult<LaneCounts>;

    fn metrics(&self) -> &Arc<BusMetrics>;
}

/// Hands out deliveries of one lane.
#[async_trait]
pub trait Consumer: Send {
    /// The next delivery, waiting for one; `Closed` once the bus shuts down.
    async fn next(&mut self) -> BusResult<Delivery>;

    /// Stop consuming; deliveries taken but not yet handed out are given back.
    async fn close(&mut self);
}

/// How a backend settles one delivery.
#[async_trait]
pub(crate) trait Settle: Send + Sync {
    /// False when the delivery was no longer held (its lease expired).
    async fn ack(&self) -> BusResult<bool>;
    async fn retry(&self, delay: Duration, error: &str) -> BusResult<bool>;
    async fn bury(&self, dead: DeadJob) -> BusResult<bool>;
    async fn release(&self) -> BusResult<bool>;
    /// Keep the delivery for another visibility timeout.
    async fn extend(&self) -> BusResult<bool>;
}

/// What became of a delivery that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failed {
    /// It will be delivered again after this wait.
    Retried(Duration),
    /// It used its attempts and went to the dead letters.
    DeadLettered,
    /// It was no longer held: another consumer has it.
    LeaseLost,
}

/// One delivery of a job. Settle it exactly once; dropping it unsettled leaves it to the
/// visibility timeout (embedded) or the connection's end (broker).
pub struct Delivery {
    pub job: Job,
    pub(crate) settle: Box<dyn Settle>,
    pub(crate) backoff: Backoff,
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery").field("job", &self.job).finish()
    }
}

impl Delivery {
    /// Done. False when the lease had expired (the job may run again elsewhere).
    pub async fn ack(self) -> BusResult<bool> {
        self.settle.ack().await
    }

    /// Failed: retry after a backoff, or dead-letter when the attempts are used up.
    pub async fn fail(self, error: &str) -> BusResult<Failed> {
        if self.job.is_last_attempt() {
            return self.dead_letter(error).await;
        }
        let delay = self.backoff.delay(self.job.attempt);
        Ok(if self.settle.retry(delay, error).await? {
            Failed::Retried(delay)
        } else {
            Failed::LeaseLost
        })
    }

    /// Failed for good, whatever the attempts left.
    pub async fn dead_letter(self, error: &str) -> BusResult<Failed> {
        let dead = DeadJob {
            id: self.job.id.clone(),
            tenant: self.job.tenant.clone(),
            lane: self.job.lane.as_str().to_string(),
            kind: self.job.kind.clone(),
            body: crate::dead::body_of(&self.job),
            attempts: self.job.attempt,
            error: error.to_string(),
            failed_at: now_ms(),
        };
        Ok(if self.settle.bury(dead).await? {
            Failed::DeadLettered
        } else {
            Failed::LeaseLost
        })
    }

    /// Give the job back untouched (a worker shutting down): it does not count as an attempt.
    pub async fn release(self) -> BusResult<bool> {
        self.settle.release().await
    }

    /// Still working: keep the lease for another visibility timeout.
    pub async fn keep_alive(&self) -> BusResult<bool> {
        self.settle.extend().await
    }
}
