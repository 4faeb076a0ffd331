//! Queue bots: a queue's bot (an outside endpoint, or a flow) has its new tickets before
//! agents see them, answers the customer, and hands over to a human; agents see the ticket
//! only then. The endpoint is a local server that answers as the bot protocol in
//! `core/inbox/src/bots.rs` says.

use std::sync::{Arc, Mutex};

use poem::listener::TcpAcceptor;
use poem::web::{Data, Json};
use poem::{EndpointExt, Route, Server, handler};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, assert_error};
use crate::inbox::{customer_says, eventually, queue, simulator};

#[derive(Default)]
struct Bot {
    heard: Vec<Value>,
    /// Answers to give, in order; the last one repeats.
    answers: Vec<(u16, Value)>,
}

#[handler]
async fn bot(Json(body): Json<Value>, Data(bot): Data<&Arc<Mutex<Bot>>>) -> poem::Response {
    let mut b = bot.lock().unwrap();
    b.heard.push(body);
    let n = b.heard.len().min(b.answers.len()) - 1;
    let (status, answer) = b.answers[n].clone();
    poem::Response::builder()
        .status(poem::http::StatusCode::from_u16(status).unwrap())
        .content_type("application/json")
        .body(answer.to_string())
}

async fn start_bot(answers: Vec<(u16, Value)>) -> (String, Arc<Mutex<Bot>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/bot", listener.local_addr().unwrap());
    let state = Arc::new(Mutex::new(Bot {
        heard: Vec::new(),
        answers,
    }));
    let app = Route::new().at("/bot", poem::post(bot)).data(state.clone());
    let acceptor = TcpAcceptor::from_tokio(listener).unwrap();
    tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
    (url, state)
}

fn outgoing(chat: &Value) -> Vec<String> {
    chat.as_array()
        .unwrap()
        .iter()
        .filter(|m| m["direction"] == "out")
        .map(|m| m["body"].as_str().unwrap().to_string())
        .collect()
}

async fn chat_with(app: &TestApp, token: &str, conn: &str, phone: &str, n: usize) -> Value {
    eventually(
        app,
        &format!("/api/connections/{conn}/simulator/chats/{phone}"),
        token,
        |c| {
            c.as_array()
                .is_some_and(|m| m.iter().filter(|m| m["direction"] == "out").count() >= n)
        },
    )
    .await
}

#[tokio::test]
async fn an_endpoint_bot_answers_first_and_hands_over_to_the_queues_agents() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let (agent, agent_tok) = app.user(&t, "agent").await;
    let (url, state) = start_bot(vec![
        (
            200,
            json!({ "messages": ["Olá! Sou o robô. Qual o seu pedido?"] }),
        ),
        (
            200,
            json!({ "messages": [{ "text": "Obrigado! Um atendente já vem." }], "handover": true }),
        ),
    ])
    .await;
    let support = queue(&app, &t, "Suporte", &[&agent], "manual").await;
    let (status, q) = app
        .patch(
            &format!("/api/queues/{support}"),
            &t.admin_token,
            json!({ "bot": { "kind": "endpoint", "url": url } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{q}");
    assert_eq!(q["bot"], json!({ "kind": "endpoint", "url": url }));
    let conn = simulator(
        &app,
        &t,
        "+551130000081",
        json!({ "default_queue_id": support }),
    )
    .await;

    customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "5511911110081", "name": "Lia", "text": "oi" }),
    )
    .await;
    let chat = chat_with(&app, &t.admin_token, &conn, "5511911110081", 1).await;
    assert_eq!(outgoing(&chat), ["Olá! Sou o robô. Qual o seu pedido?"]);
    let heard = state.lock().unwrap().heard[0].clone();
    assert_eq!(heard["event"], "message");
    assert_eq!(heard["message"]["body"], "oi");
    assert_eq!(heard["contact"]["phone"], "+5511911110081");
    assert_eq!(heard["queue"]["name"], "Suporte");

    // The bot has it: supervisors see it as `bot`, agents of the queue do not see it at all.
    let (_, all) = app.get("/api/tickets?status=bot", &t.admin_token).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 1, "{all}");
    let ticket = all["items"][0]["id"].as_str().unwrap().to_string();
    let (_, mine) = app.get("/api/tickets", &agent_tok).await;
    assert_eq!(mine["items"], json!([]), "{mine}");
    assert_error(
        &app.get(&format!("/api/tickets/{ticket}"), &agent_tok).await,
        404,
        "TICKET_NOT_FOUND",
    );
    assert_error(
        &app.post(
            &format!("/api/tickets/{ticket}/accept"),
            &t.admin_token,
            json!({}),
        )
        .await,
        409,
        "FLOW_TALKING",
    );

    customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "5511911110081", "text": "pedido 4410" }),
    )
    .await;
    let chat = chat_with(&app, &t.admin_token, &conn, "5511911110081", 2).await;
    assert_eq!(outgoing(&chat)[1], "Obrigado! Um atendente já vem.");
    let heard = state.lock().unwrap().heard[1].clone();
    let bodies: Vec<&str> = heard["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies,
        ["oi", "Olá! Sou o robô. Qual o seu pedido?", "pedido 4410"]
    );
    // Handed over: pending in the queue, in the agent's sight, and theirs to accept.
    let seen = eventually(&app, &format!("/api/tickets/{ticket}"), &agent_tok, |t| {
        t["status"] == "pending"
    })
    .await;
    assert_eq!(seen["queue_id"], support.as_str());
    let (status, taken) = app
        .post(
            &format!("/api/tickets/{ticket}/accept"),
            &agent_tok,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{taken}");
    // Another company's admin sees nothing of it.
    let other = app.tenant("other").await;
    assert_error(
        &app.get(&format!("/api/tickets/{ticket}"), &other.admin_token)
            .await,
        404,
        "TICKET_NOT_FOUND",
    );
}

#[tokio::test]
async fn a_failing_endpoint_bot_hands_the_customer_to_a_human() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let (url, state) = start_bot(vec![(500, json!({ "error": "down" }))]).await;
    let (status, q) = app
        .post(
            "/api/queues",
            &t.admin_token,
            json!({ "name": "Vendas", "bot": { "kind": "endpoint", "url": url } }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{q}");
    let sales = q["id"].as_str().unwrap().to_string();
    let conn = simulator(
        &app,
        &t,
        "+551130000082",
        json!({ "default_queue_id": sales }),
    )
    .await;
    customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "5511911110082", "text": "quero comprar" }),
    )
    .await;
    let page = eventually(&app, "/api/tickets?status=pending", &t.admin_token, |p| {
        p["items"].as_array().is_some_and(|i| i.len() == 1)
    })
    .await;
    let ticket = page["items"][0]["id"].as_str().unwrap();
    assert_eq!(state.lock().unwrap().heard.len(), 1);
    let (_, log) = app
        .get(&format!("/api/tickets/{ticket}/timeline"), &t.admin_token)
        .await;
    let actions: Vec<&str> = log
        .as_array()
        .map(|l| l.iter().filter_map(|e| e["action"].as_str()).collect())
        .unwrap_or_default();
    assert!(actions.contains(&"bot_handover"), "{log}");

    // Bad bots are refused with the field named.
    for bad in [
        json!({ "kind": "endpoint", "url": "ftp://x" }),
        json!({ "kind": "flow" }),
        json!({ "kind": "flow", "flow_id": "0192f0c0a0b07c3d8e9f0a1b2c3d4e5f" }),
    ] {
        let r = app
            .patch(
                &format!("/api/queues/{sales}"),
                &t.admin_token,
                json!({ "bot": bad }),
            )
            .await;
        assert_error(&r, 400, "INVALID_FIELD");
        assert_eq!(r.1["field"], "bot", "{}", r.1);
    }
    // Kind `none` takes the bot away.
    let (_, q) = app
        .patch(
            &format!("/api/queues/{sales}"),
            &t.admin_token,
            json!({ "bot": { "kind": "none" } }),
        )
        .await;
    assert!(q["bot"].is_null(), "{q}");
}

#[tokio::test]
async fn a_flow_bot_asks_then_the_ticket_goes_to_the_queue_when_its_run_ends() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let (agent, agent_tok) = app.user(&t, "agent").await;
    let flow = app
        .publish_flow(
            &t,
            "Triagem",
            json!({
                "nodes": [
                    { "id": "start", "type": "trigger.manual" },
                    { "id": "ask", "type": "messaging.ask", "config": { "question": "Qual o número do pedido?", "variable": "pedido" } },
                    { "id": "ok", "type": "messaging.send_text", "config": { "text": "Pedido {{vars.pedido}} anotado." } }
                ],
                "edges": [
                    { "id": "e1", "source": "start", "target": "ask" },
                    { "id": "e2", "source": "ask", "source_port": "answer", "target": "ok" }
                ]
            }),
        )
        .await;
    let support = queue(&app, &t, "Suporte", &[&agent], "manual").await;
    let (status, q) = app
        .patch(
            &format!("/api/queues/{support}"),
            &t.admin_token,
            json!({ "bot": { "kind": "flow", "flow_id": flow } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{q}");
    // The ticket comes in on a number without a queue and an agent sends it to Suporte:
    // the bot has it first.
    let conn = simulator(&app, &t, "+551130000083", json!({})).await;
    customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "5511911110083", "text": "meu pedido atrasou" }),
    )
    .await;
    let page = eventually(&app, "/api/tickets?status=pending", &t.admin_token, |p| {
        p["items"].as_array().is_some_and(|i| i.len() == 1)
    })
    .await;
    let ticket = page["items"][0]["id"].as_str().unwrap().to_string();
    let (status, moved) = app
        .post(
            &format!("/api/tickets/{ticket}/transfer"),
            &t.admin_token,
            json!({ "queue_id": support }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["status"], "bot", "{moved}");
    let chat = chat_with(&app, &t.admin_token, &conn, "5511911110083", 1).await;
    assert_eq!(outgoing(&chat), ["Qual o número do pedido?"]);
    let (_, mine) = app.get("/api/tickets", &agent_tok).await;
    assert_eq!(mine["items"], json!([]), "{mine}");

    customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "5511911110083", "text": "4410" }),
    )
    .await;
    let chat = chat_with(&app, &t.admin_token, &conn, "5511911110083", 2).await;
    assert_eq!(outgoing(&chat)[1], "Pedido 4410 anotado.");
    let seen = eventually(&app, &format!("/api/tickets/{ticket}"), &agent_tok, |t| {
        t["status"] == "pending"
    })
    .await;
    assert_eq!(seen["queue_id"], support.as_str());
}
