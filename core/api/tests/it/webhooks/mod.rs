//! Outgoing webhooks end to end: events a company subscribes to reach a local receiver
//! signed as Standard Webhooks says, with filters, retries on the schedule, 410 turning an
//! endpoint off, secret rotation, the delivery log and redelivery; only admins of companies
//! whose plan has webhooks manage them, and other companies see none.

mod receiver;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, TestTenant, assert_error};
use crate::inbox::{customer_says, drain, eventually, simulator, socket, subscribe, wait_event};
use receiver::Receiver;

async fn endpoint(app: &TestApp, t: &TestTenant, body: Value) -> (String, String) {
    let (status, made) = app.post("/api/webhooks", &t.admin_token, body).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let secret = made["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"), "{made}");
    (made["endpoint"]["id"].as_str().unwrap().to_string(), secret)
}

async fn deliveries(app: &TestApp, t: &TestTenant, id: &str) -> Vec<Value> {
    let (status, page) = app
        .get(&format!("/api/webhooks/{id}/deliveries"), &t.admin_token)
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn subscribed_events_arrive_signed_and_filtered() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let conn = simulator(&app, &t, "+551130000061", json!({})).await;
    let other = simulator(&app, &t, "+551130000062", json!({})).await;
    let rx = Receiver::start().await;
    let elsewhere = Receiver::start().await;
    let (id, secret) = endpoint(
        &app,
        &t,
        json!({ "url": rx.url, "description": "CRM", "events": ["contact.created", "ticket.created", "message.received", "message.sent"] }),
    )
    .await;
    // Only the other number's events: none of these.
    endpoint(
        &app,
        &t,
        json!({ "url": elsewhere.url, "events": ["*"], "connection_id": other }),
    )
    .await;
    let (_, list) = app.get("/api/webhooks", &t.admin_token).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert!(list[0].get("secret").is_none(), "{list}");

    customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "5511922220001", "name": "Lia", "text": "Quero um orçamento" }),
    )
    .await;
    let calls = rx.wait_calls(3).await;
    for call in &calls {
        assert!(call.signed_by(&secret), "{call:?}");
        assert!((chrono::Utc::now().timestamp() - call.timestamp).abs() < 60);
    }
    let received = rx.of_type("message.received");
    assert_eq!(received.len(), 1, "{calls:?}");
    let body = received[0].json();
    assert_eq!(body["data"]["message"]["body"], "Quero um orçamento");
    assert!(body["timestamp"].is_string());
    assert_eq!(
        rx.of_type("contact.created")[0].json()["data"]["contact"]["name"],
        "Lia"
    );
    let ticket = rx.of_type("ticket.created")[0].json()["data"]["ticket"].clone();
    assert_eq!(ticket["connection_id"], conn.as_str());

    // An agent's answer goes out: message.sent.
    let ticket_id = ticket["id"].as_str().unwrap();
    let (status, _) = app
        .post(
            &format!("/api/tickets/{ticket_id}/messages"),
            &t.admin_token,
            json!({ "body": "Claro!" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    rx.wait_calls(4).await;
    let sent = rx.of_type("message.sent");
    assert_eq!(sent[0].json()["data"]["message"]["body"], "Claro!");
    // Each call has its own id; the log says how each went.
    let ids: std::collections::BTreeSet<String> = rx.calls().iter().map(|c| c.id.clone()).collect();
    assert_eq!(ids.len(), 4);
    let log = eventually(
        &app,
        &format!("/api/webhooks/{id}/deliveries"),
        &t.admin_token,
        |p| {
            p["items"]
                .as_array()
                .is_some_and(|i| i.len() == 4 && i.iter().all(|d| d["status"] == "succeeded"))
        },
    )
    .await;
    assert_eq!(log["items"][0]["response_status"], 200);
    assert_eq!(log["items"][0]["attempts"], 1);
    assert!(elsewhere.calls().is_empty(), "{:?}", elsewhere.calls());
}

#[tokio::test]
async fn failures_are_retried_410_turns_off_and_secrets_rotate() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let rx = Receiver::start().await;
    let (id, secret) = endpoint(
        &app,
        &t,
        json!({ "url": rx.url, "events": ["contact.created"] }),
    )
    .await;

    // Two failures, then success: the third attempt delivers the same event.
    rx.answer(&[500, 503]);
    let (status, _) = app
        .post(
            &format!("/api/webhooks/{id}/test"),
            &t.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let calls = rx.wait_calls(3).await;
    assert!(calls.iter().all(|c| c.id == calls[0].id), "{calls:?}");
    assert_eq!(calls[0].json()["type"], "webhook.test");
    let log = eventually(
        &app,
        &format!("/api/webhooks/{id}/deliveries"),
        &t.admin_token,
        |p| p["items"][0]["status"] == "succeeded",
    )
    .await;
    assert_eq!(log["items"][0]["attempts"], 3);

    // Rotation: for the overlap, both secrets sign.
    let (status, rotated) = app
        .post(
            &format!("/api/webhooks/{id}/rotate-secret"),
            &t.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let new_secret = rotated["secret"].as_str().unwrap().to_string();
    assert_ne!(new_secret, secret);
    let (status, _) = app
        .post(
            "/api/contacts",
            &t.admin_token,
            json!({ "name": "Rui", "phone": "+5511922220002" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let call = rx.wait_calls(4).await[3].clone();
    assert_eq!(call.json()["type"], "contact.created");
    assert_eq!(call.signatures.len(), 2, "{call:?}");
    assert!(call.signed_by(&new_secret) && call.signed_by(&secret));

    // Sent again by hand: same event id, a delivery of its own.
    let first = deliveries(&app, &t, &id).await[0].clone();
    let (status, again) = app
        .post(
            &format!(
                "/api/webhooks/{id}/deliveries/{}/redeliver",
                first["id"].as_str().unwrap()
            ),
            &t.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    let calls = rx.wait_calls(5).await;
    assert_eq!(calls[4].id, first["event_id"].as_str().unwrap());

    // 410: the receiver wants no more; the endpoint is turned off and says why, and the
    // company's admins are told in the app (live on the socket, and in the list of notices).
    let mut ws = socket(&app, &t.admin_token).await;
    subscribe(
        &mut ws,
        json!({ "type": "subscribe", "id": "n", "view": "notices" }),
    )
    .await;
    let (_, agent) = app.user(&t, "agent").await;
    let mut agent_ws = socket(&app, &agent).await;
    subscribe(
        &mut agent_ws,
        json!({ "type": "subscribe", "id": "n", "view": "notices" }),
    )
    .await;
    rx.answer(&[410]);
    app.post(
        "/api/contacts",
        &t.admin_token,
        json!({ "name": "Bia", "phone": "+5511922220003" }),
    )
    .await;
    let off = eventually(&app, &format!("/api/webhooks/{id}"), &t.admin_token, |e| {
        e["enabled"] == false
    })
    .await;
    assert!(
        off["disabled_reason"].as_str().unwrap().contains("410"),
        "{off}"
    );
    let live = wait_event(&mut ws, "notice", |e| e["kind"] == "notice").await;
    assert_eq!(live["data"]["kind"], "webhook_disabled", "{live}");
    assert_eq!(live["data"]["reason"], "gone", "{live}");
    assert_eq!(live["data"]["subject_id"], id.as_str(), "{live}");
    assert_eq!(live["data"]["subject"], rx.url.as_str(), "{live}");
    assert!(
        drain(&mut agent_ws, std::time::Duration::from_millis(300))
            .await
            .is_empty(),
        "agents hear no notices"
    );
    let (status, notices) = app.get("/api/notices", &t.admin_token).await;
    assert_eq!(status, StatusCode::OK, "{notices}");
    assert_eq!(notices.as_array().unwrap().len(), 1, "{notices}");
    let notice = notices[0]["id"].as_str().unwrap().to_string();
    assert_eq!(notices[0]["id"], live["data"]["id"]);
    assert_eq!(notices[0]["reason"], "gone");
    assert_error(&app.get("/api/notices", &agent).await, 403, "FORBIDDEN");
    // Another company sees none and cannot dismiss this one.
    let other = app.tenant("other").await;
    let (_, theirs) = app.get("/api/notices", &other.admin_token).await;
    assert_eq!(theirs, json!([]));
    let path = format!("/api/notices/{notice}/dismiss");
    assert_error(
        &app.post(&path, &other.admin_token, json!({})).await,
        404,
        "NOTICE_NOT_FOUND",
    );
    assert_error(&app.post(&path, &agent, json!({})).await, 403, "FORBIDDEN");
    assert_error(
        &app.post("/api/notices/nope/dismiss", &t.admin_token, json!({}))
            .await,
        404,
        "NOTICE_NOT_FOUND",
    );
    for _ in 0..2 {
        let (status, _) = app.post(&path, &t.admin_token, json!({})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let (_, notices) = app.get("/api/notices", &t.admin_token).await;
    assert_eq!(notices, json!([]));
    app.post(
        "/api/contacts",
        &t.admin_token,
        json!({ "name": "Caio", "phone": "+5511922220004" }),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(rx.calls().len(), 6, "nothing after the 410");
    // Turned on again, it works and the reason is gone.
    let (status, on) = app
        .patch(
            &format!("/api/webhooks/{id}"),
            &t.admin_token,
            json!({ "enabled": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{on}");
    assert!(on["disabled_reason"].is_null(), "{on}");
}

#[tokio::test]
async fn flow_runs_are_announced() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let rx = Receiver::start().await;
    endpoint(
        &app,
        &t,
        json!({ "url": rx.url, "events": ["flow.run.completed", "flow.run.failed"] }),
    )
    .await;
    let doc = json!({
        "nodes": [
            { "id": "start", "type": "trigger.manual" },
            { "id": "set", "type": "logic.set_variable", "config": { "name": "x", "value": "1" } }
        ],
        "edges": [{ "id": "e", "source": "start", "target": "set" }]
    });
    let flow_id = app.publish_flow(&t, "Calc", doc).await;
    let (status, run) = app
        .post(
            &format!("/api/flows/{flow_id}/runs"),
            &t.admin_token,
            json!({}),
        )
        .await;
    assert!(status.is_success(), "{run}");
    let call = rx.wait_calls(1).await[0].json();
    assert_eq!(call["type"], "flow.run.completed");
    assert_eq!(call["data"]["run"]["flow_id"], flow_id);
}

#[tokio::test]
async fn only_admins_on_plans_with_webhooks_manage_them_and_each_company_its_own() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let other = app.tenant("globex").await;
    let rx = Receiver::start().await;
    let (id, _) = endpoint(&app, &t, json!({ "url": rx.url, "events": ["*"] })).await;
    let (_, agent_tok) = app.user(&t, "agent").await;
    assert_error(
        &app.get("/api/webhooks", &agent_tok).await,
        403,
        "FORBIDDEN",
    );
    let path = format!("/api/webhooks/{id}");
    for result in [
        app.get(&path, &other.admin_token).await,
        app.patch(&path, &other.admin_token, json!({ "enabled": false }))
            .await,
        app.delete(&path, &other.admin_token).await,
        app.post(&format!("{path}/test"), &other.admin_token, json!({}))
            .await,
        app.get(&format!("{path}/deliveries"), &other.admin_token)
            .await,
    ] {
        assert_error(&result, 404, "WEBHOOK_ENDPOINT_NOT_FOUND");
    }
    let (_, theirs) = app.get("/api/webhooks", &other.admin_token).await;
    assert_eq!(theirs, json!([]));
    // Bad input.
    for body in [
        json!({ "url": rx.url, "events": ["ticket.exploded"] }),
        json!({ "url": "ftp://example.com/x", "events": ["*"] }),
        json!({ "url": rx.url, "events": ["*"], "queue_id": "0190f0c0a0b0c0d0e0f0a0b0c0d0e0f0" }),
    ] {
        assert_error(
            &app.post("/api/webhooks", &t.admin_token, body).await,
            400,
            "INVALID_FIELD",
        );
    }
    // A plan without webhooks.
    let plan = app.plan(5, 5, &["webhooks"]).await;
    let basic = app.tenant_on("basic", &plan).await;
    assert_error(
        &app.post(
            "/api/webhooks",
            &basic.admin_token,
            json!({ "url": rx.url, "events": ["*"] }),
        )
        .await,
        403,
        "FEATURE_DISABLED",
    );
    let (status, _) = app.delete(&path, &t.admin_token).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_flow_emits_a_custom_event() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let rx = Receiver::start().await;
    let (_, secret) = endpoint(&app, &t, json!({ "url": rx.url, "events": ["custom.*"] })).await;
    let doc = json!({
        "nodes": [
            { "id": "start", "type": "trigger.manual" },
            { "id": "emit", "type": "integrations.emit_event",
              "config": { "name": "order.paid", "data": { "order": "{{vars.order}}" } } }
        ],
        "edges": [{ "id": "e", "source": "start", "target": "emit" }],
        "variables": [{ "name": "order", "default": "A-77" }]
    });
    let flow_id = app.publish_flow(&t, "Paid", doc).await;
    let (status, run) = app
        .post(
            &format!("/api/flows/{flow_id}/runs"),
            &t.admin_token,
            json!({}),
        )
        .await;
    assert!(status.is_success(), "{run}");
    let call = rx.wait_calls(1).await[0].clone();
    assert!(call.signed_by(&secret));
    assert!(call.id.starts_with("evt_"), "{call:?}");
    let body = call.json();
    assert_eq!(body["type"], "custom.order.paid");
    assert_eq!(body["data"]["data"]["order"], "A-77");
    // A name that is not one is refused when the flow is published.
    let bad = json!({
        "nodes": [
            { "id": "start", "type": "trigger.manual" },
            { "id": "emit", "type": "integrations.emit_event", "config": { "name": "Order Paid" } }
        ],
        "edges": [{ "id": "e", "source": "start", "target": "emit" }]
    });
    let (_, flow) = app
        .post(
            "/api/flows",
            &t.admin_token,
            json!({ "name": "Bad", "document": bad }),
        )
        .await;
    let bad_id = flow["id"].as_str().unwrap();
    let (status, refused) = app
        .post(
            &format!("/api/flows/{bad_id}/publish"),
            &t.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["problems"][0]["field"], "config.name");
}

/// Publish a flow started by an inbound webhook whose steps are `steps` after the trigger
/// (`respond_timeout_ms` on the trigger); returns the hook's URL.
async fn answering_flow(app: &TestApp, t: &TestTenant, wait_ms: u64, steps: Value) -> String {
    let mut nodes = vec![json!({ "id": "hook", "type": "trigger.webhook",
        "config": { "secret": "s3cret-s3cret-s3cret", "respond_timeout_ms": wait_ms } })];
    let mut edges = Vec::new();
    let mut prev = "hook".to_string();
    for (i, step) in steps.as_array().unwrap().iter().enumerate() {
        let id = step["id"].as_str().unwrap().to_string();
        nodes.push(step.clone());
        edges.push(json!({ "id": format!("e{i}"), "source": prev, "target": id }));
        prev = id;
    }
    let doc = json!({ "nodes": nodes, "edges": edges });
    let id = app.publish_flow(t, &format!("API {wait_ms}"), doc).await;
    format!("{}/api/hooks/{}/{id}/hook", app.base, t.id)
}

#[tokio::test]
async fn a_flow_answers_the_call_that_started_it() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let url = answering_flow(
        &app,
        &t,
        5_000,
        json!([
            { "id": "calc", "type": "logic.set_variable",
              "config": { "name": "total", "value": "{{vars.payload.qty}}0" } },
            { "id": "reply", "type": "integrations.respond_webhook",
              "config": { "status": 201, "headers": { "X-Order": "{{vars.payload.order}}" },
                          "body": "{\"order\": \"{{vars.payload.order}}\", \"total\": {{vars.total}}}" } },
            { "id": "after", "type": "logic.set_variable", "config": { "name": "done", "value": "yes" } }
        ]),
    )
    .await;
    let resp = app
        .http
        .post(&url)
        .header("X-Tucan-Secret", "s3cret-s3cret-s3cret")
        .json(&json!({ "order": "A-9", "qty": 4 }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(resp.headers()["x-order"], "A-9");
    assert_eq!(resp.headers()["content-type"], "application/json");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body, json!({ "order": "A-9", "total": 40 }));

    // A flow that answers too late: the call gets 202 with the run, which goes on.
    let slow = answering_flow(
        &app,
        &t,
        300,
        json!([
            { "id": "pause", "type": "logic.wait", "config": { "seconds": 1 } },
            { "id": "reply", "type": "integrations.respond_webhook", "config": { "body": "{}" } }
        ]),
    )
    .await;
    let started = std::time::Instant::now();
    let resp = app
        .http
        .post(&slow)
        .header("X-Tucan-Secret", "s3cret-s3cret-s3cret")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    let accepted: Value = resp.json().await.unwrap();
    let run_id = accepted["run_id"].as_str().unwrap();
    let run = eventually(&app, &format!("/api/runs/{run_id}"), &t.admin_token, |r| {
        r["run"]["status"] == "completed"
    })
    .await;
    assert_eq!(run["run"]["status"], "completed");
}

#[tokio::test]
async fn inbound_calls_may_be_signed_and_are_limited() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let flow = |auth: &str, secret: &str, limit: u32| {
        json!({
            "nodes": [
                { "id": "hook", "type": "trigger.webhook",
                  "config": { "secret": secret, "auth": auth, "rate_limit_per_minute": limit } },
                { "id": "set", "type": "logic.set_variable", "config": { "name": "x", "value": "1" } }
            ],
            "edges": [{ "id": "e", "source": "hook", "target": "set" }]
        })
    };
    let mut urls = Vec::new();
    for (name, doc) in [
        ("std", flow("standard_webhooks", secret, 0)),
        ("gh", flow("github", "a-github-secret-1234", 0)),
        ("limited", flow("secret", "s3cret-s3cret-s3cret", 2)),
    ] {
        let id = app.publish_flow(&t, name, doc).await;
        urls.push(format!("{}/api/hooks/{}/{id}/hook", app.base, t.id));
    }
    let body = r#"{"order": "A-1"}"#;
    let post = |url: &str, headers: Vec<(&'static str, String)>| {
        let mut req = app
            .http
            .post(url)
            .header("content-type", "application/json")
            .body(body);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        async move { req.send().await.unwrap().status() }
    };

    // Standard Webhooks: signed with the secret (computed here from the specification).
    let now = chrono::Utc::now().timestamp();
    let sig = |ts: i64| {
        let call = receiver::Call {
            id: "msg_1".into(),
            timestamp: ts,
            signatures: Vec::new(),
            body: body.into(),
        };
        call.signature_with(secret)
    };
    let std_headers = |ts: i64, s: String| {
        vec![
            ("webhook-id", "msg_1".to_string()),
            ("webhook-timestamp", ts.to_string()),
            ("webhook-signature", s),
        ]
    };
    assert_eq!(
        post(&urls[0], std_headers(now, sig(now))).await,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        post(&urls[0], std_headers(now, format!("v1,{}", "A".repeat(44)))).await,
        StatusCode::UNAUTHORIZED
    );
    // A signature from long ago is refused (a replay).
    let old = now - 3600;
    assert_eq!(
        post(&urls[0], std_headers(old, sig(old))).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(post(&urls[0], Vec::new()).await, StatusCode::UNAUTHORIZED);

    // GitHub style: sha256=<hex HMAC of the body>.
    let gh = format!(
        "sha256={}",
        hex::encode(receiver::hmac_sha256(
            b"a-github-secret-1234",
            body.as_bytes()
        ))
    );
    assert_eq!(
        post(&urls[1], vec![("X-Hub-Signature-256", gh)]).await,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        post(&urls[1], vec![("X-Hub-Signature-256", "sha256=00".into())]).await,
        StatusCode::UNAUTHORIZED
    );

    // Two calls a minute, then 429.
    let secret_header = || vec![("X-Tucan-Secret", "s3cret-s3cret-s3cret".to_string())];
    assert_eq!(post(&urls[2], secret_header()).await, StatusCode::ACCEPTED);
    assert_eq!(post(&urls[2], secret_header()).await, StatusCode::ACCEPTED);
    assert_eq!(
        post(&urls[2], secret_header()).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}
