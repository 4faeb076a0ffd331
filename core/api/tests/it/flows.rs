//! Flows over HTTP: catalogue, drafts, validation problems per node, publish (refused while
//! invalid, idempotent on content), versions, diff, restore, roles, limits and isolation.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, assert_error};

fn welcome(text: &str) -> Value {
    json!({
        "nodes": [
            { "id": "start", "type": "trigger.manual", "position": { "x": 10.5, "y": 20 }, "ui": { "color": "teal" } },
            { "id": "hello", "type": "messaging.send_text", "config": { "text": text }, "position": { "x": 200, "y": 20 } }
        ],
        "edges": [{ "id": "e1", "source": "start", "target": "hello", "ui": { "animated": true } }]
    })
}

#[tokio::test]
async fn drafts_validate_publish_version_diff_and_restore() {
    let app = TestApp::start().await;
    let t = app.tenant("flows").await;
    let tok = &t.admin_token;

    let (status, types) = app.get("/api/node-types", tok).await;
    assert_eq!(status, StatusCode::OK);
    let kinds: Vec<&str> = types
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"messaging.ask") && kinds.contains(&"logic.condition"),
        "{kinds:?}"
    );
    assert!(types[0]["config_schema"].is_object());

    let (status, flow) = app
        .post(
            "/api/flows",
            tok,
            json!({ "name": "Welcome", "document": welcome("Hi {{contact.name}}") }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{flow}");
    let id = flow["id"].as_str().unwrap().to_string();
    // The document comes back as saved, editor data included.
    assert_eq!(flow["document"], welcome("Hi {{contact.name}}"));
    assert!(flow["published_version"].is_null());
    assert_error(
        &app.post("/api/flows", tok, json!({ "name": "Welcome" }))
            .await,
        409,
        "NAME_TAKEN",
    );

    let (_, v) = app
        .post(&format!("/api/flows/{id}/validate"), tok, json!({}))
        .await;
    assert_eq!(v["valid"], true, "{v}");
    let (status, p1) = app
        .post(&format!("/api/flows/{id}/publish"), tok, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{p1}");
    assert_eq!(p1["version"]["version"], 1);
    assert_eq!(p1["created"], true);
    let (_, again) = app
        .post(&format!("/api/flows/{id}/publish"), tok, json!({}))
        .await;
    assert_eq!(
        (
            again["version"]["version"].clone(),
            again["created"].clone()
        ),
        (json!(1), json!(false))
    );

    // A broken draft is saved but cannot be published; problems point at the node.
    let mut broken = welcome("Hi");
    broken["nodes"].as_array_mut().unwrap().push(
        json!({ "id": "check", "type": "logic.condition", "config": { "expression": "vars.x >" } }),
    );
    broken["edges"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "id": "e2", "source": "hello", "target": "check" }));
    let (status, _) = app
        .patch(
            &format!("/api/flows/{id}"),
            tok,
            json!({ "document": broken }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, invalid) = app
        .post(&format!("/api/flows/{id}/publish"), tok, json!({}))
        .await;
    assert_eq!(status.as_u16(), 422, "{invalid}");
    assert_eq!(invalid["problems"][0]["node_id"], "check");
    assert_eq!(invalid["problems"][0]["field"], "config.expression");

    let mut fixed = broken.clone();
    fixed["nodes"][2]["config"]["expression"] = json!("vars.x > 1");
    fixed["nodes"][0]["position"]["x"] = json!(99);
    app.patch(
        &format!("/api/flows/{id}"),
        tok,
        json!({ "document": fixed }),
    )
    .await;
    let (_, p2) = app
        .post(&format!("/api/flows/{id}/publish"), tok, json!({}))
        .await;
    assert_eq!(p2["version"]["version"], 2);
    assert_ne!(p2["version"]["hash"], p1["version"]["hash"]);

    let (_, d) = app
        .get(&format!("/api/flows/{id}/versions/1/diff?against=2"), tok)
        .await;
    assert_eq!(d["added"], json!(["check"]));
    assert_eq!(d["changed"], json!(["hello"]));
    assert_eq!(d["moved"], json!(["start"]));
    assert_eq!(d["edges_added"], json!(["hello:out->check"]));

    let (_, versions) = app.get(&format!("/api/flows/{id}/versions"), tok).await;
    assert_eq!(versions.as_array().unwrap().len(), 2);
    let (_, restored) = app
        .post(
            &format!("/api/flows/{id}/versions/1/restore"),
            tok,
            json!({}),
        )
        .await;
    assert_eq!(restored["document"], welcome("Hi {{contact.name}}"));
    assert_eq!(
        restored["published_version"], 2,
        "restoring changes the draft only"
    );
    assert_error(
        &app.get(&format!("/api/flows/{id}/versions/9"), tok).await,
        404,
        "FLOW_VERSION_NOT_FOUND",
    );
}

#[tokio::test]
async fn bad_documents_roles_and_isolation() {
    let app = TestApp::start().await;
    let a = app.tenant("flowsa").await;
    let b = app.tenant("flowsb").await;
    for bad in [
        json!("nope"),
        json!({ "nodes": "x" }),
        json!({ "nodes": [], "extra": 1 }),
        json!({ "nodes": [{ "id": "a" }] }),
    ] {
        assert_error(
            &app.post(
                "/api/flows",
                &a.admin_token,
                json!({ "name": "Bad", "document": bad }),
            )
            .await,
            400,
            "INVALID_FLOW",
        );
    }
    let (_, flow) = app
        .post(
            "/api/flows",
            &a.admin_token,
            json!({ "name": "Mine", "document": welcome("x") }),
        )
        .await;
    let id = flow["id"].as_str().unwrap();

    let (_, agent) = app.user(&a, "agent").await;
    assert_error(&app.get("/api/flows", &agent).await, 403, "FORBIDDEN");
    let (_, supervisor) = app.user(&a, "supervisor").await;
    assert_eq!(
        app.get(&format!("/api/flows/{id}"), &supervisor).await.0,
        StatusCode::OK
    );
    assert_error(
        &app.post(&format!("/api/flows/{id}/publish"), &supervisor, json!({}))
            .await,
        403,
        "FORBIDDEN",
    );

    for (method, path) in [
        ("get", format!("/api/flows/{id}")),
        ("patch", format!("/api/flows/{id}")),
        ("delete", format!("/api/flows/{id}")),
        ("post", format!("/api/flows/{id}/publish")),
        ("get", format!("/api/flows/{id}/versions")),
    ] {
        let r = match method {
            "get" => app.get(&path, &b.admin_token).await,
            "patch" => {
                app.patch(&path, &b.admin_token, json!({ "name": "stolen" }))
                    .await
            }
            "delete" => app.delete(&path, &b.admin_token).await,
            _ => app.post(&path, &b.admin_token, json!({})).await,
        };
        assert_error(&r, 404, "FLOW_NOT_FOUND");
    }
    assert!(
        app.get("/api/flows", &b.admin_token)
            .await
            .1
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_plan_limits_flows() {
    let app = TestApp::start().await;
    let plan = app.plan(5, 5, &[]).await;
    let t = app.tenant_on("flowlimit", &plan).await;
    let mut n = 0;
    loop {
        let r = app
            .post(
                "/api/flows",
                &t.admin_token,
                json!({ "name": format!("F{n}") }),
            )
            .await;
        if r.0 != StatusCode::CREATED {
            assert_error(&r, 403, "PLAN_LIMIT_REACHED");
            break;
        }
        n += 1;
        assert!(n < 100, "no limit enforced");
    }
}
