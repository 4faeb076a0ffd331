//! A Cloud API connection against the fake Graph API (`graph_fake/`): settings with sealed
//! secrets, the number checked with Meta, the webhook's handshake, read receipts for what
//! agents read, one Meta app's webhook for several numbers, and other companies kept out.
//! What every channel does with messages (signatures, duplicates, replies, statuses, menus,
//! the window, rate limits, a revoked token) is in the conformance suite (`conformance/`).

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::graph_fake::{GraphFake, signature, text_message, webhook_body};
use crate::harness::{TestApp, TestTenant, assert_error};
use crate::inbox::{socket, subscribe, wait_event};

pub(super) const TOKEN: &str = "EAAG-test-token";
pub(super) const APP_SECRET: &str = "app-secret-0123";
pub(super) const NUMBER_ID: &str = "106540352242922";

pub(super) async fn post_webhook(
    app: &TestApp,
    path: &str,
    body: &str,
    sig: Option<&str>,
) -> StatusCode {
    let mut req = app
        .http
        .post(format!("{}{path}", app.base))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(sig) = sig {
        req = req.header("x-hub-signature-256", sig);
    }
    req.send().await.unwrap().status()
}

/// GET `path` until `ok` holds for its body (10 s at most).
pub(super) async fn until(
    app: &TestApp,
    path: &str,
    token: &str,
    ok: impl Fn(&Value) -> bool,
) -> Value {
    let start = Instant::now();
    loop {
        let (status, body) = app.get(path, token).await;
        if status == StatusCode::OK && ok(&body) {
            return body;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{path} never got there: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub(super) async fn cloud_connection(app: &TestApp, t: &TestTenant, fake: &GraphFake) -> Value {
    let (status, conn) = app
        .post(
            "/api/connections",
            &t.admin_token,
            json!({
                "name": "Loja", "kind": "cloud_api", "phone": "+55 11 99999-0000",
                "cloud_api": {
                    "phone_number_id": NUMBER_ID, "waba_id": "102290129340398",
                    "access_token": TOKEN, "app_secret": APP_SECRET,
                    "graph_url": format!("{}/v21.0", fake.base),
                },
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{conn}");
    conn
}

#[tokio::test]
async fn a_cloud_api_number_is_set_up_checked_and_shows_what_agents_read() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let fake = GraphFake::start(TOKEN, NUMBER_ID).await;

    // Settings: secrets sealed and never shown; the number checked with Meta at once.
    let conn = cloud_connection(&app, &t, &fake).await;
    let text = conn.to_string();
    assert!(
        !text.contains(TOKEN) && !text.contains(APP_SECRET),
        "{text}"
    );
    assert_eq!(conn["status"], "connected", "{conn}");
    // Paced at Meta's default throughput, 80 a second.
    assert_eq!(conn["messages_per_minute"], 4800);
    let cloud = &conn["cloud_api"];
    assert_eq!(cloud["access_token_set"], true);
    assert_eq!(cloud["app_secret_set"], true);
    let id = conn["id"].as_str().unwrap().to_string();
    let path = format!("/api/hooks/whatsapp/{}/{id}", t.id);
    assert!(
        cloud["webhook_url"].as_str().unwrap().ends_with(&path),
        "{cloud}"
    );
    let verify_token = cloud["verify_token"].as_str().unwrap().to_string();
    let (_, check) = app
        .post(
            &format!("/api/connections/{id}/verify"),
            &t.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(check["ok"], true, "{check}");
    assert_eq!(check["verified_name"], "Loja Teste");
    assert_eq!(check["quality_rating"], "GREEN");

    // Meta's handshake: the challenge back only for the right token.
    let handshake = |token: &str| {
        format!(
            "{}{path}?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444",
            app.base
        )
    };
    let ok = app.http.get(handshake(&verify_token)).send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(ok.text().await.unwrap(), "1158201444");
    let wrong = app.http.get(handshake("nope-nope")).send().await.unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);

    // A customer writes (the message cases are in the channel conformance suite).
    let hello = webhook_body(
        NUMBER_ID,
        text_message(
            "5511987654321",
            "Ana",
            "wamid.in2",
            "Oi, quero ver meu pedido",
        ),
    );
    let sig = signature(APP_SECRET, hello.as_bytes());
    assert_eq!(
        post_webhook(&app, &path, &hello, Some(&sig)).await,
        StatusCode::OK
    );
    let page = until(&app, "/api/tickets", &t.admin_token, |p| {
        p["items"].as_array().is_some_and(|i| i.len() == 1)
    })
    .await;
    let ticket_id = page["items"][0]["id"].as_str().unwrap().to_string();

    // The agent reads them: the customer's phone shows them read.
    let (status, _) = app
        .post(
            &format!("/api/tickets/{ticket_id}/read"),
            &t.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let start = Instant::now();
    while !fake.marked_read().contains(&"wamid.in2".to_string()) {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            fake.marked_read()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn two_numbers_of_one_meta_app_share_its_webhook() {
    let app = TestApp::start_with_workers().await;
    let (status, plan) = app
        .post(
            "/api/platform/plans",
            &app.root,
            json!({
                "name": "Two numbers",
                "limits": { "users": 5, "connections": 2, "queues": 5, "flows": 10, "plugins": 1 },
                "features": { "campaigns": true, "plugins": true, "api_access": true, "webhooks": true },
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    let t = app.tenant_on("acme", plan["id"].as_str().unwrap()).await;
    let fake = GraphFake::start(TOKEN, NUMBER_ID).await;
    let first = cloud_connection(&app, &t, &fake).await;
    // A second number of the same app (Meta sends both numbers' changes to one URL).
    let (status, second) = app
        .post(
            "/api/connections",
            &t.admin_token,
            json!({
                "name": "Loja 2", "kind": "cloud_api", "phone": "+55 11 99999-0002",
                "cloud_api": {
                    "phone_number_id": "106540352242999", "waba_id": "102290129340398",
                    "access_token": TOKEN, "app_secret": APP_SECRET,
                    "graph_url": format!("{}/v21.0", fake.base),
                },
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    let path = format!(
        "/api/hooks/whatsapp/{}/{}",
        t.id,
        first["id"].as_str().unwrap()
    );
    let body = webhook_body(
        "106540352242999",
        text_message("5511987654321", "Ana", "wamid.two", "Oi, segundo número"),
    );
    let sig = signature(APP_SECRET, body.as_bytes());
    assert_eq!(
        post_webhook(&app, &path, &body, Some(&sig)).await,
        StatusCode::OK
    );
    let page = until(&app, "/api/tickets", &t.admin_token, |p| {
        p["items"].as_array().is_some_and(|i| i.len() == 1)
    })
    .await;
    assert_eq!(page["items"][0]["connection_id"], second["id"]);
}

#[tokio::test]
async fn other_companies_cannot_see_or_feed_a_cloud_api_number() {
    let app = TestApp::start_with_workers().await;
    let a = app.tenant("acme").await;
    let b = app.tenant("other").await;
    let fake = GraphFake::start(TOKEN, NUMBER_ID).await;
    let conn = cloud_connection(&app, &a, &fake).await;
    let id = conn["id"].as_str().unwrap();
    // The live stream carries the connection's changes, never its stored settings.
    let mut ws = socket(&app, &a.admin_token).await;
    subscribe(
        &mut ws,
        json!({ "type": "subscribe", "id": "c", "view": "connections" }),
    )
    .await;
    let (status, _) = app
        .post(
            &format!("/api/connections/{id}/connect"),
            &a.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let ev = wait_event(&mut ws, "connection change", |e| e["kind"] == "connection").await;
    let text = ev.to_string();
    assert!(ev["data"].get("cloud").is_none(), "{text}");
    let verify_token = conn["cloud_api"]["verify_token"].as_str().unwrap();
    assert!(
        !text.contains(verify_token) && !text.contains("v1:"),
        "{text}"
    );
    assert_error(
        &app.get(&format!("/api/connections/{id}"), &b.admin_token)
            .await,
        404,
        "CONNECTION_NOT_FOUND",
    );
    // The webhook URL names the company: another company's path finds nothing.
    let hello = webhook_body(
        NUMBER_ID,
        text_message("5511987654321", "Ana", "wamid.x", "Oi"),
    );
    let sig = signature(APP_SECRET, hello.as_bytes());
    assert_eq!(
        post_webhook(
            &app,
            &format!("/api/hooks/whatsapp/{}/{id}", b.id),
            &hello,
            Some(&sig)
        )
        .await,
        StatusCode::NOT_FOUND
    );
    // A webhook URL naming no company opens nothing.
    assert_eq!(
        post_webhook(
            &app,
            &format!("/api/hooks/whatsapp/{}/{id}", tucan_model::ids::new_id()),
            &hello,
            Some(&sig)
        )
        .await,
        StatusCode::NOT_FOUND
    );
    // The saved token never follows a new Graph URL: moving it asks for the secrets again.
    let moved = app
        .patch(
            &format!("/api/connections/{id}"),
            &a.admin_token,
            json!({ "cloud_api": {
                "phone_number_id": NUMBER_ID, "waba_id": "102290129340398",
                "graph_url": "https://graph.example.net/v21.0",
            }}),
        )
        .await;
    assert_error(&moved, 400, "INVALID_FIELD");
    // Settings without their secrets are refused; a simulator takes none.
    let (status, body) = app
        .post(
            "/api/connections",
            &b.admin_token,
            json!({
                "name": "Outra", "kind": "cloud_api", "phone": "+55 11 99999-0001",
                "cloud_api": { "phone_number_id": "1", "waba_id": "2" },
            }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = app
        .post(
            "/api/connections",
            &b.admin_token,
            json!({
                "name": "Sim", "kind": "simulator", "phone": "+55 11 99999-0002",
                "cloud_api": { "phone_number_id": "1", "waba_id": "2", "access_token": "x", "app_secret": "y" },
            }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["field"], "cloud_api");
}

mod conversations;
