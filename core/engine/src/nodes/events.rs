//! `integrations.emit_event`: sends a custom event (`custom.<name>`) with templated data to
//! the company's outgoing webhook endpoints that subscribe to it, through the same delivery
//! as the platform's own events.

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
