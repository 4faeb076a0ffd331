//! Plans, tenants, plan limits, feature gates and suspension.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{PASSWORD, TestApp, assert_error};

#[tokio::test]
async fn plans_and_tenants_are_managed_by_platform_admins() {
    let app = TestApp::start().await;
    let plan = app.plan(3, 2, &[]).await;
    let (status, plans) = app.get("/api/platform/plans", &app.root).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        plans
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == plan.as_str())
    );

    let (status, p) = app
        .patch(
            &format!("/api/platform/plans/{plan}"),
            &app.root,
            json!({ "name": "Gold" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["name"], "Gold");
    assert_eq!(p["limits"]["users"], 3);

    let dup = app
        .post(
            "/api/platform/plans",
            &app.root,
            json!({ "name": "Gold", "limits": p["limits"], "features": p["features"] }),
        )
        .await;
    assert_error(&dup, 409, "NAME_TAKEN");

    let t = app.tenant_on("Acme", &plan).await;
    let (status, tenant) = app
        .get(&format!("/api/platform/tenants/{}", t.id), &app.root)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tenant["status"], "active");
    assert_eq!(tenant["country"], "BR");

    // A plan in use cannot be deleted; an unused one can.
    assert_error(
        &app.delete(&format!("/api/platform/plans/{plan}"), &app.root)
            .await,
        409,
        "PLAN_IN_USE",
    );
    let spare = app.plan(1, 1, &[]).await;
    assert_eq!(
        app.delete(&format!("/api/platform/plans/{spare}"), &app.root)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_error(
        &app.get(&format!("/api/platform/plans/{spare}"), &app.root)
            .await,
        404,
        "PLAN_NOT_FOUND",
    );

    // Tenant users cannot reach platform endpoints; platform admins cannot reach tenant data.
    assert_error(
        &app.get("/api/platform/tenants", &t.admin_token).await,
        403,
        "FORBIDDEN",
    );
    assert_error(&app.get("/api/contacts", &app.root).await, 403, "FORBIDDEN");

    // Tenant creation validates everything before writing.
    let bad_plan = app
        .post("/api/platform/tenants", &app.root, json!({ "name": "X", "plan_id": "0".repeat(32), "admin": { "name": "a", "email": "new@x.test", "password": PASSWORD } }))
        .await;
    assert_error(&bad_plan, 400, "INVALID_FIELD");
    let taken = app.get("/api/auth/me", &t.admin_token).await.1["email"].clone();
    let dup_admin = app
        .post("/api/platform/tenants", &app.root, json!({ "name": "Y", "plan_id": plan, "admin": { "name": "a", "email": taken, "password": PASSWORD } }))
        .await;
    assert_error(&dup_admin, 409, "EMAIL_TAKEN");
    let tenants = app.get("/api/platform/tenants", &app.root).await.1;
    assert_eq!(
        tenants.as_array().unwrap().len(),
        1,
        "failed creates left no tenant behind: {tenants}"
    );
}

#[tokio::test]
async fn plan_limits_are_enforced_on_create() {
    let app = TestApp::start().await;
    let plan = app.plan(2, 1, &[]).await;
    let t = app.tenant_on("Small", &plan).await;
    // The admin is user 1 of 2.
    app.user(&t, "agent").await;
    let over = app
        .post(
            "/api/users",
            &t.admin_token,
            json!({ "name": "n", "email": "third@x.test", "password": PASSWORD, "role": "agent" }),
        )
        .await;
    assert_error(&over, 403, "PLAN_LIMIT_REACHED");

    let (status, _) = app
        .post("/api/queues", &t.admin_token, json!({ "name": "Sales" }))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_error(
        &app.post("/api/queues", &t.admin_token, json!({ "name": "Support" }))
            .await,
        403,
        "PLAN_LIMIT_REACHED",
    );

    // Raising the plan's limit lets the next create through.
    let limits = json!({ "users": 3, "connections": 1, "queues": 2, "flows": 10, "plugins": 1 });
    assert_eq!(
        app.patch(
            &format!("/api/platform/plans/{plan}"),
            &app.root,
            json!({ "limits": limits })
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        app.post("/api/queues", &t.admin_token, json!({ "name": "Support" }))
            .await
            .0,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn suspended_tenants_are_locked_out() {
    let app = TestApp::start().await;
    let t = app.tenant("Sleepy").await;
    let (_, agent) = app.user(&t, "agent").await;
    let email = app.get("/api/auth/me", &agent).await.1["email"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _) = app
        .patch(
            &format!("/api/platform/tenants/{}", t.id),
            &app.root,
            json!({ "status": "suspended" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_error(
        &app.get("/api/contacts", &agent).await,
        403,
        "TENANT_SUSPENDED",
    );
    let login = app
        .call(
            reqwest::Method::POST,
            "/api/auth/login",
            None,
            Some(json!({ "email": email, "password": PASSWORD })),
        )
        .await;
    assert_error(&login, 403, "TENANT_SUSPENDED");
    app.patch(
        &format!("/api/platform/tenants/{}", t.id),
        &app.root,
        json!({ "status": "active" }),
    )
    .await;
    assert_eq!(app.get("/api/contacts", &agent).await.0, StatusCode::OK);
}

#[tokio::test]
async fn api_keys_need_the_plan_feature_and_their_scopes() {
    let app = TestApp::start().await;
    let t = app.tenant("Keys").await;
    let (status, created) = app
        .post(
            "/api/api-keys",
            &t.admin_token,
            json!({ "name": "crm sync", "scopes": ["contacts:read"] }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let key = created["secret"].as_str().unwrap().to_string();
    assert!(key.starts_with("tlk_"));
    let listed = app.get("/api/api-keys", &t.admin_token).await.1;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(
        listed.to_string().find(&key).is_none(),
        "secret must not be listed"
    );

    assert_eq!(app.get("/api/contacts", &key).await.0, StatusCode::OK);
    assert_error(
        &app.post(
            "/api/contacts",
            &key,
            json!({ "name": "A", "phone": "+5511987654321" }),
        )
        .await,
        403,
        "FORBIDDEN",
    );
    assert_error(&app.get("/api/tags", &key).await, 403, "FORBIDDEN");
    // Keys cannot mint keys or act as a person.
    assert_error(&app.get("/api/api-keys", &key).await, 403, "FORBIDDEN");
    assert_error(&app.get("/api/auth/me", &key).await, 403, "FORBIDDEN");
    let last_used = app.get("/api/api-keys", &t.admin_token).await.1[0]["last_used_at"].clone();
    assert!(last_used.is_string(), "{last_used}");

    // A plan without API access turns keys off.
    let no_api = app.plan(5, 5, &["api_access"]).await;
    app.patch(
        &format!("/api/platform/tenants/{}", t.id),
        &app.root,
        json!({ "plan_id": no_api }),
    )
    .await;
    assert_error(
        &app.get("/api/contacts", &key).await,
        403,
        "FEATURE_DISABLED",
    );
    assert_error(
        &app.get("/api/api-keys", &t.admin_token).await,
        403,
        "FEATURE_DISABLED",
    );
    app.patch(
        &format!("/api/platform/tenants/{}", t.id),
        &app.root,
        json!({ "plan_id": t.plan_id }),
    )
    .await;

    // A key acts with its creator's current role and dies with its creator.
    let (admin2_id, admin2) = app.user(&t, "admin").await;
    let scopes = json!({ "name": "k2", "scopes": ["settings:write", "users:read"] });
    let k2 = app.post("/api/api-keys", &admin2, scopes).await.1["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let on = json!({ "rating_on_close": true });
    assert_eq!(
        app.patch("/api/settings", &k2, on.clone()).await.0,
        StatusCode::OK
    );
    // Keys never manage users, whatever their scopes.
    let new_admin =
        json!({ "name": "x", "email": "x@k.test", "password": "long enough pw", "role": "admin" });
    assert_error(
        &app.post("/api/users", &k2, new_admin).await,
        403,
        "FORBIDDEN",
    );
    app.patch(
        &format!("/api/users/{admin2_id}"),
        &t.admin_token,
        json!({ "role": "agent" }),
    )
    .await;
    assert_error(&app.patch("/api/settings", &k2, on).await, 403, "FORBIDDEN");
    app.delete(&format!("/api/users/{admin2_id}"), &t.admin_token)
        .await;
    assert_error(&app.get("/api/settings", &k2).await, 401, "TOKEN_INVALID");

    // Revoked keys stop at once.
    let id = created["key"]["id"].as_str().unwrap();
    assert_eq!(
        app.delete(&format!("/api/api-keys/{id}"), &t.admin_token)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_error(&app.get("/api/contacts", &key).await, 401, "TOKEN_INVALID");
    assert_error(
        &app.get("/api/contacts", "tlk_madeup").await,
        401,
        "TOKEN_INVALID",
    );
}

#[tokio::test]
async fn time_zones_and_countries_must_be_real() {
    let app = TestApp::start().await;
    let plan = app.plan(3, 2, &[]).await;
    let new = |timezone: &str, country: &str| {
        json!({
            "name": "Marte", "plan_id": plan, "timezone": timezone, "country": country,
            "admin": { "name": "Ana", "email": "ana@marte.example", "password": PASSWORD },
        })
    };
    let (_, before) = app.get("/api/platform/tenants", &app.root).await;
    let bad = app
        .post(
            "/api/platform/tenants",
            &app.root,
            new("Mars/Olympus", "BR"),
        )
        .await;
    assert_error(&bad, 400, "INVALID_FIELD");
    assert_eq!(bad.1["field"], "timezone", "{}", bad.1);
    let bad = app
        .post(
            "/api/platform/tenants",
            &app.root,
            new("America/Sao_Paulo", "XX"),
        )
        .await;
    assert_error(&bad, 400, "INVALID_FIELD");
    assert_eq!(bad.1["field"], "country", "{}", bad.1);
    // Nothing was written: the admin's email is still free and no company appeared.
    let (_, after) = app.get("/api/platform/tenants", &app.root).await;
    assert_eq!(before, after);
    let (status, created) = app
        .post(
            "/api/platform/tenants",
            &app.root,
            new("America/Argentina/Buenos_Aires", "AR"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");

    let t = app.tenant_on("Acme", &plan).await;
    let path = format!("/api/platform/tenants/{}", t.id);
    let bad = app
        .patch(&path, &app.root, json!({ "timezone": "Europe/Atlantis" }))
        .await;
    assert_error(&bad, 400, "INVALID_FIELD");
    assert_eq!(bad.1["field"], "timezone");
    let bad = app
        .patch(&path, &app.root, json!({ "country": "ZZ" }))
        .await;
    assert_error(&bad, 400, "INVALID_FIELD");
    assert_eq!(bad.1["field"], "country");
    let (status, tenant) = app
        .patch(
            &path,
            &app.root,
            json!({ "timezone": "Europe/Lisbon", "country": "PT" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{tenant}");
    assert_eq!(tenant["timezone"], "Europe/Lisbon");
    assert_eq!(tenant["country"], "PT");
}
