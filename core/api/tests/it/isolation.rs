//! Tenant isolation: a user or API key of tenant A gets 404 for every tenant-B resource on
//! every endpoint, cannot list B's rows, and cannot attach B's records to its own.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, TestTenant, assert_error};

/// One of each resource in tenant `t`; returns (collection path, id) pairs.
async fn seed(app: &TestApp, t: &TestTenant, suffix: &str) -> Vec<(&'static str, String)> {
    let tok = &t.admin_token;
    let id = |v: Value| v["id"].as_str().unwrap().to_string();
    let (user_id, _) = app.user(t, "agent").await;
    let contact = app
        .post(
            "/api/contacts",
            tok,
            json!({ "name": format!("Cust {suffix}"), "phone": "+5511987654321" }),
        )
        .await
        .1;
    let tag = app
        .post("/api/tags", tok, json!({ "name": format!("tag {suffix}") }))
        .await
        .1;
    let queue = app
        .post(
            "/api/queues",
            tok,
            json!({ "name": format!("queue {suffix}") }),
        )
        .await
        .1;
    let reply = app
        .post(
            "/api/quick-replies",
            tok,
            json!({ "shortcut": format!("hi{suffix}"), "message": "hello" }),
        )
        .await
        .1;
    let key = app
        .post(
            "/api/api-keys",
            tok,
            json!({ "name": "k", "scopes": ["contacts:read"] }),
        )
        .await
        .1;
    vec![
        ("/api/users", user_id),
        ("/api/contacts", id(contact)),
        ("/api/tags", id(tag)),
        ("/api/queues", id(queue)),
        ("/api/quick-replies", id(reply)),
        (
            "/api/api-keys",
            key["key"]["id"].as_str().unwrap().to_string(),
        ),
    ]
}

const ALL_SCOPES: [&str; 11] = [
    "contacts:read",
    "contacts:write",
    "tags:read",
    "tags:write",
    "queues:read",
    "queues:write",
    "quick_replies:read",
    "quick_replies:write",
    "settings:read",
    "settings:write",
    "users:read",
];

fn patch_body(collection: &str) -> Value {
    match collection {
        "/api/users" => json!({ "name": "hijacked" }),
        "/api/contacts" => json!({ "name": "hijacked" }),
        "/api/tags" => json!({ "name": "hijacked" }),
        "/api/queues" => json!({ "name": "hijacked" }),
        "/api/quick-replies" => json!({ "message": "hijacked" }),
        _ => json!({ "name": "hijacked" }),
    }
}

/// The not-found code of the resource a collection holds.
fn not_found_code(collection: &str) -> &'static str {
    match collection {
        "/api/users" => "USER_NOT_FOUND",
        "/api/contacts" => "CONTACT_NOT_FOUND",
        "/api/tags" => "TAG_NOT_FOUND",
        "/api/queues" => "QUEUE_NOT_FOUND",
        "/api/quick-replies" => "QUICK_REPLY_NOT_FOUND",
        "/api/api-keys" => "API_KEY_NOT_FOUND",
        other => panic!("no not-found code for {other}"),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Who {
    Admin,
    Supervisor,
    Key,
}

/// What tenant A's caller gets for a tenant-B id: 404 wherever A's role lets it try at all,
/// 403 where the role or credential type stops it first, 405 where no such method exists.
fn expected(who: Who, collection: &str, method: &str) -> u16 {
    match (collection, method) {
        ("/api/api-keys", "GET" | "PATCH") => 405,
        ("/api/api-keys", _) if who != Who::Admin => 403,
        ("/api/users", "PATCH" | "DELETE") if who != Who::Admin => 403,
        ("/api/queues", "PATCH" | "DELETE") if who == Who::Supervisor => 403,
        _ => 404,
    }
}

#[tokio::test]
async fn tenant_a_cannot_see_or_touch_tenant_b() {
    let app = TestApp::start().await;
    let a = app.tenant("Alpha").await;
    let b = app.tenant("Bravo").await;
    let a_rows = seed(&app, &a, "a").await;
    let b_rows = seed(&app, &b, "b").await;
    let a_key = app
        .post(
            "/api/api-keys",
            &a.admin_token,
            json!({ "name": "all", "scopes": ALL_SCOPES }),
        )
        .await
        .1["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, a_supervisor) = app.user(&a, "supervisor").await;

    for token in [&a.admin_token, &a_key, &a_supervisor] {
        for (collection, b_id) in &b_rows {
            let path = format!("{collection}/{b_id}");
            let who = if token == &a.admin_token {
                Who::Admin
            } else if token == &a_key {
                Who::Key
            } else {
                Who::Supervisor
            };
            for (method, result) in [
                ("GET", app.get(&path, token).await),
                (
                    "PATCH",
                    app.patch(&path, token, patch_body(collection)).await,
                ),
                ("DELETE", app.delete(&path, token).await),
            ] {
                match expected(who, collection, method) {
                    404 => assert_error(&result, 404, not_found_code(collection)),
                    403 => assert_error(&result, 403, "FORBIDDEN"),
                    other => assert_eq!(result.0.as_u16(), other, "{method} {path}: {}", result.1),
                }
            }
        }
        // Lists show only A's rows.
        for (collection, b_id) in &b_rows {
            if *collection == "/api/api-keys" && token != &a.admin_token {
                continue;
            }
            if *collection == "/api/users" && token == &a_supervisor {
                continue;
            }
            let (status, list) = app.get(collection, token).await;
            assert_eq!(status, StatusCode::OK, "{collection}: {list}");
            let text = list.to_string();
            assert!(
                !text.contains(b_id.as_str()),
                "{collection} leaks B's {b_id}"
            );
            assert!(
                !text.contains("Cust b") && !text.contains("tag b") && !text.contains("queue b"),
                "{collection} leaks B"
            );
        }
        let found = app.get("/api/contacts?search=cust", token).await.1;
        assert_eq!(found["items"].as_array().unwrap().len(), 1);
        assert_eq!(found["items"][0]["name"], "Cust a");
    }

    // B's ids cannot be attached to A's records.
    let find =
        |rows: &Vec<(&str, String)>, c: &str| rows.iter().find(|(k, _)| *k == c).unwrap().1.clone();
    let a_contact = find(&a_rows, "/api/contacts");
    let a_queue = find(&a_rows, "/api/queues");
    let tagged = app
        .patch(
            &format!("/api/contacts/{a_contact}"),
            &a.admin_token,
            json!({ "tags": [find(&b_rows, "/api/tags")] }),
        )
        .await;
    assert_error(&tagged, 400, "INVALID_FIELD");
    let staffed = app
        .patch(
            &format!("/api/queues/{a_queue}"),
            &a.admin_token,
            json!({ "user_ids": [find(&b_rows, "/api/users")] }),
        )
        .await;
    assert_error(&staffed, 400, "INVALID_FIELD");
    let of_user = app
        .get(
            &format!("/api/queues/of-user/{}", find(&b_rows, "/api/users")),
            &a.admin_token,
        )
        .await;
    assert_error(&of_user, 404, "USER_NOT_FOUND");

    // Export and search see only A's contacts.
    let export = app
        .http
        .get(format!("{}/api/contacts/export", app.base))
        .bearer_auth(&a.admin_token)
        .send()
        .await
        .unwrap();
    let csv = export.text().await.unwrap();
    assert!(csv.contains("Cust a") && !csv.contains("Cust b"), "{csv}");
    let key_search = app.get("/api/contacts?search=cust%20b", &a_key).await.1;
    assert!(
        key_search["items"].as_array().unwrap().is_empty(),
        "{key_search}"
    );

    // Settings are per tenant.
    app.patch(
        "/api/settings",
        &a.admin_token,
        json!({ "rating_on_close": true }),
    )
    .await;
    assert_eq!(
        app.get("/api/settings/rating_on_close", &b.admin_token)
            .await
            .1["value"],
        false
    );

    // B's data is untouched.
    for (collection, b_id) in &b_rows {
        if *collection == "/api/api-keys" {
            continue;
        }
        let (status, row) = app
            .get(&format!("{collection}/{b_id}"), &b.admin_token)
            .await;
        assert_eq!(status, StatusCode::OK, "{collection}");
        assert!(!row.to_string().contains("hijacked"));
    }
    assert_eq!(
        app.get("/api/api-keys", &b.admin_token)
            .await
            .1
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
