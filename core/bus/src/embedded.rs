//! The embedded backend: jobs live in SurrealDB and are leased with a visibility timeout,
//! so a consumer that dies mid-job loses nothing — the lease runs out and the job is
//! delivered again. Publishes and acks from concurrent callers are grouped into one write
//! each (group commit); consumers in this process are woken at once, others poll.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::{Notify, mpsc, oneshot};
use tucan_model::ids::new_id;
use tucan_store::{DeadJob, JobsDb, LaneCounts, Lease, LeasedJob, ReadyJob, StoreError};

use crate::bus::{BusError, BusOptions, BusResult, Consumer, Delivery, JobBus, Settle};
use crate::job::{Envelope, Job, Lane, NewJob, now_ms};
use crate::metrics::BusMetrics;

/// Largest group of jobs written in one statement.
const MAX_GROUP: usize = 1000;

/// The SurrealDB-backed bus.
#[derive(Clone)]
pub struct EmbeddedBus {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for EmbeddedBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EmbeddedBus")
    }
}

struct Inner {
    db: JobsDb,
    opts: BusOptions,
    metrics: Arc<BusMetrics>,
    wake: [Notify; Lane::ALL.len()],
    claiming: [tokio::sync::Mutex<()>; Lane::ALL.len()],
    publish_tx: mpsc::UnboundedSender<Group<Vec<ReadyJob>, ()>>,
    ack_tx: mpsc::UnboundedSender<Group<Lease, bool>>,
}

/// A request to the group-commit writer and where its answer goes.
struct Group<T, R> {
    item: T,
    done: oneshot::Sender<Result<R, String>>,
}

fn slot(lane: Lane) -> usize {
    Lane::ALL.iter().position(|l| *l == lane).unwrap_or(0)
}

impl EmbeddedBus {
    /// Start the bus on `db`. Needs a Tokio runtime (it spawns its two writers).
    pub fn new(db: JobsDb, opts: BusOptions, metrics: Arc<BusMetrics>) -> EmbeddedBus {
        let (publish_tx, publish_rx) = mpsc::unbounded_channel();
        let (ack_tx, ack_rx) = mpsc::unbounded_channel();
        let inner = Arc::new(Inner {
            db: db.clone(),
            opts,
            metrics,
            wake: Default::default(),
            claiming: Default::default(),
            publish_tx,
            ack_tx,
        });
        tokio::spawn(write_publishes(
            db.clone(),
            publish_rx,
            Arc::downgrade(&inner),
        ));
        tokio::spawn(write_acks(db, ack_rx));
        EmbeddedBus { inner }
    }
}

async fn write_publishes(
    db: JobsDb,
    mut rx: mpsc::UnboundedReceiver<Group<Vec<ReadyJob>, ()>>,
    inner: std::sync::Weak<Inner>,
) {
    while let Some(first) = rx.recv().await {
        let mut groups = vec![first];
        let mut size = groups[0].item.len();
        while size < MAX_GROUP {
            match rx.try_recv() {
                Ok(g) => {
                    size += g.item.len();
                    groups.push(g);
                }
                Err(_) => break,
            }
        }
        let rows: Vec<ReadyJob> = groups.iter().flat_map(|g| g.item.iter().cloned()).collect();
        let result = db.enqueue(&rows).await.map_err(|e| e.to_string());
        if result.is_ok()
            && let Some(inner) = inner.upgrade()
        {
            for lane in Lane::ALL {
                if rows.iter().any(|r| r.lane == lane.as_str()) {
                    inner.wake[slot(lane)].notify_waiters();
                }
            }
        }
        for g in groups {
            let _ = g.done.send(result.clone());
        }
    }
}

async fn write_acks(db: JobsDb, mut rx: mpsc::UnboundedReceiver<Group<Lease, bool>>) {
    while let Some(first) = rx.recv().await {
        let mut groups = vec![first];
        while groups.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(g) => groups.push(g),
                Err(_) => break,
            }
        }
        let leases: Vec<Lease> = groups.iter().map(|g| g.item.clone()).collect();
        match db.ack(&leases).await {
            Ok(held) => {
                for g in groups {
                    let _ = g.done.send(Ok(held.contains(&g.item)));
                }
            }
            Err(e) => {
                for g in groups {
                    let _ = g.done.send(Err(e.to_string()));
                }
            }
        }
    }
}

async fn submit<T, R>(tx: &mpsc::UnboundedSender<Group<T, R>>, item: T) -> BusResult<R> {
    let (done, answer) = oneshot::channel();
    tx.send(Group { item, done })
        .map_err(|_| BusError::Closed)?;
    answer
        .await
        .map_err(|_| BusError::Closed)?
        .map_err(|e| BusError::Store(StoreError::Backend(e)))
}

/// True for a write conflict between concurrent transactions, which is worth retrying.
fn is_conflict(e: &StoreError) -> bool {
    e.is_conflict()
}

impl Inner {
    async fn claim(&self, lane: Lane, limit: usize) -> BusResult<Vec<LeasedJob>> {
        let _one_claimer = self.claiming[slot(lane)].lock().await;
        let mut tries = 0;
        loop {
            let now = now_ms();
            let until = now + self.opts.visibility_timeout.as_millis() as i64;
            match self.db.claim(lane.as_str(), now, until, limit).await {
                Ok(jobs) => return Ok(jobs),
                Err(e) if is_conflict(&e) && tries < 10 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(tries * 3)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}

#[async_trait]
impl JobBus for EmbeddedBus {
    fn backend(&self) -> &'static str {
        "embedded"
    }

    async fn publish_many(&self, jobs: Vec<NewJob>) -> BusResult<Vec<String>> {
        let now = now_ms();
        let mut ids = Vec::with_capacity(jobs.len());
        let mut rows = Vec::with_capacity(jobs.len());
        for job in jobs {
            let id = new_id();
            let lane = job.lane;
            let env = Envelope {
                id: id.clone(),
                published_at_ms: now,
                attempts_allowed: job.max_attempts.unwrap_or(self.inner.opts.max_attempts),
                job,
            };
            rows.push(ReadyJob {
                id: id.clone(),
                lane: lane.as_str().to_string(),
                visible_at: now,
                body: serde_json::to_string(&env).map_err(|e| BusError::Broker(e.to_string()))?,
                attempt: 0,
                last_error: None,
            });
            self.inner
                .metrics
                .lane(lane)
                .published
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            ids.push(id);
        }
        submit(&self.inner.publish_tx, rows).await?;
        Ok(ids)
    }

    async fn consumer(&self, lane: Lane, prefetch: usize) -> BusResult<Box<dyn Consumer>> {
        Ok(Box::new(EmbeddedConsumer {
            inner: self.inner.clone(),
            lane,
            prefetch: prefetch.max(1),
            buffer: VecDeque::new(),
            closed: false,
        }))
    }

    async fn lane_counts(&self, lane: Lane) -> BusResult<LaneCounts> {
        Ok(self.inner.db.counts(lane.as_str(), now_ms()).await?)
    }

    fn metrics(&self) -> &Arc<BusMetrics> {
        &self.inner.metrics
    }
}

struct EmbeddedConsumer {
    inner: Arc<Inner>,
    lane: Lane,
    prefetch: usize,
    buffer: VecDeque<LeasedJob>,
    closed: bool,
}

impl EmbeddedConsumer {
    fn settle(&self, leased: &LeasedJob) -> Box<dyn Settle> {
        Box::new(EmbeddedSettle {
            inner: self.inner.clone(),
            lane: self.lane,
            lease: Mutex::new(Lease {
                lane: leased.lane.clone(),
                id: leased.id.clone(),
                lease_until: leased.lease_until,
            }),
        })
    }
}

#[async_trait]
impl Consumer for EmbeddedConsumer {
    async fn next(&mut self) -> BusResult<Delivery> {
        loop {
            if self.closed {
                return Err(BusError::Closed);
            }
            if let Some(leased) = self.buffer.pop_front() {
                let settle = self.settle(&leased);
                match serde_json::from_str::<Envelope>(&leased.body) {
                    Ok(env) => {
                        return Ok(Delivery {
                            job: Job::from_envelope(env, leased.attempt, leased.last_error),
                            settle,
                            backoff: self.inner.opts.backoff,
                        });
                    }
                    Err(e) => {
                        bury_unreadable(&*settle, &leased, self.lane, &e.to_string()).await?;
                        continue;
                    }
                }
            }
            let wake = self.inner.wake[slot(self.lane)].notified();
            tokio::pin!(wake);
            wake.as_mut().enable();
            let got = self.inner.claim(self.lane, self.prefetch).await?;
            if got.is_empty() {
                tokio::select! {
                    _ = wake => {}
                    _ = tokio::time::sleep(self.inner.opts.poll_interval) => {}
                }
            } else {
                self.buffer.extend(got);
            }
        }
    }

    async fn close(&mut self) {
        self.closed = true;
        for leased in std::mem::take(&mut self.buffer) {
            let lease = Lease {
                lane: leased.lane,
                id: leased.id,
                lease_until: leased.lease_until,
            };
            let _ = self.inner.db.requeue(&lease, now_ms(), false, None).await;
        }
    }
}

/// A job whose body cannot be read would fail forever: it goes straight to the dead letters.
async fn bury_unreadable(
    settle: &dyn Settle,
    leased: &LeasedJob,
    lane: Lane,
    error: &str,
) -> BusResult<()> {
    tracing::error!(id = %leased.id, error, "unreadable job dead-lettered");
    settle
        .bury(DeadJob {
            id: leased.id.clone(),
            tenant: None,
            lane: lane.as_str().to_string(),
            kind: "unknown".into(),
            body: leased.body.clone(),
            attempts: leased.attempt,
            error: format!("unreadable job: {error}"),
            failed_at: now_ms(),
        })
        .await?;
    Ok(())
}

struct EmbeddedSettle {
    inner: Arc<Inner>,
    lane: Lane,
    lease: Mutex<Lease>,
}

impl EmbeddedSettle {
    fn lease(&self) -> Lease {
        self.lease.lock().expect("lease lock").clone()
    }
}

#[async_trait]
impl Settle for EmbeddedSettle {
    async fn ack(&self) -> BusResult<bool> {
        submit(&self.inner.ack_tx, self.lease()).await
    }

    async fn retry(&self, delay: Duration, error: &str) -> BusResult<bool> {
        let visible = now_ms() + delay.as_millis() as i64;
        Ok(self
            .inner
            .db
            .requeue(&self.lease(), visible, true, Some(error))
            .await?)
    }

    async fn bury(&self, dead: DeadJob) -> BusResult<bool> {
        Ok(self.inner.db.bury(&self.lease(), &dead).await?)
    }

    async fn release(&self) -> BusResult<bool> {
        let held = self
            .inner
            .db
            .requeue(&self.lease(), now_ms(), false, None)
            .await?;
        self.inner.wake[slot(self.lane)].notify_waiters();
        Ok(held)
    }

    async fn extend(&self) -> BusResult<bool> {
        let until = now_ms() + self.inner.opts.visibility_timeout.as_millis() as i64;
        let current = self.lease();
        match self.inner.db.extend(&current, until).await? {
            Some(lease) => {
                *self.lease.lock().expect("lease lock") = lease;
                Ok(true)
            }
            None => Ok(false),
        }
    }
}
