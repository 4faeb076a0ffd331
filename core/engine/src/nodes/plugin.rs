//! Node types that plugins add: `plugin.<plugin id>.<node id>`. The config is checked against
//! the schema the plugin declares; running the node asks the runtime to call the plugin (an
//! effect, carried out off the run with the plugin's limits) and resumes on the port the
//! plugin chose, with the variables it set. A failed call fails the step with its error.

use serde_json::{Map, Value};

use crate::registry::{ConfigProblem, NodeError, NodeSpec, NodeType, PreparedNode};
use crate::script::Scripts;
use crate::step::{Effect, Outcome, Resume, StepCx, WaitFor};

/// One node type of one plugin version, as its manifest declares it.
#[derive(Debug, Clone)]
pub struct PluginNodeDecl {
    pub plugin: String,
    pub version: String,
    pub node: String,
    pub plugin_name: String,
    pub title: String,
    pub description: String,
    pub config_schema: Value,
    pub outputs: Vec<String>,
    pub icon: Option<String>,
    pub color: Option<String>,
}

/// A plugin's node type, registered under `kind` (with or without its version pinned).
pub struct PluginNodeType {
    pub kind: String,
    pub decl: PluginNodeDecl,
}

impl PluginNodeType {
    /// The kind flows use: `plugin.<plugin>.<node>`.
    pub fn kind_of(plugin: &str, node: &str) -> String {
        format!("plugin.{plugin}.{node}")
    }

    /// `plugin.<plugin>.<node>[@version]` split into its parts.
    pub fn parse_kind(kind: &str) -> Option<(String, String, Option<String>)> {
        let rest = kind.strip_prefix("plugin.")?;
        let (name, version) = match rest.split_once('@') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (rest, None),
        };
        let (plugin, node) = name.split_once('.')?;
        if plugin.is_empty() || node.is_empty() {
            return None;
        }
        Some((plugin.to_string(), node.to_string(), version))
    }
}

struct PreparedPlugin {
    decl: PluginNodeDecl,
    config: Value,
}

/// Render every string of `v` as a template.
fn render_all(cx: &StepCx<'_>, v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(cx.render(s)),
        Value::Array(items) => Value::Array(items.iter().map(|i| render_all(cx, i)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), render_all(cx, v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

impl PreparedNode for PreparedPlugin {
    fn run(&self, cx: &mut StepCx<'_>) -> Result<Outcome, NodeError> {
        if let Some(Resume::Plugin {
            port, vars, error, ..
        }) = cx.resume.cloned()
        {
            if let Some(message) = error {
                return Err(NodeError::Plugin { message });
            }
            let port = port.unwrap_or_default();
            if !self.decl.outputs.contains(&port) {
                return Err(NodeError::PluginPort { port });
            }
            cx.vars.extend(vars);
            return Ok(Outcome::Next(port));
        }
        let key = cx.effect_key("plugin");
        let effect = Effect::Plugin {
            key: key.clone(),
            plugin: self.decl.plugin.clone(),
            version: self.decl.version.clone(),
            node: self.decl.node.clone(),
            config: render_all(cx, &self.config),
            vars: cx.vars.clone(),
            contact: cx.contact.clone(),
            ticket: cx.ticket.clone(),
            message: cx
                .vars
                .get("message")
                .and_then(Value::as_str)
                .map(str::to_string),
        };
        cx.effects.push(effect);
        Ok(Outcome::Wait(WaitFor::Effect { key }))
    }

    fn ports(&self) -> Vec<String> {
        self.decl.outputs.clone()
    }
}

impl NodeType for PluginNodeType {
    fn spec(&self) -> NodeSpec {
        let d = &self.decl;
        NodeSpec {
            kind: self.kind.clone().into(),
            category: "plugins".into(),
            title: d.title.clone().into(),
            description: if d.description.is_empty() {
                format!("{} {}", d.plugin_name, d.version).into()
            } else {
                d.description.clone().into()
            },
            config_schema: d.config_schema.clone(),
            outputs: d.outputs.clone(),
            trigger: false,
            waits: false,
            icon: d.icon.clone(),
            color: d.color.clone(),
        }
    }

    fn prepare(
        &self,
        config: &Value,
        _: &Scripts,
    ) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>> {
        let config = if config.is_null() {
            Value::Object(Map::new())
        } else {
            config.clone()
        };
        let problems = check_schema(&self.decl.config_schema, &config, "");
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Box::new(PreparedPlugin {
            decl: self.decl.clone(),
            config,
        }))
    }
}

/// The part of JSON Schema plugin configs use: `type`, `properties`, `required`,
/// `additionalProperties: false`, `enum`, `items`, `minimum`/`maximum`,
/// `minLength`/`maxLength`. Anything else in a schema is accepted as is.
pub fn check_schema(schema: &Value, value: &Value, at: &str) -> Vec<ConfigProblem> {
    let mut out = Vec::new();
    let field = |at: &str| {
        if at.is_empty() {
            None
        } else {
            Some(at.to_string())
        }
    };
    let problem = |message: String| ConfigProblem {
        field: field(at),
        message,
    };
    if let Some(t) = schema.get("type").and_then(Value::as_str) {
        let ok = match t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            _ => true,
        };
        if !ok {
            out.push(problem(format!("must be of type {t}")));
            return out;
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        out.push(problem(format!(
            "must be one of {}",
            Value::Array(options.clone())
        )));
    }
    if let Some(n) = value.as_f64() {
        if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
            && n < min
        {
            out.push(problem(format!("must be at least {min}")));
        }
        if let Some(max) = schema.get("maximum").and_then(Value::as_f64)
            && n > max
        {
            out.push(problem(format!("must be at most {max}")));
        }
    }
    if let Some(s) = value.as_str() {
        let len = s.chars().count() as u64;
        if schema
            .get("minLength")
            .and_then(Value::as_u64)
            .is_some_and(|m| len < m)
            || schema
                .get("maxLength")
                .and_then(Value::as_u64)
                .is_some_and(|m| len > m)
        {
            out.push(problem("has the wrong length".into()));
        }
    }
    if let (Some(items), Some(values)) = (schema.get("items"), value.as_array()) {
        for (i, v) in values.iter().enumerate() {
            out.extend(check_schema(items, v, &format!("{at}[{i}]")));
        }
    }
    if let Some(obj) = value.as_object() {
        let props = schema.get("properties").and_then(Value::as_object);
        let join = |k: &str| {
            if at.is_empty() {
                k.to_string()
            } else {
                format!("{at}.{k}")
            }
        };
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !obj.contains_key(name) {
                out.push(ConfigProblem {
                    field: Some(join(name)),
                    message: "is required".into(),
                });
            }
        }
        for (k, v) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(s) => out.extend(check_schema(s, v, &join(k))),
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => out
                    .push(ConfigProblem {
                        field: Some(join(k)),
                        message: "is not a setting of this node".into(),
                    }),
                None => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kinds_parse_with_and_without_a_version() {
        assert_eq!(
            PluginNodeType::parse_kind("plugin.doc-validator.validate@1.2.0"),
            Some((
                "doc-validator".into(),
                "validate".into(),
                Some("1.2.0".into())
            ))
        );
        assert_eq!(
            PluginNodeType::parse_kind("plugin.crm.lookup"),
            Some(("crm".into(), "lookup".into(), None))
        );
        assert_eq!(PluginNodeType::parse_kind("plugin.crm"), None);
        assert_eq!(PluginNodeType::parse_kind("logic.condition"), None);
    }

    #[test]
    fn configs_are_checked_against_the_declared_schema() {
        let schema = json!({
            "type": "object",
            "properties": {
                "variable": { "type": "string", "minLength": 1 },
                "kinds": { "type": "array", "items": { "enum": ["cpf", "cnpj", "rut"] } },
                "min_score": { "type": "integer", "minimum": 1 }
            },
            "required": ["variable"],
            "additionalProperties": false
        });
        assert!(
            check_schema(
                &schema,
                &json!({ "variable": "doc", "kinds": ["cpf"], "min_score": 2 }),
                ""
            )
            .is_empty()
        );
        let p = check_schema(
            &schema,
            &json!({ "kinds": ["ssn"], "min_score": 0, "colour": "red" }),
            "",
        );
        let mut fields: Vec<_> = p.iter().map(|p| p.field.clone().unwrap()).collect();
        fields.sort();
        assert_eq!(fields, ["colour", "kinds[0]", "min_score", "variable"]);
    }
}
