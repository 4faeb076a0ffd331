//! The plugin manifest (`plugin.json`, `schemas/plugin.schema.json`): who the plugin is, the
//! node types it adds to the catalogue and the grants it asks for. A manifest is checked on
//! its own here and against its module in [`crate::module`].

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::host::HOST_FUNCTIONS;

/// Largest memory a plugin may ask for, in MiB.
pub const MAX_MEMORY_MB: u32 = 256;
/// Longest time a plugin call may ask for, in milliseconds.
pub const MAX_TIMEOUT_MS: u64 = 30_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PluginManifest {
    /// 3–40 characters: lowercase letters, digits and `-`, starting with a letter. Flows name
    /// its node types `plugin.<id>.<node id>`.
    pub id: String,
    pub name: String,
    /// `MAJOR.MINOR.PATCH`.
    pub version: String,
    #[serde(default)]
    pub author: String,
    #[serde(default)]
    pub description: String,
    /// The node types the plugin adds (at least one).
    pub nodes: Vec<NodeDecl>,
    #[serde(default)]
    pub grants: Grants,
}

/// One node type of a plugin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NodeDecl {
    /// Lowercase letters, digits and `_`; the module exports a function of this name, called
    /// when a run reaches the node.
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// JSON Schema of the node's config (an object schema); the editor builds its form from
    /// it and a flow is checked against it when it is saved and published.
    #[serde(default = "empty_object_schema")]
    #[schemars(with = "serde_json::Map<String, Value>")]
    pub config_schema: Value,
    /// Named output ports (1–16); the plugin's answer picks one.
    pub outputs: Vec<String>,
    /// Icon name, a hint for the editor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// `#rrggbb`, a hint for the editor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
}

/// What the plugin may do beyond computing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Grants {
    /// The host functions (`extism:host/user` imports) the module may use.
    #[serde(default)]
    pub host_functions: Vec<String>,
    /// Hosts `tucan_http` may call: `api.example.com`, or `*.example.com` for its subdomains.
    #[serde(default)]
    pub http_hosts: Vec<String>,
    /// Memory of one instance, in MiB (1–256).
    #[serde(default = "default_memory_mb")]
    pub max_memory_mb: u32,
    /// Time of one call, in milliseconds (10–30000).
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
}

impl Default for Grants {
    fn default() -> Self {
        Grants {
            host_functions: Vec::new(),
            http_hosts: Vec::new(),
            max_memory_mb: default_memory_mb(),
            timeout_ms: default_timeout_ms(),
        }
    }
}

fn default_memory_mb() -> u32 {
    16
}

fn default_timeout_ms() -> u64 {
    1_000
}

fn empty_object_schema() -> Value {
    serde_json::json!({ "type": "object" })
}

impl PluginManifest {
    /// Every problem of the manifest on its own, as sentences; empty when it is sound.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !is_plugin_id(&self.id) {
            out.push(format!(
                "id {:?} must be 3-40 lowercase letters, digits or '-', starting with a letter",
                self.id
            ));
        }
        if self.name.trim().is_empty() || self.name.chars().count() > 80 {
            out.push("name must be 1-80 characters".into());
        }
        if !is_semver(&self.version) {
            out.push(format!(
                "version {:?} must be MAJOR.MINOR.PATCH",
                self.version
            ));
        }
        if self.description.chars().count() > 2000 || self.author.chars().count() > 200 {
            out.push("author or description too long".into());
        }
        if self.nodes.is_empty() || self.nodes.len() > 32 {
            out.push("a plugin declares 1-32 node types".into());
        }
        let mut seen = BTreeSet::new();
        for node in &self.nodes {
            let at = format!("node {:?}", node.id);
            if !is_word(&node.id, 64) {
                out.push(format!("{at}: id must be lowercase letters, digits or '_'"));
            }
            if !seen.insert(node.id.as_str()) {
                out.push(format!("{at}: declared twice"));
            }
            if node.title.trim().is_empty() || node.title.chars().count() > 80 {
                out.push(format!("{at}: title must be 1-80 characters"));
            }
            if node.config_schema.get("type").and_then(Value::as_str) != Some("object") {
                out.push(format!(
                    "{at}: config_schema must be a JSON Schema of type object"
                ));
            }
            if node.outputs.is_empty() || node.outputs.len() > 16 {
                out.push(format!("{at}: 1-16 outputs"));
            }
            let mut ports = BTreeSet::new();
            for port in &node.outputs {
                if !is_word(port, 40) || !ports.insert(port) {
                    out.push(format!(
                        "{at}: output {port:?} must be unique lowercase letters, digits or '_'"
                    ));
                }
            }
            if let Some(c) = &node.color
                && !(c.len() == 7
                    && c.starts_with('#')
                    && c[1..].chars().all(|ch| ch.is_ascii_hexdigit()))
            {
                out.push(format!("{at}: color must be #rrggbb"));
            }
        }
        let g = &self.grants;
        for f in &g.host_functions {
            if !HOST_FUNCTIONS.contains(&f.as_str()) {
                out.push(format!(
                    "grants: unknown host function {f:?} (known: {})",
                    HOST_FUNCTIONS.join(", ")
                ));
            }
        }
        for h in &g.http_hosts {
            if !is_host_pattern(h) {
                out.push(format!(
                    "grants: http host {h:?} must be a host name, or *.domain"
                ));
            }
        }
        if !g.http_hosts.is_empty() && !g.host_functions.iter().any(|f| f == "tucan_http") {
            out.push("grants: http_hosts without the tucan_http host function".into());
        }
        if !(1..=MAX_MEMORY_MB).contains(&g.max_memory_mb) {
            out.push(format!("grants: max_memory_mb must be 1-{MAX_MEMORY_MB}"));
        }
        if !(10..=MAX_TIMEOUT_MS).contains(&g.timeout_ms) {
            out.push(format!("grants: timeout_ms must be 10-{MAX_TIMEOUT_MS}"));
        }
        out
    }

    pub fn node(&self, id: &str) -> Option<&NodeDecl> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// The JSON Schema of manifests (`schemas/plugin.schema.json`).
    pub fn json_schema() -> Value {
        serde_json::to_value(schemars::schema_for!(PluginManifest)).unwrap_or_default()
    }
}

impl Grants {
    /// True when `host` (lowercase, no port) matches a granted host.
    pub fn allows_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.http_hosts.iter().any(|p| {
            let p = p.to_ascii_lowercase();
            match p.strip_prefix("*.") {
                Some(domain) => host
                    .strip_suffix(domain)
                    .is_some_and(|rest| rest.ends_with('.') && rest.len() > 1),
                None => host == p,
            }
        })
    }
}

fn is_plugin_id(s: &str) -> bool {
    (3..=40).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn is_word(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn is_semver(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 9 && p.chars().all(|c| c.is_ascii_digit()))
}

fn is_host_pattern(s: &str) -> bool {
    let name = s.strip_prefix("*.").unwrap_or(s);
    !name.is_empty()
        && name.len() <= 253
        && (name.contains('.') || name == "localhost")
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> PluginManifest {
        serde_json::from_value(serde_json::json!({
            "id": "doc-validator", "name": "Documents", "version": "1.0.0",
            "nodes": [{ "id": "validate", "title": "Validate", "outputs": ["valid", "invalid"] }],
            "grants": { "host_functions": ["tucan_log"] }
        }))
        .unwrap()
    }

    #[test]
    fn a_sound_manifest_has_no_problems() {
        assert_eq!(manifest().problems(), Vec::<String>::new());
    }

    #[test]
    fn each_problem_is_named() {
        let mut m = manifest();
        m.id = "Doc Validator".into();
        m.version = "1.0".into();
        m.nodes[0].outputs = vec!["ok".into(), "ok".into()];
        m.grants.host_functions.push("tucan_shell".into());
        m.grants.http_hosts.push("api.example.com".into());
        m.grants.timeout_ms = 60_000;
        let p = m.problems().join("\n");
        for needle in [
            "id \"Doc Validator\"",
            "MAJOR.MINOR.PATCH",
            "output \"ok\"",
            "unknown host function \"tucan_shell\"",
            "without the tucan_http",
            "timeout_ms",
        ] {
            assert!(p.contains(needle), "{needle} missing in:\n{p}");
        }
    }

    /// `schemas/plugin.schema.json` is generated from the types; `UPDATE_SCHEMAS=1` rewrites
    /// it. The example manifests under `plugins/` must fit it.
    #[test]
    fn plugin_schema_file_is_current_and_the_examples_are_sound() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let path = root.join("schemas/plugin.schema.json");
        let generated = format!(
            "{}\n",
            serde_json::to_string_pretty(&PluginManifest::json_schema()).unwrap()
        );
        if std::env::var_os("UPDATE_SCHEMAS").is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            current == generated,
            "{} is out of date: run `UPDATE_SCHEMAS=1 cargo test -p tucan-plugins` and commit it",
            path.display()
        );
        for name in ["doc-validator", "keyword-router", "crm-lookup"] {
            let text = std::fs::read_to_string(root.join("plugins").join(name).join("plugin.json"))
                .unwrap();
            let m: PluginManifest = serde_json::from_str(&text).unwrap();
            assert_eq!(m.problems(), Vec::<String>::new(), "{name}");
        }
    }

    #[test]
    fn host_grants_match_exactly_or_by_subdomain() {
        let g = Grants {
            http_hosts: vec!["api.example.com".into(), "*.crm.io".into()],
            ..Default::default()
        };
        assert!(g.allows_host("api.example.com"));
        assert!(g.allows_host("API.example.com."));
        assert!(!g.allows_host("evil-api.example.com"));
        assert!(!g.allows_host("example.com"));
        assert!(g.allows_host("acme.crm.io"));
        assert!(!g.allows_host("crm.io"));
        assert!(!g.allows_host("evilcrm.io"));
    }
}
