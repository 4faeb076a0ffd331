//! Inbound messages of a company that arrive at the same moment are written together, in one
//! transaction (group commit). A company has a few writer tasks while messages come in, each
//! for a share of its customers (by number, so one customer's messages keep their order and
//! two writers never touch the same ticket): a writer takes whatever waits when it is free,
//! up to [`MAX_BATCH`], and answers each sender. While one writer's transaction runs, another
//! can look up and write its own batch. A writer that goes quiet for [`IDLE`] ends; the next
//! message starts another.
//!
//! Only the common case goes this way (see [`TenantDb::record_inbound_batch`]); whatever the
//! writer declines, or cannot answer, takes the one-message path.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};
use tucan_store::{InboundMemo, QuickInbound, QuickOutcome, TenantDb};

/// Most messages written in one transaction. A SurrealDB transaction's cost grows faster than
/// its size, so a few dozen at once is the sweet spot.
const MAX_BATCH: usize = 32;

/// How long a company's writer waits for a message before it ends.
const IDLE: Duration = Duration::from_secs(30);

/// Writers per company: one per core, at least two, so a batch's round trips overlap with
/// another's work.
fn writers_per_company() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8))
}

/// Which of a company's writers takes messages from `phone`.
fn shard_of(phone: &str, shards: usize) -> usize {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    phone.hash(&mut h);
    (h.finish() % shards as u64) as usize
}

struct Pending {
    item: QuickInbound,
    done: oneshot::Sender<Option<QuickOutcome>>,
    /// When it was handed to the writer.
    since: Instant,
}

/// The running writers, by (company, shard).
type Writers = Mutex<HashMap<(String, usize), (u64, mpsc::UnboundedSender<Pending>)>>;

pub(crate) struct InboundBatcher {
    writers: Arc<Writers>,
    started: std::sync::atomic::AtomicU64,
    shards: usize,
}

impl Default for InboundBatcher {
    fn default() -> Self {
        InboundBatcher {
            writers: Arc::default(),
            started: Default::default(),
            shards: writers_per_company(),
        }
    }
}

impl std::fmt::Debug for InboundBatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.writers.lock().map(|m| m.len()).unwrap_or(0);
        f.debug_struct("InboundBatcher")
            .field("writers", &n)
            .finish()
    }
}

impl InboundBatcher {
    /// Write `item` with the company's other inbound messages of the moment. `None` when the
    /// batch could not be written (a conflict, say): nothing of it is stored, and the caller
    /// takes the one-message path.
    pub(crate) async fn write(&self, db: &TenantDb, item: QuickInbound) -> Option<QuickOutcome> {
        let (done, answer) = oneshot::channel();
        let mut pending = Pending {
            item,
            done,
            since: Instant::now(),
        };
        let shard = shard_of(&pending.item.phone, self.shards);
        // A writer that just ended refuses the message; the second try starts a new one.
        for _ in 0..2 {
            let tx = self.writer_of(db, shard);
            match tx.send(pending) {
                Ok(()) => return answer.await.ok().flatten(),
                Err(mpsc::error::SendError(back)) => pending = back,
            }
        }
        None
    }

    fn writer_of(&self, db: &TenantDb, shard: usize) -> mpsc::UnboundedSender<Pending> {
        let key = (db.tenant_id().to_string(), shard);
        let mut writers = self.writers.lock().expect("inbound writers poisoned");
        if let Some((_, tx)) = writers.get(&key)
            && !tx.is_closed()
        {
            return tx.clone();
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let id = self
            .started
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        writers.insert(key.clone(), (id, tx.clone()));
        tokio::spawn(run_writer(db.clone(), rx, self.writers.clone(), (key, id)));
        tx
    }
}

async fn run_writer(
    db: TenantDb,
    mut rx: mpsc::UnboundedReceiver<Pending>,
    writers: Arc<Writers>,
    (key, id): ((String, usize), u64),
) {
    // What this writer's last batches left of its customers, so the next can skip a lookup.
    let mut memo = InboundMemo::default();
    loop {
        let first = match tokio::time::timeout(IDLE, rx.recv()).await {
            Ok(Some(p)) => p,
            Ok(None) => return,
            Err(_) => {
                // Quiet: leave the map, refuse new messages, and write what slipped in.
                {
                    let mut map = writers.lock().expect("inbound writers poisoned");
                    if map.get(&key).is_some_and(|(i, _)| *i == id) {
                        map.remove(&key);
                    }
                }
                rx.close();
                let mut rest = Vec::new();
                while let Ok(p) = rx.try_recv() {
                    rest.push(p);
                }
                while !rest.is_empty() {
                    let n = rest.len().min(MAX_BATCH);
                    write_group(&db, rest.drain(..n).collect(), &mut memo).await;
                }
                return;
            }
        };
        let mut group = vec![first];
        while group.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(p) => group.push(p),
                Err(_) => break,
            }
        }
        write_group(&db, group, &mut memo).await;
    }
}

async fn write_group(db: &TenantDb, group: Vec<Pending>, memo: &mut InboundMemo) {
    let waited = group.iter().map(|p| p.since.elapsed()).max();
    tracing::debug!(
        tenant = db.tenant_id(),
        size = group.len(),
        oldest_waited_us = waited.unwrap_or_default().as_micros() as u64,
        "inbound group taken"
    );
    let (items, answers): (Vec<QuickInbound>, Vec<_>) =
        group.into_iter().map(|p| (p.item, p.done)).unzip();
    match db.record_inbound_batch_with(&items, memo).await {
        Ok(outcomes) => {
            for (done, outcome) in answers.into_iter().zip(outcomes) {
                let _ = done.send(Some(outcome));
            }
        }
        Err(e) => {
            tracing::debug!(tenant = db.tenant_id(), size = items.len(), error = %e, "inbound batch not written; one by one instead");
            for done in answers {
                let _ = done.send(None);
            }
        }
    }
}
