//! Compiling and running whole flows.

use serde_json::{Map, Value, json};

use crate::*;

fn doc(v: Value) -> FlowDocument {
    serde_json::from_value(v).unwrap()
}

fn compiled(v: Value) -> CompiledFlow {
    compile(&doc(v), &Registry::builtin(), &Scripts::default()).unwrap()
}

fn problems(v: Value) -> Vec<Problem> {
    compile(&doc(v), &Registry::builtin(), &Scripts::default()).unwrap_err()
}

fn env() -> Env {
    Env {
        run_id: "run1".into(),
        contact: json!({ "name": "Ana" }),
        ticket: Value::Null,
        now_ms: 1_000,
        ..Env::default()
    }
}

fn texts(a: &Advance) -> Vec<String> {
    a.effects
        .iter()
        .filter_map(|e| match e {
            Effect::SendText { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

fn lead_capture() -> Value {
    json!({
        "nodes": [
            { "id": "start", "type": "trigger.manual", "position": { "x": 0, "y": 0 } },
            { "id": "hi", "type": "messaging.send_text", "config": { "text": "Hi {{contact.name}}!" } },
            { "id": "email", "type": "messaging.ask", "config": { "question": "Your email?", "variable": "email", "validation": "email", "retries": 1, "timeout_seconds": 60 } },
            { "id": "vip", "type": "logic.condition", "config": { "expression": "vars.email.ends_with(\"@acme.com\")" } },
            { "id": "thanks", "type": "messaging.send_text", "config": { "text": "Thanks, {{vars.email}}" } },
            { "id": "vip_msg", "type": "messaging.send_text", "config": { "text": "Welcome back, Acme!" } },
            { "id": "bye", "type": "messaging.send_text", "config": { "text": "Let us talk later." } }
        ],
        "edges": [
            { "id": "e1", "source": "start", "target": "hi" },
            { "id": "e2", "source": "hi", "target": "email" },
            { "id": "e3", "source": "email", "source_port": "answer", "target": "vip" },
            { "id": "e4", "source": "vip", "source_port": "false", "target": "thanks" },
            { "id": "e5", "source": "vip", "source_port": "true", "target": "vip_msg" },
            { "id": "e6", "source": "email", "source_port": "invalid", "target": "bye" },
            { "id": "e7", "source": "email", "source_port": "timeout", "target": "bye" }
        ]
    })
}

#[test]
fn a_conversation_runs_waits_validates_and_branches() {
    let flow = compiled(lead_capture());
    let mut state = RunState::new(&flow, flow.triggers[0], Map::new());
    let a = advance(&flow, &mut state, Resume::Start, &env());
    assert_eq!(texts(&a), ["Hi Ana!", "Your email?"]);
    assert_eq!(state.status, RunStatus::Waiting);
    assert!(
        a.effects
            .iter()
            .any(|e| matches!(e, Effect::Timer { at_ms: 61_000, .. }))
    );

    let a = advance(
        &flow,
        &mut state,
        Resume::Reply {
            text: "not an email".into(),
        },
        &env(),
    );
    assert_eq!(
        texts(&a),
        ["Sorry, I did not understand. Please try again."]
    );
    assert_eq!(state.status, RunStatus::Waiting);

    let a = advance(
        &flow,
        &mut state,
        Resume::Reply {
            text: "Ana@Acme.com".into(),
        },
        &env(),
    );
    assert_eq!(texts(&a), ["Welcome back, Acme!"]);
    assert_eq!(state.status, RunStatus::Completed);
    assert_eq!(state.vars["email"], "ana@acme.com");
    let path: Vec<&str> = a.trace.iter().map(|t| t.node.as_str()).collect();
    assert_eq!(path, ["email", "vip", "vip_msg"]);
}

#[test]
fn too_many_invalid_answers_and_timeouts_take_their_ports() {
    let flow = compiled(lead_capture());
    let mut state = RunState::new(&flow, 0, Map::new());
    advance(&flow, &mut state, Resume::Start, &env());
    advance(
        &flow,
        &mut state,
        Resume::Reply { text: "x".into() },
        &env(),
    );
    let a = advance(
        &flow,
        &mut state,
        Resume::Reply { text: "y".into() },
        &env(),
    );
    assert_eq!(texts(&a), ["Let us talk later."]);

    let mut state = RunState::new(&flow, 0, Map::new());
    advance(&flow, &mut state, Resume::Start, &env());
    let a = advance(&flow, &mut state, Resume::Timer, &env());
    assert_eq!(texts(&a), ["Let us talk later."]);
    assert_eq!(state.status, RunStatus::Completed);
}

#[test]
fn effect_keys_are_stable_for_the_same_run_and_step() {
    let flow = compiled(lead_capture());
    let run = |_: u8| {
        let mut s = RunState::new(&flow, 0, Map::new());
        advance(&flow, &mut s, Resume::Start, &env()).effects
    };
    assert_eq!(run(1), run(2));
}

#[test]
fn every_problem_is_reported_with_its_node() {
    let p = problems(json!({
        "nodes": [
            { "id": "a", "type": "trigger.manual" },
            { "id": "b", "type": "logic.condition", "config": { "expression": "vars.x >" } },
            { "id": "c", "type": "no.such.type" },
            { "id": "d", "type": "messaging.send_text", "config": {} },
            { "id": "e", "type": "messaging.send_text", "config": { "text": "lonely" } },
            { "id": "e", "type": "logic.end" }
        ],
        "edges": [
            { "id": "x1", "source": "a", "target": "zz" },
            { "id": "x2", "source": "a", "source_port": "nope", "target": "e" }
        ]
    }));
    let find = |node: &str, needle: &str| {
        p.iter()
            .any(|q| q.node_id.as_deref() == Some(node) && q.message.contains(needle))
    };
    assert!(find("b", "does not compile"), "{p:#?}");
    assert!(
        p.iter().any(|q| q.node_id.as_deref() == Some("b")
            && q.field.as_deref() == Some("config.expression"))
    );
    assert!(find("c", "unknown node type"));
    assert!(p.iter().any(|q| q.node_id.as_deref() == Some("d") && q.field.as_deref() == Some("config.text")), "{p:#?}");
    assert!(find("e", "two nodes"));
    assert!(find("a", "no output port `nope`"));
    assert!(
        p.iter()
            .any(|q| q.edge_id.as_deref() == Some("x1") && q.message.contains("zz"))
    );
    assert!(find("e", "no trigger reaches"));
}

#[test]
fn loops_need_a_waiting_node() {
    let spin = json!({
        "nodes": [
            { "id": "t", "type": "trigger.manual" },
            { "id": "a", "type": "logic.set_variable", "config": { "name": "n", "value": "1" } },
            { "id": "b", "type": "logic.condition", "config": { "expression": "true" } }
        ],
        "edges": [
            { "id": "1", "source": "t", "target": "a" },
            { "id": "2", "source": "a", "target": "b" },
            { "id": "3", "source": "b", "source_port": "true", "target": "a" }
        ]
    });
    assert!(
        problems(spin)
            .iter()
            .any(|p| p.message.contains("never waits"))
    );

    let polling = json!({
        "nodes": [
            { "id": "t", "type": "trigger.manual" },
            { "id": "w", "type": "logic.wait", "config": { "seconds": 3600 } },
            { "id": "b", "type": "logic.condition", "config": { "expression": "vars.done == true" } }
        ],
        "edges": [
            { "id": "1", "source": "t", "target": "w" },
            { "id": "2", "source": "w", "target": "b" },
            { "id": "3", "source": "b", "source_port": "false", "target": "w" }
        ]
    });
    let flow = compiled(polling);
    let mut state = RunState::new(&flow, 0, Map::new());
    let a = advance(&flow, &mut state, Resume::Start, &env());
    assert_eq!(state.waiting, Some(WaitFor::Until { at_ms: 3_601_000 }));
    assert_eq!(a.effects.len(), 1);
    advance(&flow, &mut state, Resume::Timer, &env());
    assert_eq!(
        state.status,
        RunStatus::Waiting,
        "waits again: the loop went round once"
    );
}

#[test]
fn a_runaway_script_fails_the_run_not_the_process() {
    let flow = compiled(json!({
        "nodes": [
            { "id": "t", "type": "trigger.manual" },
            { "id": "s", "type": "logic.script", "config": { "code": "let x = 0; loop { x += 1; }" } }
        ],
        "edges": [{ "id": "1", "source": "t", "target": "s" }]
    }));
    let mut state = RunState::new(&flow, 0, Map::new());
    let a = advance(&flow, &mut state, Resume::Start, &env());
    assert_eq!(state.status, RunStatus::Failed);
    assert!(a.trace.last().unwrap().error.is_some());
}

#[test]
fn switch_menu_and_random_split_pick_ports() {
    let flow = compiled(json!({
        "nodes": [
            { "id": "t", "type": "trigger.manual" },
            { "id": "m", "type": "messaging.menu", "config": { "text": "Hi! Choose:", "options": ["Sales", "Support"] } },
            { "id": "sw", "type": "logic.switch", "config": { "expression": "vars.plan", "cases": ["gold", "free"] } },
            { "id": "gold", "type": "messaging.send_text", "config": { "text": "gold" } },
            { "id": "other", "type": "messaging.send_text", "config": { "text": "other" } },
            { "id": "r", "type": "logic.random_split", "config": { "branches": [{ "port": "a", "weight": 1 }, { "port": "b", "weight": 1 }] } }
        ],
        "edges": [
            { "id": "1", "source": "t", "target": "m" },
            { "id": "2", "source": "m", "source_port": "2", "target": "sw" },
            { "id": "3", "source": "sw", "source_port": "gold", "target": "gold" },
            { "id": "4", "source": "sw", "source_port": "default", "target": "other" },
            { "id": "5", "source": "m", "source_port": "1", "target": "r" }
        ],
        "variables": [{ "name": "plan", "default": "gold" }]
    }));
    let mut state = RunState::new(&flow, 0, Map::new());
    let a = advance(&flow, &mut state, Resume::Start, &env());
    assert_eq!(texts(&a), ["Hi! Choose:\n1. Sales\n2. Support"]);
    let a = advance(
        &flow,
        &mut state,
        Resume::Reply {
            text: "support".into(),
        },
        &env(),
    );
    assert_eq!(texts(&a), ["gold"]);
    let mut state = RunState::new(&flow, 0, Map::new());
    advance(&flow, &mut state, Resume::Start, &env());
    let a = advance(
        &flow,
        &mut state,
        Resume::Reply { text: "1".into() },
        &env(),
    );
    assert!(["a", "b"].contains(&a.trace.last().unwrap().port.as_deref().unwrap()));
}

#[test]
fn documents_round_trip_and_hash_by_content() {
    let original = doc(lead_capture());
    let again: FlowDocument =
        serde_json::from_str(&serde_json::to_string(&original).unwrap()).unwrap();
    assert_eq!(original, again);
    assert_eq!(original.content_hash(), again.content_hash());
    let mut moved = original.clone();
    moved.nodes[0].position.x = 10.0;
    assert_ne!(original.content_hash(), moved.content_hash());
    assert!(FlowDocument::json_schema()["properties"]["nodes"].is_object());
    assert!(Registry::builtin().catalogue().len() >= 12);
}

/// `schemas/flow.schema.json` is generated from the types; `UPDATE_SCHEMAS=1` rewrites it.
#[test]
fn flow_schema_file_is_current() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/flow.schema.json");
    let generated = format!(
        "{}\n",
        serde_json::to_string_pretty(&FlowDocument::json_schema()).unwrap()
    );
    if std::env::var_os("UPDATE_SCHEMAS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == generated,
        "{} is out of date: run `UPDATE_SCHEMAS=1 cargo test -p tucan-engine` and commit it",
        path.display()
    );
}

/// Every template in `flows/` compiles and plays its scripted conversation: the customer
/// says X, the platform answers Y (and does the listed effects).
#[test]
fn templates_replay_their_conversations() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../flows");
    let mut played = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !name.ends_with(".json") || name.ends_with(".conversation.json") {
            continue;
        }
        let doc: FlowDocument =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let flow = compile(&doc, &Registry::builtin(), &Scripts::default())
            .unwrap_or_else(|p| panic!("{name}: {p:#?}"));
        let script: Value = serde_json::from_str(
            &std::fs::read_to_string(path.with_extension("conversation.json")).unwrap(),
        )
        .unwrap();
        // A conversation may fix the clock and the company's hours.
        let env = Env {
            run_id: name.clone(),
            contact: script["contact"].clone(),
            ticket: Value::Null,
            now_ms: script["now"].as_str().map_or(0, |t| {
                chrono::DateTime::parse_from_rfc3339(t)
                    .unwrap()
                    .timestamp_millis()
            }),
            business_hours: script
                .get("business_hours")
                .map(|s| serde_json::from_value(s.clone()).unwrap()),
            timezone: script["timezone"].as_str().unwrap_or("UTC").to_string(),
        };
        let mut state = RunState::new(&flow, flow.triggers[0], Map::new());
        for (i, turn) in script["turns"].as_array().unwrap().iter().enumerate() {
            // The customer speaks, or the shop's API answers the flow's request.
            let resume = match (turn["customer"].as_str(), turn.get("http")) {
                (Some(text), _) => Resume::Reply { text: text.into() },
                (None, Some(http)) => Resume::Http {
                    status: http["status"].as_u64().unwrap() as u16,
                    body: http["body"].clone(),
                    error: None,
                },
                (None, None) => Resume::Start,
            };
            let a = advance(&flow, &mut state, resume, &env);
            let expected: Vec<String> = serde_json::from_value(turn["platform"].clone()).unwrap();
            assert_eq!(texts(&a), expected, "{name}, turn {i}");
            let done: Vec<Value> = a
                .effects
                .iter()
                .map(|e| {
                    let mut v = serde_json::to_value(e).unwrap();
                    v.as_object_mut().unwrap().remove("key");
                    v
                })
                .filter(|v| v["effect"] != "send_text" && v["effect"] != "timer")
                .collect();
            let wanted = turn.get("effects").cloned().unwrap_or(json!([]));
            assert_eq!(Value::Array(done), wanted, "{name}, turn {i}");
        }
        assert_eq!(
            serde_json::to_value(state.status).unwrap(),
            script["status"],
            "{name}"
        );
        played += 1;
    }
    assert!(played >= 2);
}

#[test]
fn http_requests_are_effects_and_their_response_resumes_the_run() {
    let flow = compiled(json!({
        "nodes": [
            { "id": "t", "type": "trigger.manual" },
            { "id": "h", "type": "integrations.http_request", "config": {
                "url": "https://shop.example.com/orders/{{vars.order}}", "headers": { "x-contact": "{{contact.name}}" }, "response_variable": "order_info" } },
            { "id": "ok", "type": "messaging.send_text", "config": { "text": "Order status: {{vars.order_info.body.status}}" } },
            { "id": "ko", "type": "messaging.send_text", "config": { "text": "Lookup failed" } }
        ],
        "edges": [
            { "id": "1", "source": "t", "target": "h" },
            { "id": "2", "source": "h", "source_port": "success", "target": "ok" },
            { "id": "3", "source": "h", "source_port": "error", "target": "ko" }
        ],
        "variables": [{ "name": "order", "default": "A-17" }]
    }));
    let mut state = RunState::new(&flow, 0, Map::new());
    let a = advance(&flow, &mut state, Resume::Start, &env());
    let Effect::Http {
        url,
        headers,
        method,
        key,
        ..
    } = &a.effects[0]
    else {
        panic!("{a:?}")
    };
    assert_eq!(url, "https://shop.example.com/orders/A-17");
    assert_eq!(headers["x-contact"], "Ana");
    assert_eq!(method, "GET");
    assert_eq!(state.waiting, Some(WaitFor::Effect { key: key.clone() }));
    let a = advance(
        &flow,
        &mut state,
        Resume::Http {
            status: 200,
            body: json!({ "status": "shipped" }),
            error: None,
        },
        &env(),
    );
    assert_eq!(texts(&a), ["Order status: shipped"]);

    let mut state = RunState::new(&flow, 0, Map::new());
    advance(&flow, &mut state, Resume::Start, &env());
    let a = advance(
        &flow,
        &mut state,
        Resume::Http {
            status: 0,
            body: Value::Null,
            error: Some("timeout".into()),
        },
        &env(),
    );
    assert_eq!(texts(&a), ["Lookup failed"]);
    assert_eq!(state.vars["order_info"]["error"], "timeout");
    assert!(problems(json!({
        "nodes": [{ "id": "t", "type": "trigger.manual" }, { "id": "h", "type": "integrations.http_request", "config": { "url": "file:///etc/passwd" } }],
        "edges": [{ "id": "1", "source": "t", "target": "h" }]
    })).iter().any(|p| p.field.as_deref() == Some("config.url")));
}

#[test]
fn ticket_nodes_emit_their_effects_in_order() {
    let flow = compiled(json!({
        "nodes": [
            { "id": "t", "type": "trigger.manual" },
            { "id": "a", "type": "tickets.assign_agent", "config": { "agent": "ana@acme.com" } },
            { "id": "n", "type": "tickets.add_note", "config": { "text": "VIP: {{contact.name}}" } },
            { "id": "u", "type": "contacts.remove_tag", "config": { "tag": "new" } },
            { "id": "c", "type": "tickets.close" }
        ],
        "edges": [
            { "id": "1", "source": "t", "target": "a" },
            { "id": "2", "source": "a", "target": "n" },
            { "id": "3", "source": "n", "target": "u" },
            { "id": "4", "source": "u", "target": "c" }
        ]
    }));
    let mut state = RunState::new(&flow, 0, Map::new());
    let a = advance(&flow, &mut state, Resume::Start, &env());
    let kinds: Vec<Value> = a
        .effects
        .iter()
        .map(|e| serde_json::to_value(e).unwrap()["effect"].clone())
        .collect();
    assert_eq!(
        kinds,
        [
            json!("assign_agent"),
            json!("add_note"),
            json!("remove_tag"),
            json!("close_ticket")
        ]
    );
    assert!(matches!(&a.effects[1], Effect::AddNote { text, .. } if text == "VIP: Ana"));
    assert_eq!(state.status, RunStatus::Completed);
}

#[test]
fn a_resume_the_run_does_not_wait_for_changes_nothing() {
    let flow = compiled(json!({
        "nodes": [
            { "id": "t", "type": "trigger.manual" },
            { "id": "w", "type": "logic.wait", "config": { "seconds": 60 } },
            { "id": "q", "type": "messaging.ask", "config": { "question": "Name?", "variable": "name" } }
        ],
        "edges": [
            { "id": "1", "source": "t", "target": "w" },
            { "id": "2", "source": "w", "target": "q" }
        ]
    }));
    let mut state = RunState::new(&flow, 0, Map::new());
    advance(&flow, &mut state, Resume::Start, &env());
    let before = state.clone();
    // A customer writing during a timed wait does not cut the wait short.
    let a = advance(
        &flow,
        &mut state,
        Resume::Reply {
            text: "hello?".into(),
        },
        &env(),
    );
    assert!(a.effects.is_empty() && a.trace.is_empty());
    assert_eq!(state, before);
    let a = advance(&flow, &mut state, Resume::Timer, &env());
    assert_eq!(texts(&a), ["Name?"]);
    // The question has no timeout: a stray timer or HTTP response is ignored.
    let before = state.clone();
    advance(&flow, &mut state, Resume::Timer, &env());
    advance(
        &flow,
        &mut state,
        Resume::Http {
            status: 200,
            body: Value::Null,
            error: None,
        },
        &env(),
    );
    assert_eq!(state, before);
    advance(
        &flow,
        &mut state,
        Resume::Reply { text: "Ana".into() },
        &env(),
    );
    assert_eq!(state.status, RunStatus::Completed);
}

#[test]
fn media_dates_and_the_new_triggers_check_their_config() {
    let flow = compiled(json!({
        "nodes": [
            { "id": "t", "type": "trigger.manual" },
            { "id": "pdf", "type": "messaging.send_media", "config": {
                "kind": "document", "url": "https://cdn.example.com/{{vars.doc}}.pdf",
                "caption": "Your invoice, {{contact.name}}", "filename": "invoice-{{vars.doc}}.pdf" } },
            { "id": "when", "type": "messaging.ask", "config": { "question": "Which day?", "variable": "day", "validation": "date" } }
        ],
        "edges": [
            { "id": "a", "source": "t", "target": "pdf" },
            { "id": "b", "source": "pdf", "target": "when" }
        ],
        "variables": [{ "name": "doc", "default": "A-17" }]
    }));
    let mut state = RunState::new(&flow, 0, Map::new());
    let a = advance(&flow, &mut state, Resume::Start, &env());
    let media = serde_json::to_value(&a.effects[0]).unwrap();
    assert_eq!(media["effect"], "send_media");
    assert_eq!(media["url"], "https://cdn.example.com/A-17.pdf");
    assert_eq!(media["caption"], "Your invoice, Ana");
    assert_eq!(media["filename"], "invoice-A-17.pdf");
    advance(
        &flow,
        &mut state,
        Resume::Reply {
            text: "31/12/2026".into(),
        },
        &env(),
    );
    assert_eq!(state.vars["day"], "2026-12-31");

    let found = problems(json!({
        "nodes": [
            { "id": "hook", "type": "trigger.webhook", "config": { "secret": "short" } },
            { "id": "cron", "type": "trigger.schedule", "config": { "cron": "61 * * * *", "timezone": "Nowhere/City" } },
            { "id": "ticket", "type": "trigger.ticket_event", "config": { "events": [] } },
            { "id": "img", "type": "messaging.send_media", "config": { "kind": "image", "url": "ftp://x" } },
            { "id": "hours", "type": "logic.business_hours", "config": { "schedule": { "week": { "mon": ["18:00-09:00"] } } } }
        ],
        "edges": [
            { "id": "a", "source": "hook", "target": "img" },
            { "id": "b", "source": "cron", "target": "img" },
            { "id": "c", "source": "ticket", "target": "hours" }
        ]
    }));
    let fields: Vec<(String, String)> = found
        .iter()
        .map(|p| {
            (
                p.node_id.clone().unwrap_or_default(),
                p.field.clone().unwrap_or_default(),
            )
        })
        .collect();
    for want in [
        ("hook", "config.secret"),
        ("cron", "config.cron"),
        ("cron", "config.timezone"),
        ("ticket", "config.events"),
        ("img", "config.url"),
        ("hours", "config.schedule"),
    ] {
        assert!(
            fields.contains(&(want.0.to_string(), want.1.to_string())),
            "{want:?} missing from {fields:?}"
        );
    }
}

#[test]
fn failed_steps_keep_their_messages() {
    let flow = compiled(json!({
        "nodes": [
            { "id": "t", "type": "trigger.manual" },
            { "id": "w", "type": "logic.wait", "config": { "until_var": "at" } }
        ],
        "edges": [{ "id": "1", "source": "t", "target": "w" }]
    }));
    let mut state = RunState::new(&flow, 0, Map::new());
    let a = advance(&flow, &mut state, Resume::Start, &env());
    assert_eq!(state.status, RunStatus::Failed);
    assert_eq!(
        a.trace.last().unwrap().error.as_deref(),
        Some("variable `at` holds no time")
    );
    assert_eq!(
        state.error.as_deref(),
        Some("w: variable `at` holds no time")
    );

    let flow = compiled(json!({
        "nodes": [
            { "id": "t", "type": "trigger.manual" },
            { "id": "s", "type": "logic.script", "config": { "code": "throw \"no stock\";" } }
        ],
        "edges": [{ "id": "1", "source": "t", "target": "s" }]
    }));
    let mut state = RunState::new(&flow, 0, Map::new());
    let a = advance(&flow, &mut state, Resume::Start, &env());
    let traced = a.trace.last().unwrap().error.clone().unwrap();
    assert!(traced.contains("no stock"), "{traced}");
    assert_eq!(state.error, Some(format!("s: {traced}")));

    let mut registry = Registry::builtin();
    registry.register(std::sync::Arc::new(PluginNodeType {
        kind: "plugin.crm.lookup".into(),
        decl: PluginNodeDecl {
            plugin: "crm".into(),
            version: "1.0.0".into(),
            node: "lookup".into(),
            plugin_name: "CRM".into(),
            title: "Lookup".into(),
            description: String::new(),
            config_schema: json!({ "type": "object" }),
            outputs: vec!["found".into()],
            icon: None,
            color: None,
        },
    }));
    let plugin_flow = doc(json!({
        "nodes": [
            { "id": "t", "type": "trigger.manual" },
            { "id": "p", "type": "plugin.crm.lookup" }
        ],
        "edges": [{ "id": "1", "source": "t", "target": "p" }]
    }));
    let flow = compile(&plugin_flow, &registry, &Scripts::default()).unwrap();
    for (port, error, want) in [
        (
            None,
            Some("PLUGIN_TIMEOUT: took too long"),
            "p: PLUGIN_TIMEOUT: took too long",
        ),
        (Some("nope"), None, "p: PLUGIN_BAD_OUTPUT: no port \"nope\""),
    ] {
        let mut state = RunState::new(&flow, 0, Map::new());
        advance(&flow, &mut state, Resume::Start, &env());
        assert_eq!(state.status, RunStatus::Waiting);
        advance(
            &flow,
            &mut state,
            Resume::Plugin {
                port: port.map(str::to_string),
                vars: Map::new(),
                error: error.map(str::to_string),
                trace: Vec::new(),
            },
            &env(),
        );
        assert_eq!(state.status, RunStatus::Failed);
        assert_eq!(state.error.as_deref(), Some(want));
    }
}

#[test]
fn node_errors_print_as_before() {
    let cases: [(NodeError, &str); 6] = [
        (
            NodeError::NotATime {
                variable: "at".into(),
            },
            "variable `at` holds no time",
        ),
        (
            NodeError::MediaUrl {
                url: " https://x".into(),
            },
            "the media URL ` https://x` is not an http(s) URL",
        ),
        (
            NodeError::UnexpectedAnswer,
            "resumed by an answer it did not ask for",
        ),
        (
            NodeError::NotFromSubflow,
            "resumed by something other than its sub-flow",
        ),
        (
            NodeError::PluginPort { port: "x".into() },
            "PLUGIN_BAD_OUTPUT: no port \"x\"",
        ),
        (
            NodeError::from(ScriptError::Runtime {
                message: "boom".into(),
            }),
            "boom",
        ),
    ];
    for (e, want) in cases {
        assert_eq!(e.to_string(), want);
    }
}
