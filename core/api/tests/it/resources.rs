//! Users and roles, tags, queues with their users, quick replies, settings, docs.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{PASSWORD, TestApp, assert_error};

#[tokio::test]
async fn users_and_roles() {
    let app = TestApp::start().await;
    let t = app.tenant("Roles").await;
    let (agent_id, agent) = app.user(&t, "agent").await;
    let (_, supervisor) = app.user(&t, "supervisor").await;

    // Agents read themselves only; supervisors list; admins change.
    assert_error(&app.get("/api/users", &agent).await, 403, "FORBIDDEN");
    assert_eq!(
        app.get(&format!("/api/users/{agent_id}"), &agent).await.0,
        StatusCode::OK
    );
    assert_error(
        &app.get(&format!("/api/users/{}", t.admin_id), &agent).await,
        403,
        "FORBIDDEN",
    );
    assert_eq!(
        app.get("/api/users", &supervisor)
            .await
            .1
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let new_user =
        json!({ "name": "x", "email": "x@x.test", "password": PASSWORD, "role": "agent" });
    assert_error(
        &app.post("/api/users", &supervisor, new_user.clone()).await,
        403,
        "FORBIDDEN",
    );
    assert_error(
        &app.post("/api/users", &agent, new_user).await,
        403,
        "FORBIDDEN",
    );

    let (status, u) = app
        .patch(
            &format!("/api/users/{agent_id}"),
            &t.admin_token,
            json!({ "role": "supervisor", "max_tickets": 5, "language": "es" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{u}");
    assert_eq!(
        (
            u["role"].as_str(),
            u["max_tickets"].as_u64(),
            u["language"].as_str()
        ),
        (Some("supervisor"), Some(5), Some("es"))
    );
    assert_error(
        &app.patch(
            &format!("/api/users/{agent_id}"),
            &t.admin_token,
            json!({ "role": "platform_admin" }),
        )
        .await,
        400,
        "INVALID_FIELD",
    );
    assert_error(
        &app.patch(
            &format!("/api/users/{agent_id}"),
            &t.admin_token,
            json!({ "language": "klingon" }),
        )
        .await,
        400,
        "INVALID_FIELD",
    );
    assert_error(
        &app.patch(
            &format!("/api/users/{}", t.admin_id),
            &t.admin_token,
            json!({ "role": "agent" }),
        )
        .await,
        400,
        "INVALID_FIELD",
    );

    // Email changes move the sign-in; duplicates are refused across tenants too.
    let (status, _) = app
        .patch(
            &format!("/api/users/{agent_id}"),
            &t.admin_token,
            json!({ "email": "Moved@Agents.test" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    app.login("moved@agents.test", PASSWORD).await;
    let other = app.tenant("Other").await;
    let dup = app.post("/api/users", &other.admin_token, json!({ "name": "y", "email": "moved@agents.test", "password": PASSWORD, "role": "agent" })).await;
    assert_error(&dup, 409, "EMAIL_TAKEN");
    let invalid = app
        .post(
            "/api/users",
            &other.admin_token,
            json!({ "name": "y", "email": "not-an-email", "password": PASSWORD, "role": "agent" }),
        )
        .await;
    assert_error(&invalid, 400, "INVALID_EMAIL");

    // Deleting a user ends its sessions and frees its email.
    assert_error(
        &app.delete(&format!("/api/users/{}", t.admin_id), &t.admin_token)
            .await,
        400,
        "INVALID_FIELD",
    );
    assert_eq!(
        app.delete(&format!("/api/users/{agent_id}"), &t.admin_token)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_error(&app.get("/api/auth/me", &agent).await, 401, "TOKEN_INVALID");
    let reuse = app.post("/api/users", &other.admin_token, json!({ "name": "y", "email": "moved@agents.test", "password": PASSWORD, "role": "agent" })).await;
    assert_eq!(reuse.0, StatusCode::CREATED, "{}", reuse.1);
}

#[tokio::test]
async fn tags_queues_and_quick_replies() {
    let app = TestApp::start().await;
    let t = app.tenant("Inbox").await;
    let tok = &t.admin_token;
    let (agent_id, agent) = app.user(&t, "agent").await;

    let (status, tag) = app
        .post("/api/tags", tok, json!({ "name": "urgent" }))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(tag["color"], "#5b8def");
    assert_error(
        &app.post("/api/tags", tok, json!({ "name": "urgent" }))
            .await,
        409,
        "NAME_TAKEN",
    );
    assert_error(
        &app.post("/api/tags", tok, json!({ "name": "x", "color": "red" }))
            .await,
        400,
        "INVALID_BODY",
    );
    assert_error(
        &app.post("/api/tags", &agent, json!({ "name": "mine" }))
            .await,
        403,
        "FORBIDDEN",
    );
    let tag_id = tag["id"].as_str().unwrap();
    assert_eq!(
        app.patch(
            &format!("/api/tags/{tag_id}"),
            tok,
            json!({ "color": "#00ff00" })
        )
        .await
        .1["color"],
        "#00ff00"
    );
    assert_eq!(
        app.get("/api/tags", &agent)
            .await
            .1
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        app.delete(&format!("/api/tags/{tag_id}"), tok).await.0,
        StatusCode::NO_CONTENT
    );

    let (status, q) = app.post("/api/queues", tok, json!({ "name": "Sales", "color": "#112233", "greeting": "Hi!", "user_ids": [agent_id] })).await;
    assert_eq!(status, StatusCode::CREATED, "{q}");
    assert_eq!(q["user_ids"], json!([agent_id]));
    let q_id = q["id"].as_str().unwrap();
    assert_error(
        &app.post(
            "/api/queues",
            tok,
            json!({ "name": "Ghosts", "user_ids": ["0".repeat(32)] }),
        )
        .await,
        400,
        "INVALID_FIELD",
    );
    let mine = app
        .get(&format!("/api/queues/of-user/{agent_id}"), &agent)
        .await
        .1;
    assert_eq!(mine[0]["name"], "Sales");
    let (status, q) = app
        .patch(
            &format!("/api/queues/{q_id}"),
            tok,
            json!({ "user_ids": [agent_id, t.admin_id, agent_id] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        q["user_ids"].as_array().unwrap().len(),
        2,
        "duplicates collapse"
    );
    assert_error(
        &app.patch(
            &format!("/api/queues/{q_id}"),
            &agent,
            json!({ "name": "Mine" }),
        )
        .await,
        403,
        "FORBIDDEN",
    );
    // Deleting a user takes it out of its queues.
    app.delete(&format!("/api/users/{agent_id}"), tok).await;
    assert_eq!(
        app.get(&format!("/api/queues/{q_id}"), tok).await.1["user_ids"],
        json!([t.admin_id])
    );

    let (status, r) = app
        .post(
            "/api/quick-replies",
            tok,
            json!({ "shortcut": "/Hours", "message": "We open 9-18." }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    assert_eq!(r["shortcut"], "hours");
    assert_error(
        &app.post(
            "/api/quick-replies",
            tok,
            json!({ "shortcut": "hours", "message": "again" }),
        )
        .await,
        409,
        "NAME_TAKEN",
    );
    assert_error(
        &app.post(
            "/api/quick-replies",
            tok,
            json!({ "shortcut": "two words", "message": "x" }),
        )
        .await,
        400,
        "INVALID_FIELD",
    );
    let r_id = r["id"].as_str().unwrap();
    assert_eq!(
        app.patch(
            &format!("/api/quick-replies/{r_id}"),
            tok,
            json!({ "message": "9 to 6" })
        )
        .await
        .1["message"],
        "9 to 6"
    );
    assert_eq!(
        app.delete(&format!("/api/quick-replies/{r_id}"), tok)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert!(
        app.get("/api/quick-replies", tok)
            .await
            .1
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn settings_are_typed() {
    let app = TestApp::start().await;
    let t = app.tenant("Settings").await;
    let tok = &t.admin_token;
    let all = app.get("/api/settings", tok).await.1;
    let rating = all
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "rating_on_close")
        .unwrap()
        .clone();
    assert_eq!(
        (rating["value"].clone(), rating["type"].clone()),
        (json!(false), json!("bool"))
    );

    let (status, _) = app
        .patch(
            "/api/settings",
            tok,
            json!({ "rating_on_close": true, "ticket_reopen_window_minutes": 120 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.get("/api/settings/rating_on_close", tok).await.1["value"],
        true
    );
    assert_eq!(
        app.get("/api/settings/ticket_reopen_window_minutes", tok)
            .await
            .1["value"],
        120
    );

    assert_error(
        &app.patch("/api/settings", tok, json!({ "rating_on_close": "yes" }))
            .await,
        400,
        "INVALID_SETTING_VALUE",
    );
    assert_error(
        &app.patch(
            "/api/settings",
            tok,
            json!({ "business_hours_scope": "moon" }),
        )
        .await,
        400,
        "INVALID_SETTING_VALUE",
    );
    assert_error(
        &app.patch(
            "/api/settings",
            tok,
            json!({ "ticket_reopen_window_minutes": -1 }),
        )
        .await,
        400,
        "INVALID_SETTING_VALUE",
    );
    // One bad key refuses the whole change.
    assert_error(
        &app.patch(
            "/api/settings",
            tok,
            json!({ "accept_group_chats": true, "no_such_key": 1 }),
        )
        .await,
        400,
        "UNKNOWN_SETTING",
    );
    assert_eq!(
        app.get("/api/settings/accept_group_chats", tok).await.1["value"],
        false
    );
    assert_error(
        &app.get("/api/settings/no_such_key", tok).await,
        404,
        "SETTING_NOT_FOUND",
    );

    let (_, agent) = app.user(&t, "agent").await;
    assert_eq!(app.get("/api/settings", &agent).await.0, StatusCode::OK);
    assert_error(
        &app.patch("/api/settings", &agent, json!({ "reject_calls": false }))
            .await,
        403,
        "FORBIDDEN",
    );
}

#[tokio::test]
async fn health_docs_and_openapi() {
    let app = TestApp::start().await;
    let (status, h) = app.call(reqwest::Method::GET, "/healthz", None, None).await;
    assert_eq!((status, h["status"].as_str()), (StatusCode::OK, Some("ok")));
    let (status, r) = app.call(reqwest::Method::GET, "/readyz", None, None).await;
    assert_eq!(
        (status, r["status"].as_str()),
        (StatusCode::OK, Some("ready"))
    );
    let (status, spec) = app
        .call(reqwest::Method::GET, "/api/openapi.json", None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    assert!(spec["paths"]["/api/contacts"]["get"].is_object());
    let docs = app
        .http
        .get(format!("{}/docs", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(docs.text().await.unwrap().contains("swagger"));
}
