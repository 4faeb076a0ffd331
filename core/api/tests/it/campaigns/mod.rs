//! Campaigns end to end on the simulator: a list imported from CSV, opted-out contacts
//! skipped (by the customer's word and by hand), two numbers sharing the list in turn, every
//! other contact getting exactly one message, replies, pause and resume, a closed window, a
//! flow campaign whose replies branch, the report and its CSV; plan and company boundaries.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, TestTenant, assert_error};
use crate::inbox::{customer_says, eventually, simulator};

fn phone(i: usize) -> String {
    format!("55119600{i:05}")
}

/// A static list of `n` contacts imported from CSV (`Cliente 0`…).
async fn imported_list(app: &TestApp, t: &TestTenant, name: &str, from: usize, n: usize) -> String {
    let (status, list) = app
        .post(
            "/api/lists",
            &t.admin_token,
            json!({ "name": name, "kind": "static" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{list}");
    let id = list["id"].as_str().unwrap().to_string();
    let mut csv = String::from("name,phone,city\n");
    for i in from..from + n {
        csv.push_str(&format!("Cliente {i},+{},Campinas\n", phone(i)));
    }
    let resp = app
        .http
        .post(format!("{}/api/lists/{id}/import", app.base))
        .bearer_auth(&t.admin_token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let report: Value = resp.json().await.unwrap();
    assert_eq!(report["failed"], 0, "{report}");
    let (_, list) = app.get(&format!("/api/lists/{id}"), &t.admin_token).await;
    assert_eq!(list["size"], n as u64, "{list}");
    let (_, members) = app
        .get(
            &format!("/api/lists/{id}/members?limit=500"),
            &t.admin_token,
        )
        .await;
    assert_eq!(members["items"].as_array().unwrap().len(), n, "{members}");
    id
}

async fn outgoing_to(app: &TestApp, t: &TestTenant, conn: &str, phone: &str) -> Vec<String> {
    let (_, chat) = app
        .get(
            &format!("/api/connections/{conn}/simulator/chats/{phone}"),
            &t.admin_token,
        )
        .await;
    chat.as_array()
        .map(|m| {
            m.iter()
                .filter(|m| m["direction"] == "out")
                .map(|m| m["body"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

async fn finished(app: &TestApp, t: &TestTenant, id: &str) -> Value {
    let path = format!("/api/campaigns/{id}");
    for _ in 0..300 {
        let (_, c) = app.get(&path, &t.admin_token).await;
        if c["status"] == "completed" {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "campaign never completed: {}",
        app.get(&path, &t.admin_token).await.1
    );
}

#[tokio::test]
async fn a_campaign_reaches_every_contact_once_over_two_numbers_and_skips_the_opted_out() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let fast = json!({ "messages_per_minute": 6000 });
    let a = simulator(&app, &t, "+551130000091", fast.clone()).await;
    let b = simulator(&app, &t, "+551130000092", fast).await;
    let list = imported_list(&app, &t, "Clientes Campinas", 0, 12).await;

    // One customer says the company's opt-out word; another is taken out by hand.
    customer_says(&app, &t, &a, json!({ "from": phone(3), "text": "sair" })).await;
    let (_, page) = app
        .get(
            &format!("/api/contacts?search={}", phone(7)),
            &t.admin_token,
        )
        .await;
    let seventh = page["items"][0]["id"].as_str().unwrap().to_string();
    let (status, c) = app
        .patch(
            &format!("/api/contacts/{seventh}"),
            &t.admin_token,
            json!({ "opted_out": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(c["opted_out"], true);
    let (_, page) = app
        .get(
            &format!("/api/contacts?search={}", phone(3)),
            &t.admin_token,
        )
        .await;
    eventually(
        &app,
        &format!("/api/contacts/{}", page["items"][0]["id"].as_str().unwrap()),
        &t.admin_token,
        |c| c["opted_out"] == true,
    )
    .await;

    let (status, draft) = app
        .post(
            "/api/campaigns",
            &t.admin_token,
            json!({
                "name": "Promo de dezembro", "list_id": list, "connection_ids": [a, b],
                "content": { "kind": "message", "variants": ["Oi {{contact.name}}! Promo A", "Olá {{contact.name}}, promo B"] },
                "per_minute": 600
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    assert_eq!(draft["status"], "draft");
    let id = draft["id"].as_str().unwrap().to_string();
    // A draft changes; a started campaign does not.
    let (status, _) = app
        .patch(
            &format!("/api/campaigns/{id}"),
            &t.admin_token,
            json!({ "per_minute": 1200 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, started) = app
        .post(
            &format!("/api/campaigns/{id}/start"),
            &t.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{started}");
    assert_error(
        &app.patch(
            &format!("/api/campaigns/{id}"),
            &t.admin_token,
            json!({ "per_minute": 5 }),
        )
        .await,
        409,
        "CAMPAIGN_STATE",
    );
    let done = finished(&app, &t, &id).await;
    assert_eq!(done["counts"]["total"], 12, "{done}");
    assert_eq!(done["counts"]["opted_out"], 2, "{done}");
    assert_eq!(done["counts"]["pending"], 0, "{done}");
    assert_eq!(done["counts"]["failed"], 0, "{done}");

    // Every other contact got exactly one message, on the number its turn gave it.
    for i in 0..12 {
        let on_a = outgoing_to(&app, &t, &a, &phone(i)).await;
        let on_b = outgoing_to(&app, &t, &b, &phone(i)).await;
        let got: Vec<&String> = on_a.iter().chain(on_b.iter()).collect();
        if i == 3 || i == 7 {
            assert!(got.is_empty(), "contact {i} opted out: {got:?}");
            continue;
        }
        assert_eq!(got.len(), 1, "contact {i}: {got:?}");
        assert!(got[0].contains(&format!("Cliente {i}")), "{got:?}");
    }
    let (_, report) = app
        .get(&format!("/api/campaigns/{id}/recipients"), &t.admin_token)
        .await;
    let items = report["items"].as_array().unwrap();
    assert_eq!(items.len(), 12);
    for r in items {
        let seq = r["seq"].as_u64().unwrap();
        let number = if seq % 2 == 0 { &a } else { &b };
        assert_eq!(r["connection_id"], number.as_str(), "{r}");
        if r["status"] != "opted_out" {
            assert_eq!(r["variant"], seq % 2, "{r}");
            assert!(r["message_id"].is_string(), "{r}");
        }
    }

    // A reply marks its recipient.
    let (_, first) = app
        .get(
            &format!("/api/campaigns/{id}/recipients?limit=1"),
            &t.admin_token,
        )
        .await;
    let replier = first["items"][0]["phone"]
        .as_str()
        .unwrap()
        .trim_start_matches('+')
        .to_string();
    customer_says(&app, &t, &a, json!({ "from": replier, "text": "quero!" })).await;
    eventually(
        &app,
        &format!("/api/campaigns/{id}/recipients?status=replied"),
        &t.admin_token,
        |p| p["items"].as_array().is_some_and(|i| i.len() == 1),
    )
    .await;
    let (_, skipped) = app
        .get(
            &format!("/api/campaigns/{id}/recipients?status=opted_out"),
            &t.admin_token,
        )
        .await;
    assert_eq!(skipped["items"].as_array().unwrap().len(), 2);
    let csv = app
        .http
        .get(format!("{}/api/campaigns/{id}/recipients.csv", app.base))
        .bearer_auth(&t.admin_token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.starts_with("seq,name,phone,number,status,variant,error,updated_at\n"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 13, "{csv}");
    assert!(csv.contains(",opted_out,"), "{csv}");

    // Another company sees none of it; agents and plans without campaigns are refused.
    let other = app.tenant("other").await;
    assert_error(
        &app.get(&format!("/api/campaigns/{id}"), &other.admin_token)
            .await,
        404,
        "CAMPAIGN_NOT_FOUND",
    );
    assert_error(
        &app.get(&format!("/api/lists/{list}"), &other.admin_token)
            .await,
        404,
        "CONTACT_LIST_NOT_FOUND",
    );
    assert_error(
        &app.post(
            &format!("/api/campaigns/{id}/pause"),
            &other.admin_token,
            json!({}),
        )
        .await,
        404,
        "CAMPAIGN_NOT_FOUND",
    );
    let (_, theirs) = app.get("/api/campaigns", &other.admin_token).await;
    assert_eq!(theirs, json!([]));
    let (_, agent) = app.user(&t, "agent").await;
    assert_error(&app.get("/api/campaigns", &agent).await, 403, "FORBIDDEN");
    let plan = app.plan(5, 5, &["campaigns"]).await;
    let small = app.tenant_on("small", &plan).await;
    assert_error(
        &app.get("/api/lists", &small.admin_token).await,
        403,
        "FEATURE_DISABLED",
    );
}

#[tokio::test]
async fn a_paused_campaign_sends_nothing_until_resumed_and_a_closed_window_waits() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let a = simulator(
        &app,
        &t,
        "+551130000093",
        json!({ "messages_per_minute": 6000 }),
    )
    .await;
    let list = imported_list(&app, &t, "Lenta", 100, 8).await;
    let (_, draft) = app
        .post(
            "/api/campaigns",
            &t.admin_token,
            json!({
                "name": "Devagar", "list_id": list, "connection_ids": [a],
                "content": { "kind": "message", "variants": ["Oi {{contact.name}}"] },
                "per_minute": 120
            }),
        )
        .await;
    let id = draft["id"].as_str().unwrap().to_string();
    app.post(
        &format!("/api/campaigns/{id}/start"),
        &t.admin_token,
        json!({}),
    )
    .await;
    let path = format!("/api/campaigns/{id}");
    eventually(&app, &path, &t.admin_token, |c| {
        c["counts"]["total"] == 8 && c["counts"]["pending"].as_u64().is_some_and(|p| p < 8)
    })
    .await;
    let (status, paused) = app
        .post(
            &format!("/api/campaigns/{id}/pause"),
            &t.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{paused}");
    assert_eq!(paused["status"], "paused");
    tokio::time::sleep(Duration::from_millis(600)).await;
    let (_, at_pause) = app.get(&path, &t.admin_token).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (_, later) = app.get(&path, &t.admin_token).await;
    assert_eq!(
        at_pause["counts"]["pending"], later["counts"]["pending"],
        "nothing moves while paused"
    );
    assert!(later["counts"]["pending"].as_u64().unwrap() > 0, "{later}");
    assert_error(
        &app.post(
            &format!("/api/campaigns/{id}/start"),
            &t.admin_token,
            json!({}),
        )
        .await,
        409,
        "CAMPAIGN_STATE",
    );
    app.post(
        &format!("/api/campaigns/{id}/resume"),
        &t.admin_token,
        json!({}),
    )
    .await;
    let done = finished(&app, &t, &id).await;
    assert_eq!(done["counts"]["total"], 8);
    for i in 100..108 {
        assert_eq!(
            outgoing_to(&app, &t, &a, &phone(i)).await.len(),
            1,
            "contact {i}"
        );
    }

    // A window that opens only on another day: the campaign waits, sending nothing.
    let other_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][(chrono::Datelike::weekday(
        &chrono::Utc::now().date_naive(),
    )
    .num_days_from_monday()
        as usize
        + 3)
        % 7];
    let (status, draft) = app
        .post(
            "/api/campaigns",
            &t.admin_token,
            json!({
                "name": "Fora da janela", "list_id": list, "connection_ids": [a],
                "content": { "kind": "message", "variants": ["Olá de novo"] },
                "per_minute": 600,
                "window": { "timezone": "UTC", "week": { other_day: ["09:00-10:00"] } }
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let id = draft["id"].as_str().unwrap().to_string();
    app.post(
        &format!("/api/campaigns/{id}/start"),
        &t.admin_token,
        json!({}),
    )
    .await;
    let waiting = eventually(&app, &format!("/api/campaigns/{id}"), &t.admin_token, |c| {
        c["status"] == "waiting"
    })
    .await;
    assert_eq!(waiting["counts"]["sent"], 0, "{waiting}");
    assert_eq!(outgoing_to(&app, &t, &a, &phone(100)).await.len(), 1);
    let (_, cancelled) = app
        .post(
            &format!("/api/campaigns/{id}/cancel"),
            &t.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(cancelled["status"], "cancelled");
}

#[tokio::test]
async fn a_flow_campaign_asks_and_branches_on_each_reply() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let a = simulator(
        &app,
        &t,
        "+551130000094",
        json!({ "messages_per_minute": 6000 }),
    )
    .await;
    let flow = app
        .publish_flow(
            &t,
            "Pesquisa",
            json!({
                "nodes": [
                    { "id": "start", "type": "trigger.campaign" },
                    { "id": "ask", "type": "messaging.ask", "config": { "question": "{{contact.name}}, quer receber a promoção? (sim/não)", "variable": "r" } },
                    { "id": "yes", "type": "logic.condition", "config": { "expression": "vars.r == \"sim\"" } },
                    { "id": "great", "type": "messaging.send_text", "config": { "text": "Ótimo! Promo {{vars.campaign.name}} enviada." } },
                    { "id": "fine", "type": "messaging.send_text", "config": { "text": "Tudo bem, obrigado." } },
                    { "id": "out", "type": "contacts.opt_out" }
                ],
                "edges": [
                    { "id": "e1", "source": "start", "target": "ask" },
                    { "id": "e2", "source": "ask", "source_port": "answer", "target": "yes" },
                    { "id": "e3", "source": "yes", "source_port": "true", "target": "great" },
                    { "id": "e4", "source": "yes", "source_port": "false", "target": "fine" },
                    { "id": "e5", "source": "fine", "target": "out" }
                ]
            }),
        )
        .await;
    let (status, list) = app
        .post("/api/lists", &t.admin_token, json!({ "name": "Campinas", "kind": "dynamic", "filter": { "fields": { "city": "Campinas" } } }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{list}");
    let list_id = list["id"].as_str().unwrap().to_string();
    imported_list(&app, &t, "Base", 200, 2).await;
    let (_, list) = app
        .get(&format!("/api/lists/{list_id}"), &t.admin_token)
        .await;
    assert_eq!(list["size"], 2, "{list}");
    let (status, draft) = app
        .post(
            "/api/campaigns",
            &t.admin_token,
            json!({ "name": "Verão", "list_id": list_id, "connection_ids": [a], "content": { "kind": "flow", "flow_id": flow }, "per_minute": 600 }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let id = draft["id"].as_str().unwrap().to_string();
    let (status, started) = app
        .post(
            &format!("/api/campaigns/{id}/start"),
            &t.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{started}");
    assert!(started["flow_version"].is_number(), "{started}");
    finished(&app, &t, &id).await;
    for i in [200, 201] {
        let path = format!("/api/connections/{a}/simulator/chats/{}", phone(i));
        eventually(&app, &path, &t.admin_token, |c| {
            c.to_string().contains("quer receber a promoção")
        })
        .await;
    }
    customer_says(&app, &t, &a, json!({ "from": phone(200), "text": "sim" })).await;
    customer_says(&app, &t, &a, json!({ "from": phone(201), "text": "não" })).await;
    let path = format!("/api/connections/{a}/simulator/chats/{}", phone(200));
    eventually(&app, &path, &t.admin_token, |c| {
        c.to_string().contains("Ótimo! Promo Verão enviada.")
    })
    .await;
    let path = format!("/api/connections/{a}/simulator/chats/{}", phone(201));
    eventually(&app, &path, &t.admin_token, |c| {
        c.to_string().contains("Tudo bem, obrigado.")
    })
    .await;
    // The "no" branch took the contact out of campaigns.
    let (_, page) = app
        .get(
            &format!("/api/contacts?search={}", phone(201)),
            &t.admin_token,
        )
        .await;
    let contact = page["items"][0]["id"].as_str().unwrap().to_string();
    eventually(
        &app,
        &format!("/api/contacts/{contact}"),
        &t.admin_token,
        |c| c["opted_out"] == true,
    )
    .await;
}

mod at_scale;
