//! The inbox's desk over HTTP with workers running: a welcome-menu flow routes a customer,
//! queues hand tickets out by their strategy to online agents, and an agent's tools (tags,
//! notes, quick replies, scheduled messages, media).

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, assert_error};
use crate::inbox::{customer_says, eventually, queue, simulator};

/// The agent goes online (takes tickets from round-robin and least-busy queues).
async fn go_online(app: &TestApp, token: &str) {
    let (s, _) = app
        .call(
            reqwest::Method::PUT,
            "/api/inbox/presence",
            Some(token),
            Some(json!({ "online": true })),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
}

async fn upload(app: &TestApp, token: &str, filename: &str, bytes: Vec<u8>) -> reqwest::Response {
    app.http
        .post(format!("{}/api/media?filename={filename}", app.base))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap()
}

async fn fetch_media(app: &TestApp, token: &str, media: &Value) -> reqwest::Response {
    app.http
        .get(format!(
            "{}/api/media/{}",
            app.base,
            media["id"].as_str().unwrap()
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_welcome_menu_routes_a_customer_to_the_queue_they_choose() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("menu").await;
    let mut queues = std::collections::HashMap::new();
    for name in ["Sales", "Support", "Billing"] {
        queues.insert(name, queue(&app, &t, name, &[], "manual").await);
    }
    let doc: Value =
        serde_json::from_str(include_str!("../../../../flows/welcome-menu.json")).unwrap();
    let (status, flow) = app
        .post(
            "/api/flows",
            &t.admin_token,
            json!({ "name": "Welcome", "document": doc }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{flow}");
    let id = flow["id"].as_str().unwrap();
    let (status, _) = app
        .post(
            &format!("/api/flows/{id}/publish"),
            &t.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let conn = simulator(&app, &t, "+551130000005", json!({})).await;
    let sent = customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "+5511933332222", "name": "Ana", "text": "oi" }),
    )
    .await;
    let ticket = sent["ticket_id"].as_str().unwrap().to_string();
    let phone = format!("/api/connections/{conn}/simulator/chats/5511933332222");
    eventually(&app, &phone, &t.admin_token, |c| {
        c.as_array()
            .unwrap()
            .iter()
            .any(|m| m["body"].as_str().unwrap().starts_with("Hi Ana! Welcome."))
    })
    .await;
    customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "+5511933332222", "text": "2" }),
    )
    .await;
    let routed = eventually(
        &app,
        &format!("/api/tickets/{ticket}"),
        &t.admin_token,
        |tk| tk["queue_id"] == queues["Support"].as_str(),
    )
    .await;
    assert_eq!(routed["status"], "pending");
    eventually(&app, &phone, &t.admin_token, |c| {
        c.as_array()
            .unwrap()
            .iter()
            .any(|m| m["body"] == "Thanks! An agent will answer you here shortly.")
    })
    .await;
    let (_, timeline) = app
        .get(&format!("/api/tickets/{ticket}/timeline"), &t.admin_token)
        .await;
    let transfer = timeline
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "transferred")
        .expect("routed");
    assert!(
        transfer["actor"].as_str().unwrap().starts_with("run:"),
        "{timeline}"
    );
}

#[tokio::test]
async fn queues_hand_tickets_out_by_round_robin_and_least_busy_to_online_agents() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("assign").await;
    let (a1, a1_tok) = app.user(&t, "agent").await;
    let (a2, a2_tok) = app.user(&t, "agent").await;
    let (a3, a3_tok) = app.user(&t, "agent").await;
    let rr = queue(&app, &t, "Round", &[&a1, &a2, &a3], "round_robin").await;
    for tok in [&a1_tok, &a2_tok] {
        go_online(&app, tok).await;
    }
    let conn = simulator(&app, &t, "+551130000006", json!({ "default_queue_id": rr })).await;
    let mut owners = Vec::new();
    for i in 0..4 {
        let sent = customer_says(
            &app,
            &t,
            &conn,
            json!({ "from": format!("+55119222200{i:02}"), "text": "oi" }),
        )
        .await;
        let (_, tk) = app
            .get(
                &format!("/api/tickets/{}", sent["ticket_id"].as_str().unwrap()),
                &t.admin_token,
            )
            .await;
        assert_eq!(tk["status"], "open", "{tk}");
        owners.push(tk["user_id"].as_str().unwrap().to_string());
    }
    // a3 is offline: turns alternate between a1 and a2.
    assert_eq!(owners, [a1.clone(), a2.clone(), a1.clone(), a2.clone()]);

    // Least busy: a2 closes its two tickets, a1 still holds two; a2 gets the next.
    let lb = queue(&app, &t, "Least", &[&a1, &a2], "least_busy").await;
    let (_, tickets) = app
        .get(&format!("/api/tickets?status=open&user_id={a2}"), &a2_tok)
        .await;
    assert_eq!(tickets["items"].as_array().unwrap().len(), 2);
    for tk in tickets["items"].as_array().unwrap() {
        app.post(
            &format!("/api/tickets/{}/close", tk["id"].as_str().unwrap()),
            &a2_tok,
            json!({}),
        )
        .await;
    }
    let sent = customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "+5511922229999", "text": "oi" }),
    )
    .await;
    let id = sent["ticket_id"].as_str().unwrap();
    let (status, tk) = app
        .post(
            &format!("/api/tickets/{id}/transfer"),
            &t.admin_token,
            json!({ "queue_id": lb }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{tk}");
    assert_eq!(tk["user_id"], a2.as_str(), "{tk}");
    // With nobody of its queue online a ticket waits, and goes to the first agent who
    // comes online.
    let night = queue(&app, &t, "Night", &[&a3], "round_robin").await;
    let (_, tk) = app
        .post(
            &format!("/api/tickets/{id}/transfer"),
            &t.admin_token,
            json!({ "queue_id": night }),
        )
        .await;
    assert_eq!(tk["status"], "pending", "{tk}");
    go_online(&app, &a3_tok).await;
    let (_, tk) = app.get(&format!("/api/tickets/{id}"), &t.admin_token).await;
    assert_eq!(tk["status"], "open", "{tk}");
    assert_eq!(tk["user_id"], a3.as_str(), "{tk}");
    // A manual queue leaves it pending.
    let manual = queue(&app, &t, "Manual", &[&a1], "manual").await;
    let (_, tk) = app
        .post(
            &format!("/api/tickets/{id}/transfer"),
            &t.admin_token,
            json!({ "queue_id": manual }),
        )
        .await;
    assert_eq!(tk["status"], "pending");
    assert!(tk["user_id"].is_null());
}

#[tokio::test]
async fn tags_notes_quick_replies_scheduled_messages_and_media() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("tools").await;
    let (agent, agent_tok) = app.user(&t, "agent").await;
    let support = queue(&app, &t, "Support", &[&agent], "manual").await;
    let conn = simulator(
        &app,
        &t,
        "+551130000007",
        json!({ "default_queue_id": support }),
    )
    .await;
    let sent = customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "+5511911112222", "text": "oi" }),
    )
    .await;
    let id = sent["ticket_id"].as_str().unwrap().to_string();
    app.post(&format!("/api/tickets/{id}/accept"), &agent_tok, json!({}))
        .await;

    let (_, tag) = app
        .post("/api/tags", &t.admin_token, json!({ "name": "vip" }))
        .await;
    let tag_id = tag["id"].as_str().unwrap();
    let (s, tk) = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/tickets/{id}/tags/{tag_id}"),
            Some(&agent_tok),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{tk}");
    assert_eq!(tk["tags"], json!([tag_id]));
    let (_, page) = app
        .get(&format!("/api/tickets?tag={tag_id}"), &agent_tok)
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let (_, page) = app.get("/api/tickets?search=1191111", &agent_tok).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");

    let (s, note) = app
        .post(
            &format!("/api/tickets/{id}/notes"),
            &agent_tok,
            json!({ "body": "@agent pode olhar? cliente vip" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{note}");
    assert_eq!(note["direction"], "note");
    assert_eq!(note["mentions"], json!([agent]));

    app.post(
        "/api/quick-replies",
        &t.admin_token,
        json!({ "shortcut": "hours", "message": "Atendemos das 9h às 18h." }),
    )
    .await;
    let (_, m) = app
        .post(
            &format!("/api/tickets/{id}/messages"),
            &agent_tok,
            json!({ "body": "/hours" }),
        )
        .await;
    assert_eq!(m["body"], "Atendemos das 9h às 18h.");

    let at = (chrono::Utc::now() + chrono::Duration::milliseconds(700)).to_rfc3339();
    let (s, sched) = app
        .post(
            &format!("/api/tickets/{id}/scheduled"),
            &agent_tok,
            json!({ "body": "Lembrete: seu pedido saiu.", "send_at": at }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sched}");
    let phone = format!("/api/connections/{conn}/simulator/chats/5511911112222");
    eventually(&app, &phone, &t.admin_token, |c| {
        c.as_array()
            .unwrap()
            .iter()
            .any(|m| m["body"] == "Lembrete: seu pedido saiu.")
    })
    .await;
    let past = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    assert_error(
        &app.post(
            &format!("/api/tickets/{id}/scheduled"),
            &agent_tok,
            json!({ "body": "x", "send_at": past }),
        )
        .await,
        400,
        "INVALID_FIELD",
    );

    // Media: the type comes from the content; other files are refused.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let resp = upload(&app, &agent_tok, "foto.exe", png.clone()).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let media: Value = resp.json().await.unwrap();
    assert_eq!(media["mime"], "image/png");
    let resp = upload(
        &app,
        &agent_tok,
        "foto.png",
        b"<script>alert(1)</script>".to_vec(),
    )
    .await;
    let (status, body) = crate::harness::decode(resp).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert_eq!(body["code"], "UNSUPPORTED_MEDIA_TYPE");
    // Until it is sent, an upload is its uploader's alone.
    assert_error(
        &app.post(
            &format!("/api/tickets/{id}/messages"),
            &t.admin_token,
            json!({ "body": "a foto", "media_id": media["id"] }),
        )
        .await,
        400,
        "INVALID_FIELD",
    );
    let (s, m) = app
        .post(
            &format!("/api/tickets/{id}/messages"),
            &agent_tok,
            json!({ "body": "a foto", "media_id": media["id"] }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    assert_eq!(m["kind"], "image");
    let resp = fetch_media(&app, &agent_tok, &media).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.bytes().await.unwrap().to_vec(), png);
    let (_, stranger) = app.user(&t, "agent").await;
    let resp = fetch_media(&app, &stranger, &media).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    // Return and transfer record who did what.
    app.post(&format!("/api/tickets/{id}/return"), &agent_tok, json!({}))
        .await;
    let (_, timeline) = app
        .get(&format!("/api/tickets/{id}/timeline"), &t.admin_token)
        .await;
    let actions: Vec<&str> = timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["created", "accepted", "tagged", "note", "returned"],
        "{timeline}"
    );
}
