//! Tickets and contacts: route to a queue, set a contact field, tag. Each emits an effect
//! the runtime carries out on the run's ticket or contact.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use super::ports;
use crate::registry::{ConfigProblem, NodeSpec, NodeType, PreparedNode, schema_of, typed_config};
use crate::script::Scripts;
use crate::step::{Effect, Outcome, StepCx};

fn spec(
    kind: &'static str,
    title: &'static str,
    description: &'static str,
    schema: Value,
) -> NodeSpec {
    NodeSpec {
        kind,
        category: "tickets",
        title,
        description,
        config_schema: schema,
        outputs: ports(&["out"]),
        trigger: false,
        waits: false,
    }
}

fn non_empty(field: &str, v: &str) -> Result<(), Vec<ConfigProblem>> {
    if v.trim().is_empty() || v.len() > 200 {
        return Err(vec![ConfigProblem::field(field, "1 to 200 characters")]);
    }
    Ok(())
}

/// A node that emits one effect built from its config and the step.
struct Emit(Box<dyn Fn(&StepCx<'_>) -> Effect + Send + Sync>);

impl PreparedNode for Emit {
    fn run(&self, cx: &mut StepCx<'_>) -> Result<Outcome, String> {
        let effect = (self.0)(cx);
        cx.effects.push(effect);
        Ok(Outcome::Next("out".into()))
    }

    fn ports(&self) -> Vec<String> {
        ports(&["out"])
    }
}

pub struct RouteToQueue;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RouteConfig {
    /// Queue id or name.
    queue: String,
}

impl NodeType for RouteToQueue {
    fn spec(&self) -> NodeSpec {
        spec(
            "tickets.route_to_queue",
            "Route to queue",
            "Moves the ticket to a queue's pending list.",
            schema_of::<RouteConfig>(),
        )
    }

    fn prepare(
        &self,
        config: &Value,
        _: &Scripts,
    ) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>> {
        let c: RouteConfig = typed_config(config)?;
        non_empty("queue", &c.queue)?;
        Ok(Box::new(Emit(Box::new(move |cx| Effect::RouteToQueue {
            key: cx.effect_key("route"),
            queue: c.queue.clone(),
        }))))
    }
}

pub struct SetContactField;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct SetFieldConfig {
    field: String,
    /// A template, e.g. `{{vars.email}}`.
    value: String,
}

impl NodeType for SetContactField {
    fn spec(&self) -> NodeSpec {
        spec(
            "contacts.set_field",
            "Set contact field",
            "Saves a value in one of the contact's custom fields.",
            schema_of::<SetFieldConfig>(),
        )
    }

    fn prepare(
        &self,
        config: &Value,
        _: &Scripts,
    ) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>> {
        let c: SetFieldConfig = typed_config(config)?;
        non_empty("field", &c.field)?;
        Ok(Box::new(Emit(Box::new(move |cx| {
            Effect::SetContactField {
                key: cx.effect_key("field"),
                field: c.field.clone(),
                value: Value::String(cx.render(&c.value)),
            }
        }))))
    }
}

pub struct AddTag;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct TagConfig {
    /// Tag id or name.
    tag: String,
}

impl NodeType for AddTag {
    fn spec(&self) -> NodeSpec {
        spec(
            "contacts.add_tag",
            "Add tag",
            "Tags the contact.",
            schema_of::<TagConfig>(),
        )
    }

    fn prepare(
        &self,
        config: &Value,
        _: &Scripts,
    ) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>> {
        let c: TagConfig = typed_config(config)?;
        non_empty("tag", &c.tag)?;
        Ok(Box::new(Emit(Box::new(move |cx| Effect::AddTag {
            key: cx.effect_key("tag"),
            tag: c.tag.clone(),
        }))))
    }
}
