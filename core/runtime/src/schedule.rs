//! Schedule triggers. Publishing a flow arms a durable timer per `trigger.schedule` node,
//! named after the tenant, flow and node (so arming again moves it). When it fires, the
//! `flow.schedule` job starts a run — with an id derived from the tick, so a redelivered tick
//! finds its run and starts nothing — and arms the next tick from the flow's current
//! published version. A flow deleted, unpublished or without the node any more stops there.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use tucan_bus::{Job, JobError, JobHandler, Lane, NewJob, now_ms};
use tucan_engine::cron::Cron;
use tucan_store::{StoreError, TenantDb};

use crate::error::RuntimeResult;

use crate::runtime::{FlowRuntime, RunContact, RunSource, StartRun};
use crate::triggers::TriggerEvent;

pub const SCHEDULE_KIND: &str = "flow.schedule";

/// A UUIDv7-shaped id for the run of one tick: its time is the tick's, the rest a digest of
/// `key`, so ids stay time-ordered and the same tick always gets the same id.
pub fn tick_run_id(due_ms: i64, key: &str) -> String {
    let h = Sha256::digest(key.as_bytes());
    let mut b = [0u8; 16];
    b[..6].copy_from_slice(&(due_ms as u64).to_be_bytes()[2..]);
    b[6] = 0x70 | (h[0] & 0x0f);
    b[7] = h[1];
    b[8] = 0x80 | (h[2] & 0x3f);
    b[9..].copy_from_slice(&h[3..10]);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn timer_name(tenant: &str, flow_id: &str, node: &str) -> String {
    format!("sched:{tenant}:{flow_id}:{node}")
}

impl FlowRuntime {
    /// Arm the next tick of every schedule trigger of the flow's published version; returns
    /// how many were armed.
    pub async fn arm_schedules(&self, db: &TenantDb, flow_id: &str) -> RuntimeResult<usize> {
        let Some(version) = db.get_flow(flow_id).await?.published_version else {
            return Ok(0);
        };
        let (flow, _) = self.published(db, flow_id, version).await?;
        let now = DateTime::from_timestamp_millis(now_ms()).unwrap_or_default();
        let mut armed = 0;
        for node in flow.nodes.iter().filter(|n| n.kind == "trigger.schedule") {
            if self.arm(db, flow_id, &node.id, &node.config, now).await? {
                armed += 1;
            }
        }
        Ok(armed)
    }

    /// Set the timer of one schedule trigger to its first tick after `after`.
    async fn arm(
        &self,
        db: &TenantDb,
        flow_id: &str,
        node: &str,
        config: &Value,
        after: DateTime<Utc>,
    ) -> RuntimeResult<bool> {
        let Ok(cron) = Cron::parse(config["cron"].as_str().unwrap_or_default()) else {
            return Ok(false);
        };
        let tz_name = match config["timezone"].as_str() {
            Some(tz) => tz.to_string(),
            None => self.hours_of(db).await?.1,
        };
        let tz = tz_name.parse().unwrap_or(chrono_tz::Tz::UTC);
        let Some(next) = cron.next_after(after, tz) else {
            return Ok(false);
        };
        let tenant = db.tenant_id();
        let name = timer_name(tenant, flow_id, node);
        let due_ms = next.timestamp_millis();
        let job = NewJob::new(
            Lane::Flow,
            SCHEDULE_KIND,
            json!({ "flow_id": flow_id, "node": node, "due_ms": due_ms }),
        )
        .tenant(tenant)
        .key(format!("{name}:{due_ms}"));
        self.timers.schedule(&name, due_ms, &job).await?;
        Ok(true)
    }

    /// One tick: arm the next tick, then start this tick's run (unless it exists).
    async fn tick(
        &self,
        db: &TenantDb,
        flow_id: &str,
        node: &str,
        due_ms: i64,
    ) -> RuntimeResult<()> {
        let flow = match db.get_flow(flow_id).await {
            Ok(f) => f,
            Err(StoreError::NotFound(_)) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let Some(version) = flow.published_version else {
            return Ok(());
        };
        let (compiled, _) = self.published(db, flow_id, version).await?;
        let Some(config) = compiled
            .node_index(node)
            .map(|i| &compiled.nodes[i])
            .filter(|n| n.kind == "trigger.schedule")
            .map(|n| n.config.clone())
        else {
            return Ok(());
        };
        // Arm the next tick first (from now, so ticks missed while down do not all fire at
        // once), so a tick whose run fails does not stop the schedule.
        let after = DateTime::from_timestamp_millis(due_ms.max(now_ms())).unwrap_or_default();
        self.arm(db, flow_id, node, &config, after).await?;
        let id = tick_run_id(
            due_ms,
            &format!("{}:{flow_id}:{node}:{due_ms}", db.tenant_id()),
        );
        match db.get_run(&id).await {
            Ok(_) => {}
            Err(StoreError::NotFound(_)) => {
                self.start(
                    db,
                    StartRun {
                        flow_id: flow_id.to_string(),
                        source: RunSource::Published {
                            version: Some(version),
                        },
                        contact: RunContact::None,
                        ticket_id: None,
                        vars: Map::new(),
                        event: Some(TriggerEvent::Schedule {
                            node: node.to_string(),
                        }),
                        clock: None,
                        id: Some(id),
                        parent: None,
                    },
                )
                .await?;
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }
}

pub(crate) struct ScheduleJob(pub(crate) Arc<FlowRuntime>);

#[derive(Deserialize)]
struct TickPayload {
    flow_id: String,
    node: String,
    due_ms: i64,
}

#[async_trait]
impl JobHandler for ScheduleJob {
    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        let p: TickPayload = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Fatal(format!("invalid {SCHEDULE_KIND} payload: {e}")))?;
        let tenant = job
            .tenant
            .as_deref()
            .ok_or_else(|| JobError::Fatal("a flow job needs a tenant".into()))?;
        let db = match self.0.store().tenant(tenant).await {
            Ok(db) => db,
            Err(e) => return Err(JobError::Fatal(format!("dropped: {e}"))),
        };
        self.0
            .tick(&db, &p.flow_id, &p.node, p.due_ms)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::tick_run_id;

    #[test]
    fn tick_ids_are_stable_time_ordered_and_valid() {
        let a = tick_run_id(1_764_000_000_000, "t:f:n:1");
        assert_eq!(a, tick_run_id(1_764_000_000_000, "t:f:n:1"));
        assert!(tucan_model::ids::is_valid_id(&a), "{a}");
        assert!(tick_run_id(1_764_000_060_000, "t:f:n:2") > a);
        assert_eq!(&a[12..13], "7");
    }
}
