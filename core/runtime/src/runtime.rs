//! Starting, resuming and cancelling runs. Every change to a run is read → advance (pure) →
//! one transaction that writes the new state, the steps and the effects, and fails if the
//! run moved on meanwhile (then the change is decided again on the fresh state). Effects are
//! carried out only after that transaction commits.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tucan_bus::net::OutboundHttp;
use tucan_bus::{JobBus, Timers, now_ms};
use tucan_engine::{
    Advance, CompiledFlow, Env, FlowDocument, Registry, Resume, RunState, RunStatus, Scripts,
    advance, compile,
};
use tucan_model::ErrorCode;
use tucan_model::hours::Schedule;
use tucan_model::ids::new_id;
use tucan_store::{
    EffectWrite, NewRun, RunRow, RunWrite, StepWrite, Store, StoreError, StoreResult, TenantDb,
};

use crate::cache::FlowCache;
use crate::error::{RuntimeError, RuntimeResult};
use crate::facts::{Published, TenantFacts, TenantSettings};
pub use crate::hooks::{CallLater, DeskError, PluginCalls, TicketDesk};
use crate::triggers::TriggerEvent;

/// How many times a change is re-decided when other workers keep moving the run.
pub(crate) const MAX_RACES: usize = 8;

#[derive(Debug, Clone)]
pub struct RuntimeOptions {
    /// Compiled flow versions kept in memory.
    pub cache_capacity: usize,
    /// Effects pending longer than this are carried out by the sweeper.
    pub stale_effect_secs: u64,
    /// How often the sweeper looks.
    pub sweep_interval: Duration,
    /// Let HTTP nodes reach loopback and private addresses (tests, explicit admin choice).
    pub allow_internal_http: bool,
    /// Carry effects out right after the step that asked for them commits. Off, they wait
    /// for the sweeper: what a crash between the two looks like (used by tests).
    pub inline_effects: bool,
    /// Opens the company's sealed AI provider key; none on a server without a secrets key,
    /// where AI nodes fail with the reason.
    pub secret_key: Option<tucan_channels::secrets::SecretKey>,
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        RuntimeOptions {
            cache_capacity: 512,
            stale_effect_secs: 30,
            sweep_interval: Duration::from_secs(15),
            allow_internal_http: false,
            inline_effects: true,
            secret_key: None,
        }
    }
}

/// Which version of the flow a new run follows.
#[derive(Debug, Clone, PartialEq)]
pub enum RunSource {
    /// A published version: the given one, or the flow's current.
    Published { version: Option<u32> },
    /// The current draft (a test run): the document is kept with the run.
    Draft,
}

/// Who the run talks to.
#[derive(Debug, Clone, PartialEq)]
pub enum RunContact {
    None,
    /// A contact of the tenant, read afresh at every advance.
    Stored(String),
    /// A made-up contact for a test run; contact effects are recorded, not applied.
    Test(TestContact),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestContact {
    pub name: String,
    pub phone: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub custom_fields: Map<String, Value>,
}

/// What starts a run.
#[derive(Debug, Clone)]
pub struct StartRun {
    pub flow_id: String,
    pub source: RunSource,
    pub contact: RunContact,
    pub ticket_id: Option<String>,
    /// Initial variables (over the flow's defaults).
    pub vars: Map<String, Value>,
    /// `None` starts at the manual trigger (a test run falls back to the first trigger);
    /// an event starts at the first trigger of its kind whose filters it passes. A message's
    /// text is in `vars.message`, a ticket event's kind in `vars.ticket_event`.
    pub event: Option<TriggerEvent>,
    /// A test run may play at another time (to try business hours): its clock starts here.
    pub clock: Option<chrono::DateTime<chrono::Utc>>,
    /// The run's id; a new one when absent. A schedule tick derives it from the tick, so a
    /// redelivered tick finds its run already there.
    pub id: Option<String>,
    /// Set when a run calls this one as a sub-flow.
    pub parent: Option<ParentLink>,
}

/// The run that called a sub-flow: it waits at step `seq`; `depth` is the new run's.
#[derive(Debug, Clone)]
pub struct ParentLink {
    pub run_id: String,
    pub seq: u64,
    pub depth: u32,
}

/// What a resume did.
#[derive(Debug)]
pub enum Stepped {
    Advanced(Box<RunRow>),
    /// The run does not wait for this (it moved on, ended, or waits for something else).
    NotApplicable,
}

/// The flow runtime of one process; shared by the API and the workers.
pub struct FlowRuntime {
    pub(crate) store: Store,
    pub(crate) bus: Arc<dyn JobBus>,
    pub(crate) timers: Timers,
    registry: Arc<Registry>,
    scripts: Scripts,
    cache: FlowCache,
    facts: TenantFacts,
    pub(crate) http: OutboundHttp,
    pub(crate) opts: RuntimeOptions,
    /// The inbox, which carries out message and ticket effects of runs with a ticket.
    pub(crate) desk: std::sync::Weak<dyn TicketDesk>,
    /// The plugin host: plugin node types and their calls.
    pub(crate) plugins: Option<Arc<dyn PluginCalls>>,
    /// Inbound webhook calls waiting for their run's answer.
    pub(crate) answers: crate::answers::Answers,
}

/// What a runtime is built from.
pub struct RuntimeParts {
    pub store: Store,
    pub bus: Arc<dyn JobBus>,
    pub timers: Timers,
    pub registry: Arc<Registry>,
    /// Carries out the message and ticket effects of runs with a ticket: the inbox, which
    /// holds the runtime, hence a weak reference (see `tucan_inbox::Inbox::new`).
    pub desk: std::sync::Weak<dyn TicketDesk>,
    /// Plugin node types and their calls; none when this process runs no plugins.
    pub plugins: Option<Arc<dyn PluginCalls>>,
}

impl std::fmt::Debug for FlowRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlowRuntime")
            .field("cached_flows", &self.cache.len())
            .finish()
    }
}

fn status_name(s: RunStatus) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The plugins whose nodes a flow document's text names without a pinned version, sorted.
fn unpinned_plugins(text: &str) -> Vec<String> {
    let mut plugins: Vec<String> = text
        .split('"')
        .filter(|s| s.starts_with("plugin."))
        .filter_map(tucan_engine::PluginNodeType::parse_kind)
        .filter(|(_, _, version)| version.is_none())
        .map(|(plugin, _, _)| plugin)
        .collect();
    plugins.sort();
    plugins.dedup();
    plugins
}

fn ended(s: RunStatus) -> bool {
    matches!(
        s,
        RunStatus::Completed | RunStatus::Failed | RunStatus::Cancelled
    )
}

impl FlowRuntime {
    pub fn new(parts: RuntimeParts, opts: RuntimeOptions) -> Arc<Self> {
        Arc::new(FlowRuntime {
            store: parts.store,
            bus: parts.bus,
            timers: parts.timers,
            registry: parts.registry,
            scripts: Scripts::default(),
            cache: FlowCache::new(opts.cache_capacity),
            facts: TenantFacts::default(),
            http: OutboundHttp::new(opts.allow_internal_http),
            opts,
            desk: parts.desk,
            plugins: parts.plugins,
            answers: Default::default(),
        })
    }

    pub(crate) fn plugin_host(&self) -> Option<Arc<dyn PluginCalls>> {
        self.plugins.clone()
    }

    /// The registry to compile `doc` with: the built-in node types, plus the plugin node
    /// types the document names.
    pub async fn registry_for(
        &self,
        db: &TenantDb,
        doc: &FlowDocument,
    ) -> RuntimeResult<Arc<Registry>> {
        let kinds: Vec<String> = doc
            .nodes
            .iter()
            .filter(|n| n.node_type.starts_with("plugin."))
            .map(|n| n.node_type.clone())
            .collect();
        let Some(host) = self.plugin_host().filter(|_| !kinds.is_empty()) else {
            return Ok(self.registry.clone());
        };
        let mut registry = (*self.registry).clone();
        for t in host.node_types(db, &kinds).await? {
            registry.register(t);
        }
        Ok(Arc::new(registry))
    }

    /// The node-type catalogue of a tenant: built-ins and its enabled plugins' node types.
    pub async fn catalogue(&self, db: &TenantDb) -> RuntimeResult<Vec<tucan_engine::NodeSpec>> {
        let mut specs = self.registry.catalogue();
        if let Some(host) = self.plugin_host() {
            specs.extend(host.catalogue(db).await?.iter().map(|t| t.spec()));
        }
        Ok(specs)
    }

    /// Pin each plugin node of `doc` to its plugin's current version (`…@1.2.0`), as a
    /// flow version is published; a plugin that is unknown or disabled is an error.
    pub async fn pin_plugins(&self, db: &TenantDb, doc: &mut FlowDocument) -> RuntimeResult<()> {
        for node in doc.nodes.iter_mut() {
            let Some((plugin, name, None)) =
                tucan_engine::PluginNodeType::parse_kind(&node.node_type)
            else {
                continue;
            };
            let current = match self.plugin_host() {
                Some(h) => h.current_version(db, &plugin).await?,
                None => None,
            };
            let Some(version) = current else {
                return Err(RuntimeError::InvalidFlow(format!(
                    "node {}: plugin {plugin} is not installed or is disabled",
                    node.id
                )));
            };
            node.node_type = format!("plugin.{plugin}.{name}@{version}");
        }
        Ok(())
    }

    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// The timers runs set (the worker's scanner fires them).
    pub fn timers(&self) -> &Timers {
        &self.timers
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    async fn compile_text(&self, db: &TenantDb, text: &str) -> RuntimeResult<CompiledFlow> {
        let doc: FlowDocument = serde_json::from_str(text)
            .map_err(|e| RuntimeError::InvalidFlow(format!("not a flow document: {e}")))?;
        let registry = self.registry_for(db, &doc).await?;
        compile(&doc, &registry, &self.scripts).map_err(|problems| {
            let first = problems
                .first()
                .map(|p| p.message.clone())
                .unwrap_or_default();
            RuntimeError::InvalidFlow(format!(
                "the flow has {} problem(s), the first: {first}; validate it for the list",
                problems.len()
            ))
        })
    }

    pub(crate) async fn published(
        &self,
        db: &TenantDb,
        flow_id: &str,
        version: u32,
    ) -> RuntimeResult<(Arc<CompiledFlow>, String)> {
        let key = format!("{}:{flow_id}:{version}", db.tenant_id());
        if let Some(hit) = self.cache.get(&key) {
            return Ok(hit);
        }
        let row = db.get_flow_version(flow_id, version).await?;
        let flow = Arc::new(self.compile_text(db, &row.document).await?);
        self.cache.insert(key, (flow.clone(), row.hash.clone()));
        Ok((flow, row.hash))
    }

    async fn draft(
        &self,
        db: &TenantDb,
        text: &str,
        hash: &str,
    ) -> RuntimeResult<Arc<CompiledFlow>> {
        let mut key = format!("{}:draft:{hash}", db.tenant_id());
        // A draft's plugin nodes follow their plugins' current versions: an upgrade is a
        // different compiled flow.
        if let Some(host) = self.plugin_host() {
            for plugin in unpinned_plugins(text) {
                let current = host.current_version(db, &plugin).await?.unwrap_or_default();
                key.push_str(&format!(":{plugin}@{current}"));
            }
        }
        if let Some((flow, _)) = self.cache.get(&key) {
            return Ok(flow);
        }
        let flow = Arc::new(self.compile_text(db, text).await?);
        self.cache.insert(key, (flow.clone(), hash.to_string()));
        Ok(flow)
    }

    /// The compiled flow a run follows.
    pub async fn flow_of(&self, db: &TenantDb, run: &RunRow) -> RuntimeResult<Arc<CompiledFlow>> {
        if run.test {
            let text = match &run.document {
                Some(t) => t.clone(),
                None => db.get_run(&run.id).await?.document.unwrap_or_default(),
            };
            self.draft(db, &text, &run.hash).await
        } else {
            Ok(self.published(db, &run.flow_id, run.version).await?.0)
        }
    }

    async fn env(&self, db: &TenantDb, run: &RunRow) -> RuntimeResult<Env> {
        let contact = if let Some(id) = &run.contact_id {
            match db.get_contact(id).await {
                Ok(c) => serde_json::to_value(c)?,
                Err(StoreError::NotFound(_)) => Value::Null,
                Err(e) => return Err(e.into()),
            }
        } else if let Some(text) = &run.contact {
            serde_json::from_str(text)?
        } else {
            Value::Null
        };
        let ticket = run
            .ticket_id
            .as_ref()
            .map_or(Value::Null, |id| json!({ "id": id }));
        let (business_hours, timezone) = self.hours_of(db).await?;
        Ok(Env {
            run_id: run.id.clone(),
            contact,
            ticket,
            now_ms: now_ms() + run.clock_offset_ms.unwrap_or(0),
            business_hours,
            timezone,
        })
    }

    /// The tenant's settings, business hours and time zone, read at most every few seconds.
    pub async fn settings_of(&self, db: &TenantDb) -> StoreResult<Arc<TenantSettings>> {
        self.facts.settings(&self.store, db).await
    }

    /// The tenant's business hours and time zone, read at most every few seconds.
    pub async fn hours_of(&self, db: &TenantDb) -> StoreResult<(Option<Schedule>, String)> {
        let s = self.settings_of(db).await?;
        Ok((s.business_hours.clone(), s.timezone.clone()))
    }

    /// Forget the tenant's cached settings (they changed).
    pub fn forget_settings(&self, tenant: &str) {
        self.facts.forget_settings(tenant);
    }

    /// The tenant's published flows and their versions, read at most every two seconds.
    pub(crate) async fn published_flows(&self, db: &TenantDb) -> StoreResult<Published> {
        self.facts.published(db).await
    }

    /// Forget the tenant's cached list of published flows (one was published or deleted).
    pub fn forget_published(&self, tenant: &str) {
        self.facts.forget_published(tenant);
    }

    /// Start a run and take its first steps; effects are carried out before this returns
    /// (the ones that wait, like timers and HTTP requests, are handed to the bus).
    pub async fn start(&self, db: &TenantDb, req: StartRun) -> RuntimeResult<RunRow> {
        let flow_row = db.get_flow(&req.flow_id).await?;
        let (flow, version, hash, document) = match req.source {
            RunSource::Published { version } => {
                let version = version
                    .or(flow_row.published_version)
                    .ok_or(RuntimeError::FlowNotPublished)?;
                let (flow, hash) = self.published(db, &req.flow_id, version).await?;
                (flow, version, hash, None)
            }
            RunSource::Draft => {
                let doc: FlowDocument = serde_json::from_str(&flow_row.draft)
                    .map_err(|e| RuntimeError::InvalidFlow(format!("not a flow document: {e}")))?;
                let hash = doc.content_hash();
                let flow = self.draft(db, &flow_row.draft, &hash).await?;
                (flow, 0, hash, Some(flow_row.draft.clone()))
            }
        };
        let test = document.is_some();
        let trigger = crate::triggers::pick_trigger(&flow, req.event.as_ref(), test)?;
        let (contact_id, contact) = match &req.contact {
            RunContact::None => (None, None),
            RunContact::Stored(id) => {
                db.get_contact(id).await?;
                (Some(id.clone()), None)
            }
            RunContact::Test(c) => (None, Some(serde_json::to_string(c)?)),
        };
        // A called flow runs inside its caller's conversation: only runs nobody called hold
        // the contact's one active run of a flow.
        let active_key = match &contact_id {
            Some(c) if !flow.settings.concurrent_runs && !test && req.parent.is_none() => {
                Some([c.clone(), req.flow_id.clone()])
            }
            _ => None,
        };
        let run = RunRow {
            id: req.id.clone().unwrap_or_else(new_id),
            flow_id: req.flow_id.clone(),
            version,
            hash: hash.clone(),
            test,
            document: document.clone(),
            contact_id: contact_id.clone(),
            ticket_id: req.ticket_id.clone(),
            contact: contact.clone(),
            trigger: req
                .event
                .as_ref()
                .map_or("manual", TriggerEvent::name)
                .into(),
            active_key: active_key.as_ref().map(|k| k.to_vec()),
            clock_offset_ms: req
                .clock
                .filter(|_| test)
                .map(|at| at.timestamp_millis() - now_ms()),
            parent_run: req.parent.as_ref().map(|p| p.run_id.clone()),
            parent_seq: req.parent.as_ref().map(|p| p.seq),
            depth: req.parent.as_ref().map_or(0, |p| p.depth),
            status: "running".into(),
            seq: 0,
            node: flow.nodes[trigger].id.clone(),
            waiting: None,
            state: String::new(),
            error: None,
            started_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            ended_at: None,
        };
        let mut vars = req.vars;
        match &req.event {
            Some(TriggerEvent::Message(m)) => {
                vars.entry("message").or_insert_with(|| json!(m.text));
            }
            Some(TriggerEvent::Ticket(t)) => {
                vars.entry("ticket_event").or_insert_with(|| json!(t.kind));
            }
            Some(TriggerEvent::Webhook { payload, .. }) => {
                vars.insert("payload".into(), payload.clone());
            }
            Some(TriggerEvent::Schedule { .. } | TriggerEvent::Campaign) | None => {}
        }
        let mut state = RunState::new(&flow, trigger, vars);
        let env = self.env(db, &run).await?;
        let adv = advance(&flow, &mut state, Resume::Start, &env);
        let write = self.to_write(&run, Some(&flow), &state, &adv, &Resume::Start)?;
        db.create_run(
            &NewRun {
                id: run.id.clone(),
                flow_id: run.flow_id.clone(),
                version,
                hash,
                test,
                document,
                contact_id,
                ticket_id: req.ticket_id,
                contact,
                trigger: run.trigger.clone(),
                active_key,
                clock_offset_ms: run.clock_offset_ms,
                parent_run: run.parent_run.clone(),
                parent_seq: run.parent_seq,
                depth: run.depth,
            },
            &write,
        )
        .await
        .map_err(|e| match e {
            StoreError::Problem(p) if p.code == ErrorCode::RunActive => RuntimeError::RunActive,
            other => other.into(),
        })?;
        self.committed(db, &run, &write).await;
        Ok(db.get_run(&run.id).await?)
    }

    /// Advance a waiting run with `resume`. With `expect_seq`, only if the run is still at
    /// that step (timers and HTTP responses name the wait they answer).
    pub async fn resume(
        &self,
        db: &TenantDb,
        run_id: &str,
        resume: Resume,
        expect_seq: Option<u64>,
    ) -> RuntimeResult<Stepped> {
        for _ in 0..MAX_RACES {
            let run = db.get_run(run_id).await?;
            if run.status != "waiting" || expect_seq.is_some_and(|s| s != run.seq) {
                return Ok(Stepped::NotApplicable);
            }
            let flow = self.flow_of(db, &run).await?;
            let mut state: RunState = serde_json::from_str(&run.state)?;
            let env = self.env(db, &run).await?;
            let before = state.seq;
            let adv = advance(&flow, &mut state, resume.clone(), &env);
            if adv.trace.is_empty() && state.seq == before {
                return Ok(Stepped::NotApplicable);
            }
            let write = self.to_write(&run, Some(&flow), &state, &adv, &resume)?;
            if db.write_run(&write).await? {
                self.committed(db, &run, &write).await;
                return Ok(Stepped::Advanced(Box::new(written(run, &write))));
            }
        }
        Err(RuntimeError::Contended {
            run: run_id.to_string(),
            tries: MAX_RACES,
        })
    }

    /// Cancel a run that has not ended. `RUN_NOT_WAITING` when it has.
    pub async fn cancel(&self, db: &TenantDb, run_id: &str) -> RuntimeResult<RunRow> {
        for _ in 0..MAX_RACES {
            let run = db.get_run(run_id).await?;
            let mut state: RunState = serde_json::from_str(&run.state)?;
            if ended(state.status) {
                return Err(RuntimeError::RunEnded);
            }
            state.status = RunStatus::Cancelled;
            state.waiting = None;
            // A step of its own, so an answer to the wait it left (timer, reply read
            // before the cancel) no longer matches; no flow needed (it may be deleted).
            state.seq += 1;
            let write = self.to_write(&run, None, &state, &Advance::default(), &Resume::Start)?;
            if db.write_run(&write).await? {
                self.committed(db, &run, &write).await;
                return Ok(db.get_run(run_id).await?);
            }
        }
        Err(RuntimeError::Contended {
            run: run_id.to_string(),
            tries: MAX_RACES,
        })
    }

    pub(crate) fn to_write(
        &self,
        run: &RunRow,
        flow: Option<&CompiledFlow>,
        state: &RunState,
        adv: &Advance,
        input: &Resume,
    ) -> RuntimeResult<RunWrite> {
        let last = adv.trace.len().saturating_sub(1);
        let mut steps = Vec::with_capacity(adv.trace.len());
        for (i, t) in adv.trace.iter().enumerate() {
            steps.push(StepWrite {
                seq: t.seq,
                node: t.node.clone(),
                port: t.port.clone(),
                input: if i == 0 {
                    Some(serde_json::to_string(input)?)
                } else {
                    None
                },
                micros: t.micros,
                error: t.error.clone(),
                vars: if i == last {
                    Some(serde_json::to_string(&state.vars)?)
                } else {
                    None
                },
            });
        }
        let mut effects = Vec::with_capacity(adv.effects.len());
        for (n, e) in adv.effects.iter().enumerate() {
            let body = serde_json::to_value(e)?;
            let key = body["key"].as_str().unwrap_or_default().to_string();
            let seq = key
                .split(':')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or(state.seq);
            effects.push(EffectWrite {
                seq,
                n: n as u32,
                kind: body["effect"].as_str().unwrap_or_default().to_string(),
                key,
                body: body.to_string(),
            });
        }
        // A sub-flow that ends hands its result back to its caller, from the same outbox.
        if let (Some(parent), Some(parent_seq)) = (&run.parent_run, run.parent_seq)
            && ended(state.status)
        {
            let body = json!({
                "parent_run": parent,
                "parent_seq": parent_seq,
                "status": status_name(state.status),
                "vars": state.vars,
            });
            effects.push(EffectWrite {
                seq: state.seq,
                n: effects.len() as u32,
                key: format!("{}:{}:return", run.id, state.seq),
                kind: crate::effects::RETURN_KIND.into(),
                body: body.to_string(),
            });
        }
        // A run that talked to a contact lets go of their ticket when it ends.
        if ended(state.status) && run.contact_id.is_some() && !run.test {
            effects.push(EffectWrite {
                seq: state.seq,
                n: effects.len() as u32,
                key: format!("{}:{}:release", run.id, state.seq),
                kind: crate::effects::RELEASE_KIND.into(),
                body: "{}".into(),
            });
        }
        Ok(RunWrite {
            run_id: run.id.clone(),
            expect_seq: run.seq,
            status: status_name(state.status),
            seq: state.seq,
            node: flow.map_or_else(|| run.node.clone(), |f| f.nodes[state.at].id.clone()),
            waiting: state
                .waiting
                .as_ref()
                .map(serde_json::to_string)
                .transpose()?,
            state: serde_json::to_string(state)?,
            error: state.error.clone(),
            ended: ended(state.status),
            active_key: run.active_key.clone(),
            steps,
            effects,
        })
    }
}

/// The run as `write` left it (what a read would return, without the read).
fn written(mut run: RunRow, write: &RunWrite) -> RunRow {
    let now = chrono::Utc::now();
    run.status = write.status.clone();
    run.seq = write.seq;
    run.node = write.node.clone();
    run.waiting = write.waiting.clone();
    run.state = write.state.clone();
    run.error = write.error.clone();
    run.updated_at = now;
    run.ended_at = write.ended.then_some(now);
    run
}
