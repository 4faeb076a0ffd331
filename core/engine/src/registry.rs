//! The node-type catalogue. Built-in node types and plugin node types register the same
//! way: a spec (config schema, ports) and a `prepare` that checks a node's config once per
//! flow version and returns the runnable node.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::script::{ScriptError, Scripts};
use crate::step::{Outcome, StepCx};

/// What the editor needs to offer a node type.
#[derive(Debug, Clone, Serialize)]
pub struct NodeSpec {
    /// e.g. `logic.condition`; plugin node types are `plugin.<plugin id>.<node id>`.
    pub kind: Cow<'static, str>,
    pub category: Cow<'static, str>,
    pub title: Cow<'static, str>,
    pub description: Cow<'static, str>,
    /// JSON Schema of the config.
    pub config_schema: Value,
    /// Output ports; nodes with ports that depend on config list them in `ports`.
    pub outputs: Vec<String>,
    /// Starts runs (no input port).
    pub trigger: bool,
    /// May suspend the run (a reply, a timer); a cycle through such a node is allowed.
    pub waits: bool,
    /// Icon name and `#rrggbb` colour, hints for the editor (plugin node types set them).
    pub icon: Option<String>,
    pub color: Option<String>,
}

/// A problem with one node's config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub field: Option<String>,
    pub message: String,
}

impl ConfigProblem {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        ConfigProblem {
            field: Some(field.to_string()),
            message: message.into(),
        }
    }
}

/// Why a node's step failed; the message is what the run's trace and error show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NodeError {
    /// Its expression or script failed.
    #[error(transparent)]
    Script(#[from] ScriptError),
    /// A wait until the time in a variable found no Unix-milliseconds number there.
    #[error("variable `{variable}` holds no time")]
    NotATime { variable: String },
    /// A media URL, once rendered, is not http(s).
    #[error("the media URL `{url}` is not an http(s) URL")]
    MediaUrl { url: String },
    /// A node waiting for the contact's reply was resumed by an effect's result.
    #[error("resumed by an answer it did not ask for")]
    UnexpectedAnswer,
    /// A sub-flow node was resumed by something other than its sub-flow ending.
    #[error("resumed by something other than its sub-flow")]
    NotFromSubflow,
    /// The plugin call failed; the message is the plugin runner's (`PLUGIN_TIMEOUT: …`).
    #[error("{message}")]
    Plugin { message: String },
    /// The plugin chose a port its node does not declare.
    #[error("PLUGIN_BAD_OUTPUT: no port {port:?}")]
    PluginPort { port: String },
}

/// A node ready to run: config checked, scripts compiled.
pub trait PreparedNode: Send + Sync {
    fn run(&self, cx: &mut StepCx<'_>) -> Result<Outcome, NodeError>;
    /// Output ports of this node (config-dependent ones included).
    fn ports(&self) -> Vec<String>;
}

/// A kind of node.
pub trait NodeType: Send + Sync {
    fn spec(&self) -> NodeSpec;
    fn prepare(
        &self,
        config: &Value,
        scripts: &Scripts,
    ) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>>;
}

/// Every node type known, by kind.
#[derive(Clone, Default)]
pub struct Registry {
    types: BTreeMap<String, Arc<dyn NodeType>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.types.keys()).finish()
    }
}

impl Registry {
    /// The built-in node types.
    pub fn builtin() -> Registry {
        let mut r = Registry::default();
        crate::nodes::register_builtins(&mut r);
        r
    }

    pub fn register(&mut self, node_type: Arc<dyn NodeType>) {
        self.types
            .insert(node_type.spec().kind.to_string(), node_type);
    }

    pub fn get(&self, kind: &str) -> Option<&Arc<dyn NodeType>> {
        self.types.get(kind)
    }

    /// The catalogue, for the editor's palette and forms.
    pub fn catalogue(&self) -> Vec<NodeSpec> {
        self.types.values().map(|t| t.spec()).collect()
    }
}

/// Decode a typed config, turning serde's message into a problem on the field it names.
pub fn typed_config<T: DeserializeOwned>(config: &Value) -> Result<T, Vec<ConfigProblem>> {
    let config = if config.is_null() {
        Value::Object(Default::default())
    } else {
        config.clone()
    };
    serde_json::from_value(config).map_err(|e| {
        let message = e.to_string();
        let field = message
            .split('`')
            .nth(1)
            .filter(|_| message.contains("field"))
            .map(str::to_string);
        vec![ConfigProblem { field, message }]
    })
}

/// The JSON Schema of a config type.
pub fn schema_of<T: schemars::JsonSchema>() -> Value {
    serde_json::to_value(schemars::schema_for!(T)).unwrap_or_default()
}
