//! Flow runs. A run row holds the engine's state (JSON text) plus the columns lists filter
//! on; `run_step:[run, seq]` is the trace; `run_effect:[run, seq, n]` is the outbox of effects
//! still to carry out (and, once done, what came of them); `run_active:[contact, flow]` makes
//! "one active run per contact and flow" a record-id uniqueness. Every advance of a run is
//! one transaction that checks the run has not moved on since it was read.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tucan_model::Resource;
use tucan_model::{ErrorCode, Problem};

use super::TenantDb;
use crate::db::{check_id, execute, fetch, fetch_found, rows};
use crate::error::{StoreError, StoreResult, throw};
use crate::platform::strip_nulls;

/// The largest sequence number a range scan covers.
const SEQ_MAX: i64 = 999_999_999_999;

#[derive(Debug, Clone, Deserialize)]
pub struct RunRow {
    pub id: String,
    pub flow_id: String,
    /// The published version it runs; 0 for a test run of a draft.
    pub version: u32,
    pub hash: String,
    #[serde(default)]
    pub test: bool,
    /// The document a test run was started from (JSON text); only on `get_run`.
    #[serde(default)]
    pub document: Option<String>,
    pub contact_id: Option<String>,
    pub ticket_id: Option<String>,
    /// The contact a test run plays (JSON text).
    pub contact: Option<String>,
    pub trigger: String,
    pub active_key: Option<Vec<String>>,
    /// A test run's clock runs this far from the real one.
    #[serde(default)]
    pub clock_offset_ms: Option<i64>,
    /// The run that called this one as a sub-flow, and the step waiting for it.
    #[serde(default)]
    pub parent_run: Option<String>,
    #[serde(default)]
    pub parent_seq: Option<u64>,
    /// How deep in sub-flow calls (0 for a run nobody called).
    #[serde(default)]
    pub depth: u32,
    pub status: String,
    pub seq: u64,
    pub node: String,
    /// What it waits for (JSON text).
    pub waiting: Option<String>,
    /// The engine's run state (JSON text).
    pub state: String,
    pub error: Option<String>,
    pub started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// A run to create along with its first advance.
#[derive(Debug, Clone, Serialize)]
pub struct NewRun {
    pub id: String,
    pub flow_id: String,
    pub version: u32,
    pub hash: String,
    pub test: bool,
    pub document: Option<String>,
    pub contact_id: Option<String>,
    pub ticket_id: Option<String>,
    pub contact: Option<String>,
    pub trigger: String,
    /// `[contact_id, flow_id]` when only one run of the flow may be active for the contact.
    pub active_key: Option<[String; 2]>,
    pub clock_offset_ms: Option<i64>,
    pub parent_run: Option<String>,
    pub parent_seq: Option<u64>,
    pub depth: u32,
}

/// One advance of a run: its new state, the steps it took and the effects they asked for.
#[derive(Debug, Clone, Default)]
pub struct RunWrite {
    pub run_id: String,
    /// The `seq` the run had when it was read; the write fails if it moved since.
    pub expect_seq: u64,
    pub status: String,
    pub seq: u64,
    pub node: String,
    pub waiting: Option<String>,
    pub state: String,
    pub error: Option<String>,
    /// The run completed, failed or was cancelled.
    pub ended: bool,
    /// Released when the run ends.
    pub active_key: Option<Vec<String>>,
    pub steps: Vec<StepWrite>,
    pub effects: Vec<EffectWrite>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepWrite {
    pub seq: u64,
    pub node: String,
    pub port: Option<String>,
    /// What resumed the run (JSON text), on the first step of an advance.
    pub input: Option<String>,
    pub micros: u64,
    pub error: Option<String>,
    /// The variables after this step (JSON text), on the last step of an advance.
    pub vars: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EffectWrite {
    pub seq: u64,
    pub n: u32,
    pub key: String,
    pub kind: String,
    /// The effect (JSON text).
    pub body: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StepRow {
    pub seq: u64,
    pub node: String,
    pub port: Option<String>,
    pub input: Option<String>,
    pub micros: u64,
    pub error: Option<String>,
    pub vars: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EffectRow {
    pub seq: u64,
    pub n: u32,
    pub key: String,
    pub kind: String,
    pub body: String,
    pub pending: bool,
    pub result: Option<String>,
    pub done_at: Option<DateTime<Utc>>,
}

/// Filters and paging for listing runs (newest first).
#[derive(Debug, Clone, Default)]
pub struct RunQuery {
    pub flow_id: Option<String>,
    pub status: Option<String>,
    pub contact_id: Option<String>,
    pub test: Option<bool>,
    /// The last id of the previous page.
    pub cursor: Option<String>,
    pub limit: u32,
}

const RUN_FIELDS: &str = "record::id(id) AS id, flow_id, version, hash, test, contact_id, ticket_id, contact, trigger, active_key, clock_offset_ms, parent_run, parent_seq, depth, status, seq, node, waiting, state, error, started_at, updated_at, ended_at";

impl TenantDb {
    /// Create a run together with its first advance. `RUN_ACTIVE` when the contact already
    /// has an active run of the flow.
    pub async fn create_run(&self, run: &NewRun, first: &RunWrite) -> StoreResult<()> {
        let mut content = json!({
            "flow_id": run.flow_id,
            "version": run.version,
            "hash": run.hash,
            "test": run.test,
            "document": run.document,
            "contact_id": run.contact_id,
            "ticket_id": run.ticket_id,
            "contact": run.contact,
            "trigger": run.trigger,
            "active_key": run.active_key,
            "clock_offset_ms": run.clock_offset_ms,
            "parent_run": run.parent_run,
            "parent_seq": run.parent_seq,
            "depth": run.depth,
            "status": first.status,
            "seq": first.seq,
            "node": first.node,
            "waiting": first.waiting,
            "state": first.state,
            "error": first.error,
        });
        strip_nulls(&mut content);
        let sql = format!(
            "BEGIN TRANSACTION;
IF $active_key {{ CREATE type::record('run_active', $active_key) CONTENT {{ run_id: $id }} }};
CREATE type::record('run', $id) CONTENT $run;
IF $ended {{ UPDATE type::record('run', $id) SET ended_at = time::now() }};
{WRITE_TRACE}
COMMIT TRANSACTION;"
        );
        let mut vars = trace_vars(first);
        vars["id"] = json!(run.id);
        vars["run"] = content;
        vars["active_key"] = json!(run.active_key);
        vars["release"] = json!(first.ended && run.active_key.is_some());
        let created = execute(self.raw(), &sql, vars).await;
        let raced = match &created {
            // Lost a race: if it was for the active key, the other run holds it now.
            Err(e) if e.is_conflict() => match &run.active_key {
                Some(key) => !rows(
                    self.raw(),
                    "SELECT * FROM type::record('run_active', $key)",
                    json!({ "key": key }),
                )
                .await?
                .is_empty(),
                None => false,
            },
            _ => false,
        };
        created.map_err(|e| {
            if raced || e.is_unique_violation_of("run_active") {
                StoreError::problem(
                    ErrorCode::RunActive,
                    "the contact already has an active run of this flow",
                )
            } else {
                e
            }
        })
    }

    /// Save an advance. `Ok(false)` when the run moved on since it was read (another
    /// worker advanced it): the caller reads it again and decides anew.
    pub async fn write_run(&self, w: &RunWrite) -> StoreResult<bool> {
        let sql = format!(
            "BEGIN TRANSACTION;
LET $moved = (UPDATE type::record('run', $id) SET status = $status, seq = $seq, node = $node, waiting = $waiting ?? NONE, state = $state, error = $error ?? NONE, updated_at = time::now(), ended_at = IF $ended {{ time::now() }} ELSE {{ NONE }} WHERE seq = $expect RETURN VALUE seq);
IF array::len($moved) = 0 {{ THROW 'run_moved' }};
{WRITE_TRACE}
COMMIT TRANSACTION;"
        );
        let mut vars = trace_vars(w);
        vars["id"] = json!(w.run_id);
        vars["expect"] = json!(w.expect_seq);
        vars["status"] = json!(w.status);
        vars["seq"] = json!(w.seq);
        vars["node"] = json!(w.node);
        vars["waiting"] = json!(w.waiting);
        vars["state"] = json!(w.state);
        vars["error"] = json!(w.error);
        vars["active_key"] = json!(w.active_key);
        vars["release"] = json!(w.ended && w.active_key.is_some());
        match execute(self.raw(), &sql, vars).await {
            Ok(()) => Ok(true),
            Err(e) if e.is_thrown(throw::RUN_MOVED) => Ok(false),
            Err(e) if e.is_conflict() => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub async fn get_run(&self, id: &str) -> StoreResult<RunRow> {
        check_id(id, Resource::Run)?;
        fetch_found(
            self.raw(),
            &format!("SELECT {RUN_FIELDS}, document FROM type::record('run', $id)"),
            json!({ "id": id }),
            Resource::Run,
        )
        .await
    }

    /// A page of runs, newest first.
    pub async fn list_runs(&self, q: &RunQuery) -> StoreResult<Vec<RunRow>> {
        if let Some(c) = &q.cursor
            && !tucan_model::ids::is_valid_id(c)
        {
            return Err(Problem::new(ErrorCode::InvalidParam, "cursor is not valid").into());
        }
        let mut filters = Vec::new();
        if q.flow_id.is_some() {
            filters.push("flow_id = $flow_id");
        }
        if q.status.is_some() {
            filters.push("status = $status");
        }
        if q.contact_id.is_some() {
            filters.push("contact_id = $contact_id");
        }
        if q.test.is_some() {
            filters.push("test = $test");
        }
        if q.cursor.is_some() {
            filters.push("id < type::record('run', $cursor)");
        }
        let filter = if filters.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", filters.join(" AND "))
        };
        let mut vars = json!({
            "flow_id": q.flow_id,
            "status": q.status,
            "contact_id": q.contact_id,
            "test": q.test,
            "cursor": q.cursor,
            "limit": q.limit.clamp(1, 200),
        });
        strip_nulls(&mut vars);
        fetch(
            self.raw(),
            &format!("SELECT {RUN_FIELDS} FROM run {filter} ORDER BY id DESC LIMIT $limit"),
            vars,
        )
        .await
    }

    /// Runs of a contact that wait (for a reply, a timer or a response).
    pub async fn waiting_runs_of_contact(&self, contact_id: &str) -> StoreResult<Vec<RunRow>> {
        fetch(
            self.raw(),
            &format!("SELECT {RUN_FIELDS} FROM run WHERE contact_id = $contact AND status = 'waiting' ORDER BY id"),
            json!({ "contact": contact_id }),
        )
        .await
    }

    pub async fn run_steps(&self, run_id: &str) -> StoreResult<Vec<StepRow>> {
        check_id(run_id, Resource::Run)?;
        fetch(
            self.raw(),
            &format!("SELECT record::id(id)[1] AS seq, node, port, input, micros, error, vars, at FROM run_step:[$id, 0]..=[$id, {SEQ_MAX}]"),
            json!({ "id": run_id }),
        )
        .await
    }

    /// The run's effects in the order they were asked for; only pending ones when `pending`.
    pub async fn run_effects(&self, run_id: &str, pending: bool) -> StoreResult<Vec<EffectRow>> {
        check_id(run_id, Resource::Run)?;
        let filter = if pending { "WHERE pending = true" } else { "" };
        fetch(
            self.raw(),
            &format!("SELECT record::id(id)[1] AS seq, record::id(id)[2] AS n, key, kind, body, pending, result, done_at FROM run_effect:[$id, 0, 0]..=[$id, {SEQ_MAX}, {SEQ_MAX}] {filter}"),
            json!({ "id": run_id }),
        )
        .await
    }

    /// Record that effects `(seq, n, result)` were carried out, and what came of each.
    pub async fn finish_effects(
        &self,
        run_id: &str,
        done: &[(u64, u32, String)],
    ) -> StoreResult<()> {
        if done.is_empty() {
            return Ok(());
        }
        let done: Vec<Value> = done
            .iter()
            .map(|(seq, n, result)| json!({ "seq": seq, "n": n, "result": result }))
            .collect();
        execute(
            self.raw(),
            "FOR $d IN $done { UPDATE type::record('run_effect', [$id, $d.seq, $d.n]) SET pending = false, result = $d.result, done_at = time::now() WHERE pending = true; };",
            json!({ "id": run_id, "done": done }),
        )
        .await
    }

    /// Claim the run's effects not carried out yet (read through the pending index) for
    /// `secs` seconds, in order: a second sweeper job for the same run gets none of them
    /// until the claim lapses.
    pub async fn claim_pending_effects(
        &self,
        run_id: &str,
        secs: u64,
    ) -> StoreResult<Vec<EffectRow>> {
        check_id(run_id, Resource::Run)?;
        let mut rows: Vec<EffectRow> = fetch(
            self.raw(),
            "UPDATE run_effect SET claimed_until = time::now() + type::duration($secs) WHERE pending = true AND record::id(id)[0] = $id AND (claimed_until = NONE OR claimed_until < time::now()) RETURN record::id(id)[1] AS seq, record::id(id)[2] AS n, key, kind, body, pending, result, done_at",
            json!({ "id": run_id, "secs": format!("{secs}s") }),
        )
        .await?;
        rows.sort_by_key(|e| (e.seq, e.n));
        Ok(rows)
    }

    /// Runs with effects left pending for longer than `older_than_secs` (their carrier
    /// crashed between saving the step and finishing the effects).
    pub async fn runs_with_stale_effects(&self, older_than_secs: u64) -> StoreResult<Vec<String>> {
        let ids = rows(
            self.raw(),
            "SELECT VALUE record::id(id)[0] FROM run_effect WHERE pending = true AND created_at < time::now() - type::duration($age) LIMIT 500",
            json!({ "age": format!("{older_than_secs}s") }),
        )
        .await?;
        let mut runs: Vec<String> = ids
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        runs.sort();
        runs.dedup();
        Ok(runs)
    }
}

/// Statements shared by create and advance: the trace, the outbox and the active key.
const WRITE_TRACE: &str = "IF $steps { INSERT INTO run_step $steps };
IF $effects { INSERT INTO run_effect $effects };
IF $release { DELETE type::record('run_active', $active_key) WHERE run_id = $id };";

fn trace_vars(w: &RunWrite) -> Value {
    // Rows for `INSERT`, each keyed by its array id (`[run, seq]`, `[run, seq, n]`).
    let steps: Vec<Value> = w
        .steps
        .iter()
        .map(|s| {
            let mut row = json!({
                "id": [w.run_id, s.seq],
                "node": s.node, "port": s.port, "input": s.input, "micros": s.micros,
                "error": s.error, "vars": s.vars,
            });
            strip_nulls(&mut row);
            row
        })
        .collect();
    let effects: Vec<Value> = w
        .effects
        .iter()
        .map(|e| json!({ "id": [w.run_id, e.seq, e.n], "key": e.key, "kind": e.kind, "body": e.body }))
        .collect();
    json!({ "steps": steps, "effects": effects, "ended": w.ended })
}
