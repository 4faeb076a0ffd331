//! Running a flow: a step is a pure function of (run state, node, input) that returns the
//! effects to carry out and the next state. `advance` runs steps until the run waits,
//! ends or fails. Nothing here does I/O: the runtime persists the state and effects together,
//! then carries the effects out.

use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::compile::CompiledFlow;
use crate::script::Scripts;

/// Steps one `advance` may take before the run is failed (a loop with no wait in it).
pub const MAX_STEPS_PER_ADVANCE: u32 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    Waiting,
    Completed,
    Failed,
    Cancelled,
}

/// What a waiting run waits for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "for", rename_all = "snake_case")]
pub enum WaitFor {
    /// The contact's next message, or the timeout (Unix ms) if set.
    Reply { timeout_at_ms: Option<i64> },
    /// A point in time (Unix ms).
    Until { at_ms: i64 },
    /// The result of the effect with this key (an HTTP request).
    Effect { key: String },
}

/// Why a run advances.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Resume {
    /// A fresh run from its trigger.
    Start,
    /// The contact answered.
    Reply { text: String },
    /// The timer of a wait (or a reply timeout) fired.
    Timer,
    /// An HTTP request finished: `status` 0 when it could not be sent (`error` says why).
    Http {
        status: u16,
        #[serde(default)]
        body: Value,
        #[serde(default)]
        error: Option<String>,
    },
    /// A sub-flow the run called ended: its status and final variables.
    Subflow { status: String, vars: Value },
    /// A plugin call ended: the port it chose and the variables it set, or the error that
    /// failed it (`PLUGIN_TIMEOUT: …`); `trace` holds the lines it logged.
    Plugin {
        #[serde(default)]
        port: Option<String>,
        #[serde(default)]
        vars: Map<String, Value>,
        #[serde(default)]
        error: Option<String>,
        #[serde(default)]
        trace: Vec<String>,
    },
}

/// The durable state of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunState {
    pub status: RunStatus,
    pub vars: Map<String, Value>,
    /// Index of the node to run (or that is waiting).
    pub at: usize,
    pub waiting: Option<WaitFor>,
    /// Steps taken so far; effect idempotency keys include it.
    pub seq: u64,
    pub error: Option<String>,
}

impl RunState {
    pub fn new(flow: &CompiledFlow, trigger: usize, vars: Map<String, Value>) -> RunState {
        let mut all = flow.initial_vars();
        all.extend(vars);
        RunState {
            status: RunStatus::Running,
            vars: all,
            at: trigger,
            waiting: None,
            seq: 0,
            error: None,
        }
    }
}

/// Something the runtime must do for the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    SendText {
        key: String,
        text: String,
        /// Options the customer picks from (a menu): channels that can show them as buttons
        /// or a list do; `text` numbers them for the others, and a pick comes back as its
        /// number.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        choices: Vec<String>,
    },
    /// Send a file the channel fetches from `url` (through the SSRF guard).
    SendMedia {
        key: String,
        media: crate::nodes::MediaKind,
        url: String,
        caption: Option<String>,
        filename: Option<String>,
    },
    /// Publish a resumption at `at_ms` (waits and reply timeouts).
    Timer { key: String, at_ms: i64 },
    /// Put the run's ticket in a queue (pending there).
    RouteToQueue { key: String, queue: String },
    /// Set a custom field of the run's contact.
    SetContactField {
        key: String,
        field: String,
        value: Value,
    },
    /// Tag the run's contact.
    AddTag { key: String, tag: String },
    /// Send an HTTP request (through the SSRF guard) and resume the run with `Resume::Http`.
    Http {
        key: String,
        method: String,
        url: String,
        headers: std::collections::BTreeMap<String, String>,
        body: Option<String>,
        timeout_ms: u64,
    },
    /// Start the published flow `flow_id` (at its manual trigger) for the same contact with
    /// `vars`; when it ends, the run resumes with `Resume::Subflow`.
    StartSubflow {
        key: String,
        flow_id: String,
        vars: Map<String, Value>,
    },
    /// Remove a tag from the run's contact.
    RemoveTag { key: String, tag: String },
    /// Take the run's contact out of every campaign (or back in).
    OptOut { key: String, opted_out: bool },
    /// Assign the run's ticket to an agent (id or email).
    AssignAgent { key: String, agent: String },
    /// Add an internal note to the run's ticket.
    AddNote { key: String, text: String },
    /// Close the run's ticket.
    CloseTicket { key: String },
    /// Ask the company's chat completions API and resume the run with `Resume::Http` (the
    /// provider's answer).
    AiChat {
        key: String,
        system: String,
        prompt: String,
        /// Empty: the company's default model.
        model: String,
        temperature: f64,
        max_tokens: u32,
        /// How many of the ticket's latest messages go along.
        history: u32,
        timeout_ms: u64,
    },
    /// Answer the inbound webhook call that started the run.
    RespondWebhook {
        key: String,
        status: u16,
        headers: std::collections::BTreeMap<String, String>,
        body: String,
    },
    /// Send the custom event `custom.<name>` to the company's webhook endpoints.
    EmitEvent {
        key: String,
        name: String,
        data: Map<String, Value>,
    },
    /// Call node `node` of plugin `plugin` at `version` (off the run, with its limits) and
    /// resume the run with `Resume::Plugin`.
    Plugin {
        key: String,
        plugin: String,
        version: String,
        node: String,
        /// The node's config, templates rendered.
        config: Value,
        /// What the plugin may read: the run's variables, contact and ticket, and the
        /// customer's last message.
        vars: Map<String, Value>,
        contact: Value,
        ticket: Value,
        message: Option<String>,
    },
}

impl Effect {
    /// Messages to the customer and ticket actions: the inbox carries these out.
    pub fn is_ticket_effect(&self) -> bool {
        matches!(
            self,
            Effect::SendText { .. }
                | Effect::SendMedia { .. }
                | Effect::RouteToQueue { .. }
                | Effect::AssignAgent { .. }
                | Effect::AddNote { .. }
                | Effect::CloseTicket { .. }
        )
    }
}

/// One node's run, for the trace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceEntry {
    pub seq: u64,
    pub node: String,
    /// The port it left by; absent when it waited, ended or failed.
    pub port: Option<String>,
    pub micros: u64,
    pub error: Option<String>,
}

/// What a node decided.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Next(String),
    Wait(WaitFor),
    End,
}

/// What a node sees while it runs.
pub struct StepCx<'a> {
    pub vars: &'a mut Map<String, Value>,
    pub contact: &'a Value,
    pub ticket: &'a Value,
    /// Set when this step resumes a waiting node.
    pub resume: Option<&'a Resume>,
    pub effects: &'a mut Vec<Effect>,
    pub now_ms: i64,
    /// The company's opening hours, when set up.
    pub business_hours: Option<&'a tucan_model::hours::Schedule>,
    /// The tenant's time zone (IANA name).
    pub timezone: &'a str,
    pub scripts: &'a Scripts,
    /// Stable per run and step: effect keys and random choices derive from it.
    pub key: String,
}

impl StepCx<'_> {
    /// `{{vars.x}}`, `{{contact.name}}`, `{{ticket.id}}` replaced by their values.
    pub fn render(&self, template: &str) -> String {
        crate::template::render(template, |path| {
            let (root, rest) = path.split_once('.').unwrap_or((path, ""));
            let base = match root {
                "vars" => return lookup_map(self.vars, rest),
                "contact" => self.contact,
                "ticket" => self.ticket,
                _ => return None,
            };
            lookup(base, rest)
        })
    }

    pub fn effect_key(&self, what: &str) -> String {
        format!("{}:{what}", self.key)
    }

    /// A number in [0, 1) fixed for this run and step (the same on a replay).
    pub fn random(&self) -> f64 {
        use sha2::{Digest, Sha256};
        let h = Sha256::digest(self.key.as_bytes());
        let n = u64::from_be_bytes(h[..8].try_into().unwrap_or_default());
        (n >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn lookup<'v>(mut v: &'v Value, path: &str) -> Option<&'v Value> {
    for part in path.split('.').filter(|p| !p.is_empty()) {
        v = v.get(part)?;
    }
    Some(v)
}

fn lookup_map<'v>(m: &'v Map<String, Value>, path: &str) -> Option<&'v Value> {
    let (first, rest) = path.split_once('.').unwrap_or((path, ""));
    lookup(m.get(first)?, rest)
}

/// The run's surroundings for one advance.
#[derive(Debug, Clone, Default)]
pub struct Env {
    pub run_id: String,
    pub contact: Value,
    pub ticket: Value,
    pub now_ms: i64,
    pub business_hours: Option<tucan_model::hours::Schedule>,
    /// IANA time zone; UTC when empty.
    pub timezone: String,
}

/// The result of an advance: effects to carry out, steps taken.
#[derive(Debug, Default)]
pub struct Advance {
    pub effects: Vec<Effect>,
    pub trace: Vec<TraceEntry>,
}

/// Whether `resume` answers what a waiting run waits for: a reply only a run waiting for
/// one, a timer a wait or a reply timeout, an HTTP response a pending request. Anything else
/// (a customer writing during a timed wait) leaves the run as it is.
fn resumes(waiting: Option<&WaitFor>, resume: Option<&Resume>) -> bool {
    // An effect's answer must be of its kind: a response for a request, a return for a call.
    if let (Some(WaitFor::Effect { key }), Some(r)) = (waiting, resume) {
        let kind = key.rsplit(':').next().unwrap_or_default();
        match r {
            Resume::Http { .. } if kind != "http" && kind != "ai" => return false,
            Resume::Subflow { .. } if kind != "subflow" => return false,
            Resume::Plugin { .. } if kind != "plugin" => return false,
            _ => {}
        }
    }
    matches!(
        (waiting, resume),
        (Some(WaitFor::Reply { .. }), Some(Resume::Reply { .. }))
            | (
                Some(WaitFor::Reply {
                    timeout_at_ms: Some(_)
                }),
                Some(Resume::Timer)
            )
            | (Some(WaitFor::Until { .. }), Some(Resume::Timer))
            | (
                Some(WaitFor::Effect { .. }),
                Some(Resume::Http { .. })
                    | Some(Resume::Subflow { .. })
                    | Some(Resume::Plugin { .. })
            )
    )
}

/// Run from the current node until the run waits, ends or fails.
pub fn advance(flow: &CompiledFlow, state: &mut RunState, resume: Resume, env: &Env) -> Advance {
    let mut out = Advance::default();
    let mut resume = Some(resume).filter(|r| *r != Resume::Start);
    if state.status == RunStatus::Waiting && !resumes(state.waiting.as_ref(), resume.as_ref()) {
        return out;
    }
    if matches!(
        state.status,
        RunStatus::Completed | RunStatus::Failed | RunStatus::Cancelled
    ) {
        return out;
    }
    state.status = RunStatus::Running;
    state.waiting = None;
    for _ in 0..MAX_STEPS_PER_ADVANCE {
        let node = &flow.nodes[state.at];
        state.seq += 1;
        let started = Instant::now();
        let mut cx = StepCx {
            vars: &mut state.vars,
            contact: &env.contact,
            ticket: &env.ticket,
            resume: resume.as_ref(),
            effects: &mut out.effects,
            now_ms: env.now_ms,
            business_hours: env.business_hours.as_ref(),
            timezone: &env.timezone,
            scripts: &flow.scripts,
            key: format!("{}:{}", env.run_id, state.seq),
        };
        let result = node.prepared.run(&mut cx);
        resume = None;
        let micros = started.elapsed().as_micros() as u64;
        let mut entry = TraceEntry {
            seq: state.seq,
            node: node.id.clone(),
            port: None,
            micros,
            error: None,
        };
        match result {
            Ok(Outcome::Next(port)) => {
                entry.port = Some(port.clone());
                out.trace.push(entry);
                match flow.next(state.at, &port) {
                    Some(next) => state.at = next,
                    None => {
                        state.status = RunStatus::Completed;
                        return out;
                    }
                }
            }
            Ok(Outcome::Wait(w)) => {
                out.trace.push(entry);
                state.status = RunStatus::Waiting;
                state.waiting = Some(w);
                return out;
            }
            Ok(Outcome::End) => {
                out.trace.push(entry);
                state.status = RunStatus::Completed;
                return out;
            }
            Err(e) => {
                entry.error = Some(e.to_string());
                out.trace.push(entry);
                state.status = RunStatus::Failed;
                state.error = Some(format!("{}: {e}", node.id));
                return out;
            }
        }
    }
    state.status = RunStatus::Failed;
    state.error = Some(format!(
        "more than {MAX_STEPS_PER_ADVANCE} steps without waiting"
    ));
    out
}
