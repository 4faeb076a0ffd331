//! The embedded job queue, the dead-letter archive and durable timers, in the platform
//! database. Keys are ordered so every hot operation is a key-range scan:
//! `job_ready:[lane, visible_at, id]`, `job_leased:[lane, lease_until, id]`, `timer:[due, name]`.
//! Times are milliseconds since the Unix epoch, passed in by the caller.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

use crate::db::{execute, fetch, rows, rows_at};
use crate::error::StoreResult;

/// Handle on the job tables.
#[derive(Clone)]
pub struct JobsDb {
    db: Surreal<Any>,
}

/// A job waiting in a lane.
#[derive(Debug, Clone, Serialize)]
pub struct ReadyJob {
    pub id: String,
    pub lane: String,
    pub visible_at: i64,
    /// The job's immutable description (kind, tenant, payload…) as JSON text.
    pub body: String,
    /// Deliveries made so far.
    pub attempt: u32,
    pub last_error: Option<String>,
}

/// A job handed to a consumer until `lease_until`; past that it is visible again.
#[derive(Debug, Clone, Deserialize)]
pub struct LeasedJob {
    pub id: String,
    pub lease_until: i64,
    pub lane: String,
    pub body: String,
    /// Deliveries made, this one included.
    pub attempt: u32,
    pub last_error: Option<String>,
}

/// The lease a consumer holds: the leased record's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub lane: String,
    pub id: String,
    pub lease_until: i64,
}

/// A job that failed for good, kept until replayed or deleted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeadJob {
    pub id: String,
    pub tenant: Option<String>,
    pub lane: String,
    pub kind: String,
    pub body: String,
    pub attempts: u32,
    pub error: String,
    pub failed_at: i64,
}

/// Jobs per lane: visible now, delayed (visible later), and leased.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LaneCounts {
    pub ready: u64,
    pub delayed: u64,
    pub leased: u64,
}

/// A timer that came due, leased to the scanner that claimed it.
#[derive(Debug, Clone, Deserialize)]
pub struct DueTimer {
    pub name: String,
    pub due: i64,
    pub body: String,
}

const LEASED_FIELDS: &str =
    "record::id(id)[2] AS id, record::id(id)[1] AS lease_until, lane, body, attempt, last_error";

impl JobsDb {
    pub(crate) fn new(db: Surreal<Any>) -> Self {
        JobsDb { db }
    }

    /// Store jobs; they are durable when this returns.
    pub async fn enqueue(&self, jobs: &[ReadyJob]) -> StoreResult<()> {
        if jobs.is_empty() {
            return Ok(());
        }
        let rows: Vec<Value> = jobs
            .iter()
            .map(|j| {
                let mut row = json!({
                    "id": [j.lane, j.visible_at, j.id],
                    "body": j.body,
                    "attempt": j.attempt,
                });
                if let Some(e) = &j.last_error {
                    row["last_error"] = json!(e);
                }
                row
            })
            .collect();
        execute(
            &self.db,
            "INSERT INTO job_ready $rows RETURN NONE",
            json!({ "rows": rows }),
        )
        .await
    }

    /// Lease up to `limit` jobs of `lane` visible at `now` until `lease_until`, oldest first.
    /// Leases that expired before `now` are put back first, so a crashed consumer's jobs
    /// are delivered again.
    pub async fn claim(
        &self,
        lane: &str,
        now: i64,
        lease_until: i64,
        limit: usize,
    ) -> StoreResult<Vec<LeasedJob>> {
        let sql = format!(
            "BEGIN TRANSACTION;
LET $expired = SELECT id, record::id(id)[2] AS key, body, attempt, last_error FROM job_leased:[$lane, 0]..[$lane, $now] LIMIT 500;
DELETE $expired.id;
INSERT INTO job_ready $expired.map(|$e| {{ id: [$lane, $now, $e.key], body: $e.body, attempt: $e.attempt, last_error: $e.last_error }}) RETURN NONE;
LET $ready = SELECT id, record::id(id)[2] AS key, body, attempt, last_error FROM job_ready:[$lane, 0]..[$lane, $upto] LIMIT $limit;
DELETE $ready.id;
LET $leased = INSERT INTO job_leased $ready.map(|$r| {{ id: [$lane, $until, $r.key], lane: $lane, body: $r.body, attempt: $r.attempt + 1, last_error: $r.last_error }});
RETURN SELECT {LEASED_FIELDS} FROM $leased;
COMMIT TRANSACTION;"
        );
        let rows = rows_at(
            &self.db,
            &sql,
            json!({ "lane": lane, "now": now, "upto": now + 1, "until": lease_until, "limit": limit }),
            7,
        )
        .await?;
        decode(rows)
    }

    /// Remove acknowledged jobs; returns the leases that were still held (the others had
    /// expired and may be running elsewhere).
    pub async fn ack(&self, leases: &[Lease]) -> StoreResult<Vec<Lease>> {
        if leases.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<Value> = leases
            .iter()
            .map(|l| json!([l.lane, l.lease_until, l.id]))
            .collect();
        let gone = rows(
            &self.db,
            "LET $gone = DELETE $keys.map(|$k| type::record('job_leased', $k)) RETURN BEFORE;
RETURN $gone.map(|$g| record::id($g.id));",
            json!({ "keys": keys }),
        )
        .await?;
        Ok(gone
            .iter()
            .filter_map(|key| {
                Some(Lease {
                    lane: key.get(0)?.as_str()?.to_string(),
                    lease_until: key.get(1)?.as_i64()?,
                    id: key.get(2)?.as_str()?.to_string(),
                })
            })
            .collect())
    }

    /// Put a leased job back in its lane, visible at `visible_at`. `count_attempt: false`
    /// gives the delivery back without counting it (a worker shutting down). False when the
    /// lease had already expired.
    pub async fn requeue(
        &self,
        lease: &Lease,
        visible_at: i64,
        count_attempt: bool,
        error: Option<&str>,
    ) -> StoreResult<bool> {
        let moved = rows_at(
            &self.db,
            "BEGIN TRANSACTION;
LET $job = (DELETE type::record('job_leased', [$lane, $until, $id]) RETURN BEFORE)[0];
IF $job != NONE {
    INSERT INTO job_ready { id: [$job.lane, $visible, $id], body: $job.body,
        attempt: IF $count { $job.attempt } ELSE { $job.attempt - 1 },
        last_error: $error ?? $job.last_error } RETURN NONE;
};
RETURN $job != NONE;
COMMIT TRANSACTION;",
            json!({ "lane": lease.lane, "until": lease.lease_until, "id": lease.id, "visible": visible_at, "count": count_attempt, "error": error }),
            3,
        )
        .await?;
        Ok(moved.first().and_then(Value::as_bool).unwrap_or(false))
    }

    /// Move a leased job to the dead-letter archive. False when the lease had expired.
    pub async fn bury(&self, lease: &Lease, dead: &DeadJob) -> StoreResult<bool> {
        let moved = rows_at(
            &self.db,
            "BEGIN TRANSACTION;
LET $job = (DELETE type::record('job_leased', [$lane, $until, $id]) RETURN BEFORE)[0];
IF $job != NONE { UPSERT type::record('job_dead', $id) CONTENT $dead RETURN NONE };
RETURN $job != NONE;
COMMIT TRANSACTION;",
            json!({ "lane": lease.lane, "until": lease.lease_until, "id": lease.id, "dead": dead_content(dead) }),
            3,
        )
        .await?;
        Ok(moved.first().and_then(Value::as_bool).unwrap_or(false))
    }

    /// Move a lease's end to `new_until`; `None` when the lease had already expired.
    pub async fn extend(&self, lease: &Lease, new_until: i64) -> StoreResult<Option<Lease>> {
        let moved = rows_at(
            &self.db,
            "BEGIN TRANSACTION;
LET $job = (DELETE type::record('job_leased', [$lane, $until, $id]) RETURN BEFORE)[0];
IF $job != NONE {
    INSERT INTO job_leased { id: [$lane, $new_until, $id], lane: $job.lane, body: $job.body,
        attempt: $job.attempt, last_error: $job.last_error } RETURN NONE;
};
RETURN $job != NONE;
COMMIT TRANSACTION;",
            json!({ "lane": lease.lane, "until": lease.lease_until, "id": lease.id, "new_until": new_until }),
            3,
        )
        .await?;
        let held = moved.first().and_then(Value::as_bool).unwrap_or(false);
        Ok(held.then(|| Lease {
            lane: lease.lane.clone(),
            id: lease.id.clone(),
            lease_until: new_until,
        }))
    }

    /// Jobs per lane at `now`.
    pub async fn counts(&self, lane: &str, now: i64) -> StoreResult<LaneCounts> {
        let res = rows_at(
            &self.db,
            "RETURN {
    ready: count(SELECT VALUE 1 FROM job_ready:[$lane, 0]..[$lane, $upto]),
    delayed: count(SELECT VALUE 1 FROM job_ready:[$lane, $upto]..[$lane, 9007199254740991]),
    leased: count(SELECT VALUE 1 FROM job_leased:[$lane, 0]..[$lane, 9007199254740991]),
};",
            json!({ "lane": lane, "upto": now + 1 }),
            0,
        )
        .await?;
        let get = |k: &str| {
            res.first()
                .and_then(|r| r.get(k))
                .and_then(Value::as_u64)
                .unwrap_or(0)
        };
        Ok(LaneCounts {
            ready: get("ready"),
            delayed: get("delayed"),
            leased: get("leased"),
        })
    }

    /// Archive a dead job (idempotent on its id).
    pub async fn insert_dead(&self, dead: &DeadJob) -> StoreResult<()> {
        execute(
            &self.db,
            "UPSERT type::record('job_dead', $id) CONTENT $dead RETURN NONE",
            json!({ "id": dead.id, "dead": dead_content(dead) }),
        )
        .await
    }

    /// Dead jobs, newest first, of one tenant or (with `None`) of all; `before` is the
    /// id of the last job of the previous page.
    pub async fn list_dead(
        &self,
        tenant: Option<&str>,
        before: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<DeadJob>> {
        let mut filters = Vec::new();
        if tenant.is_some() {
            filters.push("tenant = $tenant");
        }
        if before.is_some() {
            filters.push("id < type::record('job_dead', $before)");
        }
        let filter = if filters.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", filters.join(" AND "))
        };
        fetch(
            &self.db,
            &format!("SELECT * FROM job_dead {filter} ORDER BY id DESC LIMIT $limit"),
            json!({ "tenant": tenant, "before": before, "limit": limit }),
        )
        .await
    }

    pub async fn get_dead(&self, id: &str) -> StoreResult<Option<DeadJob>> {
        Ok(fetch(
            &self.db,
            "SELECT * FROM type::record('job_dead', $id)",
            json!({ "id": id }),
        )
        .await?
        .into_iter()
        .next())
    }

    /// Remove a dead job, returning it.
    pub async fn take_dead(&self, id: &str) -> StoreResult<Option<DeadJob>> {
        Ok(fetch(
            &self.db,
            "DELETE type::record('job_dead', $id) RETURN BEFORE",
            json!({ "id": id }),
        )
        .await?
        .into_iter()
        .next())
    }

    pub async fn count_dead(&self, tenant: Option<&str>) -> StoreResult<u64> {
        let filter = if tenant.is_some() {
            "WHERE tenant = $tenant"
        } else {
            ""
        };
        let res = rows(
            &self.db,
            &format!("SELECT count() FROM job_dead {filter} GROUP ALL"),
            json!({ "tenant": tenant }),
        )
        .await?;
        Ok(res
            .first()
            .and_then(|r| r.get("count"))
            .and_then(Value::as_u64)
            .unwrap_or(0))
    }

    /// Set (or move) the timer `name` to fire at `due`.
    pub async fn set_timer(&self, name: &str, due: i64, body: &str) -> StoreResult<()> {
        execute(
            &self.db,
            "BEGIN TRANSACTION;
DELETE timer WHERE name = $name;
CREATE type::record('timer', [$due, $name]) CONTENT { name: $name, body: $body, lease_until: 0 } RETURN NONE;
COMMIT TRANSACTION;",
            json!({ "name": name, "due": due, "body": body }),
        )
        .await
    }

    /// Remove the timer `name`; false when there was none.
    pub async fn cancel_timer(&self, name: &str) -> StoreResult<bool> {
        let gone = rows(
            &self.db,
            "DELETE timer WHERE name = $name RETURN BEFORE",
            json!({ "name": name }),
        )
        .await?;
        Ok(!gone.is_empty())
    }

    /// Lease up to `limit` timers due at `now` whose lease is free, until `lease_until`.
    pub async fn claim_timers(
        &self,
        now: i64,
        lease_until: i64,
        limit: usize,
    ) -> StoreResult<Vec<DueTimer>> {
        let rows = rows_at(
            &self.db,
            "BEGIN TRANSACTION;
LET $due = SELECT VALUE id FROM timer:[0]..[$upto] WHERE lease_until < $now LIMIT $limit;
RETURN UPDATE $due SET lease_until = $until RETURN name, record::id(id)[0] AS due, body;
COMMIT TRANSACTION;",
            json!({ "now": now, "upto": now + 1, "until": lease_until, "limit": limit }),
            2,
        )
        .await?;
        decode(rows)
    }

    /// Remove a fired timer, unless it was set again meanwhile (then its key differs).
    pub async fn delete_timer(&self, name: &str, due: i64) -> StoreResult<()> {
        execute(
            &self.db,
            "DELETE type::record('timer', [$due, $name])",
            json!({ "name": name, "due": due }),
        )
        .await
    }

    /// When the earliest timer not leased at `now` is due, if any.
    pub async fn next_timer_due(&self, now: i64) -> StoreResult<Option<i64>> {
        let res = rows(
            &self.db,
            "SELECT VALUE record::id(id)[0] FROM timer WHERE lease_until < $now LIMIT 1",
            json!({ "now": now }),
        )
        .await?;
        Ok(res.first().and_then(Value::as_i64))
    }

    pub async fn timer_exists(&self, name: &str) -> StoreResult<bool> {
        let res = rows(
            &self.db,
            "SELECT VALUE name FROM timer WHERE name = $name",
            json!({ "name": name }),
        )
        .await?;
        Ok(!res.is_empty())
    }
}

fn dead_content(dead: &DeadJob) -> Value {
    let mut content = serde_json::to_value(dead).unwrap_or_default();
    if let Some(obj) = content.as_object_mut() {
        obj.remove("id");
        if dead.tenant.is_none() {
            obj.remove("tenant");
        }
    }
    content
}

fn decode<T: serde::de::DeserializeOwned>(rows: Vec<Value>) -> StoreResult<Vec<T>> {
    rows.into_iter()
        .map(|mut v| {
            if let Some(obj) = v.as_object_mut() {
                obj.retain(|_, value| !value.is_null());
            }
            serde_json::from_value(v).map_err(Into::into)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    fn job(id: &str, lane: &str, visible_at: i64) -> ReadyJob {
        ReadyJob {
            id: id.into(),
            lane: lane.into(),
            visible_at,
            body: format!("{{\"n\":\"{id}\"}}"),
            attempt: 0,
            last_error: None,
        }
    }

    fn lease(j: &LeasedJob) -> Lease {
        Lease {
            lane: j.lane.clone(),
            id: j.id.clone(),
            lease_until: j.lease_until,
        }
    }

    #[tokio::test]
    async fn claims_in_visibility_order_and_acks_once() {
        let jobs = Store::memory().await.unwrap().jobs();
        jobs.enqueue(&[
            job("b", "flow", 20),
            job("a", "flow", 10),
            job("c", "flow", 500),
        ])
        .await
        .unwrap();
        jobs.enqueue(&[job("x", "campaign", 10)]).await.unwrap();

        let got = jobs.claim("flow", 100, 1100, 10).await.unwrap();
        let ids: Vec<&str> = got.iter().map(|j| j.id.as_str()).collect();
        assert_eq!(
            ids,
            ["a", "b"],
            "only visible jobs of the lane, oldest first"
        );
        assert!(got.iter().all(|j| j.attempt == 1 && j.lease_until == 1100));
        assert_eq!(got[0].body, "{\"n\":\"a\"}");

        let counts = jobs.counts("flow", 100).await.unwrap();
        assert_eq!((counts.ready, counts.delayed, counts.leased), (0, 1, 2));

        let acked = jobs.ack(&[lease(&got[0]), lease(&got[0])]).await.unwrap();
        assert_eq!(acked, vec![lease(&got[0])]);
        assert!(jobs.ack(&[lease(&got[0])]).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn expired_leases_come_back_and_stale_acks_fail() {
        let jobs = Store::memory().await.unwrap().jobs();
        jobs.enqueue(&[job("a", "flow", 0)]).await.unwrap();
        let first = jobs.claim("flow", 10, 50, 10).await.unwrap();
        assert_eq!(first.len(), 1);
        assert!(jobs.claim("flow", 20, 60, 10).await.unwrap().is_empty());

        let second = jobs.claim("flow", 51, 100, 10).await.unwrap();
        assert_eq!(second.len(), 1);
        assert_eq!(second[0].attempt, 2);
        assert!(jobs.ack(&[lease(&first[0])]).await.unwrap().is_empty());
        assert!(
            !jobs
                .requeue(&lease(&first[0]), 0, true, None)
                .await
                .unwrap()
        );
        assert_eq!(jobs.ack(&[lease(&second[0])]).await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn requeue_extend_and_bury() {
        let jobs = Store::memory().await.unwrap().jobs();
        jobs.enqueue(&[job("a", "flow", 0)]).await.unwrap();
        let got = jobs.claim("flow", 10, 50, 10).await.unwrap();
        assert!(
            jobs.requeue(&lease(&got[0]), 30, true, Some("boom"))
                .await
                .unwrap()
        );
        assert!(jobs.claim("flow", 20, 60, 10).await.unwrap().is_empty());
        let again = jobs.claim("flow", 30, 80, 10).await.unwrap();
        assert_eq!(again[0].attempt, 2);
        assert_eq!(again[0].last_error.as_deref(), Some("boom"));

        let extended = jobs.extend(&lease(&again[0]), 500).await.unwrap().unwrap();
        assert!(jobs.claim("flow", 100, 600, 10).await.unwrap().is_empty());
        assert!(jobs.extend(&lease(&again[0]), 900).await.unwrap().is_none());

        let dead = DeadJob {
            id: "a".into(),
            tenant: Some("t1".into()),
            lane: "flow".into(),
            kind: "k".into(),
            body: again[0].body.clone(),
            attempts: 2,
            error: "gave up".into(),
            failed_at: 7,
        };
        assert!(jobs.bury(&extended, &dead).await.unwrap());
        assert_eq!(jobs.list_dead(Some("t1"), None, 10).await.unwrap().len(), 1);
        assert!(
            jobs.list_dead(Some("t2"), None, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(jobs.count_dead(None).await.unwrap(), 1);
        let taken = jobs.take_dead("a").await.unwrap().unwrap();
        assert_eq!(taken.error, "gave up");
        assert!(jobs.get_dead("a").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn timers_fire_once_per_lease_and_can_move() {
        let jobs = Store::memory().await.unwrap().jobs();
        jobs.set_timer("t-a", 100, "A").await.unwrap();
        jobs.set_timer("t-b", 300, "B").await.unwrap();
        jobs.set_timer("t-b", 200, "B2").await.unwrap();
        assert_eq!(jobs.next_timer_due(1).await.unwrap(), Some(100));
        assert!(jobs.claim_timers(99, 1000, 10).await.unwrap().is_empty());

        let due = jobs.claim_timers(250, 1000, 10).await.unwrap();
        let names: Vec<&str> = due.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["t-a", "t-b"]);
        assert_eq!(due[1].body, "B2");
        assert!(jobs.claim_timers(260, 1000, 10).await.unwrap().is_empty());
        assert_eq!(jobs.claim_timers(1001, 2000, 10).await.unwrap().len(), 2);

        jobs.delete_timer("t-a", 100).await.unwrap();
        assert!(!jobs.timer_exists("t-a").await.unwrap());
        assert!(jobs.cancel_timer("t-b").await.unwrap());
        assert_eq!(jobs.next_timer_due(1).await.unwrap(), None);
    }
}
