//! The company's settings in effect: what agents see, the agent's signature, the
//! out-of-hours message, ratings on close, auto-close, and quick replies that fill in the
//! customer.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use super::{phone_got, settings};
use crate::harness::{TestApp, assert_error};
use crate::inbox::{
    customer_says, drain, eventually, queue, simulator, socket, subscribe, wait_event,
};

#[tokio::test]
async fn agents_see_pending_tickets_without_a_queue_as_the_setting_says() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let conn = simulator(&app, &t, "+551130000004", json!({})).await;
    let (_, agent_tok) = app.user(&t, "agent").await;
    customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "5511955554444", "text": "Alguém aí?" }),
    )
    .await;
    eventually(&app, "/api/tickets", &t.admin_token, |p| {
        p["items"].as_array().is_some_and(|i| i.len() == 1)
    })
    .await;
    let seen_n = |on: bool, all: u64| {
        let (app, agent_tok) = (&app, agent_tok.clone());
        async move {
            let (_, list) = app.get("/api/tickets?status=pending", &agent_tok).await;
            let (_, counts) = app.get("/api/tickets/counts", &agent_tok).await;
            let expected = if on { all } else { 0 };
            let n = list["items"].as_array().unwrap().len() as u64;
            assert_eq!(n, expected, "{list}");
            assert_eq!(counts["pending"], expected, "{counts}");
        }
    };
    let seen = |on: bool| seen_n(on, 1);
    // On by default, and the agent's socket agrees.
    seen(true).await;
    let mut ws = socket(&app, &agent_tok).await;
    subscribe(
        &mut ws,
        json!({ "type": "subscribe", "id": "l", "view": "tickets" }),
    )
    .await;
    customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "5511955553333", "text": "Oi de novo" }),
    )
    .await;
    wait_event(&mut ws, "a queue-less pending ticket", |e| {
        e["kind"] == "ticket" && e["data"]["last_message"] == "Oi de novo"
    })
    .await;
    settings(&app, &t, json!({ "agents_see_unassigned_pending": false })).await;
    seen_n(false, 2).await;
    drain(&mut ws, Duration::from_millis(300)).await;
    customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "5511955552222", "text": "Ninguém?" }),
    )
    .await;
    let events = drain(&mut ws, Duration::from_millis(600)).await;
    assert!(
        events
            .iter()
            .all(|e| e["data"]["last_message"] != "Ninguém?"),
        "{events:?}"
    );
    settings(&app, &t, json!({ "agents_see_unassigned_pending": true })).await;
    seen_n(true, 3).await;
}

#[tokio::test]
async fn the_signature_setting_leads_agents_messages_with_their_name() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let conn = simulator(&app, &t, "+551130000005", json!({})).await;
    let (_, agent_tok) = app.user(&t, "agent").await;
    let (status, started) = app
        .post(
            "/api/tickets",
            &agent_tok,
            json!({ "connection_id": conn, "phone": "+5511944443333", "body": "Sem assinatura" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{started}");
    let path = format!(
        "/api/tickets/{}/messages",
        started["ticket"]["id"].as_str().unwrap()
    );
    settings(&app, &t, json!({ "signature_on_messages": "enabled" })).await;
    let (status, signed) = app
        .post(&path, &agent_tok, json!({ "body": "Assinada" }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{signed}");
    settings(&app, &t, json!({ "signature_on_messages": "agent_choice" })).await;
    app.post(
        &path,
        &agent_tok,
        json!({ "body": "Escolhi não", "sign": false }),
    )
    .await;
    app.post(
        &path,
        &agent_tok,
        json!({ "body": "Escolhi sim", "sign": true }),
    )
    .await;
    assert_eq!(
        phone_got(&app, &t, &conn, "5511944443333", 4).await,
        [
            "Sem assinatura",
            "*agent:*\nAssinada",
            "Escolhi não",
            "*agent:*\nEscolhi sim"
        ]
    );
}

#[tokio::test]
async fn a_customer_writing_while_closed_gets_the_out_of_hours_message_once() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let today = chrono::Utc::now().date_naive();
    let closed = json!({
        "timezone": "UTC", "week": { "mon": ["09:00-18:00"] },
        "holidays": [today, today.succ_opt().unwrap(), today.pred_opt().unwrap()],
    });
    let open = json!({ "timezone": "UTC", "week": {} });
    let conn = simulator(&app, &t, "+551130000006", json!({})).await;
    let says = |text: &str| {
        let body = json!({ "from": "5511933332222", "text": text });
        let (app, t, conn) = (&app, &t, conn.clone());
        async move { customer_says(app, t, &conn, body).await }
    };

    // No scope: nothing, even with a message set.
    settings(
        &app,
        &t,
        json!({ "business_hours": closed, "out_of_hours_message": "Estamos fechados; voltamos segunda." }),
    )
    .await;
    says("Oi").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let path = format!("/api/connections/{conn}/simulator/chats/5511933332222");
    let (_, chat) = app.get(&path, &t.admin_token).await;
    assert!(
        chat.as_array()
            .unwrap()
            .iter()
            .all(|m| m["direction"] == "in"),
        "{chat}"
    );

    // The company's hours: sent once while it stays closed.
    settings(&app, &t, json!({ "business_hours_scope": "company" })).await;
    says("Tem alguém?").await;
    says("Alô?").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        phone_got(&app, &t, &conn, "5511933332222", 1).await,
        ["Estamos fechados; voltamos segunda."]
    );

    // Each queue's hours: a queue closed while the company is open.
    let support = queue(&app, &t, "Suporte", &[], "manual").await;
    let (status, q) = app
        .patch(
            &format!("/api/queues/{support}"),
            &t.admin_token,
            json!({ "business_hours": closed }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{q}");
    assert_eq!(q["business_hours"]["holidays"].as_array().unwrap().len(), 3);
    let bad = app
        .patch(
            &format!("/api/queues/{support}"),
            &t.admin_token,
            json!({ "business_hours": { "week": { "someday": ["09:00-18:00"] } } }),
        )
        .await;
    assert_error(&bad, 400, "INVALID_FIELD");
    let (status, patched) = app
        .patch(
            &format!("/api/connections/{conn}"),
            &t.admin_token,
            json!({ "default_queue_id": support }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    let conn2 = conn.clone();
    settings(
        &app,
        &t,
        json!({ "business_hours": open, "business_hours_scope": "queue" }),
    )
    .await;
    customer_says(
        &app,
        &t,
        &conn2,
        json!({ "from": "5511922221111", "text": "Preciso de suporte" }),
    )
    .await;
    assert_eq!(
        phone_got(&app, &t, &conn2, "5511922221111", 1).await,
        ["Estamos fechados; voltamos segunda."]
    );
    // The queue's own hours removed: the company's (open) apply; nothing more is sent.
    app.patch(
        &format!("/api/queues/{support}"),
        &t.admin_token,
        json!({ "business_hours": { "week": {} } }),
    )
    .await;
    let (_, q) = app
        .get(&format!("/api/queues/{support}"), &t.admin_token)
        .await;
    assert!(q["business_hours"].is_null(), "{q}");
}

#[tokio::test]
async fn closing_asks_for_a_rating_and_the_answer_stays_on_the_closed_ticket() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let conn = simulator(&app, &t, "+551130000008", json!({})).await;
    let says = |text: &str| {
        let body = json!({ "from": "5511911110000", "text": text });
        let (app, t, conn) = (&app, &t, conn.clone());
        async move { customer_says(app, t, &conn, body).await }
    };
    let close = |id: String| {
        let (app, t) = (&app, &t);
        async move {
            let (status, body) = app
                .post(
                    &format!("/api/tickets/{id}/close"),
                    &t.admin_token,
                    json!({}),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
    };
    let tickets = || async {
        let (_, page) = app.get("/api/tickets", &t.admin_token).await;
        page["items"].as_array().unwrap().clone()
    };

    // Off by default: closing asks nothing.
    let first = says("Oi").await["ticket_id"].as_str().unwrap().to_string();
    close(first.clone()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let path = format!("/api/connections/{conn}/simulator/chats/5511911110000");
    let (_, chat) = app.get(&path, &t.admin_token).await;
    assert!(
        chat.as_array()
            .unwrap()
            .iter()
            .all(|m| m["direction"] == "in"),
        "{chat}"
    );

    settings(
        &app,
        &t,
        json!({ "rating_on_close": true, "ticket_reopen_window_minutes": 0 }),
    )
    .await;
    let second = says("Voltei").await["ticket_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(second, first);
    close(second.clone()).await;
    let got = phone_got(&app, &t, &conn, "5511911110000", 1).await;
    assert!(got[0].starts_with("Como você avalia"), "{got:?}");

    // The answer goes on the closed ticket, which stays closed; the customer is thanked.
    says("5 - resolveram rápido").await;
    let got = phone_got(&app, &t, &conn, "5511911110000", 2).await;
    assert_eq!(got[1], "Obrigado pela sua avaliação!");
    let (_, rated) = app
        .get(&format!("/api/tickets/{second}"), &t.admin_token)
        .await;
    assert_eq!(rated["status"], "closed", "{rated}");
    assert_eq!(rated["rating"], 5);
    assert_eq!(rated["rating_comment"], "resolveram rápido");
    assert_eq!(tickets().await.len(), 2);

    // Anything but a rating is an ordinary message, and withdraws the request.
    let third = says("Outra dúvida").await["ticket_id"]
        .as_str()
        .unwrap()
        .to_string();
    close(third.clone()).await;
    phone_got(&app, &t, &conn, "5511911110000", 3).await;
    let fourth = says("quero falar com alguém").await["ticket_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(fourth, third);
    let (_, unrated) = app
        .get(&format!("/api/tickets/{third}"), &t.admin_token)
        .await;
    assert!(unrated["rating"].is_null(), "{unrated}");
    // ... so a score sent later is not taken as one either.
    let fifth = says("4").await["ticket_id"].as_str().unwrap().to_string();
    assert_eq!(fifth, fourth, "an ordinary message on the live ticket");

    // The dashboard shows it, for the company and for the agent who held the ticket.
    let (_, board) = app.get("/api/dashboard?days=7", &t.admin_token).await;
    assert_eq!(board["csat"]["ratings"], 1, "{board}");
    assert_eq!(board["csat"]["average"], 5.0);
    assert_eq!(board["csat"]["satisfied_percent"], 100.0);
    assert_eq!(board["csat_by_queue"][0]["csat"]["ratings"], 1);
    // Another company sees none of it.
    let b = app.tenant("other").await;
    let (_, theirs) = app.get("/api/dashboard?days=7", &b.admin_token).await;
    assert!(theirs["csat"].is_null(), "{theirs}");
    assert_eq!(theirs["csat_by_queue"], json!([]));
}

#[tokio::test]
async fn a_quiet_ticket_closes_by_itself() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let conn = simulator(&app, &t, "+551130000009", json!({})).await;
    settings(
        &app,
        &t,
        json!({ "auto_close_pending_minutes": 30, "auto_close_open_minutes": 60,
                "auto_close_message": "Encerramos por falta de resposta." }),
    )
    .await;
    let timer = |ticket: &str| format!("autoclose:{}:{ticket}", t.id);
    let fire = |ticket: &str| {
        let job = tucan_bus::NewJob::new(
            tucan_bus::Lane::System,
            tucan_inbox::AUTOCLOSE_KIND,
            json!({ "ticket_id": ticket }),
        )
        .tenant(&t.id);
        let bus = app.bus.clone();
        async move { bus.publish(job).await.unwrap() }
    };

    // A new ticket gets its timer; firing before its time moves it and closes nothing.
    let fresh = customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "5511900001111", "text": "Oi" }),
    )
    .await["ticket_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(app.store.jobs().timer_exists(&timer(&fresh)).await.unwrap());
    fire(&fresh).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, still) = app
        .get(&format!("/api/tickets/{fresh}"), &t.admin_token)
        .await;
    assert_eq!(still["status"], "pending", "{still}");
    assert!(app.store.jobs().timer_exists(&timer(&fresh)).await.unwrap());

    // A pending ticket quiet for its minute closes by itself, after the message: the
    // timer fires through the timer loop as in production.
    settings(&app, &t, json!({ "auto_close_pending_minutes": 1 })).await;
    let quiet = customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "5511900002222", "text": "Alguém?" }),
    )
    .await["ticket_id"]
        .as_str()
        .unwrap()
        .to_string();
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    loop {
        let (_, ticket) = app
            .get(&format!("/api/tickets/{quiet}"), &t.admin_token)
            .await;
        if ticket["status"] == "closed" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never closed: {ticket}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(
        phone_got(&app, &t, &conn, "5511900002222", 1).await,
        ["Encerramos por falta de resposta."]
    );

    // Taken by an agent, the fresh ticket's timer is set for an open one.
    app.store.jobs().cancel_timer(&timer(&fresh)).await.unwrap();
    let (status, _) = app
        .post(
            &format!("/api/tickets/{fresh}/accept"),
            &t.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(app.store.jobs().timer_exists(&timer(&fresh)).await.unwrap());

    // Turned off: nothing is set.
    settings(
        &app,
        &t,
        json!({ "auto_close_pending_minutes": 0, "auto_close_open_minutes": 0 }),
    )
    .await;
    let later = customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "5511900003333", "text": "Oi" }),
    )
    .await["ticket_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!app.store.jobs().timer_exists(&timer(&later)).await.unwrap());
}

#[tokio::test]
async fn a_quick_reply_fills_in_the_contact_the_ticket_and_the_agent() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let conn = simulator(&app, &t, "+551130000013", json!({})).await;
    let (status, reply) = app
        .post(
            "/api/quick-replies",
            &t.admin_token,
            json!({ "shortcut": "pedido",
                    "message": "Olá {{contact.name}}, aqui é {{ agent.name }}. Pedido {{contact.custom_fields.pedido}}{{contact.custom_fields.nada}}." }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    let ticket = customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "5511900004444", "name": "Rui", "text": "E meu pedido?" }),
    )
    .await["ticket_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, contacts) = app.get("/api/contacts", &t.admin_token).await;
    let contact_id = contacts["items"][0]["id"].as_str().unwrap();
    let (status, saved) = app
        .patch(
            &format!("/api/contacts/{contact_id}"),
            &t.admin_token,
            json!({ "custom_fields": { "pedido": "8812" } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let (_, agent_tok) = app.user(&t, "agent").await;
    app.post(
        &format!("/api/tickets/{ticket}/accept"),
        &agent_tok,
        json!({}),
    )
    .await;
    let (status, sent) = app
        .post(
            &format!("/api/tickets/{ticket}/messages"),
            &agent_tok,
            json!({ "body": "/pedido" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(sent["body"], "Olá Rui, aqui é agent. Pedido 8812.");
    // Text an agent types is sent as typed, braces and all.
    let (_, typed) = app
        .post(
            &format!("/api/tickets/{ticket}/messages"),
            &agent_tok,
            json!({ "body": "Use {{contact.name}} no modelo" }),
        )
        .await;
    assert_eq!(typed["body"], "Use {{contact.name}} no modelo");
    assert_eq!(
        phone_got(&app, &t, &conn, "5511900004444", 2).await,
        [
            "Olá Rui, aqui é agent. Pedido 8812.",
            "Use {{contact.name}} no modelo"
        ]
    );
}
