//! Running a plugin's node: the module compiled once per plugin version, instances kept in a
//! small pool, each call on the blocking thread it was handed with the manifest's memory and
//! time limits and a fuel budget, the answer checked (JSON, a declared port, size). A call
//! that fails leaves its instance behind: the next call gets a fresh one.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use extism::{CompiledPlugin, Manifest, Plugin, PluginBuilder, Wasm};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::host::{self, CallState};
use crate::manifest::{Grants, PluginManifest};

/// Largest answer a call may give, in bytes.
pub const MAX_OUTPUT_BYTES: usize = 1024 * 1024;
/// Fuel (roughly, Wasm instructions) per millisecond of a call's time limit.
const FUEL_PER_MS: u64 = 500_000;
/// Idle instances kept per plugin version.
const POOL_SIZE: usize = 8;

/// Why a plugin call failed; `code` is stable (`PLUGIN_TIMEOUT`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PluginError {
    pub code: &'static str,
    pub message: String,
}

impl PluginError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        PluginError {
            code,
            message: message.into(),
        }
    }

    pub fn invalid(problems: &[String]) -> Self {
        PluginError::new("PLUGIN_INVALID", problems.join("; "))
    }
}

impl std::fmt::Display for PluginError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for PluginError {}

/// A node's answer: the port the run takes and the variables it sets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeOutput {
    pub port: String,
    pub vars: Map<String, Value>,
}

/// One plugin version, compiled and ready to run.
pub struct LoadedPlugin {
    pub manifest: Arc<PluginManifest>,
    grants: Arc<Grants>,
    compiled: CompiledPlugin,
    idle: Mutex<Vec<Plugin>>,
}

impl std::fmt::Debug for LoadedPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedPlugin")
            .field("id", &self.manifest.id)
            .field("version", &self.manifest.version)
            .finish()
    }
}

impl LoadedPlugin {
    /// Check the manifest and the module against each other, then compile the module.
    pub fn load(manifest: PluginManifest, wasm: &[u8]) -> Result<LoadedPlugin, PluginError> {
        let mut problems = manifest.problems();
        problems.extend(crate::module::check(&manifest, wasm));
        if !problems.is_empty() {
            return Err(PluginError::invalid(&problems));
        }
        let g = &manifest.grants;
        let extism_manifest = Manifest::new([Wasm::data(wasm.to_vec())])
            .with_memory_max(g.max_memory_mb * 16)
            .with_timeout(Duration::from_millis(g.timeout_ms))
            .disallow_all_hosts();
        let compiled = PluginBuilder::new(extism_manifest)
            .with_wasi(false)
            .with_functions(host::functions())
            .with_fuel_limit(g.timeout_ms * FUEL_PER_MS)
            .compile()
            .map_err(|e| PluginError::new("PLUGIN_INVALID", format!("{e:#}")))?;
        Ok(LoadedPlugin {
            grants: Arc::new(manifest.grants.clone()),
            manifest: Arc::new(manifest),
            compiled,
            idle: Mutex::new(Vec::new()),
        })
    }

    pub fn grants(&self) -> Arc<Grants> {
        self.grants.clone()
    }

    /// Make sure an instance is ready, so the first call pays no instantiation.
    pub fn warm(&self) -> Result<(), PluginError> {
        let p = self.instance()?;
        self.give_back(p);
        Ok(())
    }

    fn instance(&self) -> Result<Plugin, PluginError> {
        if let Some(p) = self.idle.lock().expect("pool poisoned").pop() {
            return Ok(p);
        }
        Plugin::new_from_compiled(&self.compiled)
            .map_err(|e| PluginError::new("PLUGIN_INVALID", format!("{e:#}")))
    }

    fn give_back(&self, p: Plugin) {
        let mut idle = self.idle.lock().expect("pool poisoned");
        if idle.len() < POOL_SIZE {
            idle.push(p);
        }
    }

    /// Call node `node` with `input` on this thread (a blocking one: it runs Wasm and the
    /// host functions wait on I/O). Returns the answer and the call's state (trace, set
    /// variables) whatever happened.
    pub fn call_blocking(
        &self,
        node: &str,
        input: &Value,
        state: CallState,
    ) -> (Result<NodeOutput, PluginError>, CallState) {
        let Some(decl) = self.manifest.node(node) else {
            let e = PluginError::new("PLUGIN_INVALID", format!("no node {node:?}"));
            return (Err(e), state);
        };
        let mut plugin = match self.instance() {
            Ok(p) => p,
            Err(e) => return (Err(e), state),
        };
        let input = input.to_string();
        let (raw, mut state) =
            host::with_call(state, || plugin.call::<&str, Vec<u8>>(node, input.as_str()));
        let bytes = match raw {
            Ok(bytes) => {
                self.give_back(plugin);
                bytes
            }
            Err(e) => return (Err(classify(&e)), state),
        };
        if bytes.len() > MAX_OUTPUT_BYTES {
            let e = PluginError::new(
                "PLUGIN_BAD_OUTPUT",
                format!(
                    "the answer is {} bytes; at most {MAX_OUTPUT_BYTES}",
                    bytes.len()
                ),
            );
            return (Err(e), state);
        }
        let parsed: Value = match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            Err(e) => {
                let e = PluginError::new(
                    "PLUGIN_BAD_OUTPUT",
                    format!("the answer is not JSON ({e}): {}", excerpt(&bytes)),
                );
                return (Err(e), state);
            }
        };
        let port = parsed["port"].as_str().unwrap_or_default().to_string();
        if !decl.outputs.contains(&port) {
            let e = PluginError::new(
                "PLUGIN_BAD_OUTPUT",
                format!(
                    "the answer names port {port:?}; the node has {}",
                    decl.outputs.join(", ")
                ),
            );
            return (Err(e), state);
        }
        let mut vars = std::mem::take(&mut state.set_vars);
        match &parsed["vars"] {
            Value::Null => {}
            Value::Object(map) => vars.extend(map.clone()),
            _ => {
                let e = PluginError::new("PLUGIN_BAD_OUTPUT", "vars must be an object");
                return (Err(e), state);
            }
        }
        (Ok(NodeOutput { port, vars }), state)
    }
}

/// Extism's error, as a stable code and a message for the run trace.
fn classify(e: &extism::Error) -> PluginError {
    // The root cause says what happened ("oom", "timeout", a host function's error, the
    // plugin's own message); the outer layers are wasm backtraces.
    let text = e.root_cause().to_string();
    let lower = text.to_ascii_lowercase();
    let is_oom = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| w == "oom");
    if lower.contains("timeout") {
        PluginError::new(
            "PLUGIN_TIMEOUT",
            "the call ran past its time limit and was stopped",
        )
    } else if lower.contains("out of fuel") {
        PluginError::new(
            "PLUGIN_OUT_OF_FUEL",
            "the call used up its instruction budget and was stopped",
        )
    } else if is_oom || lower.contains("out of memory") || lower.contains("memory limit") {
        PluginError::new(
            "PLUGIN_MEMORY",
            format!("the call went past its memory limit: {}", first_line(&text)),
        )
    } else {
        PluginError::new("PLUGIN_TRAP", first_line(&text))
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").chars().take(500).collect()
}

fn excerpt(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(80)]).into_owned()
}
