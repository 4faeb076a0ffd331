//! Logic: condition, switch, set variable, script, random split, wait, end, business hours,
//! sub-flow.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};
use tucan_model::hours::Schedule;

use super::ports;
use crate::registry::{
    ConfigProblem, NodeError, NodeSpec, NodeType, PreparedNode, schema_of, typed_config,
};
use crate::script::{Compiled, ScriptContext, ScriptError, Scripts, truthy};
use crate::step::{Outcome, StepCx, WaitFor};

fn compile_expr(
    scripts: &Scripts,
    field: &str,
    source: &str,
) -> Result<Compiled, Vec<ConfigProblem>> {
    if source.trim().is_empty() {
        return Err(vec![ConfigProblem::field(field, "write an expression")]);
    }
    scripts.compile_expression(source).map_err(|e| {
        vec![ConfigProblem::field(
            field,
            format!("does not compile: {e}"),
        )]
    })
}

/// Evaluate `code` against the step's context; the script may change `vars`.
fn eval(cx: &mut StepCx<'_>, code: &Compiled) -> Result<Value, ScriptError> {
    let sc = ScriptContext {
        vars: Value::Object(cx.vars.clone()),
        contact: cx.contact.clone(),
        ticket: cx.ticket.clone(),
    };
    let (result, vars) = cx.scripts.eval(code, &sc)?;
    if let Value::Object(vars) = vars {
        *cx.vars = vars;
    }
    Ok(result)
}

fn spec(
    kind: &'static str,
    title: &'static str,
    description: &'static str,
    schema: Value,
    outputs: &[&str],
    waits: bool,
) -> NodeSpec {
    NodeSpec {
        kind: kind.into(),
        category: "logic".into(),
        title: title.into(),
        description: description.into(),
        config_schema: schema,
        outputs: ports(outputs),
        trigger: false,
        waits,
        icon: None,
        color: None,
    }
}

pub struct Condition;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ConditionConfig {
    /// A Rhai expression over `vars`, `contact` and `ticket`, e.g. `vars.total > 100`.
    expression: String,
}

struct PreparedCondition(Compiled);

impl PreparedNode for PreparedCondition {
    fn run(&self, cx: &mut StepCx<'_>) -> Result<Outcome, NodeError> {
        let v = eval(cx, &self.0)?;
        Ok(Outcome::Next(
            if truthy(&v) { "true" } else { "false" }.into(),
        ))
    }

    fn ports(&self) -> Vec<String> {
        ports(&["true", "false"])
    }
}

impl NodeType for Condition {
    fn spec(&self) -> NodeSpec {
        spec(
            "logic.condition",
            "Condition",
            "Goes to `true` or `false` by a Rhai expression.",
            schema_of::<ConditionConfig>(),
            &["true", "false"],
            false,
        )
    }

    fn prepare(
        &self,
        config: &Value,
        scripts: &Scripts,
    ) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>> {
        let c: ConditionConfig = typed_config(config)?;
        Ok(Box::new(PreparedCondition(compile_expr(
            scripts,
            "expression",
            &c.expression,
        )?)))
    }
}

pub struct Switch;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct SwitchConfig {
    /// A Rhai expression whose value names the port to take.
    expression: String,
    /// The ports; a value matching none goes to `default`.
    cases: Vec<String>,
}

struct PreparedSwitch {
    expr: Compiled,
    cases: Vec<String>,
}

impl PreparedNode for PreparedSwitch {
    fn run(&self, cx: &mut StepCx<'_>) -> Result<Outcome, NodeError> {
        let v = eval(cx, &self.expr)?;
        let key = match v {
            Value::String(s) => s,
            other => other.to_string(),
        };
        Ok(Outcome::Next(if self.cases.contains(&key) {
            key
        } else {
            "default".into()
        }))
    }

    fn ports(&self) -> Vec<String> {
        let mut p = self.cases.clone();
        p.push("default".into());
        p
    }
}

impl NodeType for Switch {
    fn spec(&self) -> NodeSpec {
        spec(
            "logic.switch",
            "Switch",
            "Goes to the port named by a Rhai expression's value, or `default`.",
            schema_of::<SwitchConfig>(),
            &["default"],
            false,
        )
    }

    fn prepare(
        &self,
        config: &Value,
        scripts: &Scripts,
    ) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>> {
        let c: SwitchConfig = typed_config(config)?;
        let mut seen = std::collections::HashSet::new();
        if c.cases.is_empty()
            || c.cases
                .iter()
                .any(|k| k.is_empty() || k == "default" || !seen.insert(k))
        {
            return Err(vec![ConfigProblem::field(
                "cases",
                "cases are distinct, non-empty and not `default`",
            )]);
        }
        Ok(Box::new(PreparedSwitch {
            expr: compile_expr(scripts, "expression", &c.expression)?,
            cases: c.cases,
        }))
    }
}

pub struct SetVariable;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct SetVariableConfig {
    name: String,
    /// A template (`Hello {{contact.name}}`) or, with `expression: true`, a Rhai expression.
    value: String,
    #[serde(default)]
    expression: bool,
}

struct PreparedSet {
    name: String,
    value: String,
    expr: Option<Compiled>,
}

impl PreparedNode for PreparedSet {
    fn run(&self, cx: &mut StepCx<'_>) -> Result<Outcome, NodeError> {
        let v = match &self.expr {
            Some(e) => eval(cx, e)?,
            None => Value::String(cx.render(&self.value)),
        };
        cx.vars.insert(self.name.clone(), v);
        Ok(Outcome::Next("out".into()))
    }

    fn ports(&self) -> Vec<String> {
        ports(&["out"])
    }
}

fn valid_var(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl NodeType for SetVariable {
    fn spec(&self) -> NodeSpec {
        spec(
            "logic.set_variable",
            "Set variable",
            "Sets a run variable from a template or an expression.",
            schema_of::<SetVariableConfig>(),
            &["out"],
            false,
        )
    }

    fn prepare(
        &self,
        config: &Value,
        scripts: &Scripts,
    ) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>> {
        let c: SetVariableConfig = typed_config(config)?;
        if !valid_var(&c.name) {
            return Err(vec![ConfigProblem::field(
                "name",
                "letters, digits and _, at most 64",
            )]);
        }
        let expr = if c.expression {
            Some(compile_expr(scripts, "value", &c.value)?)
        } else {
            None
        };
        Ok(Box::new(PreparedSet {
            name: c.name,
            value: c.value,
            expr,
        }))
    }
}

pub struct Script;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ScriptConfig {
    /// Rhai statements; they may change `vars`; a map as the last value is merged into vars.
    code: String,
}

struct PreparedScript(Compiled);

impl PreparedNode for PreparedScript {
    fn run(&self, cx: &mut StepCx<'_>) -> Result<Outcome, NodeError> {
        if let Value::Object(values) = eval(cx, &self.0)? {
            cx.vars.extend(values);
        }
        Ok(Outcome::Next("out".into()))
    }

    fn ports(&self) -> Vec<String> {
        ports(&["out"])
    }
}

impl NodeType for Script {
    fn spec(&self) -> NodeSpec {
        spec(
            "logic.script",
            "Script",
            "Runs Rhai with `vars`, `contact` and `ticket`; returned map values become variables.",
            schema_of::<ScriptConfig>(),
            &["out"],
            false,
        )
    }

    fn prepare(
        &self,
        config: &Value,
        scripts: &Scripts,
    ) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>> {
        let c: ScriptConfig = typed_config(config)?;
        let code = scripts.compile(&c.code).map_err(|e| {
            vec![ConfigProblem::field(
                "code",
                format!("does not compile: {e}"),
            )]
        })?;
        Ok(Box::new(PreparedScript(code)))
    }
}

pub struct RandomSplit;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Branch {
    port: String,
    weight: u32,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RandomSplitConfig {
    branches: Vec<Branch>,
}

struct PreparedSplit(Vec<Branch>);

impl PreparedNode for PreparedSplit {
    fn run(&self, cx: &mut StepCx<'_>) -> Result<Outcome, NodeError> {
        let total: u32 = self.0.iter().map(|b| b.weight).sum();
        let mut pick = cx.random() * f64::from(total);
        for b in &self.0 {
            pick -= f64::from(b.weight);
            if pick < 0.0 {
                return Ok(Outcome::Next(b.port.clone()));
            }
        }
        Ok(Outcome::Next(
            self.0.last().map(|b| b.port.clone()).unwrap_or_default(),
        ))
    }

    fn ports(&self) -> Vec<String> {
        self.0.iter().map(|b| b.port.clone()).collect()
    }
}

impl NodeType for RandomSplit {
    fn spec(&self) -> NodeSpec {
        spec(
            "logic.random_split",
            "Random split",
            "Sends each run down one branch, at random by weight (A/B tests).",
            schema_of::<RandomSplitConfig>(),
            &[],
            false,
        )
    }

    fn prepare(
        &self,
        config: &Value,
        _: &Scripts,
    ) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>> {
        let c: RandomSplitConfig = typed_config(config)?;
        if c.branches.len() < 2 || c.branches.iter().all(|b| b.weight == 0) {
            return Err(vec![ConfigProblem::field(
                "branches",
                "at least two branches, with some weight",
            )]);
        }
        Ok(Box::new(PreparedSplit(c.branches)))
    }
}

pub struct Wait;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct WaitConfig {
    /// How long to wait, in seconds (up to 90 days).
    #[serde(default)]
    seconds: Option<u64>,
    /// Or until this time, Unix milliseconds (a variable name in `until_var` also works).
    #[serde(default)]
    until_var: Option<String>,
}

struct PreparedWait {
    seconds: Option<u64>,
    until_var: Option<String>,
}

impl PreparedNode for PreparedWait {
    fn run(&self, cx: &mut StepCx<'_>) -> Result<Outcome, NodeError> {
        if cx.resume.is_some() {
            return Ok(Outcome::Next("out".into()));
        }
        let at_ms = match (&self.seconds, &self.until_var) {
            (Some(s), _) => cx.now_ms + (*s as i64) * 1000,
            (None, Some(var)) => {
                cx.vars
                    .get(var)
                    .and_then(Value::as_i64)
                    .ok_or_else(|| NodeError::NotATime {
                        variable: var.clone(),
                    })?
            }
            (None, None) => cx.now_ms,
        };
        cx.effects.push(crate::step::Effect::Timer {
            key: cx.effect_key("wait"),
            at_ms,
        });
        Ok(Outcome::Wait(WaitFor::Until { at_ms }))
    }

    fn ports(&self) -> Vec<String> {
        ports(&["out"])
    }
}

impl NodeType for Wait {
    fn spec(&self) -> NodeSpec {
        spec(
            "logic.wait",
            "Wait",
            "Pauses the run for a duration or until a time; durable across restarts.",
            schema_of::<WaitConfig>(),
            &["out"],
            true,
        )
    }

    fn prepare(
        &self,
        config: &Value,
        _: &Scripts,
    ) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>> {
        let c: WaitConfig = typed_config(config)?;
        match (&c.seconds, &c.until_var) {
            (Some(s), None) if *s <= 90 * 86_400 => {}
            (None, Some(v)) if valid_var(v) => {}
            _ => {
                return Err(vec![ConfigProblem::field(
                    "seconds",
                    "give `seconds` (at most 90 days) or `until_var`",
                )]);
            }
        }
        Ok(Box::new(PreparedWait {
            seconds: c.seconds,
            until_var: c.until_var,
        }))
    }
}

pub struct End;

struct PreparedEnd;

impl PreparedNode for PreparedEnd {
    fn run(&self, _: &mut StepCx<'_>) -> Result<Outcome, NodeError> {
        Ok(Outcome::End)
    }

    fn ports(&self) -> Vec<String> {
        Vec::new()
    }
}

impl NodeType for End {
    fn spec(&self) -> NodeSpec {
        spec(
            "logic.end",
            "End",
            "Ends the run.",
            schema_of::<Map<String, Value>>(),
            &[],
            false,
        )
    }

    fn prepare(&self, _: &Value, _: &Scripts) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>> {
        Ok(Box::new(PreparedEnd))
    }
}

pub struct BusinessHours;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct BusinessHoursConfig {
    /// A schedule of this node's own; the company's (setting `business_hours`) when absent.
    #[serde(default)]
    schedule: Option<Schedule>,
}

struct PreparedHours(Option<Schedule>);

impl PreparedNode for PreparedHours {
    fn run(&self, cx: &mut StepCx<'_>) -> Result<Outcome, NodeError> {
        let at = chrono::DateTime::from_timestamp_millis(cx.now_ms).unwrap_or_default();
        let open = match self.0.as_ref().or(cx.business_hours) {
            Some(s) => s.is_open(at, cx.timezone),
            None => true,
        };
        Ok(Outcome::Next(if open { "open" } else { "closed" }.into()))
    }

    fn ports(&self) -> Vec<String> {
        ports(&["open", "closed"])
    }
}

impl NodeType for BusinessHours {
    fn spec(&self) -> NodeSpec {
        spec(
            "logic.business_hours",
            "Business hours",
            "Goes to `open` or `closed` by the company's opening hours (or this node's own schedule), holidays included, in the schedule's time zone.",
            schema_of::<BusinessHoursConfig>(),
            &["open", "closed"],
            false,
        )
    }

    fn prepare(
        &self,
        config: &Value,
        _: &Scripts,
    ) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>> {
        let c: BusinessHoursConfig = typed_config(config)?;
        if let Some(s) = &c.schedule {
            s.check()
                .map_err(|e| vec![ConfigProblem::field("schedule", e)])?;
        }
        Ok(Box::new(PreparedHours(c.schedule)))
    }
}

pub struct Subflow;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct SubflowConfig {
    /// The flow to call (id); it runs its published version from its manual trigger.
    flow_id: String,
    /// Its starting variables: name → template, e.g. `{ "order": "{{vars.order}}" }`.
    #[serde(default)]
    inputs: std::collections::BTreeMap<String, String>,
    /// Where its final variables go.
    #[serde(default = "subflow_var")]
    output_variable: String,
}

fn subflow_var() -> String {
    "subflow".into()
}

struct PreparedSubflow(SubflowConfig);

impl PreparedNode for PreparedSubflow {
    fn run(&self, cx: &mut StepCx<'_>) -> Result<Outcome, NodeError> {
        let c = &self.0;
        match cx.resume.cloned() {
            Some(crate::step::Resume::Subflow { status, vars }) => {
                cx.vars.insert(c.output_variable.clone(), vars);
                Ok(Outcome::Next(
                    if status == "completed" {
                        "done"
                    } else {
                        "failed"
                    }
                    .into(),
                ))
            }
            None | Some(crate::step::Resume::Start) => {
                let key = cx.effect_key("subflow");
                let vars = c
                    .inputs
                    .iter()
                    .map(|(k, t)| (k.clone(), Value::String(cx.render(t))))
                    .collect();
                cx.effects.push(crate::step::Effect::StartSubflow {
                    key: key.clone(),
                    flow_id: c.flow_id.clone(),
                    vars,
                });
                Ok(Outcome::Wait(WaitFor::Effect { key }))
            }
            Some(_) => Err(NodeError::NotFromSubflow),
        }
    }

    fn ports(&self) -> Vec<String> {
        ports(&["done", "failed"])
    }
}

impl NodeType for Subflow {
    fn spec(&self) -> NodeSpec {
        spec(
            "logic.subflow",
            "Sub-flow",
            "Calls another published flow for the same contact and waits for it to end; its final variables land in `output_variable`, then `done` (completed) or `failed`.",
            schema_of::<SubflowConfig>(),
            &["done", "failed"],
            true,
        )
    }

    fn prepare(
        &self,
        config: &Value,
        _: &Scripts,
    ) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>> {
        let c: SubflowConfig = typed_config(config)?;
        let mut problems = Vec::new();
        if !tucan_model::ids::is_valid_id(&c.flow_id) {
            problems.push(ConfigProblem::field("flow_id", "choose a flow"));
        }
        if !valid_var(&c.output_variable) {
            problems.push(ConfigProblem::field(
                "output_variable",
                "a variable name: letters, digits and _",
            ));
        }
        for name in c.inputs.keys() {
            if !valid_var(name) {
                problems.push(ConfigProblem::field(
                    "inputs",
                    format!("`{name}` is not a variable name"),
                ));
            }
        }
        if problems.is_empty() {
            Ok(Box::new(PreparedSubflow(c)))
        } else {
            Err(problems)
        }
    }
}
