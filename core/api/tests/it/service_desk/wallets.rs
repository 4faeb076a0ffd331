//! Contact wallets: a returning contact's new ticket goes to the agent whose wallet they are
//! in (while online, or always, as `contact_wallets` says), otherwise to the wallet's queue;
//! agents manage only their own wallet.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::settings;
use crate::harness::{TestApp, TestTenant, assert_error};
use crate::inbox::{customer_says, eventually, queue, simulator};

/// The customer writes; returns their live ticket once it stands as `pred` wants.
async fn writes_and_lands(
    app: &TestApp,
    t: &TestTenant,
    conn: &str,
    text: &str,
    pred: impl Fn(&Value) -> bool,
) -> Value {
    customer_says(
        app,
        t,
        conn,
        json!({ "from": "5511966660001", "text": text }),
    )
    .await;
    let list = eventually(app, "/api/tickets", &t.admin_token, |p| {
        p["items"]
            .as_array()
            .is_some_and(|i| i.iter().any(|x| x["last_message"] == text && pred(x)))
    })
    .await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["last_message"] == text)
        .unwrap()
        .clone()
}

async fn close(app: &TestApp, t: &TestTenant, ticket: &Value) {
    let (status, body) = app
        .post(
            &format!("/api/tickets/{}/close", ticket["id"].as_str().unwrap()),
            &t.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn online(app: &TestApp, token: &str, on: bool) {
    let (status, body) = app
        .call(
            reqwest::Method::PUT,
            "/api/inbox/presence",
            Some(token),
            Some(json!({ "online": on })),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
}

#[tokio::test]
async fn a_returning_contact_goes_to_the_agent_whose_wallet_they_are_in() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let conn = simulator(&app, &t, "+551130000031", json!({})).await;
    let (owner, owner_tok) = app.user(&t, "agent").await;
    let (other, other_tok) = app.user(&t, "agent").await;
    let sales = queue(&app, &t, "Vendas", &[&other], "round_robin").await;
    settings(&app, &t, json!({ "ticket_reopen_window_minutes": 0 })).await;

    let (status, c) = app
        .post(
            "/api/contacts",
            &t.admin_token,
            json!({ "name": "Rui", "phone": "+5511966660001", "owner_id": owner, "queue_id": sales }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert_eq!(c["owner_id"], owner.as_str());
    let contact = format!("/api/contacts/{}", c["id"].as_str().unwrap());
    // An agent may not put a contact into a colleague's wallet, nor take it from theirs.
    assert_error(
        &app.patch(&contact, &other_tok, json!({ "owner_id": other }))
            .await,
        403,
        "FORBIDDEN",
    );
    assert_error(
        &app.patch(
            &contact,
            &t.admin_token,
            json!({ "owner_id": "0190f0c0a0b0c0d0e0f0a0b0c0d0e0f0" }),
        )
        .await,
        400,
        "INVALID_FIELD",
    );

    // Off (the default): the ticket waits, queue-less, as any other.
    let t1 = writes_and_lands(&app, &t, &conn, "oi", |_| true).await;
    assert_eq!(t1["status"], "pending");
    assert!(t1["queue_id"].is_null(), "{t1}");
    close(&app, &t, &t1).await;

    // On, the owner offline: the wallet's queue hands it to its online agent.
    settings(&app, &t, json!({ "contact_wallets": "owner_online" })).await;
    online(&app, &other_tok, true).await;
    let t2 = writes_and_lands(&app, &t, &conn, "voltei", |x| x["status"] == "open").await;
    assert_eq!(t2["queue_id"], sales.as_str());
    assert_eq!(t2["user_id"], other.as_str());
    close(&app, &t, &t2).await;

    // The owner online: straight to them.
    online(&app, &owner_tok, true).await;
    let t3 = writes_and_lands(&app, &t, &conn, "sou eu de novo", |x| x["status"] == "open").await;
    assert_eq!(t3["user_id"], owner.as_str());
    assert_eq!(t3["queue_id"], sales.as_str());
    let (_, timeline) = app
        .get(
            &format!("/api/tickets/{}/timeline", t3["id"].as_str().unwrap()),
            &t.admin_token,
        )
        .await;
    assert!(
        timeline
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "assigned" && e["detail"].as_str().unwrap().contains("wallet")),
        "{timeline}"
    );
    close(&app, &t, &t3).await;

    // Always to the owner: even offline.
    online(&app, &owner_tok, false).await;
    settings(&app, &t, json!({ "contact_wallets": "owner" })).await;
    let t4 = writes_and_lands(&app, &t, &conn, "alô", |x| x["status"] == "open").await;
    assert_eq!(t4["user_id"], owner.as_str());

    // The owner's wallet, and a removed owner takes the contact out of it.
    let (_, wallet) = app
        .get(&format!("/api/contacts?owner_id={owner}"), &owner_tok)
        .await;
    assert_eq!(wallet["items"].as_array().unwrap().len(), 1, "{wallet}");
    let (status, _) = app
        .delete(&format!("/api/users/{owner}"), &t.admin_token)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, c) = app.get(&contact, &t.admin_token).await;
    assert!(c["owner_id"].is_null(), "{c}");
    assert_eq!(c["queue_id"], sales.as_str());
}
