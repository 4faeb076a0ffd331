//! Messages scheduled to a contact: once or repeating, edited and cancelled while they wait,
//! sent through the normal outbound path on a ticket opened for whoever scheduled them;
//! agents see their own, supervisors the company's, other companies none.

use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::phone_got;
use crate::harness::{TestApp, TestTenant, assert_error};
use crate::inbox::{eventually, simulator};

async fn contact(app: &TestApp, t: &TestTenant, name: &str, phone: &str) -> String {
    let (status, c) = app
        .post(
            "/api/contacts",
            &t.admin_token,
            json!({ "name": name, "phone": phone }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    c["id"].as_str().unwrap().to_string()
}

fn in_ms(ms: i64) -> DateTime<Utc> {
    Utc::now() + Duration::milliseconds(ms)
}

fn time_of(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test]
async fn a_message_scheduled_to_a_contact_goes_once_or_repeats_and_can_be_edited_or_cancelled() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let conn = simulator(&app, &t, "+551130000021", json!({})).await;
    let (agent, agent_tok) = app.user(&t, "agent").await;
    let (_, other_tok) = app.user(&t, "agent").await;
    let lia = contact(&app, &t, "Lia", "+5511977770001").await;

    // Scheduled by an agent, edited before it goes: the edited text goes, filled in.
    let (status, s) = app
        .post(
            "/api/scheduled",
            &agent_tok,
            json!({ "contact_id": lia, "connection_id": conn, "body": "Oi {{contact.name}}, lembrete", "send_at": in_ms(1500) }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    assert_eq!(s["status"], "scheduled");
    assert_eq!(s["repeat"], "none");
    assert_eq!(s["contact_name"], "Lia");
    assert!(s["ticket_id"].is_null(), "{s}");
    let once = s["id"].as_str().unwrap().to_string();
    let (status, s) = app
        .patch(
            &format!("/api/scheduled/{once}"),
            &agent_tok,
            json!({ "body": "Oi {{contact.name}}, lembrete da consulta" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(
        phone_got(&app, &t, &conn, "5511977770001", 1).await,
        ["Oi Lia, lembrete da consulta"]
    );
    let sent = eventually(&app, &format!("/api/scheduled/{once}"), &agent_tok, |s| {
        s["status"] == "sent"
    })
    .await;
    assert_eq!(sent["sent_count"], 1);
    assert!(sent["message_id"].is_string(), "{sent}");
    // It went on a ticket opened for the agent who scheduled it.
    let (_, mine) = app.get("/api/tickets?status=open", &agent_tok).await;
    assert_eq!(mine["items"][0]["contact_id"], lia.as_str(), "{mine}");
    assert_eq!(mine["items"][0]["user_id"], agent.as_str());
    // Gone for good: no edit, no cancel.
    let path = format!("/api/scheduled/{once}");
    assert_error(
        &app.patch(&path, &agent_tok, json!({ "body": "tarde" }))
            .await,
        409,
        "TICKET_STATE",
    );
    assert_error(
        &app.post(&format!("{path}/cancel"), &agent_tok, json!({}))
            .await,
        409,
        "TICKET_STATE",
    );

    // Daily: after its first send it waits for the same time the next day.
    let first = in_ms(1200);
    let (status, s) = app
        .post(
            "/api/scheduled",
            &agent_tok,
            json!({ "contact_id": lia, "connection_id": conn, "body": "Bom dia!", "send_at": first, "repeat": "daily" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    let daily = s["id"].as_str().unwrap().to_string();
    let moved = eventually(&app, &format!("/api/scheduled/{daily}"), &agent_tok, |s| {
        s["sent_count"] == 1
    })
    .await;
    assert_eq!(moved["status"], "scheduled");
    let next = time_of(&moved["send_at"]);
    assert_eq!(
        (next - first).num_minutes(),
        24 * 60,
        "next send {next}, first {first}"
    );
    let got = phone_got(&app, &t, &conn, "5511977770001", 2).await;
    assert_eq!(got[1], "Bom dia!");
    let (status, s) = app
        .post(
            &format!("/api/scheduled/{daily}/cancel"),
            &agent_tok,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["status"], "cancelled");

    // Cancelled before its time: it never goes.
    let (_, s) = app
        .post(
            "/api/scheduled",
            &agent_tok,
            json!({ "contact_id": lia, "connection_id": conn, "body": "Nunca chega", "send_at": in_ms(800) }),
        )
        .await;
    let never = s["id"].as_str().unwrap().to_string();
    let (status, _) = app
        .post(
            &format!("/api/scheduled/{never}/cancel"),
            &agent_tok,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let (_, chat) = app
        .get(
            &format!("/api/connections/{conn}/simulator/chats/5511977770001"),
            &t.admin_token,
        )
        .await;
    assert!(
        chat.as_array()
            .unwrap()
            .iter()
            .all(|m| m["body"] != "Nunca chega"),
        "{chat}"
    );

    // Who sees what: the agent their own, a colleague nothing, the admin everything.
    let (_, list) = app.get("/api/scheduled?status=cancelled", &agent_tok).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2, "{list}");
    let (_, list) = app.get("/api/scheduled?status=sent", &agent_tok).await;
    assert_eq!(list["items"][0]["id"], once.as_str());
    let (_, list) = app.get("/api/scheduled", &other_tok).await;
    assert_eq!(list["items"], json!([]));
    assert_error(
        &app.get(&path, &other_tok).await,
        404,
        "SCHEDULED_MESSAGE_NOT_FOUND",
    );
    assert_error(
        &app.post(
            &format!("/api/scheduled/{never}/cancel"),
            &other_tok,
            json!({}),
        )
        .await,
        404,
        "SCHEDULED_MESSAGE_NOT_FOUND",
    );
    let (_, all) = app
        .get(
            &format!("/api/scheduled?contact_id={lia}&status=cancelled"),
            &t.admin_token,
        )
        .await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2, "{all}");
    let (_, only_mine) = app.get("/api/scheduled?mine=true", &t.admin_token).await;
    assert_eq!(only_mine["items"], json!([]));
    let (_, page) = app
        .get("/api/scheduled?status=cancelled&limit=1", &t.admin_token)
        .await;
    let cursor = page["next_cursor"].as_str().unwrap().to_string();
    let (_, rest) = app
        .get(
            &format!("/api/scheduled?status=cancelled&limit=1&cursor={cursor}"),
            &t.admin_token,
        )
        .await;
    assert_ne!(rest["items"][0]["id"], page["items"][0]["id"]);
    assert!(rest["next_cursor"].is_null(), "{rest}");
}

#[tokio::test]
async fn bad_schedules_are_refused_and_other_companies_see_none() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let other = app.tenant("globex").await;
    let conn = simulator(&app, &t, "+551130000022", json!({})).await;
    let ana = contact(&app, &t, "Ana", "+5511977770002").await;
    let later = in_ms(3_600_000);
    let post = |body: Value| {
        let app = &app;
        let token = t.admin_token.clone();
        async move { app.post("/api/scheduled", &token, body).await }
    };
    let bad = [
        json!({ "contact_id": ana, "connection_id": conn, "body": "x", "send_at": in_ms(-60_000) }),
        json!({ "contact_id": ana, "connection_id": conn, "body": "", "send_at": later }),
        json!({ "contact_id": ana, "connection_id": conn, "body": "x", "send_at": later, "template": { "name": "t", "language": "pt_BR" } }),
        json!({ "contact_id": ana, "connection_id": conn, "template": { "name": "t", "language": "pt_BR" }, "send_at": later }),
        json!({ "contact_id": ana, "connection_id": conn, "body": "x", "send_at": later, "repeat_until": in_ms(7_200_000) }),
        json!({ "contact_id": ana, "connection_id": conn, "body": "x", "send_at": later, "repeat": "weekly", "repeat_until": in_ms(60_000) }),
        json!({ "contact_id": ana, "connection_id": conn, "body": "x", "send_at": later, "media_id": "0190f0c0a0b0c0d0e0f0a0b0c0d0e0f0" }),
    ];
    for body in bad {
        assert_error(&post(body.clone()).await, 400, "INVALID_FIELD");
    }
    assert_error(
        &post(json!({ "contact_id": ana, "connection_id": conn, "body": "x", "send_at": later, "repeat": "yearly" })).await,
        400,
        "INVALID_BODY",
    );
    let (status, s) = post(
        json!({ "contact_id": ana, "connection_id": conn, "body": "Oi", "send_at": later, "repeat": "monthly" }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    let id = s["id"].as_str().unwrap().to_string();

    // Another company: not its contact, not its message.
    let foreign = app
        .post(
            "/api/scheduled",
            &other.admin_token,
            json!({ "contact_id": ana, "connection_id": conn, "body": "x", "send_at": later }),
        )
        .await;
    assert_eq!(foreign.0, StatusCode::NOT_FOUND, "{}", foreign.1);
    let (_, list) = app.get("/api/scheduled", &other.admin_token).await;
    assert_eq!(list["items"], json!([]));
    let path = format!("/api/scheduled/{id}");
    for result in [
        app.get(&path, &other.admin_token).await,
        app.patch(&path, &other.admin_token, json!({ "body": "y" }))
            .await,
        app.post(&format!("{path}/cancel"), &other.admin_token, json!({}))
            .await,
    ] {
        assert_error(&result, 404, "SCHEDULED_MESSAGE_NOT_FOUND");
    }
    let (_, mine) = app.get(&path, &t.admin_token).await;
    assert_eq!(mine["status"], "scheduled");
    assert_eq!(mine["body"], "Oi");
}
