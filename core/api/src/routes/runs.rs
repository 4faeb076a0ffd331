//! Runs: start a published flow by hand or from another system, test the draft with a
//! made-up customer (the test harness plays the customer's side: each reply goes in, the
//! answers come back), list and filter runs, read one with its full trace, cancel one.
//! Supervisors read; admins start, test and cancel.

use std::collections::BTreeMap;

use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use serde_json::{Map, Value};
use tucan_engine::{MessageEvent, Resume};
use tucan_model::ErrorCode;
use tucan_runtime::{RunContact, RunSource, StartRun, Stepped, TestContact, TriggerEvent};
use tucan_store::{EffectRow, RunQuery, RunRow, StepRow, TenantDb};

use super::ApiTags;
use super::platform::Created;
use crate::auth::{Auth, TenantCtx};
use crate::error::status::{AUTHED, BAD_REQUEST, BODY, CONFLICT, NOT_FOUND};
use crate::error::{ApiError, ApiResult, Reply};
use crate::state::AppState;

const STATUSES: [&str; 5] = ["running", "waiting", "completed", "failed", "cancelled"];

#[derive(Debug, Object)]
pub struct Run {
    pub id: String,
    pub flow_id: String,
    /// The published version it follows; 0 for a test run of the draft.
    pub version: u32,
    pub test: bool,
    /// `running`, `waiting`, `completed`, `failed` or `cancelled`.
    pub status: String,
    /// The node it is at (waiting) or ended on.
    pub node: String,
    /// What it waits for: `{ "for": "reply" | "until" | "effect", … }`.
    pub waiting: Option<Value>,
    pub vars: Value,
    pub error: Option<String>,
    pub contact_id: Option<String>,
    pub ticket_id: Option<String>,
    /// `manual`, `message`, `ticket`, `webhook` or `schedule`.
    pub trigger: String,
    /// The run that called this one as a sub-flow.
    pub parent_run: Option<String>,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub ended_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Something a step asked the platform to do, and what came of it.
#[derive(Debug, Object)]
pub struct RunEffect {
    /// Idempotency key: `run:step:what`.
    pub key: String,
    /// `send_text`, `timer`, `http`, `set_contact_field`, `add_tag`, …
    pub kind: String,
    pub effect: Value,
    /// Not carried out yet.
    pub pending: bool,
    pub result: Option<String>,
    pub done_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// One node's execution.
#[derive(Debug, Object)]
pub struct RunStep {
    pub seq: u64,
    pub node: String,
    /// The port it left by; absent when it waited, ended or failed.
    pub port: Option<String>,
    /// What resumed the run (first step of each advance): `{ "kind": "reply", "text": … }`.
    pub input: Option<Value>,
    pub micros: u64,
    pub error: Option<String>,
    /// The variables after the step (last step of each advance).
    pub vars: Option<Value>,
    pub effects: Vec<RunEffect>,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// A line of the conversation the run had.
#[derive(Debug, Object)]
pub struct TranscriptLine {
    /// `customer` or `platform`.
    pub from: String,
    pub text: String,
    pub seq: u64,
}

#[derive(Debug, Object)]
pub struct RunDetail {
    pub run: Run,
    pub steps: Vec<RunStep>,
    pub transcript: Vec<TranscriptLine>,
}

#[derive(Debug, Object)]
pub struct RunPage {
    pub items: Vec<Run>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct StartRunRequest {
    /// The contact the run talks to.
    pub contact_id: Option<String>,
    /// Initial variables, over the flow's defaults.
    #[oai(default)]
    pub vars: BTreeMap<String, Value>,
    /// A published version; the current one when absent.
    pub version: Option<u32>,
}

/// The customer a test run plays.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct TestCustomer {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: String,
    #[oai(validator(max_length = 32))]
    pub phone: String,
    pub email: Option<String>,
    #[oai(default)]
    pub custom_fields: BTreeMap<String, Value>,
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct TestRunRequest {
    /// Defaults to "Test customer", +10000000000.
    pub customer: Option<TestCustomer>,
    #[oai(default)]
    pub vars: BTreeMap<String, Value>,
    /// The customer's first message: starts the draft at the first message trigger it
    /// passes. Without it the run starts at the manual trigger (or the first trigger).
    #[oai(validator(max_length = 4096))]
    pub message: Option<String>,
    /// Play the run as if it were this time (try business hours); its clock runs on from
    /// there.
    pub now: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct ReplyRequest {
    #[oai(validator(min_length = 1, max_length = 4096))]
    pub text: String,
}

pub struct RunsApi {
    pub state: AppState,
}

fn parse(text: Option<&str>) -> Option<Value> {
    text.and_then(|t| serde_json::from_str(t).ok())
}

fn run_view(row: RunRow) -> Run {
    let state: Value = serde_json::from_str(&row.state).unwrap_or(Value::Null);
    Run {
        vars: state.get("vars").cloned().unwrap_or(Value::Null),
        waiting: parse(row.waiting.as_deref()),
        id: row.id,
        flow_id: row.flow_id,
        version: row.version,
        test: row.test,
        status: row.status,
        node: row.node,
        error: row.error,
        contact_id: row.contact_id,
        ticket_id: row.ticket_id,
        trigger: row.trigger,
        parent_run: row.parent_run,
        started_at: row.started_at,
        updated_at: row.updated_at,
        ended_at: row.ended_at,
    }
}

fn effect_view(e: &EffectRow) -> RunEffect {
    RunEffect {
        key: e.key.clone(),
        kind: e.kind.clone(),
        effect: parse(Some(&e.body)).unwrap_or(Value::Null),
        pending: e.pending,
        result: e.result.clone(),
        done_at: e.done_at,
    }
}

/// The run with its steps (each with its effects) and the conversation it had.
pub async fn run_detail(db: &TenantDb, row: RunRow) -> ApiResult<RunDetail> {
    let steps: Vec<StepRow> = db.run_steps(&row.id).await?;
    let effects = db.run_effects(&row.id, false).await?;
    let mut transcript = Vec::new();
    let mut views = Vec::with_capacity(steps.len());
    for s in steps {
        let input = parse(s.input.as_deref());
        if let Some(text) = input
            .as_ref()
            .filter(|i| i["kind"] == "reply")
            .and_then(|i| i["text"].as_str())
        {
            transcript.push(TranscriptLine {
                from: "customer".into(),
                text: text.to_string(),
                seq: s.seq,
            });
        }
        let mine: Vec<&EffectRow> = effects.iter().filter(|e| e.seq == s.seq).collect();
        for e in &mine {
            let body = parse(Some(&e.body)).unwrap_or(Value::Null);
            let text = match e.kind.as_str() {
                "send_text" => body["text"].as_str().unwrap_or_default().to_string(),
                // `[image] caption (url)`
                "send_media" => format!(
                    "[{}] {}({})",
                    body["media"].as_str().unwrap_or("file"),
                    body["caption"]
                        .as_str()
                        .map(|c| format!("{c} "))
                        .unwrap_or_default(),
                    body["url"].as_str().unwrap_or_default()
                ),
                _ => continue,
            };
            transcript.push(TranscriptLine {
                from: "platform".into(),
                text,
                seq: s.seq,
            });
        }
        views.push(RunStep {
            seq: s.seq,
            node: s.node,
            port: s.port,
            input,
            micros: s.micros,
            error: s.error,
            vars: parse(s.vars.as_deref()),
            effects: mine.into_iter().map(effect_view).collect(),
            at: s.at,
        });
    }
    Ok(RunDetail {
        run: run_view(row),
        steps: views,
        transcript,
    })
}

fn vars(map: BTreeMap<String, Value>) -> Map<String, Value> {
    map.into_iter().collect()
}

impl RunsApi {
    async fn reader(&self, auth: &Auth) -> ApiResult<TenantCtx> {
        super::flows::flow_reader(&self.state, auth).await
    }

    async fn writer(&self, auth: &Auth) -> ApiResult<TenantCtx> {
        super::flows::flow_writer(&self.state, auth).await
    }
}

#[OpenApi(prefix_path = "/api", tag = "ApiTags::Runs")]
impl RunsApi {
    /// Start a run of the flow's published version (it must have a manual trigger). The
    /// first steps run before this answers; the run comes back waiting or ended.
    #[oai(path = "/flows/:id/runs", method = "post")]
    async fn start_run(
        &self,
        auth: Auth,
        id: Path<String>,
        body: Json<StartRunRequest>,
    ) -> Reply<Created<RunDetail>, { AUTHED | BODY | NOT_FOUND | CONFLICT }> {
        let ctx = self.writer(&auth).await?;
        let body = body.0;
        let contact = match body.contact_id {
            Some(c) => RunContact::Stored(c),
            None => RunContact::None,
        };
        let row = self
            .state
            .runtime
            .start(
                &ctx.db,
                StartRun {
                    flow_id: id.0,
                    source: RunSource::Published {
                        version: body.version,
                    },
                    contact,
                    ticket_id: None,
                    vars: vars(body.vars),
                    event: None,
                    clock: None,
                    id: None,
                    parent: None,
                },
            )
            .await?;
        Ok(Created::Created(Json(run_detail(&ctx.db, row).await?)))
    }

    /// Test the draft as it is now, with a made-up customer: contact changes are recorded,
    /// not applied. Answer its questions with `POST /api/runs/{id}/reply`.
    #[oai(path = "/flows/:id/test-runs", method = "post")]
    async fn test_run(
        &self,
        auth: Auth,
        id: Path<String>,
        body: Json<TestRunRequest>,
    ) -> Reply<Created<RunDetail>, { AUTHED | BODY | NOT_FOUND }> {
        let ctx = self.writer(&auth).await?;
        let body = body.0;
        let customer = body.customer.map_or_else(
            || TestContact {
                name: "Test customer".into(),
                phone: "+10000000000".into(),
                email: None,
                custom_fields: Map::new(),
            },
            |c| TestContact {
                name: c.name,
                phone: c.phone,
                email: c.email,
                custom_fields: vars(c.custom_fields),
            },
        );
        let message = body.message.map(|text| MessageEvent {
            connection_id: "test".into(),
            text,
            first_of_ticket: true,
            outside_business_hours: false,
        });
        let row = self
            .state
            .runtime
            .start(
                &ctx.db,
                StartRun {
                    flow_id: id.0,
                    source: RunSource::Draft,
                    contact: RunContact::Test(customer),
                    ticket_id: None,
                    vars: vars(body.vars),
                    event: message.map(TriggerEvent::Message),
                    clock: body.now,
                    id: None,
                    parent: None,
                },
            )
            .await?;
        Ok(Created::Created(Json(run_detail(&ctx.db, row).await?)))
    }

    /// Play the customer of a test run: the reply goes in, the run advances, and the run
    /// comes back with what the platform answered. `RUN_NOT_WAITING` when the run does not
    /// wait for a reply.
    #[oai(path = "/runs/:id/reply", method = "post")]
    async fn reply(
        &self,
        auth: Auth,
        id: Path<String>,
        body: Json<ReplyRequest>,
    ) -> Reply<Json<RunDetail>, { AUTHED | BODY | NOT_FOUND | CONFLICT }> {
        let ctx = self.writer(&auth).await?;
        let run = ctx.db.get_run(&id).await?;
        if !run.test {
            return Err(ApiError::new(
                ErrorCode::InvalidParam,
                "replies through the API go to test runs; a contact's replies arrive through its channel",
            )
            .into());
        }
        let resume = Resume::Reply { text: body.0.text };
        match self
            .state
            .runtime
            .resume(&ctx.db, &id, resume, Some(run.seq))
            .await?
        {
            Stepped::Advanced(row) => Ok(Json(run_detail(&ctx.db, *row).await?)),
            Stepped::NotApplicable => Err(ApiError::new(
                ErrorCode::RunNotWaiting,
                "the run does not wait for a reply",
            )
            .into()),
        }
    }

    /// Runs, newest first, filtered by flow, status, contact or test.
    #[allow(clippy::too_many_arguments)] // one per query parameter
    #[oai(path = "/runs", method = "get")]
    async fn list_runs(
        &self,
        auth: Auth,
        flow_id: Query<Option<String>>,
        status: Query<Option<String>>,
        contact_id: Query<Option<String>>,
        test: Query<Option<bool>>,
        cursor: Query<Option<String>>,
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "200"))
        )]
        limit: Query<u32>,
    ) -> Reply<Json<RunPage>, { AUTHED | BAD_REQUEST }> {
        let ctx = self.reader(&auth).await?;
        if let Some(s) = &status.0
            && !STATUSES.contains(&s.as_str())
        {
            return Err(ApiError::new(
                ErrorCode::InvalidParam,
                format!("status is one of {}", STATUSES.join(", ")),
            )
            .into());
        }
        let rows = ctx
            .db
            .list_runs(&RunQuery {
                flow_id: flow_id.0,
                status: status.0,
                contact_id: contact_id.0,
                test: test.0,
                cursor: cursor.0,
                limit: limit.0,
            })
            .await?;
        let next_cursor = (rows.len() as u32 == limit.0)
            .then(|| rows.last().map(|r| r.id.clone()))
            .flatten();
        Ok(Json(RunPage {
            items: rows.into_iter().map(run_view).collect(),
            next_cursor,
        }))
    }

    /// A run with its full trace and conversation.
    #[oai(path = "/runs/:id", method = "get")]
    async fn get_run(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<RunDetail>, { AUTHED | NOT_FOUND }> {
        let ctx = self.reader(&auth).await?;
        let row = ctx.db.get_run(&id).await?;
        Ok(Json(run_detail(&ctx.db, row).await?))
    }

    /// Cancel a run that has not ended. `RUN_NOT_WAITING` when it has.
    #[oai(path = "/runs/:id/cancel", method = "post")]
    async fn cancel_run(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<RunDetail>, { AUTHED | NOT_FOUND | CONFLICT }> {
        let ctx = self.writer(&auth).await?;
        let row = self.state.runtime.cancel(&ctx.db, &id).await?;
        Ok(Json(run_detail(&ctx.db, row).await?))
    }
}

fn default_limit() -> u32 {
    50
}
