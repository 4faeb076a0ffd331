//! Plugins over the API: uploads checked and gated by role, plan and tenant; plugin node types
//! in the catalogue; each example plugin's flow template published and played through the
//! simulator, the plugin called by the workers; a pinned version survives an upgrade.

use base64::Engine as _;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, TestTenant, assert_error};

fn example(name: &str) -> (Value, String) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../plugins")
        .join(name);
    let wasm = std::fs::read(dir.join("plugin.wasm"))
        .unwrap_or_else(|e| panic!("{name}/plugin.wasm: {e}; build it with plugins/build.sh"));
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("plugin.json")).unwrap()).unwrap();
    (
        manifest,
        base64::engine::general_purpose::STANDARD.encode(wasm),
    )
}

fn template(name: &str, file: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../plugins")
        .join(name)
        .join(file);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

async fn upload(app: &TestApp, token: &str, manifest: &Value, module: &str) -> (StatusCode, Value) {
    app.post(
        "/api/plugins",
        token,
        json!({ "manifest": manifest, "module": module }),
    )
    .await
}

#[tokio::test]
async fn uploads_are_checked_gated_and_kept_per_company() {
    let app = TestApp::start().await;
    let t = app.tenant("plugins").await;
    let (manifest, module) = example("doc-validator");

    let (_, agent) = app.user(&t, "agent").await;
    assert_error(
        &upload(&app, &agent, &manifest, &module).await,
        403,
        "FORBIDDEN",
    );
    let no_plugins = app.plan(5, 5, &["plugins"]).await;
    let other = app.tenant_on("noplugins", &no_plugins).await;
    assert_error(
        &upload(&app, &other.admin_token, &manifest, &module).await,
        403,
        "FEATURE_DISABLED",
    );

    // What the manifest does not grant, the module may not import.
    let mut stingy = manifest.clone();
    stingy["grants"]["host_functions"] = json!(["tucan_log"]);
    let (status, body) = upload(&app, &t.admin_token, &stingy, &module).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "PLUGIN_INVALID");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("imports tucan_var_get, which the manifest does not grant"),
        "{body}"
    );
    let (status, body) = upload(&app, &t.admin_token, &json!({ "id": "x" }), &module).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "PLUGIN_INVALID");
    assert_error(
        &upload(&app, &t.admin_token, &manifest, "not base64!").await,
        400,
        "PLUGIN_INVALID",
    );

    let (status, plugin) = upload(&app, &t.admin_token, &manifest, &module).await;
    assert_eq!(status, StatusCode::CREATED, "{plugin}");
    assert_eq!(plugin["current"], "1.0.0");
    assert_error(
        &upload(&app, &t.admin_token, &manifest, &module).await,
        409,
        "NAME_TAKEN",
    );
    // The plan allows one plugin.
    let (m2, w2) = example("keyword-router");
    assert_error(
        &upload(&app, &t.admin_token, &m2, &w2).await,
        403,
        "PLAN_LIMIT_REACHED",
    );

    let (_, types) = app.get("/api/node-types", &t.admin_token).await;
    let node = types
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "plugin.doc-validator.validate")
        .expect("in the catalogue");
    assert_eq!(node["outputs"], json!(["valid", "invalid"]));
    assert_eq!(node["category"], "plugins");

    // Another company sees none of it.
    let stranger = app.tenant("stranger").await;
    let (_, list) = app.get("/api/plugins", &stranger.admin_token).await;
    assert_eq!(list, json!([]));
    assert_error(
        &app.get("/api/plugins/doc-validator", &stranger.admin_token)
            .await,
        404,
        "PLUGIN_NOT_FOUND",
    );
    assert_error(
        &app.post(
            "/api/plugins/doc-validator/disable",
            &stranger.admin_token,
            json!({}),
        )
        .await,
        404,
        "PLUGIN_NOT_FOUND",
    );
    let (_, types) = app.get("/api/node-types", &stranger.admin_token).await;
    assert!(
        !types
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "plugin.doc-validator.validate")
    );

    // Disabled: out of the catalogue; enabled again: back.
    let (status, off) = app
        .post(
            "/api/plugins/doc-validator/disable",
            &t.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{off}");
    assert_eq!(off["enabled"], false);
    let (_, types) = app.get("/api/node-types", &t.admin_token).await;
    assert!(
        !types
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "plugin.doc-validator.validate")
    );
    let (_, versions) = app
        .get("/api/plugins/doc-validator/versions", &t.admin_token)
        .await;
    assert_eq!(versions.as_array().unwrap().len(), 1);
    assert!(versions[0]["size"].as_u64().unwrap() > 1000);
    let (status, _) = app
        .delete("/api/plugins/doc-validator", &t.admin_token)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, list) = app.get("/api/plugins", &t.admin_token).await;
    assert_eq!(list, json!([]));
}

/// A CRM with the customers of a conversation script, on a loopback port.
async fn crm(customers: Value) -> String {
    use poem::web::{Data, Query};
    use poem::{EndpointExt, Route, Server, get, handler, listener::TcpListener};
    #[handler]
    fn find(
        Query(q): Query<std::collections::HashMap<String, String>>,
        Data(customers): Data<&Value>,
    ) -> poem::Response {
        match q.get("phone").and_then(|p| customers.get(p)) {
            Some(c) => poem::Response::builder()
                .content_type("application/json")
                .body(c.to_string()),
            None => poem::Response::builder()
                .status(poem::http::StatusCode::NOT_FOUND)
                .finish(),
        }
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let app = Route::new().at("/customers", get(find)).data(customers);
    tokio::spawn(Server::new(TcpListener::bind(addr)).run(app));
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    format!("http://{addr}")
}

async fn simulator(app: &TestApp, t: &TestTenant, phone: &str) -> String {
    let (status, conn) = app
        .post(
            "/api/connections",
            &t.admin_token,
            json!({ "name": "Sim", "kind": "simulator", "phone": phone }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{conn}");
    conn["id"].as_str().unwrap().to_string()
}

/// Wait until the phone has received `text`.
async fn phone_gets(app: &TestApp, t: &TestTenant, conn: &str, phone: &str, text: &str) {
    let path = format!(
        "/api/connections/{conn}/simulator/chats/{}",
        phone.trim_start_matches('+')
    );
    for _ in 0..150 {
        let (_, chat) = app.get(&path, &t.admin_token).await;
        if chat
            .as_array()
            .is_some_and(|c| c.iter().any(|m| m["body"] == text))
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(40)).await;
    }
    let (_, chat) = app.get(&path, &t.admin_token).await;
    panic!("{phone} never got {text:?}; chat: {chat}");
}

#[tokio::test]
async fn each_example_plugin_runs_its_flow_template_through_the_simulator() {
    let app = TestApp::start_with_workers().await;
    for name in ["doc-validator", "keyword-router", "crm-lookup"] {
        let t = app.tenant(name).await;
        let (mut manifest, module) = example(name);
        let script = template(name, "template.conversation.json");
        let mut doc = template(name, "template.json");
        if let Some(customers) = script.get("crm") {
            // The template's CRM is a loopback server here, and the grant follows it.
            let base = crm(customers.clone()).await;
            manifest["grants"]["http_hosts"] = json!(["127.0.0.1"]);
            for node in doc["nodes"].as_array_mut().unwrap() {
                if node["config"].get("base_url").is_some() {
                    node["config"]["base_url"] = json!(base);
                }
            }
        }
        let (status, body) = upload(&app, &t.admin_token, &manifest, &module).await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {body}");
        let (status, flow) = app
            .post(
                "/api/flows",
                &t.admin_token,
                json!({ "name": name, "document": doc }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {flow}");
        let id = flow["id"].as_str().unwrap();
        let (status, published) = app
            .post(
                &format!("/api/flows/{id}/publish"),
                &t.admin_token,
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {published}");
        let conn = simulator(&app, &t, "+551130000009").await;
        for turn in script["turns"].as_array().unwrap() {
            let phone = turn["phone"].as_str().unwrap_or("+5511955554444");
            let (status, sent) = app
                .post(
                    &format!("/api/connections/{conn}/simulator/messages"),
                    &t.admin_token,
                    json!({ "from": phone, "text": turn["customer"] }),
                )
                .await;
            assert_eq!(status, StatusCode::ACCEPTED, "{name}: {sent}");
            for text in turn["platform"].as_array().unwrap() {
                phone_gets(&app, &t, &conn, phone, text.as_str().unwrap()).await;
            }
        }
    }
}

#[tokio::test]
async fn a_published_flow_keeps_the_plugin_version_it_pinned() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("pinning").await;
    let (manifest, module) = example("doc-validator");
    upload(&app, &t.admin_token, &manifest, &module).await;
    let doc = template("doc-validator", "template.json");
    let (_, flow) = app
        .post(
            "/api/flows",
            &t.admin_token,
            json!({ "name": "docs", "document": doc }),
        )
        .await;
    let id = flow["id"].as_str().unwrap();
    app.post(
        &format!("/api/flows/{id}/publish"),
        &t.admin_token,
        json!({}),
    )
    .await;
    let (_, version) = app
        .get(&format!("/api/flows/{id}/versions/1"), &t.admin_token)
        .await;
    let kinds: Vec<&str> = version["document"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["type"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"plugin.doc-validator.validate@1.0.0"),
        "{kinds:?}"
    );
    // A new version is uploaded; the published flow still runs the one it pinned.
    let mut next = manifest.clone();
    next["version"] = json!("2.0.0");
    let (status, body) = upload(&app, &t.admin_token, &next, &module).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let conn = simulator(&app, &t, "+551130000008").await;
    for (text, reply) in [
        ("cpf", "Please send your CPF, CNPJ or RUT."),
        (
            "529.982.247-25",
            "Thanks! Your cpf 529.982.247-25 is valid.",
        ),
    ] {
        app.post(
            &format!("/api/connections/{conn}/simulator/messages"),
            &t.admin_token,
            json!({ "from": "+5511955553333", "text": text }),
        )
        .await;
        phone_gets(&app, &t, &conn, "+5511955553333", reply).await;
    }
    // Disabled, the plugin's step fails with its code in the run's trace.
    app.post(
        "/api/plugins/doc-validator/disable",
        &t.admin_token,
        json!({}),
    )
    .await;
    for text in ["cpf", "529.982.247-25"] {
        app.post(
            &format!("/api/connections/{conn}/simulator/messages"),
            &t.admin_token,
            json!({ "from": "+5511955553333", "text": text }),
        )
        .await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    let mut failed = Value::Null;
    for _ in 0..100 {
        let (_, runs) = app
            .get(
                &format!("/api/runs?flow_id={id}&status=failed"),
                &t.admin_token,
            )
            .await;
        if let Some(r) = runs["items"].as_array().and_then(|r| r.first()) {
            failed = r.clone();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        failed["error"]
            .as_str()
            .is_some_and(|e| e.contains("PLUGIN_DISABLED")),
        "{failed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_in_a_published_flow_cannot_be_removed() {
    let app = TestApp::start().await;
    let t = app.tenant("in-use").await;
    let (manifest, module) = example("doc-validator");
    upload(&app, &t.admin_token, &manifest, &module).await;
    let (_, flow) = app
        .post(
            "/api/flows",
            &t.admin_token,
            json!({ "name": "docs", "document": template("doc-validator", "template.json") }),
        )
        .await;
    let id = flow["id"].as_str().unwrap();
    let (status, body) = app
        .post(
            &format!("/api/flows/{id}/publish"),
            &t.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let refused = app
        .delete("/api/plugins/doc-validator", &t.admin_token)
        .await;
    assert_error(&refused, 409, "PLUGIN_IN_USE");
    assert!(refused.1["message"].as_str().unwrap().contains("docs"));
    // Once the flow is gone, the plugin can go.
    let (status, _) = app
        .delete(&format!("/api/flows/{id}"), &t.admin_token)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app
        .delete("/api/plugins/doc-validator", &t.admin_token)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}
