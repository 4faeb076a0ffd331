//! Inbound messages of a company that arrive at the same moment are written together, in one
//! transaction (group commit). Each company has one writer task while messages come in: it
//! takes whatever waits when it is free, up to [`MAX_BATCH`], and answers each sender. A
//! company that goes quiet for [`IDLE`] loses its writer; the next message starts another.
//!
//! Only the common case goes this way (see [`TenantDb::record_inbound_batch`]); whatever the
//! writer declines, or cannot answer, takes the one-message path.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tucan_store::{QuickInbound, QuickOutcome, TenantDb};

/// Most messages written in one transaction. A SurrealDB transaction's cost grows faster than
/// its size, so a few dozen at once is the sweet spot.
const MAX_BATCH: usize = 32;

/// How long a company's writer waits for a message before it ends.
const IDLE: Duration = Duration::from_secs(30);

struct Pending {
    item: QuickInbound,
    done: oneshot::Sender<Option<QuickOutcome>>,
}

type Writers = Mutex<HashMap<String, (u64, mpsc::UnboundedSender<Pending>)>>;

#[derive(Default)]
pub(crate) struct InboundBatcher {
    writers: Arc<Writers>,
    started: std::sync::atomic::AtomicU64,
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
        let mut pending = Pending { item, done };
        // A writer that just ended refuses the message; the second try starts a new one.
        for _ in 0..2 {
            let tx = self.writer_of(db);
            match tx.send(pending) {
                Ok(()) => return answer.await.ok().flatten(),
                Err(mpsc::error::SendError(back)) => pending = back,
            }
        }
        None
    }

    fn writer_of(&self, db: &TenantDb) -> mpsc::UnboundedSender<Pending> {
        let mut writers = self.writers.lock().expect("inbound writers poisoned");
        if let Some((_, tx)) = writers.get(db.tenant_id())
            && !tx.is_closed()
        {
            return tx.clone();
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let id = self
            .started
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        writers.insert(db.tenant_id().to_string(), (id, tx.clone()));
        tokio::spawn(run_writer(db.clone(), rx, self.writers.clone(), id));
        tx
    }
}

async fn run_writer(
    db: TenantDb,
    mut rx: mpsc::UnboundedReceiver<Pending>,
    writers: Arc<Writers>,
    id: u64,
) {
    loop {
        let first = match tokio::time::timeout(IDLE, rx.recv()).await {
            Ok(Some(p)) => p,
            Ok(None) => return,
            Err(_) => {
                // Quiet: leave the map, refuse new messages, and write what slipped in.
                {
                    let mut map = writers.lock().expect("inbound writers poisoned");
                    if map.get(db.tenant_id()).is_some_and(|(i, _)| *i == id) {
                        map.remove(db.tenant_id());
                    }
                }
                rx.close();
                let mut rest = Vec::new();
                while let Ok(p) = rx.try_recv() {
                    rest.push(p);
                }
                while !rest.is_empty() {
                    let n = rest.len().min(MAX_BATCH);
                    write_group(&db, rest.drain(..n).collect()).await;
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
        write_group(&db, group).await;
    }
}

async fn write_group(db: &TenantDb, group: Vec<Pending>) {
    let (items, answers): (Vec<QuickInbound>, Vec<_>) =
        group.into_iter().map(|p| (p.item, p.done)).unzip();
    match db.record_inbound_batch(&items).await {
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
