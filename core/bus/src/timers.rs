//! Durable timers: "publish this job at that time", stored in SurrealDB so they survive
//! restarts. Any number of scanners may run (one per worker process): each claims due timers
//! under a lease, publishes their jobs, then deletes them; a scanner that dies after
//! publishing leaves the timer to fire again when its lease runs out (at-least-once, like
//! every job).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tucan_store::JobsDb;

use crate::bus::{BusError, BusResult, JobBus};
use crate::job::{NewJob, now_ms};

/// How long a claimed timer is reserved for the scanner that claimed it.
const LEASE: Duration = Duration::from_secs(30);
/// Longest sleep between scans: bounds the lateness of timers set by another process.
const MAX_SLEEP: Duration = Duration::from_millis(500);
const BATCH: usize = 200;

/// Schedules timers and fires them.
#[derive(Clone)]
pub struct Timers {
    db: JobsDb,
    bus: Arc<dyn JobBus>,
    wake: Arc<Notify>,
}

impl std::fmt::Debug for Timers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Timers")
    }
}

impl Timers {
    pub fn new(db: JobsDb, bus: Arc<dyn JobBus>) -> Self {
        Timers {
            db,
            bus,
            wake: Arc::new(Notify::new()),
        }
    }

    /// Publish `job` at `due_ms` (Unix milliseconds). Setting a timer that exists under
    /// `name` moves it. Durable when this returns.
    pub async fn schedule(&self, name: &str, due_ms: i64, job: &NewJob) -> BusResult<()> {
        let body = serde_json::to_string(job).map_err(|e| BusError::Broker(e.to_string()))?;
        self.db.set_timer(name, due_ms, &body).await?;
        self.wake.notify_one();
        Ok(())
    }

    /// Remove the timer `name`; false when there was none (or it already fired).
    pub async fn cancel(&self, name: &str) -> BusResult<bool> {
        Ok(self.db.cancel_timer(name).await?)
    }

    pub async fn exists(&self, name: &str) -> BusResult<bool> {
        Ok(self.db.timer_exists(name).await?)
    }

    /// Fire due timers until `shutdown`.
    pub async fn run(&self, shutdown: CancellationToken) {
        loop {
            let sleep = match self.fire_due().await {
                Ok(sleep) => sleep,
                Err(e) => {
                    tracing::warn!(error = %e, "timer scan failed");
                    Duration::from_secs(1)
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(sleep) => {}
                _ = self.wake.notified() => {}
                _ = shutdown.cancelled() => return,
            }
        }
    }

    /// Publish every timer due now; returns how long to sleep before the next scan.
    pub async fn fire_due(&self) -> BusResult<Duration> {
        loop {
            let now = now_ms();
            let due = self
                .db
                .claim_timers(now, now + LEASE.as_millis() as i64, BATCH)
                .await?;
            let full = due.len() == BATCH;
            for timer in due {
                match serde_json::from_str::<NewJob>(&timer.body) {
                    Ok(job) => {
                        self.bus.publish(job).await?;
                    }
                    Err(e) => {
                        tracing::error!(timer = %timer.name, error = %e, "unreadable timer dropped");
                    }
                }
                self.db.delete_timer(&timer.name, timer.due).await?;
            }
            if !full {
                break;
            }
        }
        let now = now_ms();
        Ok(match self.db.next_timer_due(now).await? {
            Some(due) if due <= now => Duration::ZERO,
            Some(due) => Duration::from_millis((due - now) as u64).min(MAX_SLEEP),
            None => MAX_SLEEP,
        })
    }
}
