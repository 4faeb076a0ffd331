use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use poem::listener::TcpListener;
use poem::web::Json;
use poem::{Route, Server, handler, post};
use serde_json::{Map, Value, json};
use tucan_engine::Resume;
use tucan_model::ErrorCode;
use tucan_runtime::{
    RunContact, RunSource, RuntimeError, RuntimeOptions, StartRun, Stepped, TestContact,
};

use crate::support::{Rig, line};

pub fn manual(flow_id: &str, contact: RunContact) -> StartRun {
    StartRun {
        flow_id: flow_id.into(),
        source: RunSource::Published { version: None },
        contact,
        ticket_id: None,
        vars: Map::new(),
        event: None,
        clock: None,
        id: None,
        parent: None,
    }
}

fn reply(text: &str) -> Resume {
    Resume::Reply { text: text.into() }
}

pub fn code(e: RuntimeError) -> ErrorCode {
    match e.to_problem() {
        Some(p) => p.code,
        None => panic!("expected a refusal, got {e}"),
    }
}

pub fn ask_flow() -> Value {
    line(&[
        (
            "hello",
            "messaging.send_text",
            json!({ "text": "Hi {{contact.name}}!" }),
        ),
        (
            "email",
            "messaging.ask",
            json!({ "question": "Your email?", "variable": "email", "validation": "email" }),
        ),
        (
            "save",
            "contacts.set_field",
            json!({ "field": "email", "value": "{{vars.email}}" }),
        ),
        ("tag", "contacts.add_tag", json!({ "tag": "lead" })),
        (
            "bye",
            "messaging.send_text",
            json!({ "text": "Thanks, we will write to {{vars.email}}" }),
        ),
    ])
}

#[tokio::test]
async fn a_run_waits_for_the_reply_then_applies_its_effects_to_the_contact() {
    let rig = Rig::new(RuntimeOptions::default()).await;
    let flow = rig.publish("lead", ask_flow()).await;
    let contact = rig.contact("Ana", "+5511987654321").await;
    let run = rig
        .runtime
        .start(&rig.db, manual(&flow, RunContact::Stored(contact.clone())))
        .await
        .unwrap();
    assert_eq!(run.status, "waiting");
    assert_eq!(run.node, "email");
    assert_eq!(run.version, 1);
    assert_eq!(rig.sent(&run.id).await, ["Hi Ana!", "Your email?"]);

    // An invalid answer re-asks; a valid one goes on.
    let Stepped::Advanced(r) = rig
        .runtime
        .resume(&rig.db, &run.id, reply("nope"), None)
        .await
        .unwrap()
    else {
        panic!("the reply should advance the run");
    };
    assert_eq!(r.status, "waiting");
    let Stepped::Advanced(r) = rig
        .runtime
        .resume(&rig.db, &run.id, reply("Ana@Example.com"), None)
        .await
        .unwrap()
    else {
        panic!("the reply should advance the run");
    };
    assert_eq!(r.status, "completed");
    assert!(r.ended_at.is_some());
    let sent = rig.sent(&run.id).await;
    assert_eq!(
        sent.last().unwrap(),
        "Thanks, we will write to ana@example.com"
    );

    let c = rig.db.get_contact(&contact).await.unwrap();
    assert_eq!(c.email.as_deref(), Some("ana@example.com"));
    let tags = rig.db.list_tags().await.unwrap();
    let lead = tags.iter().find(|t| t.name == "lead").expect("tag created");
    assert_eq!(c.tags, vec![lead.id.clone()]);

    // Every effect is done; the trace has each step with the reply as its input.
    let effects = rig.db.run_effects(&run.id, false).await.unwrap();
    assert!(effects.iter().all(|e| !e.pending), "{effects:?}");
    let steps = rig.db.run_steps(&run.id).await.unwrap();
    let nodes: Vec<&str> = steps.iter().map(|s| s.node.as_str()).collect();
    assert_eq!(
        nodes,
        [
            "start", "hello", "email", "email", "email", "save", "tag", "bye"
        ]
    );
    assert!(
        steps[4]
            .input
            .as_deref()
            .unwrap()
            .contains("Ana@Example.com")
    );
    assert!(
        steps
            .last()
            .unwrap()
            .vars
            .as_deref()
            .unwrap()
            .contains("ana@example.com")
    );

    // A finished run takes no more replies.
    assert!(matches!(
        rig.runtime
            .resume(&rig.db, &run.id, reply("again"), None)
            .await
            .unwrap(),
        Stepped::NotApplicable
    ));
}

#[tokio::test]
async fn a_timed_wait_survives_a_restart_and_a_stale_timer_changes_nothing() {
    let store = tucan_testkit::memory_store().await;
    let db = crate::support::tenant(&store).await;
    // The first process starts the run and goes away before the timer is due.
    let first = Rig::on(store.clone(), db.clone(), RuntimeOptions::default(), false).await;
    let flow = first
        .publish(
            "wait",
            line(&[
                ("wait", "logic.wait", json!({ "seconds": 1 })),
                (
                    "done",
                    "messaging.send_text",
                    json!({ "text": "a second later" }),
                ),
            ]),
        )
        .await;
    let run = first
        .runtime
        .start(&first.db, manual(&flow, first.someone().await))
        .await
        .unwrap();
    assert_eq!(run.status, "waiting");
    drop(first);

    // A second process with workers resumes it when the timer fires.
    let second = Rig::on(store, db, RuntimeOptions::default(), true).await;
    let done = second.until(&run.id, |r| r.status == "completed").await;
    assert_eq!(second.sent(&done.id).await, ["a second later"]);

    // A reply timeout that fires after the reply was given leaves the run alone.
    let flow = second
        .publish(
            "ask",
            line(&[
                (
                    "ask",
                    "messaging.ask",
                    json!({ "question": "Name?", "variable": "name", "timeout_seconds": 3600 }),
                ),
                (
                    "ask2",
                    "messaging.ask",
                    json!({ "question": "City?", "variable": "city", "timeout_seconds": 3600 }),
                ),
            ]),
        )
        .await;
    let run = second
        .runtime
        .start(&second.db, manual(&flow, second.someone().await))
        .await
        .unwrap();
    let waiting_seq = run.seq;
    second
        .runtime
        .resume(&second.db, &run.id, reply("Ana"), None)
        .await
        .unwrap();
    let stale = second
        .runtime
        .resume(&second.db, &run.id, Resume::Timer, Some(waiting_seq))
        .await
        .unwrap();
    assert!(matches!(stale, Stepped::NotApplicable));
    let r = second.db.get_run(&run.id).await.unwrap();
    assert_eq!((r.status.as_str(), r.node.as_str()), ("waiting", "ask2"));
    // The current timer does move it, to the timeout port (unconnected: the run ends).
    second
        .runtime
        .resume(&second.db, &run.id, Resume::Timer, Some(r.seq))
        .await
        .unwrap();
    assert_eq!(
        second.db.get_run(&run.id).await.unwrap().status,
        "completed"
    );
}

#[tokio::test]
async fn effects_left_by_a_crash_are_carried_out_once_by_the_sweeper() {
    let rig = Rig::new(RuntimeOptions {
        inline_effects: false,
        stale_effect_secs: 0,
        ..Default::default()
    })
    .await;
    let flow = rig
        .publish(
            "tags",
            line(&[
                ("a", "contacts.add_tag", json!({ "tag": "vip" })),
                (
                    "b",
                    "contacts.set_field",
                    json!({ "field": "plan", "value": "gold" }),
                ),
            ]),
        )
        .await;
    let contact = rig.contact("Bo", "+5511900000001").await;
    let run = rig
        .runtime
        .start(&rig.db, manual(&flow, RunContact::Stored(contact.clone())))
        .await
        .unwrap();
    assert_eq!(run.status, "completed");
    // The step committed, the effects did not happen yet (the two steps', and the ended
    // run's release of its contact's ticket).
    assert_eq!(rig.db.run_effects(&run.id, true).await.unwrap().len(), 3);
    assert!(rig.db.get_contact(&contact).await.unwrap().tags.is_empty());

    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(rig.runtime.sweep().await.unwrap(), 1);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !rig.db.run_effects(&run.id, true).await.unwrap().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "sweeper did not carry the effects out"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let c = rig.db.get_contact(&contact).await.unwrap();
    assert_eq!(c.tags.len(), 1);
    assert_eq!(
        c.custom_fields.get("plan").map(String::as_str),
        Some("gold")
    );
    // Carrying out again finds nothing to do.
    assert_eq!(rig.runtime.carry_out(&rig.db, &run.id).await.unwrap(), 0);
    assert_eq!(rig.runtime.sweep().await.unwrap(), 0);
}

static ORDER_HITS: AtomicUsize = AtomicUsize::new(0);

#[handler]
async fn order(Json(body): Json<Value>) -> Json<Value> {
    ORDER_HITS.fetch_add(1, Ordering::SeqCst);
    Json(json!({ "order": body["id"], "status": "shipped" }))
}

#[tokio::test]
async fn an_http_node_resumes_the_run_with_the_response_and_an_unreachable_url_takes_the_error_port()
 {
    let rig = Rig::new(RuntimeOptions::default()).await;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    tokio::spawn(async move {
        let app = Route::new().at("/orders", post(order));
        Server::new(TcpListener::bind(addr)).run(app).await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;

    let doc = json!({
        "nodes": [
            { "id": "start", "type": "trigger.manual" },
            { "id": "get", "type": "integrations.http_request", "config": {
                "method": "POST", "url": "http://{{vars.host}}/orders", "body": "{\"id\": 42}",
                "headers": { "content-type": "application/json" }, "response_variable": "res" } },
            { "id": "ok", "type": "messaging.send_text", "config": { "text": "Order {{vars.res.body.order}} is {{vars.res.body.status}}" } },
            { "id": "ko", "type": "messaging.send_text", "config": { "text": "lookup failed" } }
        ],
        "edges": [
            { "id": "e1", "source": "start", "target": "get" },
            { "id": "e2", "source": "get", "source_port": "success", "target": "ok" },
            { "id": "e3", "source": "get", "source_port": "error", "target": "ko" }
        ]
    });
    let flow = rig.publish("http", doc).await;
    let mut start = manual(&flow, rig.someone().await);
    start.vars.insert("host".into(), json!(addr.to_string()));
    let run = rig.runtime.start(&rig.db, start).await.unwrap();
    assert_eq!(run.status, "waiting");
    let done = rig.until(&run.id, |r| r.status == "completed").await;
    assert_eq!(rig.sent(&done.id).await, ["Order 42 is shipped"]);
    assert_eq!(ORDER_HITS.load(Ordering::SeqCst), 1);

    let mut start = manual(&flow, rig.someone().await);
    start.vars.insert("host".into(), json!("127.0.0.1:1"));
    let run = rig.runtime.start(&rig.db, start).await.unwrap();
    let done = rig.until(&run.id, |r| r.status == "completed").await;
    assert_eq!(rig.sent(&done.id).await, ["lookup failed"]);
}

#[tokio::test]
async fn a_runaway_script_fails_its_run_and_cancel_ends_a_waiting_one() {
    let rig = Rig::new(RuntimeOptions::default()).await;
    let flow = rig
        .publish(
            "loop",
            line(&[(
                "spin",
                "logic.script",
                json!({ "code": "let x = 0; loop { x += 1; }" }),
            )]),
        )
        .await;
    let run = rig
        .runtime
        .start(&rig.db, manual(&flow, rig.someone().await))
        .await
        .unwrap();
    assert_eq!(run.status, "failed");
    assert!(
        run.error.as_deref().unwrap().starts_with("spin"),
        "{:?}",
        run.error
    );
    let steps = rig.db.run_steps(&run.id).await.unwrap();
    assert!(steps.last().unwrap().error.is_some());

    // The runtime goes on: a waiting run, cancelled.
    let flow = rig
        .publish(
            "ask",
            line(&[(
                "ask",
                "messaging.ask",
                json!({ "question": "?", "variable": "a" }),
            )]),
        )
        .await;
    let run = rig
        .runtime
        .start(&rig.db, manual(&flow, rig.someone().await))
        .await
        .unwrap();
    let cancelled = rig.runtime.cancel(&rig.db, &run.id).await.unwrap();
    assert_eq!(cancelled.status, "cancelled");
    assert!(cancelled.ended_at.is_some());
    assert_eq!(
        code(rig.runtime.cancel(&rig.db, &run.id).await.unwrap_err()),
        ErrorCode::RunNotWaiting
    );
    assert!(matches!(
        rig.runtime
            .resume(&rig.db, &run.id, reply("x"), None)
            .await
            .unwrap(),
        Stepped::NotApplicable
    ));
}

#[tokio::test]
async fn a_test_run_plays_the_draft_with_a_made_up_contact() {
    let rig = Rig::new(RuntimeOptions::default()).await;
    let doc = ask_flow();
    let text = doc.to_string();
    let flow = rig.db.create_flow("draft", "", &text).await.unwrap();
    // Not published: a normal run is refused, a test run plays the draft.
    let err = rig
        .runtime
        .start(&rig.db, manual(&flow.id, rig.someone().await))
        .await
        .unwrap_err();
    assert_eq!(code(err), ErrorCode::FlowNotPublished);
    let mut start = manual(
        &flow.id,
        RunContact::Test(TestContact {
            name: "Tester".into(),
            phone: "+5511900000000".into(),
            email: None,
            custom_fields: Map::new(),
        }),
    );
    start.source = RunSource::Draft;
    let run = rig.runtime.start(&rig.db, start).await.unwrap();
    assert!(run.test);
    assert_eq!(run.version, 0);
    assert_eq!(rig.sent(&run.id).await, ["Hi Tester!", "Your email?"]);
    rig.runtime
        .resume(&rig.db, &run.id, reply("t@e.st"), None)
        .await
        .unwrap();
    let r = rig.db.get_run(&run.id).await.unwrap();
    assert_eq!(r.status, "completed");
    // Contact effects of a test run are recorded, not applied.
    let effects = rig.db.run_effects(&run.id, false).await.unwrap();
    let tag = effects.iter().find(|e| e.kind == "add_tag").unwrap();
    assert!(tag.result.as_deref().unwrap().contains("test contact"));
    assert!(rig.db.list_tags().await.unwrap().is_empty());
}

#[tokio::test]
async fn concurrent_replies_to_one_wait_advance_the_run_once() {
    let rig = Rig::new(RuntimeOptions::default()).await;
    let flow = rig
        .publish(
            "once",
            line(&[
                (
                    "ask",
                    "messaging.ask",
                    json!({ "question": "?", "variable": "a" }),
                ),
                (
                    "ok",
                    "messaging.send_text",
                    json!({ "text": "got {{vars.a}}" }),
                ),
            ]),
        )
        .await;
    for round in 0..10 {
        let run = rig
            .runtime
            .start(&rig.db, manual(&flow, rig.someone().await))
            .await
            .unwrap();
        let seq = run.seq;
        let (a, b) = tokio::join!(
            rig.runtime
                .resume(&rig.db, &run.id, reply("first"), Some(seq)),
            rig.runtime
                .resume(&rig.db, &run.id, reply("second"), Some(seq)),
        );
        let advanced = [a.unwrap(), b.unwrap()]
            .into_iter()
            .filter(|s| matches!(s, Stepped::Advanced(_)))
            .count();
        assert_eq!(advanced, 1, "round {round}");
        let sent = rig.sent(&run.id).await;
        assert_eq!(sent.len(), 2, "round {round}: {sent:?}");
        let steps = rig.db.run_steps(&run.id).await.unwrap();
        assert_eq!(steps.iter().filter(|s| s.node == "ok").count(), 1);
    }
}

#[tokio::test]
async fn a_sub_flow_runs_for_the_same_contact_and_hands_back_its_variables() {
    let rig = Rig::new(RuntimeOptions::default()).await;
    let child = rig
        .publish(
            "greeter",
            line(&[(
                "greet",
                "logic.set_variable",
                json!({ "name": "greeting", "value": "\"Hello \" + vars.name + \" (\" + contact.name + \")\"", "expression": true }),
            )]),
        )
        .await;
    let parent_doc = |target: &str| {
        json!({
            "nodes": [
                { "id": "start", "type": "trigger.manual" },
                { "id": "call", "type": "logic.subflow", "config": { "flow_id": target, "inputs": { "name": "{{vars.who}}" } } },
                { "id": "ok", "type": "messaging.send_text", "config": { "text": "{{vars.subflow.greeting}}" } },
                { "id": "ko", "type": "messaging.send_text", "config": { "text": "failed: {{vars.subflow.error}}" } }
            ],
            "edges": [
                { "id": "a", "source": "start", "target": "call" },
                { "id": "b", "source": "call", "source_port": "done", "target": "ok" },
                { "id": "c", "source": "call", "source_port": "failed", "target": "ko" }
            ]
        })
    };
    let parent = rig.publish("caller", parent_doc(&child)).await;
    let contact = rig.contact("Eva", "+5511912345678").await;
    let mut start = manual(&parent, RunContact::Stored(contact.clone()));
    start.vars.insert("who".into(), json!("world"));
    let run = rig.runtime.start(&rig.db, start).await.unwrap();
    assert_eq!(run.status, "waiting");
    let done = rig.until(&run.id, |r| r.status == "completed").await;
    assert_eq!(rig.sent(&done.id).await, ["Hello world (Eva)"]);
    let children = rig
        .db
        .list_runs(&tucan_store::RunQuery {
            flow_id: Some(child.clone()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(children.len(), 1);
    assert_eq!(children[0].parent_run.as_deref(), Some(run.id.as_str()));
    assert_eq!(children[0].contact_id.as_deref(), Some(contact.as_str()));

    // Calling a flow that was never published takes the failed port with the reason.
    let draft = rig
        .db
        .create_flow("unpublished", "", &line(&[]).to_string())
        .await
        .unwrap();
    let broken = rig.publish("broken caller", parent_doc(&draft.id)).await;
    let run = rig
        .runtime
        .start(&rig.db, manual(&broken, rig.someone().await))
        .await
        .unwrap();
    let done = rig.until(&run.id, |r| r.status == "completed").await;
    assert_eq!(
        rig.sent(&done.id).await,
        ["failed: the flow has no published version"]
    );
}

#[tokio::test]
async fn a_flow_calling_itself_stops_at_the_depth_limit() {
    let rig = Rig::new(RuntimeOptions::default()).await;
    let flow = rig
        .db
        .create_flow("recursive", "", "{\"nodes\":[]}")
        .await
        .unwrap();
    let doc: tucan_engine::FlowDocument = serde_json::from_value(json!({
        "nodes": [
            { "id": "start", "type": "trigger.manual" },
            { "id": "again", "type": "logic.subflow", "config": { "flow_id": flow.id } },
            { "id": "deepest", "type": "messaging.send_text", "config": { "text": "{{vars.subflow.error}}" } }
        ],
        "edges": [
            { "id": "a", "source": "start", "target": "again" },
            { "id": "b", "source": "again", "source_port": "failed", "target": "deepest" }
        ]
    }))
    .unwrap();
    let text = serde_json::to_string(&doc).unwrap();
    rig.db
        .update_flow(&flow.id, None, None, Some(&text))
        .await
        .unwrap();
    rig.db
        .publish_flow(&flow.id, &text, &doc.content_hash(), "t")
        .await
        .unwrap();
    rig.runtime.forget_published(rig.db.tenant_id());
    let run = rig
        .runtime
        .start(&rig.db, manual(&flow.id, rig.someone().await))
        .await
        .unwrap();
    rig.until(&run.id, |r| r.status == "completed").await;
    let runs = rig
        .db
        .list_runs(&tucan_store::RunQuery {
            flow_id: Some(flow.id.clone()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(runs.len(), 9, "the caller and eight nested calls");
    let deepest = runs.iter().find(|r| r.depth == 8).unwrap();
    assert_eq!(
        rig.sent(&deepest.id).await,
        ["sub-flows nest at most 8 deep"]
    );
    assert!(runs.iter().all(|r| r.status == "completed"));
}

#[tokio::test]
async fn cancelling_a_called_flow_hands_failed_back_to_its_caller() {
    let rig = Rig::new(RuntimeOptions::default()).await;
    let child = rig
        .publish(
            "asks",
            line(&[(
                "q",
                "messaging.ask",
                json!({ "question": "Anything else?", "variable": "x" }),
            )]),
        )
        .await;
    let parent = rig
        .publish(
            "calls",
            json!({
                "nodes": [
                    { "id": "start", "type": "trigger.manual" },
                    { "id": "call", "type": "logic.subflow", "config": { "flow_id": child } },
                    { "id": "ko", "type": "messaging.send_text", "config": { "text": "the call ended {{vars.subflow.x}}" } }
                ],
                "edges": [
                    { "id": "a", "source": "start", "target": "call" },
                    { "id": "b", "source": "call", "source_port": "failed", "target": "ko" }
                ]
            }),
        )
        .await;
    let run = rig
        .runtime
        .start(&rig.db, manual(&parent, rig.someone().await))
        .await
        .unwrap();
    let query = tucan_store::RunQuery {
        flow_id: Some(child.clone()),
        limit: 5,
        ..Default::default()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let called = loop {
        if let Some(r) = rig.db.list_runs(&query).await.unwrap().into_iter().next() {
            break r;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the child never started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let called = rig.until(&called.id, |r| r.status == "waiting").await;
    let cancelled = rig.runtime.cancel(&rig.db, &called.id).await.unwrap();
    assert_eq!(cancelled.status, "cancelled");
    // The cancel is a step of its own: an answer to the old wait no longer fits.
    assert!(cancelled.seq > called.seq);
    let done = rig.until(&run.id, |r| r.status == "completed").await;
    assert_eq!(rig.sent(&done.id).await, ["the call ended "]);
}

#[tokio::test]
async fn a_message_of_a_run_with_a_ticket_waits_for_the_inbox_and_never_passes_for_sent() {
    let rig = Rig::new(RuntimeOptions::default()).await;
    let flow = rig
        .publish(
            "hello",
            line(&[("hello", "messaging.send_text", json!({ "text": "Olá!" }))]),
        )
        .await;
    let contact = rig.contact("Ana", "+5511987654321").await;
    let mut start = manual(&flow, RunContact::Stored(contact));
    start.ticket_id = Some(tucan_model::ids::new_id());
    let run = rig.runtime.start(&rig.db, start).await.unwrap();
    assert_eq!(run.status, "completed");
    // This runtime's inbox is gone: the message stays pending for a later attempt, and the
    // run's release of the ticket after it.
    let pending = rig.db.run_effects(&run.id, true).await.unwrap();
    assert_eq!(pending.len(), 2, "{pending:?}");
    assert_eq!(pending[0].kind, "send_text");
    assert!(pending[0].result.is_none());
    assert_eq!(pending[1].kind, "release");
    assert_eq!(rig.db.run_effects(&run.id, false).await.unwrap().len(), 2);
}
