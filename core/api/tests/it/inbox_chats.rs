//! What a chat carries besides text, end to end with the simulator: group chats (one ticket
//! per group, each message with the member who wrote it, no flows), chat states (the
//! customer typing reaches the agents who see the ticket, the agent typing reaches the
//! phone) and files customers send (kept, type read from the content, shown only to those
//! who see the ticket; a refused file leaves its reason on the message).

use std::time::Duration;

use base64::Engine as _;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, TestTenant, assert_error};
use crate::inbox::{customer_says, drain, queue, simulator, socket, subscribe, wait_event};

const GROUP: &str = "120363025246125486@g.us";

/// A company with an agent in the queue `Support`, an agent of no queue (`outsider`), and a
/// simulator number whose new tickets wait in `Support` (`extra`: more of the connection).
struct Desk {
    app: TestApp,
    t: TestTenant,
    agent_tok: String,
    outsider_tok: String,
    support: String,
    conn: String,
}

async fn desk(extra: Value) -> Desk {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let (agent, agent_tok) = app.user(&t, "agent").await;
    let (_, outsider_tok) = app.user(&t, "agent").await;
    let support = queue(&app, &t, "Support", &[&agent], "manual").await;
    let mut body = json!({ "default_queue_id": support });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let conn = simulator(&app, &t, "+55 11 3000-0001", body).await;
    Desk {
        app,
        t,
        agent_tok,
        outsider_tok,
        support,
        conn,
    }
}

async fn messages(app: &TestApp, ticket: &str, token: &str) -> Vec<Value> {
    let (status, page) = app
        .get(&format!("/api/tickets/{ticket}/messages"), token)
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"].as_array().unwrap().clone()
}

async fn simulate(app: &TestApp, t: &TestTenant, conn: &str, body: Value) -> (StatusCode, Value) {
    app.post(
        &format!("/api/connections/{conn}/simulator/messages"),
        &t.admin_token,
        body,
    )
    .await
}

#[tokio::test]
async fn group_chats_are_one_ticket_per_group_with_each_member_named() {
    let Desk {
        app,
        t,
        agent_tok,
        conn,
        support,
        ..
    } = desk(json!({ "greeting": "Olá! Já vamos atender." })).await;
    let from_ana = json!({
        "from": "+5511987650001", "name": "Ana", "text": "Bom dia, grupo",
        "group": { "id": GROUP, "subject": "Família Silva" },
    });

    // Off by default: the company takes no group chats.
    assert_error(
        &simulate(&app, &t, &conn, from_ana.clone()).await,
        403,
        "FEATURE_DISABLED",
    );
    let (status, _) = app
        .patch(
            "/api/settings",
            &t.admin_token,
            json!({ "accept_group_chats": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Only WhatsApp's group ids.
    let mut bad = from_ana.clone();
    bad["group"]["id"] = json!("family@g.us");
    assert_error(&simulate(&app, &t, &conn, bad).await, 400, "INVALID_FIELD");

    let first = customer_says(&app, &t, &conn, from_ana).await;
    let ticket = first["ticket_id"].as_str().unwrap().to_string();
    let second = customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "+5511987650002", "name": "Bruno", "text": "Oi!", "group": { "id": GROUP } }),
    )
    .await;
    assert_eq!(second["ticket_id"], ticket.as_str(), "one ticket per group");
    let solo = customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "+5511987650001", "name": "Ana", "text": "Agora só eu" }),
    )
    .await;
    assert_ne!(
        solo["ticket_id"],
        ticket.as_str(),
        "a member alone is a chat of its own"
    );

    let (_, t_group) = app.get(&format!("/api/tickets/{ticket}"), &agent_tok).await;
    assert_eq!(t_group["is_group"], true);
    assert_eq!(t_group["contact_name"], "Família Silva");
    assert_eq!(t_group["contact_phone"], GROUP);
    assert_eq!(t_group["queue_id"], support.as_str());
    assert_eq!(t_group["unread"], 2);
    let (_, contact) = app
        .get(
            &format!("/api/contacts/{}", t_group["contact_id"].as_str().unwrap()),
            &t.admin_token,
        )
        .await;
    assert_eq!(contact["is_group"], true);
    // The group's id is WhatsApp's.
    assert_error(
        &app.patch(
            &format!("/api/contacts/{}", t_group["contact_id"].as_str().unwrap()),
            &t.admin_token,
            json!({ "phone": "+5511999990000" }),
        )
        .await,
        400,
        "INVALID_FIELD",
    );

    // Each message names its member; no greeting or flow talks to a group.
    let msgs = messages(&app, &ticket, &agent_tok).await;
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert_eq!(msgs[0]["author"]["phone"], "+5511987650001");
    assert_eq!(msgs[0]["author"]["name"], "Ana");
    assert_eq!(msgs[1]["author"]["name"], "Bruno");
    let solo_msgs = messages(&app, solo["ticket_id"].as_str().unwrap(), &agent_tok).await;
    assert!(solo_msgs[0]["author"].is_null(), "{solo_msgs:?}");

    // Lists tell group chats apart.
    let (_, groups) = app.get("/api/tickets?group=true", &agent_tok).await;
    let ids: Vec<&str> = groups["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![ticket.as_str()]);
    let (_, chats) = app.get("/api/tickets?group=false", &agent_tok).await;
    assert_eq!(chats["items"].as_array().unwrap().len(), 1, "{chats}");
    assert_eq!(chats["items"][0]["id"], solo["ticket_id"]);

    // The agent answers the group: the reply lands in the group's chat on the phone.
    let (status, _) = app
        .post(
            &format!("/api/tickets/{ticket}/accept"),
            &agent_tok,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, sent) = app
        .post(
            &format!("/api/tickets/{ticket}/messages"),
            &agent_tok,
            json!({ "body": "Bom dia a todos" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let chat_path = format!("/api/connections/{conn}/simulator/chats/{GROUP}");
    let chat = crate::inbox::eventually(&app, &chat_path, &t.admin_token, |c| {
        c.as_array().unwrap().iter().any(|m| {
            m["direction"] == "out" && m["body"].as_str().unwrap().contains("Bom dia a todos")
        })
    })
    .await;
    // The phone keeps what its members sent, the one the company ignored included, as
    // WhatsApp would.
    assert_eq!(chat.as_array().unwrap().len(), 4, "{chat}");
    // The group reads it: the receipt reaches the agent's message.
    let (status, read) = app
        .post(
            &format!("/api/connections/{conn}/simulator/read"),
            &t.admin_token,
            json!({ "phone": GROUP }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{read}");
    assert_eq!(read["read"], 1);
    let reply = sent["id"].as_str().unwrap().to_string();
    crate::inbox::eventually(
        &app,
        &format!("/api/tickets/{ticket}/messages"),
        &agent_tok,
        |page| {
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["id"] == reply.as_str() && m["status"] == "read")
        },
    )
    .await;
}

#[tokio::test]
async fn typing_reaches_who_sees_the_ticket_and_the_phone() {
    let Desk {
        app,
        t,
        agent_tok,
        outsider_tok,
        conn,
        ..
    } = desk(json!({})).await;
    let sent = customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "+5511987654321", "name": "Maria", "text": "Oi" }),
    )
    .await;
    let ticket = sent["ticket_id"].as_str().unwrap().to_string();
    let typing_path = format!("/api/connections/{conn}/simulator/typing");

    let mut ws = socket(&app, &agent_tok).await;
    subscribe(
        &mut ws,
        json!({ "type": "subscribe", "id": "t", "view": "ticket", "ticket_id": ticket }),
    )
    .await;
    let mut outsider = socket(&app, &outsider_tok).await;
    subscribe(
        &mut outsider,
        json!({ "type": "subscribe", "id": "t", "view": "ticket", "ticket_id": ticket }),
    )
    .await;
    let (status, shown) = app
        .post(
            &typing_path,
            &t.admin_token,
            json!({ "phone": "+55 11 98765-4321", "state": "composing" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert_eq!(shown["shown"], true);
    let ev = wait_event(&mut ws, "customer typing", |e| e["kind"] == "typing").await;
    assert_eq!(ev["ticket_id"], ticket.as_str());
    assert_eq!(ev["data"]["state"], "composing");
    assert_eq!(ev["data"]["by"], "customer");
    assert_eq!(ev["data"]["phone"], "+5511987654321");
    app.post(
        &typing_path,
        &t.admin_token,
        json!({ "phone": "+5511987654321", "state": "paused" }),
    )
    .await;
    let ev = wait_event(&mut ws, "customer paused", |e| e["kind"] == "typing").await;
    assert_eq!(ev["data"]["state"], "paused");
    // An agent of no queue hears nothing of a ticket it may not see.
    assert!(
        drain(&mut outsider, Duration::from_millis(300))
            .await
            .is_empty()
    );
    // Nobody to tell about a stranger without a ticket; a bad state is refused.
    let (_, stranger) = app
        .post(
            &typing_path,
            &t.admin_token,
            json!({ "phone": "+5511900000000", "state": "composing" }),
        )
        .await;
    assert_eq!(stranger["shown"], false);
    assert_error(
        &app.post(
            &typing_path,
            &t.admin_token,
            json!({ "phone": "+5511987654321", "state": "dancing" }),
        )
        .await,
        400,
        "INVALID_BODY",
    );

    // A resumed subscription does not replay who was writing.
    let after = ev["id"].as_str().unwrap();
    let mut again = socket(&app, &agent_tok).await;
    let replayed = subscribe(
        &mut again,
        json!({ "type": "subscribe", "id": "t", "view": "ticket", "ticket_id": ticket, "after": after }),
    )
    .await;
    assert!(
        replayed.iter().all(|m| m["event"]["kind"] != "typing"),
        "{replayed:?}"
    );

    // The agent typing shows on the simulated phone.
    let mut phone = socket(&app, &t.admin_token).await;
    subscribe(
        &mut phone,
        json!({ "type": "subscribe", "id": "p", "view": "simulator", "connection_id": conn }),
    )
    .await;
    let typing = format!("/api/tickets/{ticket}/typing");
    let (status, _) = app
        .post(&typing, &agent_tok, json!({ "state": "composing" }))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let ev = wait_event(&mut phone, "agent typing", |e| {
        e["kind"] == "sim" && e["data"]["typing"].is_string()
    })
    .await;
    assert_eq!(ev["data"]["typing"], "composing");
    assert_eq!(ev["data"]["phone"], "+5511987654321");
    assert_error(
        &app.post(&typing, &outsider_tok, json!({ "state": "composing" }))
            .await,
        404,
        "TICKET_NOT_FOUND",
    );
    let (status, _) = app
        .post(
            &format!("/api/tickets/{ticket}/close"),
            &t.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_error(
        &app.post(&typing, &agent_tok, json!({ "state": "composing" }))
            .await,
        409,
        "TICKET_STATE",
    );
    // Other tenants reach neither side.
    let other = app.tenant("globex").await;
    assert_error(
        &app.post(&typing, &other.admin_token, json!({ "state": "composing" }))
            .await,
        404,
        "TICKET_NOT_FOUND",
    );
    assert_error(
        &app.post(
            &typing_path,
            &other.admin_token,
            json!({ "phone": "+5511987654321", "state": "composing" }),
        )
        .await,
        404,
        "CONNECTION_NOT_FOUND",
    );
}

#[tokio::test]
async fn files_customers_send_are_kept_and_shown_only_to_who_sees_the_ticket() {
    let Desk {
        app,
        t,
        agent_tok,
        outsider_tok,
        conn,
        ..
    } = desk(json!({})).await;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR fake image body".to_vec();

    // A photo with a caption: kept, typed by its content.
    let sent = customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "+5511987654321", "text": "a foto do defeito", "media_base64": b64(&png), "filename": "defeito.jpg" }),
    )
    .await;
    let ticket = sent["ticket_id"].as_str().unwrap().to_string();
    let msgs = messages(&app, &ticket, &agent_tok).await;
    let photo = &msgs[0];
    assert_eq!(photo["kind"], "image");
    assert_eq!(photo["body"], "a foto do defeito");
    assert_eq!(photo["media"]["mime"], "image/png");
    assert_eq!(photo["media"]["filename"], "defeito.jpg");
    assert_eq!(photo["media"]["size"], png.len());
    let media_path = format!("/api/media/{}", photo["media"]["id"].as_str().unwrap());
    let resp = app
        .http
        .get(format!("{}{media_path}", app.base))
        .bearer_auth(&agent_tok)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "image/png");
    assert_eq!(resp.bytes().await.unwrap().to_vec(), png);
    // Whoever does not see the ticket does not see its files; nor does another company.
    assert_error(
        &app.get(&media_path, &outsider_tok).await,
        404,
        "MEDIA_NOT_FOUND",
    );
    let other = app.tenant("globex").await;
    assert_error(
        &app.get(&media_path, &other.admin_token).await,
        404,
        "MEDIA_NOT_FOUND",
    );

    // A file in disguise is not kept, but the message and the reason are.
    let sent = customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "+5511987654321", "text": "olha isso", "media_base64": b64(b"<html><script>alert(1)</script>"), "filename": "foto.png", "id": "wamid-disguise" }),
    )
    .await;
    let msgs = messages(&app, &ticket, &agent_tok).await;
    let refused = msgs.iter().find(|m| m["id"] == sent["message_id"]).unwrap();
    assert_eq!(refused["body"], "olha isso");
    assert!(refused["media"].is_null(), "{refused}");
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .starts_with("file not kept"),
        "{refused}"
    );
    // A second delivery of a file message stores nothing new.
    let again = customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "+5511987654321", "media_base64": b64(&png), "id": "wamid-photo-2" }),
    )
    .await;
    let dup = customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "+5511987654321", "media_base64": b64(&png), "id": "wamid-photo-2" }),
    )
    .await;
    assert_eq!(dup["duplicate"], true);
    assert_eq!(dup["message_id"], again["message_id"]);
    assert_eq!(messages(&app, &ticket, &agent_tok).await.len(), 3);

    // Bad input gets a clear error.
    assert_error(
        &simulate(
            &app,
            &t,
            &conn,
            json!({ "from": "+5511987654321", "media_base64": "***" }),
        )
        .await,
        400,
        "INVALID_FIELD",
    );
    assert_error(
        &simulate(
            &app,
            &t,
            &conn,
            json!({ "from": "+5511987654321", "media_base64": b64(&png), "media_url": "https://example.com/a.png" }),
        )
        .await,
        400,
        "INVALID_FIELD",
    );
}
