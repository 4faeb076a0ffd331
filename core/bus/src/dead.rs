//! The dead-letter archive, shared by both backends: jobs that used their attempts (or failed
//! for good) are kept in the store, listed per tenant, and replayed as fresh jobs.

use serde::Serialize;
use serde_json::Value;
use tucan_store::{DeadJob, JobsDb};

use crate::bus::{BusResult, JobBus};
use crate::job::{Envelope, Job, NewJob};

/// A dead job as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct DeadLetter {
    pub id: String,
    pub tenant: Option<String>,
    pub lane: String,
    pub kind: String,
    pub payload: Value,
    pub attempts: u32,
    pub error: String,
    pub failed_at_ms: i64,
}

/// The archive.
#[derive(Clone)]
pub struct DeadLetters {
    db: JobsDb,
}

impl std::fmt::Debug for DeadLetters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeadLetters")
    }
}

impl DeadLetters {
    pub fn new(db: JobsDb) -> Self {
        DeadLetters { db }
    }

    /// Newest first; `tenant: None` lists every tenant's (platform admins).
    pub async fn list(
        &self,
        tenant: Option<&str>,
        before: Option<&str>,
        limit: usize,
    ) -> BusResult<Vec<DeadLetter>> {
        let rows = self.db.list_dead(tenant, before, limit).await?;
        Ok(rows.into_iter().map(to_letter).collect())
    }

    pub async fn get(&self, id: &str) -> BusResult<Option<DeadLetter>> {
        Ok(self.db.get_dead(id).await?.map(to_letter))
    }

    pub async fn count(&self, tenant: Option<&str>) -> BusResult<u64> {
        Ok(self.db.count_dead(tenant).await?)
    }

    /// Publish the job again with fresh attempts and the same idempotency key; returns the
    /// new job id, or `None` when there is no such dead job. If publishing fails the dead job
    /// is put back.
    pub async fn replay(&self, id: &str, bus: &dyn JobBus) -> BusResult<Option<String>> {
        let Some(dead) = self.db.take_dead(id).await? else {
            return Ok(None);
        };
        let job = match serde_json::from_str::<Envelope>(&dead.body) {
            Ok(env) => replayed(env),
            Err(e) => {
                self.db.insert_dead(&dead).await?;
                tracing::warn!(id, error = %e, "dead job body unreadable, kept");
                return Ok(None);
            }
        };
        match bus.publish(job).await {
            Ok(new_id) => Ok(Some(new_id)),
            Err(e) => {
                self.db.insert_dead(&dead).await?;
                Err(e)
            }
        }
    }

    /// Delete a dead job for good; false when there was none.
    pub async fn discard(&self, id: &str) -> BusResult<bool> {
        Ok(self.db.take_dead(id).await?.is_some())
    }

    pub(crate) async fn archive(&self, dead: &DeadJob) -> BusResult<()> {
        Ok(self.db.insert_dead(dead).await?)
    }
}

/// The job keeps its key (so a replay of an effect that did happen is still recognised)
/// but gets the full attempts again.
fn replayed(env: Envelope) -> NewJob {
    NewJob {
        max_attempts: Some(env.attempts_allowed),
        ..env.job
    }
}

/// The stored form of a job, enough to publish it again.
pub(crate) fn body_of(job: &Job) -> String {
    let env = Envelope {
        id: job.id.clone(),
        published_at_ms: job.published_at_ms,
        attempts_allowed: job.max_attempts,
        job: job.to_new_job(),
    };
    serde_json::to_string(&env).unwrap_or_default()
}

fn to_letter(dead: DeadJob) -> DeadLetter {
    let payload = serde_json::from_str::<Envelope>(&dead.body)
        .map(|env| env.job.payload)
        .unwrap_or(Value::Null);
    DeadLetter {
        id: dead.id,
        tenant: dead.tenant,
        lane: dead.lane,
        kind: dead.kind,
        payload,
        attempts: dead.attempts,
        error: dead.error,
        failed_at_ms: dead.failed_at,
    }
}
