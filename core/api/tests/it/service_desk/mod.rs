//! The company writes first: agents starting conversations, API clients sending to a number
//! once per `Idempotency-Key`, and flow runs without a ticket that talk (or fail visibly).
//! Its settings in effect are in `settings.rs`.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, TestTenant, assert_error};
use crate::inbox::{eventually, queue, simulator};

/// What the simulated phone of `digits` received on `conn`, oldest first.
pub(super) async fn phone_got(
    app: &TestApp,
    t: &TestTenant,
    conn: &str,
    digits: &str,
    n: usize,
) -> Vec<String> {
    let path = format!("/api/connections/{conn}/simulator/chats/{digits}");
    let chat = eventually(app, &path, &t.admin_token, |c| {
        c.as_array()
            .is_some_and(|m| m.iter().filter(|m| m["direction"] == "out").count() >= n)
    })
    .await;
    chat.as_array()
        .unwrap()
        .iter()
        .filter(|m| m["direction"] == "out")
        .map(|m| m["body"].as_str().unwrap().to_string())
        .collect()
}

pub(super) async fn settings(app: &TestApp, t: &TestTenant, body: Value) {
    let (status, out) = app.patch("/api/settings", &t.admin_token, body).await;
    assert_eq!(status, StatusCode::OK, "{out}");
}

#[tokio::test]
async fn an_agent_writes_first_and_gets_the_ticket() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let conn = simulator(&app, &t, "+551130000001", json!({})).await;
    let (agent, agent_tok) = app.user(&t, "agent").await;
    let (_, other_tok) = app.user(&t, "agent").await;

    let start = |token: &str, body: Value| {
        let token = token.to_string();
        let app = &app;
        async move { app.post("/api/tickets", &token, body).await }
    };
    let (status, started) = start(
        &agent_tok,
        json!({ "connection_id": conn, "phone": "(11) 98765-4321", "name": "Bia", "body": "Oi Bia, seu pedido chegou" }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{started}");
    assert_eq!(started["opened"], true);
    let ticket = &started["ticket"];
    assert_eq!(ticket["status"], "open");
    assert_eq!(ticket["user_id"], agent.as_str());
    assert_eq!(ticket["contact_phone"], "+5511987654321");
    assert_eq!(ticket["contact_name"], "Bia");
    assert_eq!(started["message"]["body"], "Oi Bia, seu pedido chegou");
    let ticket_id = ticket["id"].as_str().unwrap().to_string();
    assert_eq!(
        phone_got(&app, &t, &conn, "5511987654321", 1).await,
        ["Oi Bia, seu pedido chegou"]
    );
    // The agent sees it as theirs.
    let (_, mine) = app.get("/api/tickets?status=open", &agent_tok).await;
    assert_eq!(mine["items"][0]["id"], ticket_id.as_str());

    // Writing first again finds the same ticket; another agent may not take it over.
    let (status, again) = start(
        &agent_tok,
        json!({ "connection_id": conn, "contact_id": ticket["contact_id"], "body": "Mais uma coisa" }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_eq!(again["opened"], false);
    assert_eq!(again["ticket"]["id"], ticket_id.as_str());
    assert_error(
        &start(
            &other_tok,
            json!({ "connection_id": conn, "phone": "+5511987654321", "body": "Oi" }),
        )
        .await,
        409,
        "TICKET_STATE",
    );

    // Bad requests: both a phone and a contact, neither, no message, an unknown number.
    let both = json!({ "connection_id": conn, "phone": "+5511987654321", "contact_id": ticket["contact_id"], "body": "x" });
    assert_error(&start(&agent_tok, both).await, 400, "INVALID_FIELD");
    let neither = json!({ "connection_id": conn, "body": "x" });
    assert_error(&start(&agent_tok, neither).await, 400, "INVALID_FIELD");
    let empty = json!({ "connection_id": conn, "phone": "+5511911112222" });
    assert_error(&start(&agent_tok, empty).await, 400, "INVALID_FIELD");
    let nowhere = json!({ "connection_id": "0190f0f0f0f07000800000000000000a", "phone": "+5511911112222", "body": "x" });
    assert_error(
        &start(&agent_tok, nowhere).await,
        404,
        "CONNECTION_NOT_FOUND",
    );
    let bad_phone = json!({ "connection_id": conn, "phone": "12", "body": "x" });
    assert_error(&start(&agent_tok, bad_phone).await, 400, "INVALID_PHONE");

    // Another company can neither use this number nor see the ticket.
    let b = app.tenant("other").await;
    let theirs = json!({ "connection_id": conn, "phone": "+5511911112222", "body": "x" });
    assert_error(
        &start(&b.admin_token, theirs).await,
        404,
        "CONNECTION_NOT_FOUND",
    );
    let (_, seen) = app.get("/api/tickets", &b.admin_token).await;
    assert_eq!(seen["items"], json!([]));
}

#[tokio::test]
async fn an_api_client_sends_to_a_number_once_per_idempotency_key() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let sales = queue(&app, &t, "Vendas", &[], "manual").await;
    let conn = simulator(
        &app,
        &t,
        "+551130000002",
        json!({ "default_queue_id": sales }),
    )
    .await;
    let (status, key) = app
        .post(
            "/api/api-keys",
            &t.admin_token,
            json!({ "name": "ERP", "scopes": ["tickets:write", "tickets:read"] }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    let secret = key["secret"].as_str().unwrap().to_string();
    let send = |idem: Option<&str>, body: Value| {
        let mut req = app
            .http
            .post(format!("{}/api/messages", app.base))
            .bearer_auth(&secret)
            .json(&body);
        if let Some(k) = idem {
            req = req.header("Idempotency-Key", k);
        }
        async move { crate::harness::decode(req.send().await.unwrap()).await }
    };
    let order = json!({ "connection_id": conn, "to": "+55 11 97777-1234", "name": "Caio", "body": "Pedido 881 enviado" });

    let (status, first) = send(Some("order-881"), order.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["replayed"], false);
    // A retried call sends nothing again and answers the same message.
    let (status, retried) = send(Some("order-881"), order.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{retried}");
    assert_eq!(retried["replayed"], true);
    assert_eq!(retried["message"]["id"], first["message"]["id"]);
    // The same key with another request is refused.
    let mut other = order.clone();
    other["body"] = json!("Pedido 882 enviado");
    assert_error(
        &send(Some("order-881"), other.clone()).await,
        409,
        "IDEMPOTENCY_KEY_REUSED",
    );
    assert_error(
        &send(Some(&"k".repeat(201)), other.clone()).await,
        400,
        "INVALID_PARAM",
    );
    // Without a key, each call sends.
    let (status, _) = send(None, other).await;
    assert_eq!(status, StatusCode::CREATED);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        phone_got(&app, &t, &conn, "5511977771234", 2).await,
        ["Pedido 881 enviado", "Pedido 882 enviado"]
    );
    // The ticket waits in the number's queue for an agent.
    let ticket_id = first["ticket_id"].as_str().unwrap();
    let (_, ticket) = app
        .get(&format!("/api/tickets/{ticket_id}"), &t.admin_token)
        .await;
    assert_eq!(ticket["status"], "pending");
    assert_eq!(ticket["queue_id"], sales.as_str());
    assert_eq!(ticket["contact_name"], "Caio");

    // Another company's key reaches neither the number nor the first call's answer.
    let b = app.tenant("other").await;
    let (_, b_key) = app
        .post(
            "/api/api-keys",
            &b.admin_token,
            json!({ "name": "B", "scopes": ["tickets:write"] }),
        )
        .await;
    let b_secret = b_key["secret"].as_str().unwrap();
    let theirs = app
        .http
        .post(format!("{}/api/messages", app.base))
        .bearer_auth(b_secret)
        .header("Idempotency-Key", "order-881")
        .json(&order)
        .send()
        .await
        .unwrap();
    assert_error(
        &crate::harness::decode(theirs).await,
        404,
        "CONNECTION_NOT_FOUND",
    );
}

#[tokio::test]
async fn a_text_outside_the_window_opens_no_ticket() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let fake =
        crate::graph_fake::GraphFake::start(crate::cloud_api::TOKEN, crate::cloud_api::NUMBER_ID)
            .await;
    let conn = crate::cloud_api::cloud_connection(&app, &t, &fake).await;
    let refused = app
        .post(
            "/api/tickets",
            &t.admin_token,
            json!({ "connection_id": conn["id"], "phone": "+5511912345678", "body": "Oi!" }),
        )
        .await;
    assert_error(&refused, 409, "WINDOW_CLOSED");
    let (_, tickets) = app.get("/api/tickets", &t.admin_token).await;
    assert_eq!(tickets["items"], json!([]));
    // An approved template opens it.
    fake.add_template("boas_vindas", "pt_BR", "APPROVED", "Olá {{1}}!");
    let conn_id = conn["id"].as_str().unwrap();
    app.post(
        &format!("/api/connections/{conn_id}/templates/sync"),
        &t.admin_token,
        json!({}),
    )
    .await;
    let (status, started) = app
        .post(
            "/api/tickets",
            &t.admin_token,
            json!({ "connection_id": conn_id, "phone": "+5511912345678",
                    "template": { "name": "boas_vindas", "language": "pt_BR", "variables": ["Bia"] } }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{started}");
    assert_eq!(started["message"]["body"], "Olá Bia!");
    let sent = fake.wait_sent(1, Duration::from_secs(10)).await;
    assert_eq!(sent[0].kind, "template");
}

/// Publish a flow started by an inbound webhook for the payload's contact; returns the
/// webhook's URL.
async fn webhook_flow(
    app: &TestApp,
    t: &TestTenant,
    name: &str,
    steps: Value,
    edges: Value,
) -> String {
    let mut nodes = vec![
        json!({ "id": "hook", "type": "trigger.webhook", "config": { "secret": "s3cret-s3cret-s3cret" } }),
    ];
    nodes.extend(steps.as_array().unwrap().iter().cloned());
    let doc = json!({ "nodes": nodes, "edges": edges });
    let id = app.publish_flow(t, name, doc).await;
    format!("{}/api/hooks/{}/{id}/hook", app.base, t.id)
}

async fn call_hook(app: &TestApp, url: &str, phone: &str) -> String {
    let resp = app
        .http
        .post(url)
        .header("X-Tucan-Secret", "s3cret-s3cret-s3cret")
        .json(&json!({ "contact": { "phone": phone, "name": "Rita" } }))
        .send()
        .await
        .unwrap();
    let (status, body) = crate::harness::decode(resp).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    body["run_id"].as_str().unwrap().to_string()
}

async fn run_ends(app: &TestApp, t: &TestTenant, run_id: &str) -> Value {
    eventually(app, &format!("/api/runs/{run_id}"), &t.admin_token, |r| {
        matches!(
            r["run"]["status"].as_str(),
            Some("completed" | "failed" | "cancelled")
        )
    })
    .await
}

#[tokio::test]
async fn a_run_without_a_ticket_talks_or_fails_visibly() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let send = json!([{ "id": "say", "type": "messaging.send_text", "config": { "text": "Seu boleto vence amanhã, {{contact.name}}" } }]);
    let url = webhook_flow(
        &app,
        &t,
        "Aviso",
        send,
        json!([{ "id": "e", "source": "hook", "target": "say" }]),
    )
    .await;

    // No number to write from: the run fails and says why.
    let run = run_ends(&app, &t, &call_hook(&app, &url, "+5511966665555").await).await;
    assert_eq!(run["run"]["status"], "failed", "{run}");
    assert!(
        run["run"]["error"].as_str().unwrap().contains("no number"),
        "{run}"
    );

    // With the company's one number, the message goes on a ticket opened for it.
    let conn = simulator(&app, &t, "+551130000003", json!({})).await;
    let run = run_ends(&app, &t, &call_hook(&app, &url, "+5511966665555").await).await;
    assert_eq!(run["run"]["status"], "completed", "{run}");
    assert_eq!(
        phone_got(&app, &t, &conn, "5511966665555", 1).await,
        ["Seu boleto vence amanhã, Rita"]
    );
    let (_, tickets) = app.get("/api/tickets", &t.admin_token).await;
    let items = tickets["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{tickets}");
    assert_eq!(items[0]["status"], "pending");

    // A step whose effect cannot be carried out fails the run, not "completed".
    let route = json!([{ "id": "route", "type": "tickets.route_to_queue", "config": { "queue": "Não existe" } }]);
    let url = webhook_flow(
        &app,
        &t,
        "Encaminhar",
        route,
        json!([{ "id": "e", "source": "hook", "target": "route" }]),
    )
    .await;
    let run = run_ends(&app, &t, &call_hook(&app, &url, "+5511966665555").await).await;
    assert_eq!(run["run"]["status"], "failed", "{run}");
    assert!(
        run["run"]["error"].as_str().unwrap().contains("Não existe"),
        "{run}"
    );
}

mod details;
mod quick_replies;
mod schedules;
mod settings;
mod wallets;
