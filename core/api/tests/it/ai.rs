//! The `ai.chat` step against a local fake of an OpenAI-compatible chat completions API. The
//! fake follows OpenAI's API reference for `POST /v1/chat/completions`: a bearer key, a JSON
//! body with `model`, `messages` (`role` system / user / assistant, `content`),
//! `temperature`, `max_tokens`; the answer `{id, object: "chat.completion", created, model,
//! choices: [{index, message: {role, content}, finish_reason}], usage: {prompt_tokens,
//! completion_tokens, total_tokens}}`, and errors as `{error: {message, type, code}}` (401
//! for a wrong key).

use std::sync::{Arc, Mutex};

use poem::listener::TcpAcceptor;
use poem::web::{Data, Json};
use poem::{EndpointExt, Request, Response, Route, Server, handler};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, assert_error};
use crate::inbox::{customer_says, eventually, simulator};

#[derive(Default)]
struct Fake {
    asked: Vec<Value>,
    slow: bool,
}

#[handler]
async fn completions(
    req: &Request,
    Json(body): Json<Value>,
    Data(fake): Data<&Arc<Mutex<Fake>>>,
) -> Response {
    let auth = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if auth != "Bearer sk-test-123" {
        return Response::builder().status(poem::http::StatusCode::UNAUTHORIZED).body(
            json!({ "error": { "message": "Incorrect API key provided", "type": "invalid_request_error", "code": "invalid_api_key" } })
                .to_string(),
        );
    }
    let slow = {
        let mut f = fake.lock().unwrap();
        f.asked.push(body.clone());
        f.slow
    };
    if slow {
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    }
    let last = body["messages"]
        .as_array()
        .and_then(|m| m.last())
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default()
        .to_string();
    Response::builder().content_type("application/json").body(
        json!({
            "id": "chatcmpl-1", "object": "chat.completion", "created": 1_700_000_000,
            "model": body["model"],
            "choices": [{ "index": 0, "message": { "role": "assistant", "content": format!("Sobre \"{last}\": temos sim!") }, "finish_reason": "stop" }],
            "usage": { "prompt_tokens": 21, "completion_tokens": 7, "total_tokens": 28 }
        })
        .to_string(),
    )
}

async fn start_fake() -> (String, Arc<Mutex<Fake>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    let fake = Arc::new(Mutex::new(Fake::default()));
    let app = Route::new()
        .at("/v1/chat/completions", poem::post(completions))
        .data(fake.clone());
    let acceptor = TcpAcceptor::from_tokio(listener).unwrap();
    tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
    (base, fake)
}

#[tokio::test]
async fn an_ai_step_answers_the_customer_with_the_conversation_as_context() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let conn = simulator(&app, &t, "+551130000071", json!({})).await;
    let (base, fake) = start_fake().await;

    // The provider: the key is kept sealed and never shown again.
    let (status, set) = app
        .call(
            reqwest::Method::PUT,
            "/api/integrations/ai",
            Some(&t.admin_token),
            Some(json!({ "base_url": base, "model": "gpt-test", "api_key": "sk-test-123" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{set}");
    assert_eq!(set["api_key_set"], true);
    assert!(set.get("api_key").is_none(), "{set}");
    let (_, agent_tok) = app.user(&t, "agent").await;
    assert_error(
        &app.get("/api/integrations/ai", &agent_tok).await,
        403,
        "FORBIDDEN",
    );

    app.publish_flow(
        &t,
        "Assistente",
        json!({
            "nodes": [
                { "id": "start", "type": "trigger.message_received" },
                { "id": "ask", "type": "ai.chat", "config": {
                    "system_prompt": "Você atende a loja de {{contact.name}}.", "send": true, "variable": "ai" } },
                { "id": "oops", "type": "messaging.send_text", "config": { "text": "Sem resposta: {{vars.ai.error}}" } }
            ],
            "edges": [
                { "id": "e1", "source": "start", "target": "ask" },
                { "id": "e2", "source": "ask", "source_port": "error", "target": "oops" }
            ]
        }),
    )
    .await;
    customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "5511911110001", "name": "Bia", "text": "Vocês têm bolo de fubá?" }),
    )
    .await;
    let chat = eventually(
        &app,
        &format!("/api/connections/{conn}/simulator/chats/5511911110001"),
        &t.admin_token,
        |c| {
            c.as_array()
                .is_some_and(|m| m.iter().any(|m| m["direction"] == "out"))
        },
    )
    .await;
    let out: Vec<&str> = chat
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["direction"] == "out")
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(out, ["Sobre \"Vocês têm bolo de fubá?\": temos sim!"]);
    let asked = fake.lock().unwrap().asked[0].clone();
    assert_eq!(asked["model"], "gpt-test");
    assert_eq!(asked["max_tokens"], 500);
    let messages = asked["messages"].as_array().unwrap();
    assert_eq!(
        messages[0],
        json!({ "role": "system", "content": "Você atende a loja de Bia." })
    );
    assert_eq!(
        messages.last().unwrap(),
        &json!({ "role": "user", "content": "Vocês têm bolo de fubá?" })
    );
    // The tokens used are on the run.
    let (_, runs) = app.get("/api/runs", &t.admin_token).await;
    let run_id = runs["items"][0]["id"].as_str().unwrap();
    let run = eventually(&app, &format!("/api/runs/{run_id}"), &t.admin_token, |r| {
        r["run"]["status"] == "completed"
    })
    .await;
    assert_eq!(
        run["run"]["vars"]["ai"]["usage"]["total_tokens"], 28,
        "{run}"
    );

    // A wrong key: the error port, with the provider's reason.
    app.call(
        reqwest::Method::PUT,
        "/api/integrations/ai",
        Some(&t.admin_token),
        Some(json!({ "base_url": base, "model": "gpt-test", "api_key": "sk-wrong" })),
    )
    .await;
    customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "5511911110002", "text": "Oi?" }),
    )
    .await;
    let chat = eventually(
        &app,
        &format!("/api/connections/{conn}/simulator/chats/5511911110002"),
        &t.admin_token,
        |c| {
            c.as_array()
                .is_some_and(|m| m.iter().any(|m| m["direction"] == "out"))
        },
    )
    .await;
    assert_eq!(
        chat.as_array()
            .unwrap()
            .iter()
            .find(|m| m["direction"] == "out")
            .unwrap()["body"],
        "Sem resposta: Incorrect API key provided"
    );
    // Bad settings are refused.
    assert_error(
        &app.call(
            reqwest::Method::PUT,
            "/api/integrations/ai",
            Some(&t.admin_token),
            Some(json!({ "base_url": "ftp://x", "model": "m" })),
        )
        .await,
        400,
        "INVALID_FIELD",
    );
}

#[tokio::test]
async fn a_slow_provider_times_the_step_out() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let (base, fake) = start_fake().await;
    fake.lock().unwrap().slow = true;
    app.call(
        reqwest::Method::PUT,
        "/api/integrations/ai",
        Some(&t.admin_token),
        Some(json!({ "base_url": base, "model": "gpt-test", "api_key": "sk-test-123" })),
    )
    .await;
    let flow_id = app.publish_flow(
        &t,
        "Lento",
        json!({
            "nodes": [
                { "id": "start", "type": "trigger.manual" },
                { "id": "ask", "type": "ai.chat", "config": { "prompt": "Olá", "timeout_ms": 1000 } },
                { "id": "fail", "type": "logic.set_variable", "config": { "name": "timed_out", "value": "yes" } }
            ],
            "edges": [
                { "id": "e1", "source": "start", "target": "ask" },
                { "id": "e2", "source": "ask", "source_port": "error", "target": "fail" }
            ]
        }),
    )
    .await;
    let (status, run) = app
        .post(
            &format!("/api/flows/{flow_id}/runs"),
            &t.admin_token,
            json!({}),
        )
        .await;
    assert!(status.is_success(), "{run}");
    let run_id = run["run"]["id"].as_str().unwrap();
    let done = eventually(&app, &format!("/api/runs/{run_id}"), &t.admin_token, |r| {
        r["run"]["status"] == "completed"
    })
    .await;
    assert_eq!(done["run"]["vars"]["timed_out"], "yes", "{done}");
    assert!(
        done["run"]["vars"]["ai"]["error"]
            .as_str()
            .unwrap()
            .contains("no answer"),
        "{done}"
    );
}
