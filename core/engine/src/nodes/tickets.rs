//! Tickets and contacts: route to a queue, assign, note, close; set a contact field, tag and
//! untag. Each emits an effect
//! the runtime carries out on the run's ticket or contact.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use super::ports;
use crate::registry::{
    ConfigProblem, NodeError, NodeSpec, NodeType, PreparedNode, schema_of, typed_config,
};
use crate::script::Scripts;
use crate::step::{Effect, Outcome, StepCx};

fn spec(
    kind: &'static str,
    title: &'static str,
    description: &'static str,
    schema: Value,
) -> NodeSpec {
    NodeSpec {
        kind: kind.into(),
        category: "tickets".into(),
        title: title.into(),
        description: description.into(),
        config_schema: schema,
        outputs: ports(&["out"]),
        trigger: false,
        waits: false,
        icon: None,
        color: None,
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
    fn run(&self, cx: &mut StepCx<'_>) -> Result<Outcome, NodeError> {
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

pub struct OptOut;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct OptOutConfig {
    /// `true` takes the contact out of every campaign; `false` lets them back in.
    #[serde(default = "yes")]
    opted_out: bool,
}

fn yes() -> bool {
    true
}

impl NodeType for OptOut {
    fn spec(&self) -> NodeSpec {
        spec(
            "contacts.opt_out",
            "Opt out of campaigns",
            "Takes the contact out of every campaign (or back in); campaigns skip opted-out contacts.",
            schema_of::<OptOutConfig>(),
        )
    }

    fn prepare(
        &self,
        config: &Value,
        _: &Scripts,
    ) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>> {
        let c: OptOutConfig = typed_config(config)?;
        Ok(Box::new(Emit(Box::new(move |cx| Effect::OptOut {
            key: cx.effect_key("opt_out"),
            opted_out: c.opted_out,
        }))))
    }
}

pub struct RemoveTag;

impl NodeType for RemoveTag {
    fn spec(&self) -> NodeSpec {
        spec(
            "contacts.remove_tag",
            "Remove tag",
            "Removes a tag from the contact.",
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
        Ok(Box::new(Emit(Box::new(move |cx| Effect::RemoveTag {
            key: cx.effect_key("untag"),
            tag: c.tag.clone(),
        }))))
    }
}

pub struct AssignAgent;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct AssignConfig {
    /// Agent id or email.
    agent: String,
}

impl NodeType for AssignAgent {
    fn spec(&self) -> NodeSpec {
        spec(
            "tickets.assign_agent",
            "Assign to agent",
            "Gives the ticket to an agent.",
            schema_of::<AssignConfig>(),
        )
    }

    fn prepare(
        &self,
        config: &Value,
        _: &Scripts,
    ) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>> {
        let c: AssignConfig = typed_config(config)?;
        non_empty("agent", &c.agent)?;
        Ok(Box::new(Emit(Box::new(move |cx| Effect::AssignAgent {
            key: cx.effect_key("assign"),
            agent: c.agent.clone(),
        }))))
    }
}

pub struct AddNote;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct NoteConfig {
    /// A template; agents see it in the ticket, the customer never does.
    text: String,
}

impl NodeType for AddNote {
    fn spec(&self) -> NodeSpec {
        spec(
            "tickets.add_note",
            "Add note",
            "Adds an internal note to the ticket.",
            schema_of::<NoteConfig>(),
        )
    }

    fn prepare(
        &self,
        config: &Value,
        _: &Scripts,
    ) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>> {
        let c: NoteConfig = typed_config(config)?;
        if c.text.trim().is_empty() || c.text.len() > 4096 {
            return Err(vec![ConfigProblem::field("text", "1 to 4096 characters")]);
        }
        Ok(Box::new(Emit(Box::new(move |cx| Effect::AddNote {
            key: cx.effect_key("note"),
            text: cx.render(&c.text),
        }))))
    }
}

pub struct CloseTicket;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct CloseConfig {}

impl NodeType for CloseTicket {
    fn spec(&self) -> NodeSpec {
        spec(
            "tickets.close",
            "Close ticket",
            "Closes the ticket.",
            schema_of::<CloseConfig>(),
        )
    }

    fn prepare(
        &self,
        config: &Value,
        _: &Scripts,
    ) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>> {
        typed_config::<CloseConfig>(config)?;
        Ok(Box::new(Emit(Box::new(|cx| Effect::CloseTicket {
            key: cx.effect_key("close"),
        }))))
    }
}
