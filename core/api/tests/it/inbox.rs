//! The shared inbox end to end over HTTP and the websocket, with the simulator playing the
//! customers: tickets arrive live in the right queue, agents accept, answer and close,
//! receipts flow back; duplicates, visibility across queues and tenants, resume after a
//! drop. (Flows routing to queues, assignment strategies and the other ticket actions are in
//! `inbox_desk.rs`.)

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::harness::{TestApp, TestTenant, assert_error};

pub(crate) type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub(crate) async fn socket(app: &TestApp, token: &str) -> Socket {
    let url = format!("{}/api/ws?token={token}", app.ws_base);
    let (ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("websocket");
    ws
}

async fn send(ws: &mut Socket, msg: Value) {
    ws.send(WsMessage::Text(msg.to_string().into()))
        .await
        .unwrap();
}

/// Subscribe and wait for the server's confirmation; returns what it replayed first.
pub(crate) async fn subscribe(ws: &mut Socket, msg: Value) -> Vec<Value> {
    let id = msg["id"].clone();
    send(ws, msg).await;
    let mut replayed = Vec::new();
    loop {
        let m = next(ws, Duration::from_secs(5)).await.expect("subscribed");
        if m["type"] == "subscribed" && m["sub"] == id {
            return replayed;
        }
        replayed.push(m);
    }
}

/// The next message from the server, or `None` after `wait`.
pub(crate) async fn next(ws: &mut Socket, wait: Duration) -> Option<Value> {
    loop {
        match tokio::time::timeout(wait, ws.next()).await {
            Ok(Some(Ok(WsMessage::Text(t)))) => return Some(serde_json::from_str(&t).unwrap()),
            Ok(Some(Ok(_))) => continue,
            _ => return None,
        }
    }
}

/// Read events until one passes `pred` (panics after 5 s).
pub(crate) async fn wait_event(
    ws: &mut Socket,
    what: &str,
    pred: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match next(ws, left).await {
            Some(m) if m["type"] == "event" && pred(&m["event"]) => return m["event"].clone(),
            Some(_) => continue,
            None => panic!("no event: {what}"),
        }
    }
}

/// Every event that arrives within `wait`.
pub(crate) async fn drain(ws: &mut Socket, wait: Duration) -> Vec<Value> {
    let mut out = Vec::new();
    while let Some(m) = next(ws, wait).await {
        if m["type"] == "event" {
            out.push(m["event"].clone());
        }
    }
    out
}

/// Poll `path` until `pred` holds (panics after 5 s).
pub(crate) async fn eventually(
    app: &TestApp,
    path: &str,
    token: &str,
    pred: impl Fn(&Value) -> bool,
) -> Value {
    for _ in 0..100 {
        let (status, body) = app.get(path, token).await;
        if status == StatusCode::OK && pred(&body) {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, body) = app.get(path, token).await;
    panic!("{path} never matched: {body}");
}

pub(crate) async fn queue(
    app: &TestApp,
    t: &TestTenant,
    name: &str,
    users: &[&str],
    strategy: &str,
) -> String {
    let (status, q) = app
        .post(
            "/api/queues",
            &t.admin_token,
            json!({ "name": name, "user_ids": users, "strategy": strategy }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{q}");
    q["id"].as_str().unwrap().to_string()
}

pub(crate) async fn simulator(app: &TestApp, t: &TestTenant, phone: &str, extra: Value) -> String {
    let mut body = json!({ "name": "Test number", "kind": "simulator", "phone": phone });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let (status, c) = app.post("/api/connections", &t.admin_token, body).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert_eq!(c["status"], "connected");
    c["id"].as_str().unwrap().to_string()
}

pub(crate) async fn customer_says(app: &TestApp, t: &TestTenant, conn: &str, body: Value) -> Value {
    let (status, out) = app
        .post(
            &format!("/api/connections/{conn}/simulator/messages"),
            &t.admin_token,
            body,
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{out}");
    out
}

#[tokio::test]
async fn a_customer_writes_an_agent_takes_it_live_answers_and_closes() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let (agent, agent_tok) = app.user(&t, "agent").await;
    let (_, other_tok) = app.user(&t, "agent").await;
    let support = queue(&app, &t, "Support", &[&agent], "manual").await;
    queue(&app, &t, "Sales", &[], "manual").await;
    let conn = simulator(
        &app,
        &t,
        "+55 11 3000-0001",
        json!({ "default_queue_id": support, "greeting": "Olá! Já vamos atender.", "farewell": "Obrigado pelo contato!" }),
    )
    .await;

    let mut ws = socket(&app, &agent_tok).await;
    subscribe(&mut ws, json!({ "type": "subscribe", "id": "list", "view": "tickets", "status": ["pending", "open"] })).await;
    let mut other_ws = socket(&app, &other_tok).await;
    subscribe(
        &mut other_ws,
        json!({ "type": "subscribe", "id": "list", "view": "tickets" }),
    )
    .await;

    let sent = customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "+5511987654321", "name": "Maria", "text": "Oi, preciso de ajuda" }),
    )
    .await;
    let ticket_id = sent["ticket_id"].as_str().unwrap().to_string();
    assert_eq!(sent["duplicate"], false);

    // The ticket arrives live in Support's pending list on the agent's socket.
    let ev = wait_event(&mut ws, "new ticket", |e| {
        e["kind"] == "ticket" && e["ticket_id"] == ticket_id.as_str()
    })
    .await;
    assert_eq!(ev["data"]["status"], "pending");
    assert_eq!(ev["data"]["queue_id"], support.as_str());
    assert_eq!(ev["data"]["contact_name"], "Maria");
    assert_eq!(ev["data"]["unread"], 1);
    let (_, page) = app.get("/api/tickets?status=pending", &agent_tok).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
    // An agent of no queue sees none of it, on REST or the socket.
    assert!(
        drain(&mut other_ws, Duration::from_millis(300))
            .await
            .is_empty()
    );
    let (_, page) = app.get("/api/tickets?status=pending", &other_tok).await;
    assert!(page["items"].as_array().unwrap().is_empty(), "{page}");
    assert_error(
        &app.get(&format!("/api/tickets/{ticket_id}"), &other_tok)
            .await,
        404,
        "TICKET_NOT_FOUND",
    );
    assert_error(
        &app.post(
            &format!("/api/tickets/{ticket_id}/accept"),
            &other_tok,
            json!({}),
        )
        .await,
        404,
        "TICKET_NOT_FOUND",
    );

    // Accept, then answer.
    let (status, ticket) = app
        .post(
            &format!("/api/tickets/{ticket_id}/accept"),
            &agent_tok,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    assert_eq!(ticket["status"], "open");
    assert_eq!(ticket["user_id"], agent.as_str());
    wait_event(&mut ws, "accepted", |e| {
        e["kind"] == "ticket" && e["data"]["status"] == "open"
    })
    .await;
    assert_error(
        &app.post(
            &format!("/api/tickets/{ticket_id}/accept"),
            &agent_tok,
            json!({}),
        )
        .await,
        409,
        "TICKET_STATE",
    );

    subscribe(
        &mut ws,
        json!({ "type": "subscribe", "id": "chat", "view": "ticket", "ticket_id": ticket_id }),
    )
    .await;
    let (status, msg) = app
        .post(
            &format!("/api/tickets/{ticket_id}/messages"),
            &agent_tok,
            json!({ "body": "Claro, Maria! Como posso ajudar?" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{msg}");
    assert_eq!(msg["status"], "pending");
    let msg_id = msg["id"].as_str().unwrap().to_string();
    wait_event(&mut ws, "sent", |e| {
        e["kind"] == "message"
            && e["data"]["id"] == msg_id.as_str()
            && e["data"]["status"] == "sent"
    })
    .await;
    wait_event(&mut ws, "delivered", |e| {
        e["kind"] == "message"
            && e["data"]["id"] == msg_id.as_str()
            && e["data"]["status"] == "delivered"
    })
    .await;

    // The customer's phone got the greeting and the answer, and reads them.
    let phone_path = format!("/api/connections/{conn}/simulator/chats/5511987654321");
    let chat = eventually(&app, &phone_path, &t.admin_token, |c| {
        c.as_array().unwrap().len() == 3
    })
    .await;
    let texts: Vec<&str> = chat
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        [
            "Oi, preciso de ajuda",
            "Olá! Já vamos atender.",
            "Claro, Maria! Como posso ajudar?"
        ]
    );
    let (_, read) = app
        .post(
            &format!("/api/connections/{conn}/simulator/read"),
            &t.admin_token,
            json!({ "phone": "+5511987654321" }),
        )
        .await;
    assert_eq!(read["read"], 2);
    wait_event(&mut ws, "read", |e| {
        e["kind"] == "message"
            && e["data"]["id"] == msg_id.as_str()
            && e["data"]["status"] == "read"
    })
    .await;

    // The customer answers; the agent's unread count shows it until read.
    customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "5511987654321", "text": "Meu pedido não chegou" }),
    )
    .await;
    let ev = wait_event(&mut ws, "customer message", |e| {
        e["kind"] == "message" && e["data"]["body"] == "Meu pedido não chegou"
    })
    .await;
    assert_eq!(ev["data"]["direction"], "in");
    let (_, ticket) = app
        .post(
            &format!("/api/tickets/{ticket_id}/read"),
            &agent_tok,
            json!({}),
        )
        .await;
    assert_eq!(ticket["unread"], 0);

    // Close: the farewell goes out, the timeline tells the story.
    let (status, ticket) = app
        .post(
            &format!("/api/tickets/{ticket_id}/close"),
            &agent_tok,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    assert_eq!(ticket["status"], "closed");
    wait_event(&mut ws, "closed", |e| {
        e["kind"] == "ticket" && e["data"]["status"] == "closed"
    })
    .await;
    eventually(&app, &phone_path, &t.admin_token, |c| {
        c.as_array()
            .unwrap()
            .iter()
            .any(|m| m["body"] == "Obrigado pelo contato!")
    })
    .await;
    assert_error(
        &app.post(
            &format!("/api/tickets/{ticket_id}/messages"),
            &agent_tok,
            json!({ "body": "hello?" }),
        )
        .await,
        409,
        "TICKET_STATE",
    );
    let (_, timeline) = app
        .get(&format!("/api/tickets/{ticket_id}/timeline"), &agent_tok)
        .await;
    let actions: Vec<&str> = timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["created", "accepted", "closed"], "{timeline}");
    assert_eq!(timeline[1]["actor"], format!("user:{agent}"));
    let (_, messages) = app
        .get(&format!("/api/tickets/{ticket_id}/messages"), &agent_tok)
        .await;
    let statuses: Vec<(&str, &str)> = messages["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["direction"].as_str().unwrap(),
                m["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(statuses[0], ("in", "received"));
    assert_eq!(statuses[2], ("out", "read"), "{messages}");

    // Within the reopen window, the customer's next message reopens the same ticket.
    let again = customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "+5511987654321", "text": "Oi de novo" }),
    )
    .await;
    assert_eq!(again["ticket_id"], ticket_id.as_str());
    let (_, ticket) = app
        .get(&format!("/api/tickets/{ticket_id}"), &agent_tok)
        .await;
    assert_eq!(ticket["status"], "pending");
}

#[tokio::test]
async fn a_duplicate_delivery_makes_no_second_message_or_ticket() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("dups").await;
    let conn = simulator(&app, &t, "+551130000002", json!({})).await;
    let body = json!({ "from": "+5511988887777", "text": "pedido 123", "id": "wamid.ABC" });
    let first = customer_says(&app, &t, &conn, body.clone()).await;
    let again = customer_says(&app, &t, &conn, body.clone()).await;
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["message_id"], first["message_id"]);
    assert_eq!(again["ticket_id"], first["ticket_id"]);
    // Concurrent deliveries of one new message: one message, one ticket.
    let body = json!({ "from": "+5511977776666", "text": "oi", "id": "wamid.XYZ" });
    let results =
        futures::future::join_all((0..6).map(|_| customer_says(&app, &t, &conn, body.clone())))
            .await;
    let messages: std::collections::BTreeSet<&str> = results
        .iter()
        .map(|r| r["message_id"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 1, "{results:?}");
    assert_eq!(
        results.iter().filter(|r| r["duplicate"] == false).count(),
        1
    );
    let (_, page) = app.get("/api/tickets", &t.admin_token).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2, "{page}");
    let ticket = results[0]["ticket_id"].as_str().unwrap();
    let (_, msgs) = app
        .get(&format!("/api/tickets/{ticket}/messages"), &t.admin_token)
        .await;
    assert_eq!(msgs["items"].as_array().unwrap().len(), 1, "{msgs}");
    // Two different messages from a new customer at once still share one ticket.
    let both = futures::future::join_all(["m1", "m2"].iter().map(|id| {
        customer_says(
            &app,
            &t,
            &conn,
            json!({ "from": "+5511966665555", "text": id, "id": id }),
        )
    }))
    .await;
    assert_eq!(both[0]["ticket_id"], both[1]["ticket_id"]);
}

#[tokio::test]
async fn other_tenants_see_nothing_on_rest_or_the_socket() {
    let app = TestApp::start_with_workers().await;
    let a = app.tenant("alpha").await;
    let b = app.tenant("beta").await;
    let conn = simulator(&app, &a, "+551130000003", json!({})).await;
    let mut b_ws = socket(&app, &b.admin_token).await;
    subscribe(
        &mut b_ws,
        json!({ "type": "subscribe", "id": "all", "view": "tickets" }),
    )
    .await;
    subscribe(
        &mut b_ws,
        json!({ "type": "subscribe", "id": "sim", "view": "simulator", "connection_id": conn }),
    )
    .await;
    let sent = customer_says(
        &app,
        &a,
        &conn,
        json!({ "from": "+5511955554444", "text": "segredo" }),
    )
    .await;
    let ticket = sent["ticket_id"].as_str().unwrap();
    subscribe(
        &mut b_ws,
        json!({ "type": "subscribe", "id": "one", "view": "ticket", "ticket_id": ticket }),
    )
    .await;
    let tok = &b.admin_token;
    assert_error(
        &app.get(&format!("/api/tickets/{ticket}"), tok).await,
        404,
        "TICKET_NOT_FOUND",
    );
    assert_error(
        &app.get(&format!("/api/tickets/{ticket}/messages"), tok)
            .await,
        404,
        "TICKET_NOT_FOUND",
    );
    assert_error(
        &app.post(
            &format!("/api/tickets/{ticket}/messages"),
            tok,
            json!({ "body": "x" }),
        )
        .await,
        404,
        "TICKET_NOT_FOUND",
    );
    assert_error(
        &app.post(&format!("/api/tickets/{ticket}/close"), tok, json!({}))
            .await,
        404,
        "TICKET_NOT_FOUND",
    );
    assert_error(
        &app.get(&format!("/api/connections/{conn}"), tok).await,
        404,
        "CONNECTION_NOT_FOUND",
    );
    assert_error(
        &app.post(
            &format!("/api/connections/{conn}/simulator/messages"),
            tok,
            json!({ "from": "+5511955554444", "text": "x" }),
        )
        .await,
        404,
        "CONNECTION_NOT_FOUND",
    );
    let (_, page) = app.get("/api/tickets", tok).await;
    assert!(page["items"].as_array().unwrap().is_empty());
    let mut a_ws = socket(&app, &a.admin_token).await;
    subscribe(
        &mut a_ws,
        json!({ "type": "subscribe", "id": "all", "view": "tickets" }),
    )
    .await;
    customer_says(
        &app,
        &a,
        &conn,
        json!({ "from": "+5511955554444", "text": "mais um" }),
    )
    .await;
    // The owner hears it; the other tenant hears nothing.
    wait_event(&mut a_ws, "own ticket", |e| e["ticket_id"] == ticket).await;
    assert!(
        drain(&mut b_ws, Duration::from_millis(300))
            .await
            .is_empty()
    );
    // A bad token never gets a socket.
    let bad = tokio_tungstenite::connect_async(format!("{}/api/ws?token=nope", app.ws_base)).await;
    assert!(bad.is_err());
}

#[tokio::test]
async fn a_reconnecting_socket_gets_what_it_missed_and_loses_sight_when_access_changes() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("resume").await;
    let (agent, agent_tok) = app.user(&t, "agent").await;
    let support = queue(&app, &t, "Support", &[&agent], "manual").await;
    let conn = simulator(
        &app,
        &t,
        "+551130000004",
        json!({ "default_queue_id": support }),
    )
    .await;
    let mut ws = socket(&app, &agent_tok).await;
    subscribe(
        &mut ws,
        json!({ "type": "subscribe", "id": "list", "view": "tickets" }),
    )
    .await;
    customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "+5511944443333", "text": "um" }),
    )
    .await;
    let seen = wait_event(&mut ws, "first", |e| e["kind"] == "ticket").await;
    let cursor = seen["id"].as_str().unwrap().to_string();
    drop(ws);
    // While the agent is away, two more customers write.
    customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "+5511944442222", "text": "dois" }),
    )
    .await;
    customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "+5511944441111", "text": "três" }),
    )
    .await;
    let mut ws = socket(&app, &agent_tok).await;
    let replayed = subscribe(
        &mut ws,
        json!({ "type": "subscribe", "id": "list", "view": "tickets", "after": cursor }),
    )
    .await;
    let missed: std::collections::BTreeSet<&str> = replayed
        .iter()
        .filter(|m| m["event"]["id"].as_str().unwrap() > cursor.as_str())
        .map(|m| m["event"]["data"]["last_message"].as_str().unwrap())
        .collect();
    assert_eq!(
        missed,
        ["dois", "três"].into_iter().collect(),
        "{replayed:?}"
    );

    // Taken out of the queue, the agent stops hearing of its tickets at once.
    let (status, _) = app
        .patch(
            &format!("/api/queues/{support}"),
            &t.admin_token,
            json!({ "user_ids": [] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(200)).await;
    customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "+5511944449999", "text": "quatro" }),
    )
    .await;
    let after: Vec<Value> = drain(&mut ws, Duration::from_millis(400)).await;
    assert!(
        after.iter().all(|e| e["data"]["last_message"] != "quatro"),
        "{after:?}"
    );
    let (_, page) = app.get("/api/tickets", &agent_tok).await;
    assert!(page["items"].as_array().unwrap().is_empty());
}
