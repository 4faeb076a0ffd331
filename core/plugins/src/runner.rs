//! Running a plugin's node: the module compiled once per plugin version, instances kept in a
//! small pool, each call on the blocking thread it was handed with the manifest's memory and
//! time limits and a fuel budget, the answer checked (JSON, a declared port, size). A call
//! that fails leaves its instance behind: the next call gets a fresh one.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use extism::{CompiledPlugin, Manifest, Plugin, PluginBuilder, Wasm};
use extism_manifest::MemoryOptions;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::host::{self, CallState};
use crate::manifest::{Grants, PluginManifest};

/// The export that initialises a new instance (AssemblyScript: `--exportStart tucan_init`).
const INIT: &str = "tucan_init";
/// Largest answer a call may give, in bytes.
pub const MAX_OUTPUT_BYTES: usize = 1024 * 1024;
/// Fuel (roughly, Wasm instructions) per millisecond of a call's time limit.
const FUEL_PER_MS: u64 = 500_000;
/// Memory the idle instances of one plugin version may hold, in MiB (at most 8 instances).
const POOL_MEMORY_MB: u32 = 128;

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
        // No kernel variables (they would live outside the memory limit and across runs).
        let memory = MemoryOptions::new()
            .with_max_pages(g.max_memory_mb * 16)
            .with_max_var_bytes(0);
        let extism_manifest = Manifest::new([Wasm::data(wasm.to_vec())])
            .with_memory_options(memory)
            .with_timeout(Duration::from_millis(g.timeout_ms))
            .disallow_all_hosts();
        let compiled = PluginBuilder::new(extism_manifest)
            .with_wasi(false)
            .with_cache_disabled()
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
        let mut p = Plugin::new_from_compiled(&self.compiled)
            .map_err(|e| PluginError::new("PLUGIN_INVALID", format!("{e:#}")))?;
        // A module's initialisation is a call like any other: timed, metered, limited.
        if p.function_exists(INIT) {
            p.call::<&str, &[u8]>(INIT, "").map_err(|e| {
                PluginError::new("PLUGIN_TRAP", format!("{INIT} failed: {}", e.root_cause()))
            })?;
        }
        Ok(p)
    }

    fn give_back(&self, p: Plugin) {
        let mut idle = self.idle.lock().expect("pool poisoned");
        let keep = (POOL_MEMORY_MB / self.grants.max_memory_mb.max(1)).clamp(1, 8) as usize;
        if idle.len() < keep {
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
        let input = input.to_string();
        let (first, state) = self.call_once(node, &input, state);
        match first {
            // The instances of a module share one engine, and a timeout interrupts the calls
            // running on it: a call stopped before its own time was up was caught in another
            // call's timeout, and gets one more go on a fresh instance.
            Err(Stopped::Early) => {
                let (again, state) = self.call_once(node, &input, state);
                let again = again.map_err(|e| match e {
                    Stopped::Early => PluginError::new(
                        "PLUGIN_TIMEOUT",
                        "the call was interrupted by another call's time limit",
                    ),
                    Stopped::Failed(e) => e,
                });
                (again, state)
            }
            Err(Stopped::Failed(e)) => (Err(e), state),
            Ok(out) => (Ok(out), state),
        }
    }

    fn call_once(
        &self,
        node: &str,
        input: &str,
        state: CallState,
    ) -> (Result<NodeOutput, Stopped>, CallState) {
        let fail = |e: PluginError| Err(Stopped::Failed(e));
        let Some(decl) = self.manifest.node(node) else {
            return (
                fail(PluginError::new(
                    "PLUGIN_INVALID",
                    format!("no node {node:?}"),
                )),
                state,
            );
        };
        let mut plugin = match self.instance() {
            Ok(p) => p,
            Err(e) => return (fail(e), state),
        };
        let started = Instant::now();
        let (answer, mut state) = host::with_call(state, || {
            // Read the answer in place: its size is checked before anything is copied.
            match plugin.call::<&str, &[u8]>(node, input) {
                Ok(bytes) if bytes.len() > MAX_OUTPUT_BYTES => Err(Err(PluginError::new(
                    "PLUGIN_BAD_OUTPUT",
                    format!(
                        "the answer is {} bytes; at most {MAX_OUTPUT_BYTES}",
                        bytes.len()
                    ),
                ))),
                Ok(bytes) => serde_json::from_slice::<Value>(bytes).map_err(|e| {
                    Err(PluginError::new(
                        "PLUGIN_BAD_OUTPUT",
                        format!("the answer is not JSON ({e}): {}", excerpt(bytes)),
                    ))
                }),
                Err(e) => Err(Ok(e)),
            }
        });
        let parsed = match answer {
            Ok(v) => {
                self.give_back(plugin);
                v
            }
            Err(Err(bad_output)) => {
                self.give_back(plugin);
                return (fail(bad_output), state);
            }
            Err(Ok(e)) => {
                let limit = Duration::from_millis(self.grants.timeout_ms);
                let fuel_spent =
                    plugin.fuel_consumed() >= Some(self.grants.timeout_ms * FUEL_PER_MS);
                return (classify(&e, started.elapsed(), limit, fuel_spent), state);
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
            return (fail(e), state);
        }
        let mut vars = std::mem::take(&mut state.set_vars);
        match &parsed["vars"] {
            Value::Null => {}
            Value::Object(map) => {
                for (name, value) in map {
                    if let Err(why) = host::check_var(name, value) {
                        return (fail(PluginError::new("PLUGIN_BAD_OUTPUT", why)), state);
                    }
                    vars.insert(name.clone(), value.clone());
                }
            }
            _ => {
                let e = PluginError::new("PLUGIN_BAD_OUTPUT", "vars must be an object");
                return (fail(e), state);
            }
        }
        (Ok(NodeOutput { port, vars }), state)
    }
}

/// How a call failed.
enum Stopped {
    /// Interrupted before its own time limit by another call's timeout.
    Early,
    Failed(PluginError),
}

/// Extism's error, as a stable code and a message for the run trace. Timeouts and fuel are
/// judged by what was measured, not by the error's text, which a plugin can set itself.
fn classify(
    e: &extism::Error,
    took: Duration,
    limit: Duration,
    fuel_spent: bool,
) -> Result<NodeOutput, Stopped> {
    // The root cause says what happened ("oom", "timeout", a host function's error, the
    // plugin's own message); the outer layers are wasm backtraces.
    let text = e.root_cause().to_string();
    let lower = text.to_ascii_lowercase();
    let is_oom = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| w == "oom");
    let error = if lower == "timeout" {
        if took < limit.mul_f64(0.9) {
            return Err(Stopped::Early);
        }
        PluginError::new(
            "PLUGIN_TIMEOUT",
            "the call ran past its time limit and was stopped",
        )
    } else if fuel_spent {
        PluginError::new(
            "PLUGIN_OUT_OF_FUEL",
            "the call used up its instruction budget and was stopped",
        )
    } else if is_oom || lower.contains("out of memory") {
        PluginError::new(
            "PLUGIN_MEMORY",
            format!("the call went past its memory limit: {}", first_line(&text)),
        )
    } else {
        PluginError::new("PLUGIN_TRAP", first_line(&text))
    };
    Err(Stopped::Failed(error))
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").chars().take(500).collect()
}

fn excerpt(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(80)]).into_owned()
}
