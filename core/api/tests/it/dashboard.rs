//! The dashboard counts what happened: tickets by status and queue, messages per day, first
//! response and resolution times, agent activity; supervisors only, one company's figures.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{TestApp, assert_error};
use crate::inbox::{customer_says, eventually, queue, simulator};

#[tokio::test]
async fn the_dashboard_counts_tickets_messages_times_and_agents() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("figures").await;
    let (agent, agent_tok) = app.user(&t, "agent").await;
    let support = queue(&app, &t, "Support", &[&agent], "manual").await;
    let conn = simulator(
        &app,
        &t,
        "+55 11 3000-0042",
        json!({ "default_queue_id": support }),
    )
    .await;
    let first = customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "+5511911110001", "text": "oi" }),
    )
    .await;
    customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "+5511911110002", "text": "olá" }),
    )
    .await;
    let ticket = first["ticket_id"].as_str().unwrap();

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
            json!({ "body": "Como posso ajudar?" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let (status, _) = app
        .post(
            &format!("/api/tickets/{ticket}/close"),
            &agent_tok,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let d = eventually(&app, "/api/dashboard?days=7", &t.admin_token, |d| {
        d["tickets_by_status"]["closed"] == 1
    })
    .await;
    assert_eq!(d["days"], 7);
    assert_eq!(
        d["tickets_by_status"],
        json!({ "pending": 1, "open": 0, "closed": 1 })
    );
    let queues = d["tickets_by_queue"].as_array().unwrap();
    assert_eq!(queues.len(), 1, "{d}");
    assert_eq!(queues[0]["queue_name"], "Support");
    assert_eq!(queues[0]["pending"], 1);
    let days = d["messages_per_day"].as_array().unwrap();
    assert_eq!(days.len(), 7, "every day of the window, zeros included");
    let today = days.last().unwrap();
    assert_eq!(
        today["day"],
        chrono::Utc::now().format("%Y-%m-%d").to_string()
    );
    assert_eq!(today["inbound"], 2);
    assert!(today["outbound"].as_u64().unwrap() >= 1, "{today}");
    assert!(d["avg_first_response_secs"].as_f64().unwrap() >= 0.0);
    assert!(d["avg_resolution_secs"].as_f64().unwrap() >= 0.0);
    let me = d["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["user_id"] == agent.as_str())
        .expect("the agent is listed");
    assert_eq!(me["messages_sent"], 1);
    assert_eq!(me["closed_in_period"], 1);
    assert_eq!(me["open_tickets"], 0);

    // Agents do not see it; the window is bounded; another company counts only its own.
    assert_error(
        &app.get("/api/dashboard", &agent_tok).await,
        403,
        "FORBIDDEN",
    );
    assert_error(
        &app.get("/api/dashboard?days=0", &t.admin_token).await,
        400,
        "INVALID_FIELD",
    );
    assert_error(
        &app.get("/api/dashboard?days=91", &t.admin_token).await,
        400,
        "INVALID_FIELD",
    );
    let other = app.tenant("elsewhere").await;
    let (status, theirs) = app.get("/api/dashboard", &other.admin_token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        theirs["tickets_by_status"],
        json!({ "pending": 0, "open": 0, "closed": 0 })
    );
    assert_eq!(theirs["messages_per_day"].as_array().unwrap().len(), 14);
    assert!(theirs["avg_resolution_secs"].is_null());
    assert!(
        theirs["agents"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["user_id"] != agent.as_str())
    );
}
