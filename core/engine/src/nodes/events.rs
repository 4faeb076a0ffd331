//! `integrations.emit_event`: sends a custom event (`custom.<name>`) with templated data to
//! the company's outgoing webhook endpoints that subscribe to it, through the same delivery
//! as the platform's own events. `integrations.respond_webhook`: answers the inbound webhook
//! call that started the run (status, headers, a templated body), while the run goes on.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::ports;
use crate::registry::{
    ConfigProblem, NodeError, NodeSpec, NodeType, PreparedNode, schema_of, typed_config,
};
use crate::script::Scripts;
use crate::step::{Effect, Outcome, StepCx};

pub struct EmitEvent;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct EmitConfig {
    /// The event's name: it goes out as `custom.<name>` (e.g. `order.paid`); 1-64 lower-case
    /// letters, digits, `.`, `_` or `-`.
    name: String,
    /// The event's data: each value a template (`{{vars.order}}`, `{{contact.phone}}`).
    #[serde(default)]
    data: BTreeMap<String, String>,
}

/// A custom event's name: what may follow `custom.`.
pub fn valid_event_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}

struct PreparedEmit(EmitConfig);

impl PreparedNode for PreparedEmit {
    fn run(&self, cx: &mut StepCx<'_>) -> Result<Outcome, NodeError> {
        let data: Map<String, Value> = self
            .0
            .data
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(cx.render(v))))
            .collect();
        let effect = Effect::EmitEvent {
            key: cx.effect_key("event"),
            name: self.0.name.clone(),
            data,
        };
        cx.effects.push(effect);
        Ok(Outcome::Next("out".into()))
    }

    fn ports(&self) -> Vec<String> {
        ports(&["out"])
    }
}

impl NodeType for EmitEvent {
    fn spec(&self) -> NodeSpec {
        NodeSpec {
            kind: "integrations.emit_event".into(),
            category: "integrations".into(),
            title: "Emit event".into(),
            description: "Sends a custom event (custom.<name>) with templated data to the company's webhook endpoints that subscribe to it.".into(),
            config_schema: schema_of::<EmitConfig>(),
            outputs: ports(&["out"]),
            trigger: false,
            waits: false,
            icon: None,
            color: None,
        }
    }

    fn prepare(
        &self,
        config: &Value,
        _: &Scripts,
    ) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>> {
        let c: EmitConfig = typed_config(config)?;
        if !valid_event_name(&c.name) {
            return Err(vec![ConfigProblem::field(
                "name",
                "1-64 lower-case letters, digits, '.', '_' or '-'",
            )]);
        }
        if c.data.len() > 50 {
            return Err(vec![ConfigProblem::field("data", "at most 50 fields")]);
        }
        Ok(Box::new(PreparedEmit(c)))
    }
}

pub struct RespondWebhook;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RespondConfig {
    /// The answer's HTTP status (200 to 599).
    #[serde(default = "ok")]
    status: u16,
    /// Header values are templates; `content-type` is `application/json` unless set here.
    #[serde(default)]
    headers: BTreeMap<String, String>,
    /// A template: `{"order": "{{vars.order}}", "total": {{vars.total}}}`.
    #[serde(default)]
    body: String,
}

fn ok() -> u16 {
    200
}

struct PreparedRespond(RespondConfig);

impl PreparedNode for PreparedRespond {
    fn run(&self, cx: &mut StepCx<'_>) -> Result<Outcome, NodeError> {
        let c = &self.0;
        let effect = Effect::RespondWebhook {
            key: cx.effect_key("respond"),
            status: c.status,
            headers: c
                .headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), cx.render(v)))
                .collect(),
            body: cx.render(&c.body),
        };
        cx.effects.push(effect);
        Ok(Outcome::Next("out".into()))
    }

    fn ports(&self) -> Vec<String> {
        ports(&["out"])
    }
}

impl NodeType for RespondWebhook {
    fn spec(&self) -> NodeSpec {
        NodeSpec {
            kind: "integrations.respond_webhook".into(),
            category: "integrations".into(),
            title: "Respond to webhook".into(),
            description: "Answers the inbound webhook call that started the run (status, headers, templated body); the run goes on after it.".into(),
            config_schema: schema_of::<RespondConfig>(),
            outputs: ports(&["out"]),
            trigger: false,
            waits: false,
            icon: None,
            color: None,
        }
    }

    fn prepare(
        &self,
        config: &Value,
        _: &Scripts,
    ) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>> {
        let c: RespondConfig = typed_config(config)?;
        if !(200..=599).contains(&c.status) {
            return Err(vec![ConfigProblem::field("status", "between 200 and 599")]);
        }
        let bad_header = c.headers.keys().find(|k| {
            k.is_empty()
                || k.len() > 100
                || !k.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-')
        });
        if let Some(k) = bad_header {
            return Err(vec![ConfigProblem::field(
                "headers",
                format!("'{k}' is not a header name"),
            )]);
        }
        if c.body.len() > 100_000 {
            return Err(vec![ConfigProblem::field(
                "body",
                "at most 100000 characters",
            )]);
        }
        Ok(Box::new(PreparedRespond(c)))
    }
}
