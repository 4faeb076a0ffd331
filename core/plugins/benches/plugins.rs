//! Plugin benchmarks, printed as tables (`cargo bench -p tucan-plugins --bench plugins`):
//!
//! 1. call overhead of a trivial plugin node on a pooled instance (on the calling thread, and
//!    handed to the blocking pool as the runtime does);
//! 2. runs per second of a flow `trigger → plugin → send_text` on one thread: the engine steps
//!    and the plugin call, without the store (persisting a run is measured by the runtime's
//!    own benchmarks);
//! 3. cold load: checking and compiling a module, then its first call.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use tucan_bus::net::OutboundHttp;
use tucan_engine::{
    Advance, Env, FlowDocument, PluginNodeDecl, PluginNodeType, Registry, Resume, RunState,
    Scripts, advance, compile,
};
use tucan_plugins::{CallState, LoadedPlugin, MemoryKv, PluginManifest};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn row(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let total: Duration = samples.iter().sum();
    println!(
        "| {name:<44} | {:>7} | {:>9.1} | {:>9.1} | {:>9.1} | {:>10.0} |",
        samples.len(),
        percentile(&samples, 0.5).as_secs_f64() * 1e6,
        percentile(&samples, 0.99).as_secs_f64() * 1e6,
        samples.last().unwrap().as_secs_f64() * 1e6,
        samples.len() as f64 / total.as_secs_f64(),
    );
}

fn fixture(name: &str) -> (PluginManifest, Vec<u8>) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let m = std::fs::read(dir.join(format!("{name}.json"))).unwrap();
    let w = std::fs::read(dir.join(format!("{name}.wat"))).unwrap();
    (serde_json::from_slice(&m).unwrap(), w)
}

fn example(name: &str) -> Option<(PluginManifest, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../plugins")
        .join(name);
    let w = std::fs::read(dir.join("plugin.wasm")).ok()?;
    let m = std::fs::read(dir.join("plugin.json")).ok()?;
    Some((serde_json::from_slice(&m).unwrap(), w))
}

thread_local! {
    /// One guarded client for every call, as the host keeps one (a client is costly to build).
    static HTTP: OutboundHttp = OutboundHttp::new(false);
}

fn state(p: &LoadedPlugin, rt: &tokio::runtime::Runtime, vars: Map<String, Value>) -> CallState {
    let mut s = CallState::new(
        p.grants(),
        Arc::new(MemoryKv::default()),
        HTTP.with(OutboundHttp::clone),
        rt.handle().clone(),
    );
    s.vars = vars;
    s
}

fn main() {
    let n: usize = std::env::var("BENCH_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    println!("\n## Plugin node calls (µs; calls/s = calls ÷ total time)\n");
    println!(
        "| {:<44} | {:>7} | {:>9} | {:>9} | {:>9} | {:>10} |",
        "case", "calls", "p50", "p99", "max", "calls/s"
    );
    println!(
        "|{:-<46}|{:-<9}|{:-<11}|{:-<11}|{:-<11}|{:-<12}|",
        "", "", "", "", "", ""
    );

    let (m, w) = fixture("echo");
    let echo = Arc::new(LoadedPlugin::load(m, &w).unwrap());
    echo.warm().unwrap();
    let input = json!({ "config": {}, "message": null });
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let s = state(&echo, &rt, Map::new());
        let t = Instant::now();
        let (r, _state) = echo.call_blocking("run", &input, s);
        samples.push(t.elapsed());
        r.unwrap();
    }
    row("trivial (WAT echo), pooled, same thread", samples);

    let mut samples = Vec::with_capacity(n / 4);
    rt.block_on(async {
        for _ in 0..n / 4 {
            let p = echo.clone();
            let s = state(&echo, &rt, Map::new());
            let input = input.clone();
            let t = Instant::now();
            let (r, _state) =
                tokio::task::spawn_blocking(move || p.call_blocking("run", &input, s))
                    .await
                    .unwrap();
            samples.push(t.elapsed());
            r.unwrap();
        }
    });
    row("trivial (WAT echo), pooled, via blocking pool", samples);

    if let Some((m, w)) = example("doc-validator") {
        let docs = Arc::new(LoadedPlugin::load(m, &w).unwrap());
        docs.warm().unwrap();
        let mut vars = Map::new();
        vars.insert("document".into(), json!("529.982.247-25"));
        let mut samples = Vec::with_capacity(n);
        for _ in 0..n {
            let s = state(&docs, &rt, vars.clone());
            let t = Instant::now();
            let (r, _state) = docs.call_blocking("validate", &input, s);
            samples.push(t.elapsed());
            assert_eq!(r.unwrap().port, "valid");
        }
        row("doc-validator (AssemblyScript), CPF", samples);

        // A flow around it: trigger → plugin → send_text, one thread.
        let doc: FlowDocument = serde_json::from_value(json!({
            "nodes": [
                { "id": "t", "type": "trigger.manual", "config": {} },
                { "id": "p", "type": "plugin.doc-validator.validate", "config": { "variable": "document" } },
                { "id": "ok", "type": "messaging.send_text", "config": { "text": "{{vars.document_normalized}} ok" } },
                { "id": "bad", "type": "messaging.send_text", "config": { "text": "no" } }
            ],
            "edges": [
                { "id": "e1", "source": "t", "target": "p" },
                { "id": "e2", "source": "p", "source_port": "valid", "target": "ok" },
                { "id": "e3", "source": "p", "source_port": "invalid", "target": "bad" }
            ]
        }))
        .unwrap();
        let mut registry = Registry::builtin();
        let m = &docs.manifest;
        let n0 = &m.nodes[0];
        registry.register(Arc::new(PluginNodeType {
            kind: "plugin.doc-validator.validate".into(),
            decl: PluginNodeDecl {
                plugin: m.id.clone(),
                version: m.version.clone(),
                node: n0.id.clone(),
                plugin_name: m.name.clone(),
                title: n0.title.clone(),
                description: n0.description.clone(),
                config_schema: n0.config_schema.clone(),
                outputs: n0.outputs.clone(),
                icon: None,
                color: None,
            },
        }));
        let flow = compile(&doc, &registry, &Scripts::default()).unwrap();
        let env = Env {
            run_id: "bench".into(),
            contact: Value::Null,
            ticket: Value::Null,
            now_ms: 0,
            business_hours: None,
            timezone: String::new(),
        };
        let runs = n / 2;
        let mut samples = Vec::with_capacity(runs);
        for _ in 0..runs {
            let t = Instant::now();
            let mut st = RunState::new(&flow, 0, vars.clone());
            let a: Advance = advance(&flow, &mut st, Resume::Start, &env);
            let Some(tucan_engine::Effect::Plugin { vars: v, .. }) = a.effects.last() else {
                panic!("no plugin call: {:?}", a.effects);
            };
            let (r, s) = docs.call_blocking("validate", &input, state(&docs, &rt, v.clone()));
            let out = r.unwrap();
            let resume = Resume::Plugin {
                port: Some(out.port),
                vars: out.vars,
                error: None,
                trace: s.trace,
            };
            let a = advance(&flow, &mut st, resume, &env);
            samples.push(t.elapsed());
            assert!(!a.effects.is_empty());
        }
        row("flow trigger → doc-validator → send_text (run)", samples);
    } else {
        println!(
            "(plugins/doc-validator/plugin.wasm not built: run plugins/build.sh for the AssemblyScript rows)"
        );
    }

    println!("\n## Cold load (ms): check + compile, then the first call\n");
    println!(
        "| {:<24} | {:>10} | {:>14} | {:>15} |",
        "module", "bytes", "check+compile", "first call"
    );
    println!("|{:-<26}|{:-<12}|{:-<16}|{:-<17}|", "", "", "", "");
    let mut modules = vec![("echo (WAT)".to_string(), fixture("echo"))];
    for name in ["doc-validator", "keyword-router", "crm-lookup"] {
        if let Some(e) = example(name) {
            modules.push((name.to_string(), e));
        }
    }
    for (name, (m, w)) in modules {
        let node = m.nodes[0].id.clone();
        let size = w.len();
        let t = Instant::now();
        let loaded = LoadedPlugin::load(m, &w).unwrap();
        let compiled = t.elapsed();
        let t = Instant::now();
        let _ = loaded.call_blocking(&node, &input, state(&loaded, &rt, Map::new()));
        let first = t.elapsed();
        println!(
            "| {name:<24} | {size:>10} | {:>14.1} | {:>15.2} |",
            compiled.as_secs_f64() * 1e3,
            first.as_secs_f64() * 1e3
        );
    }
}
