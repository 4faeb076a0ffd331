//! The runtime's job kinds and its sweeper.
//!
//! - `flow.resume` (lane `flow`): a timer fired; resume the run if it still waits at the
//!   step that set the timer.
//! - `flow.http` (lane `webhooks`): an HTTP node's request, sent through the SSRF guard; the
//!   response (or the failure) resumes the run at the step that asked for it.
//! - `flow.effects` (lane `flow`): carry out a run's pending effects (published by the
//!   sweeper for effects whose carrier crashed).
//! - `flow.schedule` (lane `flow`): a schedule trigger's tick (see `schedule.rs`).
//! - `flow.subflow` (lane `flow`): a sub-flow node's call: start the child run.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use tucan_bus::{Handlers, Job, JobError, JobHandler, Lane, NewJob, now_ms};
use tucan_engine::Resume;
use tucan_store::{StoreError, TenantDb};

use crate::error::{RuntimeError, RuntimeResult};
use crate::runtime::{CallLater, FlowRuntime};

pub const RESUME_KIND: &str = "flow.resume";
pub const HTTP_KIND: &str = "flow.http";
pub const EFFECTS_KIND: &str = "flow.effects";
pub const SUBFLOW_KIND: &str = "flow.subflow";
pub const PLUGIN_KIND: &str = "flow.plugin";

/// Largest HTTP response body read into the run's variables.
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

impl FlowRuntime {
    /// Register the runtime's job kinds.
    pub fn register(self: &Arc<Self>, handlers: &mut Handlers) {
        handlers.register(RESUME_KIND, Arc::new(ResumeJob(self.clone())));
        handlers.register(HTTP_KIND, Arc::new(HttpJob(self.clone())));
        handlers.register(crate::ai::AI_KIND, Arc::new(crate::ai::AiJob(self.clone())));
        handlers.register(EFFECTS_KIND, Arc::new(EffectsJob(self.clone())));
        handlers.register(SUBFLOW_KIND, Arc::new(SubflowJob(self.clone())));
        handlers.register(PLUGIN_KIND, Arc::new(PluginJob(self.clone())));
        handlers.register(
            crate::schedule::SCHEDULE_KIND,
            Arc::new(crate::schedule::ScheduleJob(self.clone())),
        );
    }

    pub(crate) async fn tenant_of(&self, job: &Job) -> Result<TenantDb, JobError> {
        let tenant = job
            .tenant
            .as_deref()
            .ok_or_else(|| JobError::Fatal("a flow job needs a tenant".into()))?;
        self.store.tenant(tenant).await.map_err(retry_or_drop)
    }

    /// Publish `flow.effects` for every run whose effects have been pending too long.
    pub async fn sweep(&self) -> RuntimeResult<usize> {
        let mut published = 0;
        for tenant in self.store.platform().tenant_ids().await? {
            let db = self.store.tenant(&tenant).await?;
            let runs = db
                .runs_with_stale_effects(self.opts.stale_effect_secs)
                .await?;
            let jobs: Vec<NewJob> = runs
                .iter()
                .map(|run| {
                    NewJob::new(Lane::Flow, EFFECTS_KIND, json!({ "run_id": run })).tenant(&tenant)
                })
                .collect();
            published += jobs.len();
            if !jobs.is_empty() {
                self.bus.publish_many(jobs).await?;
            }
        }
        Ok(published)
    }

    /// Sweep every `sweep_interval` until `shutdown`.
    pub async fn run_sweeper(self: Arc<Self>, shutdown: CancellationToken) {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(self.opts.sweep_interval) => {}
                _ = shutdown.cancelled() => return,
            }
            match self.sweep().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(runs = n, "re-published stale flow effects"),
                Err(e) => tracing::warn!(error = %e, "flow effect sweep failed"),
            }
        }
    }
}

/// A missing run or tenant means there is nothing left to do; anything else may pass.
fn retry_or_drop(e: StoreError) -> JobError {
    match e {
        StoreError::NotFound(what) => JobError::Fatal(format!("dropped: {what} not found")),
        other => JobError::Retry(other.to_string()),
    }
}

pub(crate) fn settle<E: Into<RuntimeError>>(r: Result<(), E>) -> Result<(), JobError> {
    match r.map_err(Into::into) {
        Ok(()) => Ok(()),
        // The run is gone (flow deleted): nothing to resume.
        Err(e) if e.is_not_found() => Ok(()),
        Err(e) => Err(JobError::Retry(e.to_string())),
    }
}

pub(crate) fn payload<T: for<'de> Deserialize<'de>>(job: &Job) -> Result<T, JobError> {
    serde_json::from_value(job.payload.clone())
        .map_err(|e| JobError::Fatal(format!("invalid {} payload: {e}", job.kind)))
}

struct ResumeJob(Arc<FlowRuntime>);

#[derive(Deserialize)]
struct ResumePayload {
    run_id: String,
    seq: u64,
    resume: Resume,
}

#[async_trait]
impl JobHandler for ResumeJob {
    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        let p: ResumePayload = payload(job)?;
        let db = self.0.tenant_of(job).await?;
        settle(
            self.0
                .resume(&db, &p.run_id, p.resume, Some(p.seq))
                .await
                .map(drop),
        )
    }
}

struct EffectsJob(Arc<FlowRuntime>);

#[derive(Deserialize)]
struct EffectsPayload {
    run_id: String,
}

#[async_trait]
impl JobHandler for EffectsJob {
    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        let p: EffectsPayload = payload(job)?;
        let db = self.0.tenant_of(job).await?;
        settle(self.0.carry_out(&db, &p.run_id).await.map(drop))
    }
}

struct SubflowJob(Arc<FlowRuntime>);

#[derive(Deserialize)]
struct SubflowPayload {
    parent_run: String,
    seq: u64,
    key: String,
    flow_id: String,
    #[serde(default)]
    vars: serde_json::Map<String, Value>,
}

#[async_trait]
impl JobHandler for SubflowJob {
    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        let p: SubflowPayload = payload(job)?;
        let db = self.0.tenant_of(job).await?;
        settle(
            self.0
                .call_subflow(&db, &p.parent_run, p.seq, &p.key, &p.flow_id, p.vars)
                .await,
        )
    }
}

/// A plugin call of a run, carried out by the plugin host; its answer resumes the run.
struct PluginJob(Arc<FlowRuntime>);

/// How long a plugin call waits when its company's calls are all busy (plus up to as much
/// again, so waiting calls spread out).
const PLUGIN_BUSY_WAIT_MS: i64 = 100;

#[derive(Deserialize)]
struct PluginPayload {
    run_id: String,
    seq: u64,
    effect: tucan_engine::Effect,
}

#[async_trait]
impl JobHandler for PluginJob {
    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        let p: PluginPayload = payload(job)?;
        let db = self.0.tenant_of(job).await?;
        // A redelivery after the run moved on calls nothing again.
        let run = match db.get_run(&p.run_id).await {
            Ok(run) if run.status == "waiting" && run.seq == p.seq => run,
            Ok(_) => return Ok(()),
            Err(e) => return settle::<StoreError>(Err(e)),
        };
        let resume = match self.0.plugin_host() {
            Some(host) => match host.call(&db, &run, &p.effect).await {
                Ok(resume) => resume,
                // The company's calls are all running: come back shortly, without spending
                // an attempt or holding this worker.
                Err(CallLater::Busy) => {
                    let due = now_ms() + PLUGIN_BUSY_WAIT_MS + (now_ms() % PLUGIN_BUSY_WAIT_MS);
                    let timer = format!("plugin-busy:{}:{}", p.run_id, p.seq);
                    return self
                        .0
                        .timers
                        .schedule(&timer, due, &job.to_new_job())
                        .await
                        .map_err(|e| JobError::Retry(e.to_string()));
                }
                Err(CallLater::Unavailable(why)) => return Err(JobError::Retry(why)),
            },
            None => Resume::Plugin {
                port: None,
                vars: Default::default(),
                error: Some("PLUGIN_DISABLED: plugins are not available in this process".into()),
                trace: Vec::new(),
            },
        };
        settle(
            self.0
                .resume(&db, &p.run_id, resume, Some(p.seq))
                .await
                .map(drop),
        )
    }
}

struct HttpJob(Arc<FlowRuntime>);

#[derive(Deserialize)]
struct HttpPayload {
    run_id: String,
    seq: u64,
    method: String,
    url: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    body: Option<String>,
    timeout_ms: u64,
}

impl HttpJob {
    /// Send the request; every outcome, failures included, becomes the run's input.
    async fn send(&self, p: &HttpPayload, key: &str) -> Resume {
        let failed = |error: String| Resume::Http {
            status: 0,
            body: Value::Null,
            error: Some(error),
        };
        let url = match self.0.http.check_url(&p.url) {
            Ok(u) => u,
            Err(e) => return failed(e),
        };
        let Ok(method) = reqwest::Method::from_bytes(p.method.to_ascii_uppercase().as_bytes())
        else {
            return failed(format!("invalid method {}", p.method));
        };
        let mut req = self
            .0
            .http
            .client()
            .request(method, url)
            .timeout(Duration::from_millis(p.timeout_ms.clamp(100, 60_000)))
            .header("Idempotency-Key", key);
        for (name, value) in &p.headers {
            req = req.header(name, value);
        }
        if let Some(body) = &p.body {
            req = req.body(body.clone());
        }
        let mut resp = match req.send().await {
            Ok(r) => r,
            Err(e) => return failed(format!("request failed: {e}")),
        };
        let status = resp.status().as_u16();
        let mut bytes = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if bytes.len() + chunk.len() > MAX_RESPONSE_BYTES {
                        return failed(format!(
                            "the response is larger than {MAX_RESPONSE_BYTES} bytes"
                        ));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return failed(format!("reading the response failed: {e}")),
            }
        }
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Resume::Http {
            status,
            body,
            error: None,
        }
    }
}

#[async_trait]
impl JobHandler for HttpJob {
    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        let p: HttpPayload = payload(job)?;
        let db = self.0.tenant_of(job).await?;
        // A redelivery after the run moved on sends nothing again.
        match db.get_run(&p.run_id).await {
            Ok(run) if run.status == "waiting" && run.seq == p.seq => {}
            Ok(_) => return Ok(()),
            Err(e) => return settle(Err(e)),
        }
        let resume = self.send(&p, job.idempotency_key()).await;
        settle(
            self.0
                .resume(&db, &p.run_id, resume, Some(p.seq))
                .await
                .map(drop),
        )
    }
}
