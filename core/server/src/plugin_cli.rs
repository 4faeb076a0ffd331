//! `tucanlink plugin check|test`: a plugin developer's loop without a server — check a
//! manifest against its module, and run one node with a made-up run (variables, contact,
//! ticket, message), printing the answer and the trace.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Subcommand;
use serde_json::{Value, json};
use tucan_bus::net::OutboundHttp;
use tucan_plugins::{CallState, LoadedPlugin, MemoryKv, PluginManifest, module};

#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Check a manifest and its module: the manifest's fields, an export per node type,
    /// imports only of granted host functions; then compile it.
    Check { wasm: PathBuf, manifest: PathBuf },
    /// Run one node type of a plugin and print its answer and trace (exit code 1 on failure).
    Test {
        wasm: PathBuf,
        manifest: PathBuf,
        /// The node type; the manifest's first when absent.
        #[arg(long)]
        node: Option<String>,
        /// The node's config, as JSON.
        #[arg(long = "node-config", default_value = "{}")]
        node_config: String,
        /// The customer's last message.
        #[arg(long)]
        message: Option<String>,
        /// The run's variables, as a JSON object.
        #[arg(long, default_value = "{}")]
        vars: String,
        /// The run's contact, as JSON.
        #[arg(long, default_value = "null")]
        contact: String,
        /// The run's ticket, as JSON.
        #[arg(long, default_value = "null")]
        ticket: String,
        /// Let `tucan_http` reach loopback and private addresses (a local test server).
        #[arg(long)]
        allow_internal: bool,
    },
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

fn manifest(path: &Path) -> anyhow::Result<PluginManifest> {
    serde_json::from_slice(&read(path)?)
        .with_context(|| format!("{} is not a plugin manifest", path.display()))
}

fn json_arg(name: &str, text: &str) -> anyhow::Result<Value> {
    serde_json::from_str(text).with_context(|| format!("--{name} is not JSON"))
}

async fn load(m: PluginManifest, wasm: Vec<u8>) -> anyhow::Result<LoadedPlugin> {
    let loaded = tokio::task::spawn_blocking(move || LoadedPlugin::load(m, &wasm)).await?;
    loaded.map_err(|e| anyhow::anyhow!("{e}"))
}

pub async fn run(cmd: PluginCommand) -> anyhow::Result<()> {
    match cmd {
        PluginCommand::Check {
            wasm,
            manifest: path,
        } => {
            let m = manifest(&path)?;
            let bytes = read(&wasm)?;
            let mut problems = m.problems();
            problems.extend(module::check(&m, &bytes));
            if !problems.is_empty() {
                for p in &problems {
                    eprintln!("problem: {p}");
                }
                bail!("{} problem(s)", problems.len());
            }
            let started = Instant::now();
            let loaded = load(m, bytes).await?;
            let m = &loaded.manifest;
            println!(
                "ok: {} {} compiles in {} ms; node types:",
                m.id,
                m.version,
                started.elapsed().as_millis()
            );
            for n in &m.nodes {
                println!(
                    "  plugin.{}.{}  ports: {}",
                    m.id,
                    n.id,
                    n.outputs.join(", ")
                );
            }
            Ok(())
        }
        PluginCommand::Test {
            wasm,
            manifest: path,
            node,
            node_config,
            message,
            vars,
            contact,
            ticket,
            allow_internal,
        } => {
            let m = manifest(&path)?;
            let node = match node {
                Some(n) => n,
                None => m
                    .nodes
                    .first()
                    .map(|n| n.id.clone())
                    .context("the manifest has no node types")?,
            };
            let input =
                json!({ "config": json_arg("node-config", &node_config)?, "message": message });
            let Value::Object(vars) = json_arg("vars", &vars)? else {
                bail!("--vars must be a JSON object");
            };
            let loaded = Arc::new(load(m, read(&wasm)?).await?);
            let mut state = CallState::new(
                loaded.grants(),
                Arc::new(MemoryKv::default()),
                OutboundHttp::new(allow_internal),
                tokio::runtime::Handle::current(),
            );
            state.vars = vars;
            state.contact = json_arg("contact", &contact)?;
            state.ticket = json_arg("ticket", &ticket)?;
            let started = Instant::now();
            let (result, state) =
                tokio::task::spawn_blocking(move || loaded.call_blocking(&node, &input, state))
                    .await?;
            let micros = started.elapsed().as_micros() as u64;
            let (ok, body) = match result {
                Ok(out) => (
                    true,
                    json!({ "port": out.port, "vars": out.vars, "trace": state.trace, "micros": micros }),
                ),
                Err(e) => (
                    false,
                    json!({ "error": e, "trace": state.trace, "micros": micros }),
                ),
            };
            println!("{}", serde_json::to_string_pretty(&body)?);
            if !ok {
                std::process::exit(1);
            }
            Ok(())
        }
    }
}
