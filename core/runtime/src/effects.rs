//! Carrying out a run's pending effects, in the order the steps asked for them. Each one is
//! idempotent on its key: a timer is named by it, an HTTP job carries it, contact changes
//! are set-like. An effect that cannot succeed (an unknown contact field) is finished with
//! its failure as the result; one that may succeed later (the bus is down) stays pending
//! for the sweeper.

use serde_json::{Value, json};
use tucan_bus::{Lane, NewJob};
use tucan_engine::{Advance, Effect, Resume, RunState, RunStatus};
use tucan_model::ErrorCode;
use tucan_model::contact::check_custom_fields;
use tucan_store::{ContactFields, RunRow, RunWrite, StoreError, TenantDb};

use crate::error::{RuntimeError, RuntimeResult};
use crate::hooks::DeskError;
use crate::jobs::{HTTP_KIND, PLUGIN_KIND, RESUME_KIND};
use crate::runtime::{
    FlowRuntime, MAX_RACES, ParentLink, RunContact, RunSource, StartRun, TestContact,
};

/// The outbox entry a sub-flow writes when it ends: resume its caller.
pub(crate) const RETURN_KIND: &str = "return";
/// The outbox entry of a run with a contact that ended: its ticket is no flow's any more.
pub(crate) const RELEASE_KIND: &str = "release";

/// Sub-flows call sub-flows at most this deep.
const MAX_DEPTH: u32 = 8;

/// Why an effect did not finish.
enum Unfinished {
    /// Try again later.
    Later(String),
    /// It cannot be done: the effect and its run fail with this reason.
    Refused(String),
}

impl From<StoreError> for Unfinished {
    fn from(e: StoreError) -> Self {
        Unfinished::Later(e.to_string())
    }
}

impl From<tucan_bus::BusError> for Unfinished {
    fn from(e: tucan_bus::BusError) -> Self {
        Unfinished::Later(e.to_string())
    }
}

impl FlowRuntime {
    /// Carry out the run's pending effects (claimed, so two sweeper jobs for one run do not
    /// both carry them out); returns how many finished. The sweeper's path, after a crash.
    pub async fn carry_out(&self, db: &TenantDb, run_id: &str) -> RuntimeResult<usize> {
        let pending = db.claim_pending_effects(run_id, 120).await?;
        if pending.is_empty() {
            return Ok(0);
        }
        let run = db.get_run(run_id).await?;
        let effects: Vec<(u64, u32, String, String, String)> = pending
            .into_iter()
            .map(|e| (e.seq, e.n, e.key, e.kind, e.body))
            .collect();
        self.carry_out_these(db, &run, effects).await
    }

    /// Carry out `effects` of `run` in order, then mark them done in one write. Stops at the
    /// first that must wait (the rest stay pending for the sweeper).
    async fn carry_out_these(
        &self,
        db: &TenantDb,
        run: &RunRow,
        effects: Vec<(u64, u32, String, String, String)>,
    ) -> RuntimeResult<usize> {
        let mut done = Vec::with_capacity(effects.len());
        let mut left = None;
        let mut refused = None;
        for (seq, n, key, kind, body) in effects {
            let outcome = if kind == RETURN_KIND {
                self.return_to_parent(db, &key, &body).await
            } else if kind == RELEASE_KIND {
                self.release_ticket(db, run).await
            } else {
                match serde_json::from_str::<Effect>(&body) {
                    Ok(effect) => self.execute(db, run, seq, &effect).await,
                    Err(err) => Err(Unfinished::Refused(format!("unreadable effect: {err}"))),
                }
            };
            match outcome {
                Ok(r) => done.push((seq, n, r)),
                Err(Unfinished::Later(why)) => {
                    left = Some(format!("effect {key} left pending: {why}"));
                    break;
                }
                Err(Unfinished::Refused(why)) => {
                    done.push((seq, n, format!("failed: {why}")));
                    refused = Some(why);
                }
            }
        }
        db.finish_effects(&run.id, &done).await?;
        if let Some(why) = refused {
            // A step whose effect could not be carried out fails its run, visibly.
            self.fail_for_effect(db, &run.id, &why).await?;
        }
        match left {
            Some(why) => Err(RuntimeError::EffectPending(why)),
            None => Ok(done.len()),
        }
    }

    /// One of the run's effects could not be carried out: the run fails with the reason,
    /// a completed one too (its last steps did not do what they said). A failed or
    /// cancelled run stays as it is.
    pub(crate) async fn fail_for_effect(
        &self,
        db: &TenantDb,
        run_id: &str,
        why: &str,
    ) -> RuntimeResult<()> {
        for _ in 0..MAX_RACES {
            let run = db.get_run(run_id).await?;
            let mut state: RunState = serde_json::from_str(&run.state)?;
            if matches!(state.status, RunStatus::Failed | RunStatus::Cancelled) {
                return Ok(());
            }
            state.status = RunStatus::Failed;
            state.waiting = None;
            state.error = Some(format!("a step could not be carried out: {why}"));
            // Its own step, so an answer to a wait it left no longer matches.
            state.seq += 1;
            let write = self.to_write(&run, None, &state, &Advance::default(), &Resume::Start)?;
            if db.write_run(&write).await? {
                if let Some(desk) = self.desk.upgrade() {
                    desk.run_ended(db, &run.id, &write.status).await;
                }
                return Ok(());
            }
        }
        Err(RuntimeError::Contended {
            run: run_id.to_string(),
            tries: MAX_RACES,
        })
    }

    /// Carry out the effects an advance just committed, unless effects are left to the
    /// sweeper (`inline_effects` off).
    /// What follows an advance just written: its effects carried out, and the company told
    /// when the run ended.
    pub(crate) async fn committed(&self, db: &TenantDb, run: &RunRow, write: &RunWrite) {
        self.carry_out_logged(db, run, &write.effects).await;
        if write.ended
            && let Some(desk) = self.desk.upgrade()
        {
            desk.run_ended(db, &run.id, &write.status).await;
        }
    }

    pub(crate) async fn carry_out_logged(
        &self,
        db: &TenantDb,
        run: &RunRow,
        effects: &[tucan_store::EffectWrite],
    ) {
        if !self.opts.inline_effects || effects.is_empty() {
            return;
        }
        let effects = effects
            .iter()
            .map(|e| (e.seq, e.n, e.key.clone(), e.kind.clone(), e.body.clone()))
            .collect();
        if let Err(e) = self.carry_out_these(db, run, effects).await {
            tracing::warn!(run = %run.id, error = %e, "effects left for the sweeper");
        }
    }

    async fn execute(
        &self,
        db: &TenantDb,
        run: &RunRow,
        seq: u64,
        effect: &Effect,
    ) -> Result<String, Unfinished> {
        let tenant = db.tenant_id().to_string();
        if !run.test && effect.is_ticket_effect() {
            if run.ticket_id.is_none() && run.contact_id.is_none() {
                return Err(Unfinished::Refused(
                    "the run has no contact and no ticket to talk to".into(),
                ));
            }
            let Some(desk) = self.desk.upgrade() else {
                return Err(Unfinished::Later(
                    "the inbox of this process has stopped".into(),
                ));
            };
            return desk.apply(db, run, effect).await.map_err(|e| match e {
                DeskError::Later(why) => Unfinished::Later(why),
                DeskError::Refused(why) => Unfinished::Refused(why),
            });
        }
        Ok(match effect {
            Effect::SendText { text, .. } => {
                format!("shown to the tester: {} characters", text.chars().count())
            }
            Effect::SendMedia { media, url, .. } => {
                format!("shown to the tester: {media:?} from {url}")
            }
            Effect::Timer { key, at_ms } => {
                let job = NewJob::new(
                    Lane::Flow,
                    RESUME_KIND,
                    json!({ "run_id": run.id, "seq": seq, "resume": Resume::Timer }),
                )
                .tenant(&tenant)
                .key(key.clone());
                // A test run's clock may run ahead or behind the real one.
                let due = *at_ms - run.clock_offset_ms.unwrap_or(0);
                self.timers.schedule(key, due, &job).await?;
                format!(
                    "timer set for {}",
                    chrono::DateTime::from_timestamp_millis(*at_ms)
                        .map(|t| t.to_rfc3339())
                        .unwrap_or_default()
                )
            }
            Effect::Http {
                key,
                method,
                url,
                headers,
                body,
                timeout_ms,
            } => {
                let job = NewJob::new(
                    Lane::Webhooks,
                    HTTP_KIND,
                    json!({
                        "run_id": run.id, "seq": seq, "method": method, "url": url,
                        "headers": headers, "body": body, "timeout_ms": timeout_ms,
                    }),
                )
                .tenant(&tenant)
                .key(key.clone())
                .max_attempts(3);
                self.bus.publish(job).await?;
                format!("{method} {url} queued")
            }
            Effect::AiChat { key, .. } => {
                let job = NewJob::new(
                    Lane::Webhooks,
                    crate::ai::AI_KIND,
                    json!({ "run_id": run.id, "seq": seq, "effect": effect }),
                )
                .tenant(&tenant)
                .key(key.clone())
                .max_attempts(3);
                self.bus.publish(job).await?;
                "question to the AI provider queued".to_string()
            }
            Effect::StartSubflow { key, flow_id, vars } => {
                self.start_subflow(db, run, seq, key, flow_id, vars).await?
            }
            Effect::SetContactField { field, value, .. } => {
                self.set_contact_field(db, run, field, value).await?
            }
            Effect::AddTag { tag, .. } => self.tag_contact(db, run, tag, true).await?,
            Effect::RemoveTag { tag, .. } => self.tag_contact(db, run, tag, false).await?,
            Effect::OptOut { opted_out, .. } => match &run.contact_id {
                None => "test contact: not saved".to_string(),
                Some(id) => {
                    db.set_opted_out(id, *opted_out).await?;
                    match opted_out {
                        true => "the contact is out of campaigns".to_string(),
                        false => "the contact is back in campaigns".to_string(),
                    }
                }
            },
            Effect::RouteToQueue { queue, .. } => {
                let found = db
                    .list_queues()
                    .await?
                    .into_iter()
                    .find(|q| q.id == *queue || q.name.eq_ignore_ascii_case(queue));
                // Only test runs get here (others go to the desk): nothing is moved.
                match found {
                    None => return Err(Unfinished::Refused(format!("no queue named {queue}"))),
                    Some(q) => format!("test run: would go to queue {}", q.name),
                }
            }
            Effect::AssignAgent { agent, .. } => format!("test run: would go to agent {agent}"),
            Effect::AddNote { .. } => "test run: note not kept".to_string(),
            Effect::CloseTicket { .. } => "test run: no ticket to close".to_string(),
            Effect::RespondWebhook { status, .. } if run.test => {
                format!("test run: would answer {status}")
            }
            Effect::RespondWebhook {
                status,
                headers,
                body,
                ..
            } => {
                let answer = crate::answers::HookAnswer {
                    status: *status,
                    headers: headers.clone(),
                    body: body.clone(),
                };
                if self.answers.answer(&run.id, answer) {
                    format!("answered the call with {status}")
                } else {
                    "no call waits for this answer (it was answered 202 already)".to_string()
                }
            }
            Effect::EmitEvent { name, .. } if run.test => {
                format!("test run: custom.{name} not sent")
            }
            Effect::EmitEvent { key, name, data } => {
                let Some(desk) = self.desk.upgrade() else {
                    return Err(Unfinished::Later(
                        "the inbox of this process has stopped".into(),
                    ));
                };
                desk.emit_event(db, run, key, name, data)
                    .await
                    .map_err(|e| match e {
                        DeskError::Later(why) => Unfinished::Later(why),
                        DeskError::Refused(why) => Unfinished::Refused(why),
                    })?
            }
            Effect::Plugin {
                key,
                plugin,
                version,
                node,
                ..
            } => {
                let job = NewJob::new(
                    Lane::Flow,
                    PLUGIN_KIND,
                    json!({ "run_id": run.id, "seq": seq, "effect": effect }),
                )
                .tenant(&tenant)
                .key(key.clone())
                .max_attempts(3);
                self.bus.publish(job).await?;
                format!("plugin {plugin} {version}, node {node}: call queued")
            }
        })
    }

    async fn set_contact_field(
        &self,
        db: &TenantDb,
        run: &RunRow,
        field: &str,
        value: &Value,
    ) -> Result<String, Unfinished> {
        let Some(id) = &run.contact_id else {
            return Ok(format!("{field}: test contact, not saved"));
        };
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        let mut fields = match db.get_contact(id).await {
            Ok(c) => ContactFields::from(c),
            Err(StoreError::NotFound(_)) => {
                return Err(Unfinished::Refused("the contact was deleted".into()));
            }
            Err(e) => return Err(e.into()),
        };
        match field {
            "name" if !text.trim().is_empty() => {
                fields.name = text.trim().chars().take(200).collect()
            }
            "email" => match tucan_model::user::normalize_email(&text) {
                Ok(email) => fields.email = Some(email),
                Err(_) => {
                    return Err(Unfinished::Refused(format!(
                        "{text} is not an email address"
                    )));
                }
            },
            _ => {
                fields.custom_fields.insert(field.to_string(), text);
                if let Err(p) = check_custom_fields(&fields.custom_fields) {
                    return Err(Unfinished::Refused(p.message));
                }
            }
        }
        match db.save_contact(id, &fields).await {
            Ok(_) => Ok(format!("contact {field} set")),
            Err(e) => match e.refusal() {
                Some(why) => Err(Unfinished::Refused(why)),
                None => Err(e.into()),
            },
        }
    }

    async fn tag_contact(
        &self,
        db: &TenantDb,
        run: &RunRow,
        tag: &str,
        add: bool,
    ) -> Result<String, Unfinished> {
        let Some(id) = &run.contact_id else {
            return Ok(format!("tag {tag}: test contact, not saved"));
        };
        let existing = db
            .list_tags()
            .await?
            .into_iter()
            .find(|t| t.id == tag || t.name.eq_ignore_ascii_case(tag));
        let tag_id = match (existing, add) {
            (Some(t), _) => t.id,
            (None, false) => return Ok(format!("tag {tag} does not exist")),
            (None, true) => match db
                .create_tag(tag, &tucan_model::inbox::default_color())
                .await
            {
                Ok(t) => t.id,
                // Another run created it a moment ago.
                Err(StoreError::Problem(p)) if p.code == ErrorCode::NameTaken => {
                    match db.list_tags().await?.into_iter().find(|t| t.name == tag) {
                        Some(t) => t.id,
                        None => return Err(Unfinished::Later("tag vanished".into())),
                    }
                }
                Err(e) => return Err(e.into()),
            },
        };
        let mut fields = match db.get_contact(id).await {
            Ok(c) => ContactFields::from(c),
            Err(StoreError::NotFound(_)) => {
                return Err(Unfinished::Refused("the contact was deleted".into()));
            }
            Err(e) => return Err(e.into()),
        };
        let had = fields.tags.contains(&tag_id);
        if add && !had {
            fields.tags.push(tag_id);
        } else if !add && had {
            fields.tags.retain(|t| *t != tag_id);
        } else {
            return Ok(format!(
                "tag {tag} already {}",
                if add { "set" } else { "absent" }
            ));
        }
        db.save_contact(id, &fields).await?;
        Ok(format!(
            "tag {tag} {}",
            if add { "added" } else { "removed" }
        ))
    }
}

impl FlowRuntime {
    /// Resume the run waiting at `seq` with the sub-flow's end, through the bus.
    async fn resume_parent(
        &self,
        db: &TenantDb,
        parent: &str,
        seq: u64,
        key: &str,
        status: &str,
        vars: Value,
    ) -> Result<(), Unfinished> {
        let job = NewJob::new(
            Lane::Flow,
            RESUME_KIND,
            json!({
                "run_id": parent,
                "seq": seq,
                "resume": Resume::Subflow { status: status.into(), vars },
            }),
        )
        .tenant(db.tenant_id())
        .key(key.to_string());
        self.bus.publish(job).await?;
        Ok(())
    }

    /// The run ended: the desk lets go of the ticket it was talking on.
    async fn release_ticket(&self, db: &TenantDb, run: &RunRow) -> Result<String, Unfinished> {
        let Some(desk) = self.desk.upgrade() else {
            return Err(Unfinished::Later(
                "the inbox of this process has stopped".into(),
            ));
        };
        desk.release(db, run).await.map_err(|e| match e {
            DeskError::Later(why) => Unfinished::Later(why),
            DeskError::Refused(why) => Unfinished::Refused(why),
        })
    }

    async fn return_to_parent(
        &self,
        db: &TenantDb,
        key: &str,
        body: &str,
    ) -> Result<String, Unfinished> {
        let b: Value = serde_json::from_str(body)
            .map_err(|e| Unfinished::Later(format!("unreadable return: {e}")))?;
        let parent = b["parent_run"].as_str().unwrap_or_default();
        let status = b["status"].as_str().unwrap_or("failed");
        let seq = b["parent_seq"].as_u64().unwrap_or_default();
        self.resume_parent(db, parent, seq, key, status, b["vars"].clone())
            .await?;
        Ok(format!("returned {status} to run {parent}"))
    }

    /// Hand the call to a `flow.subflow` job (starting a run from inside a run's effects
    /// would make effects recursive).
    async fn start_subflow(
        &self,
        db: &TenantDb,
        run: &RunRow,
        seq: u64,
        key: &str,
        flow_id: &str,
        vars: &serde_json::Map<String, Value>,
    ) -> Result<String, Unfinished> {
        let job = NewJob::new(
            Lane::Flow,
            crate::jobs::SUBFLOW_KIND,
            json!({ "parent_run": run.id, "seq": seq, "key": key, "flow_id": flow_id, "vars": vars }),
        )
        .tenant(db.tenant_id())
        .key(key.to_string());
        self.bus.publish(job).await?;
        Ok(format!("call of flow {flow_id} queued"))
    }

    /// Start the called flow as a child run (its id derived from the call, so a repeat finds
    /// it); a call that cannot start resumes the caller at once through `failed`.
    pub(crate) async fn call_subflow(
        &self,
        db: &TenantDb,
        parent_id: &str,
        seq: u64,
        key: &str,
        flow_id: &str,
        vars: serde_json::Map<String, Value>,
    ) -> RuntimeResult<()> {
        let run = db.get_run(parent_id).await?;
        let fail = |why: String| async move {
            self.resume_parent(db, parent_id, seq, key, "failed", json!({ "error": why }))
                .await
                .map_err(|e| match e {
                    Unfinished::Later(why) | Unfinished::Refused(why) => {
                        RuntimeError::EffectPending(why)
                    }
                })
        };
        if run.depth + 1 > MAX_DEPTH {
            return fail(format!("sub-flows nest at most {MAX_DEPTH} deep")).await;
        }
        let id = crate::schedule::tick_run_id(run.started_at.timestamp_millis(), key);
        match db.get_run(&id).await {
            Ok(_) => return Ok(()),
            Err(StoreError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
        let contact = match (&run.contact_id, &run.contact) {
            (Some(c), _) => RunContact::Stored(c.clone()),
            (None, Some(text)) => match serde_json::from_str::<TestContact>(text) {
                Ok(c) => RunContact::Test(c),
                Err(_) => RunContact::None,
            },
            _ => RunContact::None,
        };
        let started = self
            .start(
                db,
                StartRun {
                    flow_id: flow_id.to_string(),
                    source: RunSource::Published { version: None },
                    contact,
                    ticket_id: run.ticket_id.clone(),
                    vars,
                    event: None,
                    clock: None,
                    id: Some(id),
                    parent: Some(ParentLink {
                        run_id: run.id.clone(),
                        seq,
                        depth: run.depth + 1,
                    }),
                },
            )
            .await;
        match started {
            Ok(_) => Ok(()),
            Err(e) => match e.refusal() {
                Some(why) => fail(why).await,
                None => Err(e),
            },
        }
    }
}
