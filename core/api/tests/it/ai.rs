//! The `ai.chat` step against a local fake of an OpenAI-compatible chat completions API. The
//! fake follows OpenAI's API reference for `POST /v1/chat/completions`: a bearer key, a JSON
//! body with `model`, `messages` (`role` system / user / assistant, `content`),
//! `temperature`, `max_tokens`; the answer `{id, object: "chat.completion", created, model,
//! choices: [{index, message: {role, content}, finish_reason}], usage: {prompt_tokens,
//! completion_tokens, total_tokens}}`, and errors as `{error: {message, type, code}}` (401
//! for a wrong key). Voice notes go to `POST /v1/audio/transcriptions`, as OpenAI's reference
//! for "Create transcription" says: `multipart/form-data` with `file` and `model`, answered
//! `{"text": …}`.

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
    /// The forms of transcription calls: (model, filename, the file's bytes).
    heard: Vec<(String, String, Vec<u8>)>,
    /// Transcriptions answer 500.
    deaf: bool,
}

/// The parts of a `multipart/form-data` body: (name, filename, bytes).
fn form_parts(content_type: &str, body: &[u8]) -> Vec<(String, String, Vec<u8>)> {
    let boundary = content_type.split("boundary=").nth(1).unwrap_or_default();
    let delimiter = format!("--{boundary}");
    let text = split_at(body, delimiter.as_bytes());
    let mut parts = Vec::new();
    for chunk in text {
        let Some(head_end) = chunk.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&chunk[..head_end]).to_string();
        let mut data = chunk[head_end + 4..].to_vec();
        if data.ends_with(b"\r\n") {
            data.truncate(data.len() - 2);
        }
        let attr = |key: &str| {
            head.split(&format!("{key}=\""))
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap_or_default()
                .to_string()
        };
        parts.push((attr("name"), attr("filename"), data));
    }
    parts
}

/// `body` cut at each `delimiter`.
fn split_at<'a>(body: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i + delimiter.len() <= body.len() {
        if &body[i..i + delimiter.len()] == delimiter {
            out.push(&body[start..i]);
            i += delimiter.len();
            start = i;
        } else {
            i += 1;
        }
    }
    out.push(&body[start..]);
    out
}

#[handler]
async fn transcriptions(
    req: &Request,
    body: Vec<u8>,
    Data(fake): Data<&Arc<Mutex<Fake>>>,
) -> Response {
    let auth = req.header("authorization").unwrap_or_default();
    let content_type = req.header("content-type").unwrap_or_default().to_string();
    if auth != "Bearer sk-test-123" || !content_type.starts_with("multipart/form-data") {
        return Response::builder()
            .status(poem::http::StatusCode::UNAUTHORIZED)
            .body("{}");
    }
    let parts = form_parts(&content_type, &body);
    let field = |n: &str| parts.iter().find(|p| p.0 == n).cloned();
    let (Some(model), Some(file)) = (field("model"), field("file")) else {
        return Response::builder().status(poem::http::StatusCode::BAD_REQUEST).body(
            json!({ "error": { "message": "file and model are required", "type": "invalid_request_error" } }).to_string(),
        );
    };
    let deaf = {
        let mut f = fake.lock().unwrap();
        f.heard.push((
            String::from_utf8_lossy(&model.2).into(),
            file.1.clone(),
            file.2.clone(),
        ));
        f.deaf
    };
    if deaf {
        return Response::builder().status(poem::http::StatusCode::INTERNAL_SERVER_ERROR).body(
            json!({ "error": { "message": "The server had an error", "type": "server_error" } }).to_string(),
        );
    }
    Response::builder()
        .content_type("application/json")
        .body(json!({ "text": " Quero dois bolos de fubá, por favor. " }).to_string())
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
        .at("/v1/audio/transcriptions", poem::post(transcriptions))
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

#[tokio::test]
async fn voice_notes_are_transcribed_for_agents_and_flows() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let conn = simulator(&app, &t, "+551130000073", json!({})).await;
    let (base, fake) = start_fake().await;
    let (status, set) = app
        .call(
            reqwest::Method::PUT,
            "/api/integrations/ai",
            Some(&t.admin_token),
            Some(json!({ "base_url": base, "model": "gpt-test", "api_key": "sk-test-123", "transcription_model": "whisper-1" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{set}");
    assert_eq!(set["transcription_model"], "whisper-1");
    app.publish_flow(
        &t,
        "Eco",
        json!({
            "nodes": [
                { "id": "start", "type": "trigger.message_received" },
                { "id": "echo", "type": "messaging.send_text", "config": { "text": "Você disse: {{vars.message}}" } }
            ],
            "edges": [{ "id": "e1", "source": "start", "target": "echo" }]
        }),
    )
    .await;
    let note: Vec<u8> = [b"OggS\x00\x02".as_slice(), &[7u8; 600]].concat();
    let b64 = |b: &[u8]| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(b)
    };
    customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "5511911110031", "name": "Rui", "media_base64": b64(&note), "filename": "nota.ogg" }),
    )
    .await;
    // The flow heard the words, not an empty message.
    let chat = eventually(
        &app,
        &format!("/api/connections/{conn}/simulator/chats/5511911110031"),
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
    assert_eq!(out, ["Você disse: Quero dois bolos de fubá, por favor."]);
    let (model, filename, bytes) = fake.lock().unwrap().heard[0].clone();
    assert_eq!(
        (model.as_str(), filename.as_str()),
        ("whisper-1", "nota.ogg")
    );
    assert_eq!(bytes, note, "the file as the customer sent it");
    // Agents read the text under the audio.
    let (_, tickets) = app.get("/api/tickets?status=pending", &t.admin_token).await;
    let ticket = tickets["items"][0]["id"].as_str().unwrap().to_string();
    let (_, messages) = app
        .get(&format!("/api/tickets/{ticket}/messages"), &t.admin_token)
        .await;
    let voice = messages["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "audio")
        .unwrap()
        .clone();
    assert_eq!(
        voice["transcript"], "Quero dois bolos de fubá, por favor.",
        "{voice}"
    );

    // A provider that fails: the note still reaches the agents and the flow, without text.
    fake.lock().unwrap().deaf = true;
    customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "5511911110032", "media_base64": b64(&note) }),
    )
    .await;
    let chat = eventually(
        &app,
        &format!("/api/connections/{conn}/simulator/chats/5511911110032"),
        &t.admin_token,
        |c| {
            c.as_array()
                .is_some_and(|m| m.iter().any(|m| m["direction"] == "out"))
        },
    )
    .await;
    assert!(chat.to_string().contains("Você disse: "), "{chat}");
    assert_eq!(fake.lock().unwrap().heard.len(), 2);

    // Without a transcription model, nothing is sent to the provider.
    app.call(
        reqwest::Method::PUT,
        "/api/integrations/ai",
        Some(&t.admin_token),
        Some(json!({ "base_url": base, "model": "gpt-test" })),
    )
    .await;
    customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "5511911110033", "media_base64": b64(&note) }),
    )
    .await;
    eventually(
        &app,
        &format!("/api/connections/{conn}/simulator/chats/5511911110033"),
        &t.admin_token,
        |c| {
            c.as_array()
                .is_some_and(|m| m.iter().any(|m| m["direction"] == "out"))
        },
    )
    .await;
    assert_eq!(fake.lock().unwrap().heard.len(), 2);
}
