//! What every user may see and change of themselves and their colleagues: presence, the
//! company's agents for transfers, one's own name and language; a contact's past tickets;
//! the simulator's phones.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{TestApp, assert_error};
use crate::inbox::{customer_says, queue, simulator};

#[tokio::test]
async fn agents_see_colleagues_and_presence_and_change_their_own_profile() {
    let app = TestApp::start().await;
    let t = app.tenant("people").await;
    let (agent, agent_tok) = app.user(&t, "agent").await;
    let (other, _) = app.user(&t, "agent").await;

    let (_, p) = app.get("/api/inbox/presence", &agent_tok).await;
    assert_eq!(p, json!({ "online": false }));
    let (status, _) = app
        .call(
            reqwest::Method::PUT,
            "/api/inbox/presence",
            Some(&agent_tok),
            Some(json!({ "online": true })),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, p) = app.get("/api/inbox/presence", &agent_tok).await;
    assert_eq!(p, json!({ "online": true }));

    // An agent lists its colleagues (not the admin-only user list) to transfer to them.
    assert_error(&app.get("/api/users", &agent_tok).await, 403, "FORBIDDEN");
    let (status, agents) = app.get("/api/inbox/agents", &agent_tok).await;
    assert_eq!(status, StatusCode::OK, "{agents}");
    let agents = agents.as_array().unwrap();
    let me = agents.iter().find(|a| a["id"] == agent.as_str()).unwrap();
    assert_eq!(me["online"], true);
    assert_eq!(me["role"], "agent");
    assert!(
        agents
            .iter()
            .any(|a| a["id"] == other.as_str() && a["online"] == false)
    );
    assert!(me.get("email").is_none(), "no more than a transfer needs");

    // Its own name and language, nothing else.
    let (status, user) = app
        .patch(
            "/api/auth/me",
            &agent_tok,
            json!({ "name": "Bea Lima", "language": "es" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{user}");
    assert_eq!(
        (user["name"].as_str(), user["language"].as_str()),
        (Some("Bea Lima"), Some("es"))
    );
    let (_, me) = app.get("/api/auth/me", &agent_tok).await;
    assert_eq!(me["name"], "Bea Lima");
    assert_error(
        &app.patch("/api/auth/me", &agent_tok, json!({ "role": "admin" }))
            .await,
        400,
        "INVALID_BODY",
    );
    assert_error(
        &app.patch("/api/auth/me", &agent_tok, json!({ "language": "fr" }))
            .await,
        400,
        "INVALID_FIELD",
    );
    let (_, me) = app.get("/api/auth/me", &agent_tok).await;
    assert_eq!(me["role"], "agent");

    // Another company's users are not among the colleagues.
    let stranger = app.tenant("strangers").await;
    let (_, theirs) = app.get("/api/inbox/agents", &stranger.admin_token).await;
    assert!(
        theirs
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["id"] != agent.as_str())
    );
}

#[tokio::test]
async fn a_contacts_tickets_and_the_simulators_phones_are_listed() {
    let app = TestApp::start().await;
    let t = app.tenant("history").await;
    let support = queue(&app, &t, "Support", &[], "manual").await;
    let conn = simulator(
        &app,
        &t,
        "+55 11 3000-0077",
        json!({ "default_queue_id": support }),
    )
    .await;
    let first = customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "+5511922220001", "text": "um" }),
    )
    .await;
    customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "+5511922220002", "text": "dois" }),
    )
    .await;
    let ticket = first["ticket_id"].as_str().unwrap();
    let (_, tk) = app
        .get(&format!("/api/tickets/{ticket}"), &t.admin_token)
        .await;
    let contact = tk["contact_id"].as_str().unwrap();

    let (_, page) = app
        .get(
            &format!("/api/tickets?contact_id={contact}"),
            &t.admin_token,
        )
        .await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    assert_eq!(items[0]["id"], ticket);

    let (status, phones) = app
        .get(
            &format!("/api/connections/{conn}/simulator/chats"),
            &t.admin_token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{phones}");
    let phones: Vec<&str> = phones
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["phone"].as_str().unwrap())
        .collect();
    assert_eq!(
        phones,
        ["+5511922220002", "+5511922220001"],
        "most recent first"
    );
}
