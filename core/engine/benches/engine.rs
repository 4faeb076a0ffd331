//! Engine benchmarks, printed as tables: compile + validate a 200-node flow, in-memory step
//! throughput on one core, and a condition node with a cached Rhai expression.

use std::time::Instant;

use serde_json::{Map, Value, json};
use tucan_engine::{Env, FlowDocument, Registry, Resume, RunState, Scripts, advance, compile};

/// A chain of `n` nodes: trigger, then conditions and set-variables alternating, a wait
/// every 50 nodes so the chain is a realistic mix.
fn chain(n: usize) -> FlowDocument {
    let mut nodes = vec![json!({ "id": "n0", "type": "trigger.manual" })];
    let mut edges = Vec::new();
    for i in 1..n {
        let node = match i % 3 {
            0 => {
                json!({ "id": format!("n{i}"), "type": "logic.condition", "config": { "expression": "vars.count < 1000000" } })
            }
            1 => {
                json!({ "id": format!("n{i}"), "type": "logic.set_variable", "config": { "name": "greeting", "value": "Hi {{contact.name}}" } })
            }
            _ => {
                json!({ "id": format!("n{i}"), "type": "logic.script", "config": { "code": "vars.count += 1;" } })
            }
        };
        nodes.push(node);
        let port = if (i - 1) % 3 == 0 && i > 1 {
            "true"
        } else {
            "out"
        };
        edges.push(json!({ "id": format!("e{i}"), "source": format!("n{}", i - 1), "source_port": port, "target": format!("n{i}") }));
    }
    serde_json::from_value(
        json!({ "nodes": nodes, "edges": edges, "variables": [{ "name": "count", "default": 0 }] }),
    )
    .unwrap()
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 * p) as usize).min(v.len() - 1)]
}

fn main() {
    let registry = Registry::builtin();
    let scripts = Scripts::default();

    let doc = chain(200);
    let mut times = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let flow = compile(&doc, &registry, &scripts).unwrap();
        times.push(t.elapsed().as_secs_f64() * 1e3);
        std::hint::black_box(flow);
    }
    println!("\n## Compile + validate\n\n| flow | p50 ms | p99 ms |\n|---|---:|---:|");
    println!(
        "| 200 nodes (conditions, set variable, scripts) | {:.3} | {:.3} |",
        percentile(&mut times, 0.5),
        percentile(&mut times, 0.99)
    );

    // Pure steps: a flow of set-variable nodes (templating) and conditions (cached Rhai).
    let mut nodes = vec![json!({ "id": "n0", "type": "trigger.manual" })];
    let mut edges = Vec::new();
    for i in 1..1000 {
        let node = if i % 2 == 0 {
            json!({ "id": format!("n{i}"), "type": "logic.condition", "config": { "expression": "vars.greeting != \"\"" } })
        } else {
            json!({ "id": format!("n{i}"), "type": "logic.set_variable", "config": { "name": "greeting", "value": "Hi {{contact.name}}" } })
        };
        nodes.push(node);
        let port = if (i - 1) % 2 == 0 && i > 1 {
            "true"
        } else {
            "out"
        };
        edges.push(json!({ "id": format!("e{i}"), "source": format!("n{}", i - 1), "source_port": port, "target": format!("n{i}") }));
    }
    let doc: FlowDocument =
        serde_json::from_value(json!({ "nodes": nodes, "edges": edges })).unwrap();
    let flow = compile(&doc, &registry, &scripts).unwrap();
    let env = Env {
        run_id: "bench".into(),
        contact: json!({ "name": "Ana" }),
        ticket: Value::Null,
        now_ms: 0,
        ..Env::default()
    };
    let runs = 200;
    let t = Instant::now();
    let mut steps = 0u64;
    for _ in 0..runs {
        let mut state = RunState::new(&flow, 0, Map::new());
        let a = advance(&flow, &mut state, Resume::Start, &env);
        steps += a.trace.len() as u64;
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "\n## In-memory steps (one core, no persistence)\n\n| flow | steps | steps/s |\n|---|---:|---:|"
    );
    println!(
        "| 1,000 nodes: set variable (template) + condition (Rhai) | {steps} | {:.0} |",
        steps as f64 / secs
    );

    let only_set: Vec<Value> = (0..1000)
        .map(|i| if i == 0 { json!({ "id": "n0", "type": "trigger.manual" }) } else { json!({ "id": format!("n{i}"), "type": "logic.set_variable", "config": { "name": "g", "value": "Hi {{contact.name}}" } }) })
        .collect();
    let edges: Vec<Value> = (1..1000).map(|i| json!({ "id": format!("e{i}"), "source": format!("n{}", i - 1), "target": format!("n{i}") })).collect();
    let doc: FlowDocument =
        serde_json::from_value(json!({ "nodes": only_set, "edges": edges })).unwrap();
    let flow = compile(&doc, &registry, &scripts).unwrap();
    let t = Instant::now();
    let mut steps = 0u64;
    for _ in 0..runs {
        let mut state = RunState::new(&flow, 0, Map::new());
        steps += advance(&flow, &mut state, Resume::Start, &env).trace.len() as u64;
    }
    println!(
        "| 1,000 nodes: set variable (template) only | {steps} | {:.0} |",
        steps as f64 / t.elapsed().as_secs_f64()
    );

    let cond = scripts
        .compile_expression("vars.total > 100 && contact.name != \"\"")
        .unwrap();
    let cx = tucan_engine::ScriptContext {
        vars: json!({ "total": 120 }),
        contact: json!({ "name": "Ana" }),
        ticket: Value::Null,
    };
    let n = 100_000;
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(scripts.eval(&cond, &cx).unwrap());
    }
    println!("\n## Rhai\n\n| case | µs per evaluation |\n|---|---:|");
    println!(
        "| cached condition `vars.total > 100 && contact.name != \"\"` | {:.2} |",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}
