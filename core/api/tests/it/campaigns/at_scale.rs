//! Campaigns at the size users run them: two hundred contacts through a closing window (on
//! the campaigns' test clock), a pause and replies; and the plan's monthly recipients.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{finished, imported_list, outgoing_to, phone};
use crate::harness::{TestApp, TestTenant, assert_error};
use crate::inbox::{customer_says, eventually, simulator};

/// The company's database, for moving a campaign's clock and waking its turn.
async fn wake(app: &TestApp, t: &TestTenant, id: &str) {
    let db = app.store.tenant(&t.id).await.unwrap();
    app.campaigns.wake(&db, id).await.unwrap();
}

/// Recipients of a campaign by status, read from its report page by page.
async fn report_tally(
    app: &TestApp,
    t: &TestTenant,
    id: &str,
) -> std::collections::BTreeMap<String, u64> {
    let mut tally = std::collections::BTreeMap::new();
    let mut after: Option<u64> = None;
    loop {
        let path = match after {
            Some(a) => format!("/api/campaigns/{id}/recipients?limit=70&after={a}"),
            None => format!("/api/campaigns/{id}/recipients?limit=70"),
        };
        let (_, page) = app.get(&path, &t.admin_token).await;
        for r in page["items"].as_array().unwrap() {
            *tally
                .entry(r["status"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
        match page["next_cursor"].as_u64() {
            Some(c) => after = Some(c),
            None => return tally,
        }
    }
}

#[tokio::test]
async fn two_hundred_contacts_over_two_numbers_through_a_closing_window_a_pause_and_replies() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let fast = json!({ "messages_per_minute": 6000 });
    let a = simulator(&app, &t, "+551130000191", fast.clone()).await;
    let b = simulator(&app, &t, "+551130000192", fast).await;
    let list = imported_list(&app, &t, "Duzentos", 1000, 200).await;
    // Five opt out: three by hand, two by writing the company's word.
    for i in [1003, 1050, 1111] {
        let (_, page) = app
            .get(
                &format!("/api/contacts?search={}", phone(i)),
                &t.admin_token,
            )
            .await;
        let id = page["items"][0]["id"].as_str().unwrap().to_string();
        let (status, _) = app
            .patch(
                &format!("/api/contacts/{id}"),
                &t.admin_token,
                json!({ "opted_out": true }),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    for i in [1077, 1198] {
        customer_says(&app, &t, &b, json!({ "from": phone(i), "text": "PARAR" })).await;
    }
    let opted = [1003, 1050, 1077, 1111, 1198];
    for i in [1077, 1198] {
        let (_, page) = app
            .get(
                &format!("/api/contacts?search={}", phone(i)),
                &t.admin_token,
            )
            .await;
        let id = page["items"][0]["id"].as_str().unwrap();
        eventually(&app, &format!("/api/contacts/{id}"), &t.admin_token, |c| {
            c["opted_out"] == true
        })
        .await;
    }
    // The answers branch: "sim" gets the offer, anything else a thank-you.
    let flow = app
        .publish_flow(
            &t,
            "Oferta",
            json!({
                "nodes": [
                    { "id": "start", "type": "trigger.campaign" },
                    { "id": "ask", "type": "messaging.ask", "config": { "question": "{{contact.name}}, quer a oferta?", "variable": "r" } },
                    { "id": "yes", "type": "logic.condition", "config": { "expression": "vars.r == \"sim\"" } },
                    { "id": "offer", "type": "messaging.send_text", "config": { "text": "Oferta enviada!" } },
                    { "id": "thanks", "type": "messaging.send_text", "config": { "text": "Obrigado assim mesmo." } }
                ],
                "edges": [
                    { "id": "e1", "source": "start", "target": "ask" },
                    { "id": "e2", "source": "ask", "source_port": "answer", "target": "yes" },
                    { "id": "e3", "source": "yes", "source_port": "true", "target": "offer" },
                    { "id": "e4", "source": "yes", "source_port": "false", "target": "thanks" }
                ]
            }),
        )
        .await;

    // The campaigns' clock moves to tomorrow 10:00 UTC; the window is 10:00-10:02 and
    // 10:05-11:00 that day.
    let now = chrono::Utc::now();
    let tomorrow = (now + chrono::Duration::days(1)).date_naive();
    let ten = tomorrow.and_hms_opt(10, 0, 0).unwrap().and_utc();
    app.campaigns.advance_clock((ten - now).num_milliseconds());
    let day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        [chrono::Datelike::weekday(&tomorrow).num_days_from_monday() as usize];
    let (status, draft) = app
        .post(
            "/api/campaigns",
            &t.admin_token,
            json!({
                "name": "Duzentos", "list_id": list, "connection_ids": [a, b],
                "content": { "kind": "flow", "flow_id": flow }, "per_minute": 480,
                "window": { "timezone": "UTC", "week": { day: ["10:00-10:02", "10:05-11:00"] } }
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let id = draft["id"].as_str().unwrap().to_string();
    let path = format!("/api/campaigns/{id}");
    app.post(&format!("{path}/start"), &t.admin_token, json!({}))
        .await;
    let sent_some = |c: &Value| {
        c["counts"]["total"] == 200 && c["counts"]["pending"].as_u64().is_some_and(|p| p < 170)
    };
    eventually(&app, &path, &t.admin_token, sent_some).await;

    // 10:02: the window closes; the campaign waits and sends nothing.
    app.campaigns.advance_clock(120_000);
    let waiting = eventually(&app, &path, &t.admin_token, |c| c["status"] == "waiting").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (_, still) = app.get(&path, &t.admin_token).await;
    assert_eq!(still["status"], "waiting");
    assert_eq!(
        still["counts"]["pending"], waiting["counts"]["pending"],
        "{still}"
    );
    assert!(still["counts"]["pending"].as_u64().unwrap() > 0, "{still}");

    // 10:05: it opens again and the campaign goes on; a pause holds it, a resume ends it.
    app.campaigns.advance_clock(180_000);
    wake(&app, &t, &id).await;
    let pending_then = still["counts"]["pending"].as_u64().unwrap();
    eventually(&app, &path, &t.admin_token, |c| {
        c["status"] == "running"
            && c["counts"]["pending"]
                .as_u64()
                .is_some_and(|p| p + 20 < pending_then)
    })
    .await;
    let (status, _) = app
        .post(&format!("{path}/pause"), &t.admin_token, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let (_, at_pause) = app.get(&path, &t.admin_token).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (_, later) = app.get(&path, &t.admin_token).await;
    assert_eq!(at_pause["counts"]["pending"], later["counts"]["pending"]);
    app.post(&format!("{path}/resume"), &t.admin_token, json!({}))
        .await;
    let done = finished(&app, &t, &id).await;
    assert_eq!(done["counts"]["total"], 200, "{done}");
    assert_eq!(done["counts"]["opted_out"], 5, "{done}");
    assert_eq!(done["counts"]["failed"], 0, "{done}");
    assert_eq!(done["counts"]["pending"], 0, "{done}");

    // Every contact but the opted-out got the question exactly once, on one number.
    for i in 1000..1200 {
        let mut got = outgoing_to(&app, &t, &a, &phone(i)).await;
        got.extend(outgoing_to(&app, &t, &b, &phone(i)).await);
        got.retain(|m| m.contains("quer a oferta?"));
        let expected = usize::from(!opted.contains(&i));
        assert_eq!(got.len(), expected, "contact {i}: {got:?}");
    }

    // Replies branch, and mark their recipients.
    let (_, first) = app
        .get(
            &format!("{path}/recipients?status=sent&limit=4"),
            &t.admin_token,
        )
        .await;
    let repliers: Vec<(String, String)> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["phone"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches('+')
                    .to_string(),
                r["connection_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(repliers.len(), 4);
    for (k, (from, conn)) in repliers.iter().enumerate() {
        let text = if k % 2 == 0 { "sim" } else { "agora não" };
        customer_says(&app, &t, conn, json!({ "from": from, "text": text })).await;
    }
    for (k, (from, conn)) in repliers.iter().enumerate() {
        let want = if k % 2 == 0 {
            "Oferta enviada!"
        } else {
            "Obrigado assim mesmo."
        };
        let chat = format!("/api/connections/{conn}/simulator/chats/{from}");
        eventually(&app, &chat, &t.admin_token, |c| {
            c.to_string().contains(want)
        })
        .await;
    }
    let done = eventually(&app, &path, &t.admin_token, |c| c["counts"]["replied"] == 4).await;

    // The counts and the report agree.
    let tally = report_tally(&app, &t, &id).await;
    let counts = &done["counts"];
    for (status, n) in &tally {
        assert_eq!(
            counts[status.as_str()],
            *n,
            "{status}: {tally:?} vs {counts}"
        );
    }
    assert_eq!(tally.values().sum::<u64>(), 200);
    // The delivery chart holds every recipient reached, in the stretches they went in.
    let (status, timeline) = app.get(&format!("{path}/timeline"), &t.admin_token).await;
    assert_eq!(status, StatusCode::OK, "{timeline}");
    let points = timeline["points"].as_array().unwrap();
    assert!(!points.is_empty() && points.len() <= 120, "{timeline}");
    let reached: u64 = points
        .iter()
        .flat_map(|p| {
            ["queued", "sent", "delivered", "read", "replied", "failed"]
                .map(|k| p[k].as_u64().unwrap())
        })
        .sum();
    assert_eq!(reached, 195, "{timeline}");
    assert_eq!(
        points
            .iter()
            .map(|p| p["replied"].as_u64().unwrap())
            .sum::<u64>(),
        4
    );
    let (_, usage) = app.get("/api/campaigns/usage", &t.admin_token).await;
    assert_eq!(usage["used"], 195, "{usage}");
    assert_eq!(usage["month"], ten.format("%Y-%m").to_string(), "{usage}");

    // The report as a spreadsheet: a header and a row per recipient.
    let resp = app
        .http
        .get(format!("{}{path}/recipients.xlsx", app.base))
        .bearer_auth(&t.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = resp.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK"), "a zip container");
    let other = app.tenant("other").await;
    assert_error(
        &app.get(&format!("{path}/recipients.xlsx"), &other.admin_token)
            .await,
        404,
        "CAMPAIGN_NOT_FOUND",
    );
    assert_error(
        &app.get(&format!("{path}/timeline"), &other.admin_token)
            .await,
        404,
        "CAMPAIGN_NOT_FOUND",
    );
}

#[tokio::test]
async fn the_plans_monthly_recipients_pause_a_campaign_and_refuse_a_new_one() {
    let app = TestApp::start_with_workers().await;
    let body = json!({
        "name": "Pequeno",
        "limits": { "users": 5, "connections": 3, "queues": 5, "flows": 10, "plugins": 1, "campaign_recipients": 5 },
        "features": { "campaigns": true, "plugins": true, "api_access": true, "webhooks": true },
    });
    let (status, plan) = app.post("/api/platform/plans", &app.root, body).await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    assert_eq!(plan["limits"]["campaign_recipients"], 5);
    let t = app.tenant_on("small", plan["id"].as_str().unwrap()).await;
    let a = simulator(
        &app,
        &t,
        "+551130000193",
        json!({ "messages_per_minute": 6000 }),
    )
    .await;
    let list = imported_list(&app, &t, "Oito", 300, 8).await;
    let (_, draft) = app
        .post(
            "/api/campaigns",
            &t.admin_token,
            json!({
                "name": "Grande demais", "list_id": list, "connection_ids": [a],
                "content": { "kind": "message", "variants": ["Oi {{contact.name}}"] }, "per_minute": 6000
            }),
        )
        .await;
    let id = draft["id"].as_str().unwrap().to_string();
    let path = format!("/api/campaigns/{id}");
    app.post(&format!("{path}/start"), &t.admin_token, json!({}))
        .await;
    let paused = eventually(&app, &path, &t.admin_token, |c| c["status"] == "paused").await;
    assert!(
        paused["error"]
            .as_str()
            .unwrap()
            .contains("5 campaign recipients a month"),
        "{paused}"
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let (_, paused) = app.get(&path, &t.admin_token).await;
    assert_eq!(paused["counts"]["pending"], 3, "{paused}");
    let sent: usize = {
        let mut n = 0;
        for i in 300..308 {
            n += outgoing_to(&app, &t, &a, &phone(i)).await.len();
        }
        n
    };
    assert_eq!(sent, 5, "exactly the plan's five went");
    let (_, usage) = app.get("/api/campaigns/usage", &t.admin_token).await;
    assert_eq!(
        (usage["used"].as_u64(), usage["limit"].as_u64()),
        (Some(5), Some(5)),
        "{usage}"
    );
    assert_error(
        &app.post(&format!("{path}/resume"), &t.admin_token, json!({}))
            .await,
        403,
        "PLAN_LIMIT_REACHED",
    );
    let (_, other) = app
        .post(
            "/api/campaigns",
            &t.admin_token,
            json!({
                "name": "Outra", "list_id": list, "connection_ids": [a],
                "content": { "kind": "message", "variants": ["Oi"] }, "per_minute": 60
            }),
        )
        .await;
    assert_error(
        &app.post(
            &format!("/api/campaigns/{}/start", other["id"].as_str().unwrap()),
            &t.admin_token,
            json!({}),
        )
        .await,
        403,
        "PLAN_LIMIT_REACHED",
    );
    // A bigger plan lets the paused campaign finish.
    let (status, _) = app
        .patch(
            &format!("/api/platform/plans/{}", plan["id"].as_str().unwrap()),
            &app.root,
            json!({ "limits": { "users": 5, "connections": 3, "queues": 5, "flows": 10, "plugins": 1, "campaign_recipients": 100 } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, resumed) = app
        .post(&format!("{path}/resume"), &t.admin_token, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{resumed}");
    assert!(resumed["error"].is_null(), "{resumed}");
    let done = finished(&app, &t, &id).await;
    assert_eq!(done["counts"]["pending"], 0, "{done}");
    let (_, usage) = app.get("/api/campaigns/usage", &t.admin_token).await;
    assert_eq!(usage["used"], 8, "{usage}");
}
