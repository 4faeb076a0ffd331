//! The flow document: nodes with typed config and editor position, edges between named
//! ports, flow variables. It is what the editor saves and what a published version freezes;
//! fields the engine does not know (`ui`) are kept as they are, so a round trip through the
//! editor loses nothing.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Limits on a document's size; past them it is refused before any other check.
pub const MAX_NODES: usize = 2_000;
pub const MAX_EDGES: usize = 8_000;
pub const MAX_DOCUMENT_BYTES: usize = 2 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlowDocument {
    pub nodes: Vec<FlowNode>,
    #[serde(default)]
    pub edges: Vec<FlowEdge>,
    /// Variables every run starts with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variables: Vec<FlowVariable>,
    /// How runs of the flow behave.
    #[serde(default, skip_serializing_if = "FlowSettings::is_default")]
    pub settings: FlowSettings,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlowSettings {
    /// Let a contact be in several runs of this flow at once. By default a contact has at
    /// most one active run per flow: a trigger that fires while one is active starts nothing.
    #[serde(default)]
    pub concurrent_runs: bool,
    /// The number (connection id) runs without a conversation write from: runs started by
    /// a webhook, by hand or on a schedule. Without it, the number the contact last wrote
    /// to, or the company's only one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
}

impl FlowSettings {
    fn is_default(&self) -> bool {
        *self == FlowSettings::default()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlowNode {
    /// Unique in the document.
    pub id: String,
    /// A node type of the catalogue, e.g. `logic.condition`.
    #[serde(rename = "type")]
    pub node_type: String,
    /// Checked against the node type's config schema.
    #[serde(default)]
    pub config: Value,
    #[serde(default)]
    pub position: Position,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Editor-only data, kept untouched.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub ui: Value,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Position {
    pub x: f64,
    pub y: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlowEdge {
    pub id: String,
    pub source: String,
    /// The source node's output port.
    #[serde(default = "default_port")]
    pub source_port: String,
    pub target: String,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub ui: Value,
}

fn default_port() -> String {
    "out".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlowVariable {
    pub name: String,
    #[serde(default)]
    pub default: Value,
}

impl FlowDocument {
    /// The content hash that names a published version: SHA-256 of the canonical JSON
    /// (object keys sorted, as `serde_json` without `preserve_order` writes them).
    pub fn content_hash(&self) -> String {
        let canonical =
            serde_json::to_vec(&serde_json::to_value(self).unwrap_or_default()).unwrap_or_default();
        hex::encode(Sha256::digest(canonical))
    }

    /// The JSON Schema of the document (`schemas/flow.schema.json`).
    pub fn json_schema() -> Value {
        serde_json::to_value(schemars::schema_for!(FlowDocument)).unwrap_or_default()
    }
}
