use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use tucan_bus::net::OutboundHttp;
use tucan_model::tenancy::{PlanFeatures, PlanLimits};
use tucan_plugins::{
    CallState, LoadedPlugin, MemoryKv, NodeOutput, PluginCall, PluginError, PluginHost,
    PluginManifest,
};
use tucan_store::{Store, TenantDb};
use tucan_testkit::TenantSpec;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> (PluginManifest, Vec<u8>) {
    let dir = root().join("tests/fixtures");
    let manifest = std::fs::read(dir.join(format!("{name}.json"))).unwrap();
    let wasm = std::fs::read(dir.join(format!("{name}.wat"))).unwrap();
    (serde_json::from_slice(&manifest).unwrap(), wasm)
}

fn example(name: &str) -> (PluginManifest, Vec<u8>) {
    let dir = root().join("../../plugins").join(name);
    let wasm = std::fs::read(dir.join("plugin.wasm"))
        .unwrap_or_else(|e| panic!("{name}/plugin.wasm: {e}; build it with plugins/build.sh"));
    let manifest = std::fs::read(dir.join("plugin.json")).unwrap();
    (serde_json::from_slice(&manifest).unwrap(), wasm)
}

fn load(name: &str) -> Arc<LoadedPlugin> {
    let (m, wasm) = fixture(name);
    Arc::new(LoadedPlugin::load(m, &wasm).unwrap())
}

/// One call on a blocking thread with an in-memory store and a made-up run.
async fn call(
    plugin: &Arc<LoadedPlugin>,
    node: &str,
    input: Value,
    vars: Value,
) -> (Result<NodeOutput, PluginError>, CallState) {
    let p = plugin.clone();
    let node = node.to_string();
    let mut state = CallState::new(
        p.grants(),
        Arc::new(MemoryKv::default()),
        OutboundHttp::new(true),
        tokio::runtime::Handle::current(),
    );
    if let Value::Object(v) = vars {
        state.vars = v;
    }
    tokio::task::spawn_blocking(move || p.call_blocking(&node, &input, state))
        .await
        .unwrap()
}

fn code(r: &Result<NodeOutput, PluginError>) -> &'static str {
    match r {
        Ok(_) => "OK",
        Err(e) => e.code,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_modules_are_stopped_with_their_code_while_others_carry_on() {
    let echo = load("echo");
    let cases = [
        ("spin", vec!["PLUGIN_TIMEOUT", "PLUGIN_OUT_OF_FUEL"]),
        ("membomb", vec!["PLUGIN_MEMORY"]),
        ("huge_output", vec!["PLUGIN_BAD_OUTPUT"]),
        ("garbage", vec!["PLUGIN_BAD_OUTPUT"]),
        ("trap", vec!["PLUGIN_TRAP"]),
    ];
    let mut hostile = Vec::new();
    for (name, codes) in cases {
        let plugin = load(name);
        hostile.push(tokio::spawn(async move {
            let started = Instant::now();
            let (r, _) = call(&plugin, "run", json!({}), json!({})).await;
            let e = r
                .as_ref()
                .err()
                .map(|e| e.message.clone())
                .unwrap_or_default();
            assert!(
                codes.contains(&code(&r)),
                "{name}: {} ({e}), wanted one of {codes:?}",
                code(&r)
            );
            // The same instance pool serves the next call normally after a failure.
            let (again, _) = call(&plugin, "run", json!({}), json!({})).await;
            assert!(
                codes.contains(&code(&again)),
                "{name} the second time: {again:?}"
            );
            (name, started.elapsed())
        }));
    }
    // Meanwhile a well-behaved plugin keeps answering.
    let mut answered = 0;
    while hostile.iter().any(|h| !h.is_finished()) {
        let (r, _) = call(&echo, "run", json!({}), json!({})).await;
        let out = r.unwrap();
        assert_eq!(out.port, "ok");
        assert_eq!(out.vars["echo"], true);
        answered += 1;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(answered > 0);
    for h in hostile {
        let (name, took) = h.await.unwrap();
        // Every one stops within its limit (the longest, membomb's, is 5 s) twice over.
        assert!(took < Duration::from_secs(12), "{name} took {took:?}");
    }
}

#[test]
fn modules_that_import_what_they_were_not_granted_are_refused() {
    let (m, wasm) = fixture("ungranted_import");
    let e = LoadedPlugin::load(m, &wasm).unwrap_err();
    assert_eq!(e.code, "PLUGIN_INVALID");
    assert!(
        e.message
            .contains("imports tucan_http, which the manifest does not grant"),
        "{}",
        e.message
    );
    let (m, wasm) = fixture("wasi");
    let e = LoadedPlugin::load(m, &wasm).unwrap_err();
    assert!(
        e.message.contains("wasi_snapshot_preview1"),
        "{}",
        e.message
    );
    // A node the module does not export.
    let (mut m, wasm) = fixture("echo");
    m.nodes[0].id = "missing".into();
    let e = LoadedPlugin::load(m, &wasm).unwrap_err();
    assert!(e.message.contains("no exported function"), "{}", e.message);
    // Start code would run untimed as an instance is made: refused, as are the exports
    // Extism would run the same way.
    let (m, _) = fixture("echo");
    let looping_start = br#"(module
        (func $forever (loop $again (br $again)))
        (start $forever)
        (func (export "run") (result i32) i32.const 0))"#;
    let e = LoadedPlugin::load(m.clone(), looping_start).unwrap_err();
    assert!(
        e.message.contains("start function is not allowed"),
        "{}",
        e.message
    );
    let initialize = br#"(module
        (func (export "_initialize"))
        (func (export "run") (result i32) i32.const 0))"#;
    let e = LoadedPlugin::load(m, initialize).unwrap_err();
    assert!(e.message.contains("exports _initialize"), "{}", e.message);
    // Not Wasm at all.
    let (m, _) = fixture("echo");
    let e = LoadedPlugin::load(m, b"\0asm\x01garbage").unwrap_err();
    assert_eq!(e.code, "PLUGIN_INVALID");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_reaches_only_granted_hosts() {
    let plugin = load("http_ungranted");
    let (r, _) = call(&plugin, "run", json!({}), json!({})).await;
    let out = r.unwrap();
    let answer = out.vars["http"]["error"].as_str().unwrap_or_default();
    assert!(
        answer.starts_with("HOST_NOT_GRANTED"),
        "{}",
        out.vars["http"]
    );

    // The CRM example against a loopback server it is granted.
    let server = crm_server().await;
    let (mut m, wasm) = example("crm-lookup");
    m.grants.http_hosts = vec!["127.0.0.1".into()];
    let crm = Arc::new(LoadedPlugin::load(m, &wasm).unwrap());
    let p = crm.clone();
    let mut state = CallState::new(
        p.grants(),
        Arc::new(MemoryKv::default()),
        OutboundHttp::new(true),
        tokio::runtime::Handle::current(),
    );
    state.contact = json!({ "id": "c1", "name": "Ana", "phone": "+5511987654321" });
    let input = json!({ "config": { "base_url": server }, "message": null });
    let (r, state) = tokio::task::spawn_blocking(move || p.call_blocking("lookup", &input, state))
        .await
        .unwrap();
    let out = r.unwrap_or_else(|e| panic!("{e}; trace {:?}", state.trace));
    assert_eq!(out.port, "found", "{:?}", out.vars);
    assert_eq!(out.vars["crm_customer"]["tier"], "gold");
}

/// A CRM with one customer, on a free loopback port; returns its base URL.
async fn crm_server() -> String {
    use poem::{Route, Server, get, handler, listener::TcpListener, web::Query};
    #[handler]
    fn customers(Query(q): Query<std::collections::HashMap<String, String>>) -> poem::Response {
        if q.get("phone").map(String::as_str) == Some("+5511987654321") {
            poem::Response::builder()
                .content_type("application/json")
                .body(r#"{"name":"Ana Souza","tier":"gold"}"#)
        } else {
            poem::Response::builder()
                .status(poem::http::StatusCode::NOT_FOUND)
                .finish()
        }
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let app = Route::new().at("/customers", get(customers));
    tokio::spawn(Server::new(TcpListener::bind(addr)).run(app));
    tokio::time::sleep(Duration::from_millis(100)).await;
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_plugins_answer_as_documented() {
    let (m, wasm) = example("doc-validator");
    let docs = Arc::new(LoadedPlugin::load(m, &wasm).unwrap());
    let (r, _) = call(
        &docs,
        "validate",
        json!({ "config": {}, "message": null }),
        json!({ "document": "529.982.247-25" }),
    )
    .await;
    let out = r.unwrap();
    assert_eq!(out.port, "valid", "{:?}", out.vars);
    assert_eq!(out.vars["document_kind"], "cpf");
    let (r, _) = call(
        &docs,
        "validate",
        json!({ "config": {}, "message": "529.982.247-24" }),
        json!({}),
    )
    .await;
    assert_eq!(r.unwrap().port, "invalid");

    let (m, wasm) = example("keyword-router");
    let router = Arc::new(LoadedPlugin::load(m, &wasm).unwrap());
    let config = json!({ "categories": [
        { "name": "billing", "keywords": ["boleto", "fatura", "pagamento"] },
        { "name": "support", "keywords": ["erro", "não funciona"] }
    ]});
    let (r, _) = call(
        &router,
        "classify",
        json!({ "config": config, "message": "Quero a segunda via do BOLETO da fatura" }),
        json!({}),
    )
    .await;
    let out = r.unwrap();
    assert_eq!(out.port, "matched");
    assert_eq!(out.vars["category"], "billing");
    assert_eq!(out.vars["score"], 2);
}

/// A company whose plan allows five plugins.
async fn tenant(store: &Store) -> TenantDb {
    TenantSpec {
        limits: PlanLimits {
            plugins: 5,
            ..tucan_testkit::limits()
        },
        features: PlanFeatures {
            plugins: true,
            ..tucan_testkit::features()
        },
        ..TenantSpec::default()
    }
    .create(store)
    .await
}

fn probe(version: &str) -> PluginCall {
    PluginCall {
        plugin: "fixture-kv-probe".into(),
        version: version.into(),
        node: "run".into(),
        input: json!({ "config": {}, "message": null }),
        vars: Map::new(),
        contact: Value::Null,
        ticket: Value::Null,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_data_belongs_to_one_company_and_versions_are_kept() {
    let store = tucan_testkit::memory_store().await;
    let host = PluginHost::new(OutboundHttp::new(false));
    let (a, b) = (tenant(&store).await, tenant(&store).await);
    let (m, wasm) = fixture("kv_probe");
    for db in [&a, &b] {
        host.upload(db, m.clone(), wasm.clone(), "u1")
            .await
            .unwrap();
    }
    let (first, _) = host.call(&a, probe("1.0.0")).await;
    assert_eq!(first.unwrap().vars["before"], Value::Null);
    let (second, _) = host.call(&a, probe("1.0.0")).await;
    assert_eq!(second.unwrap().vars["before"], 1);
    // The other company's plugin, same id and key, sees nothing of it.
    let (other, _) = host.call(&b, probe("1.0.0")).await;
    assert_eq!(other.unwrap().vars["before"], Value::Null);

    // A version is immutable; a new one becomes current and the old one stays callable.
    let again = host.upload(&a, m.clone(), wasm.clone(), "u1").await;
    assert!(again.unwrap_err().to_string().contains("already uploaded"));
    let mut next = m.clone();
    next.version = "1.1.0".into();
    let row = host.upload(&a, next, wasm.clone(), "u1").await.unwrap();
    assert_eq!(row.current, "1.1.0");
    assert_eq!(
        a.plugin_versions("fixture-kv-probe").await.unwrap().len(),
        2
    );
    let (old, _) = host.call(&a, probe("1.0.0")).await;
    assert_eq!(old.unwrap().port, "ok");

    // Disabled: calls fail with their code; removed: the data goes too.
    a.set_plugin_enabled("fixture-kv-probe", false)
        .await
        .unwrap();
    let (off, _) = host.call(&a, probe("1.1.0")).await;
    assert_eq!(code(&off), "PLUGIN_DISABLED");
    a.delete_plugin("fixture-kv-probe").await.unwrap();
    assert!(
        a.plugin_kv_get("fixture-kv-probe", "k")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        b.plugin_kv_get("fixture-kv-probe", "k").await.unwrap(),
        Some(json!(1))
    );
}

fn call_of(plugin: &str) -> PluginCall {
    PluginCall {
        plugin: plugin.into(),
        version: "1.0.0".into(),
        node: "run".into(),
        input: json!({ "config": {}, "message": null }),
        vars: Map::new(),
        contact: Value::Null,
        ticket: Value::Null,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_key_value_writes_never_pass_the_quota_nor_duplicate_a_key() {
    let store = tucan_testkit::memory_store().await;
    let db = tenant(&store).await;
    // 30 writers of distinct entries against a 1,000-byte quota.
    let value = json!("x".repeat(94));
    let writes = (0..30).map(|i| {
        let (db, value) = (db.clone(), value.clone());
        tokio::spawn(async move {
            db.plugin_kv_set("p", &format!("k{i:02}"), &value, 1_000)
                .await
                .unwrap()
        })
    });
    let accepted = futures::future::join_all(writes)
        .await
        .into_iter()
        .filter(|r| *r.as_ref().unwrap())
        .count();
    // Each entry is 99 bytes (a 3-byte key, a 96-byte JSON string).
    let used = db.plugin_kv_used("p").await.unwrap();
    assert_eq!(accepted, 10, "ten entries of 99 bytes fit in 1,000");
    assert_eq!(used, 990);

    // Ten writers of one key: every write lands, one entry remains, counted once.
    let same = (0..10).map(|i| {
        let db = db.clone();
        tokio::spawn(async move { db.plugin_kv_set("q", "key", &json!(i), 1_000).await })
    });
    for r in futures::future::join_all(same).await {
        assert!(r.unwrap().unwrap());
    }
    assert_eq!(db.plugin_kv_used("q").await.unwrap(), 4);
    db.plugin_kv_delete("q", "key").await.unwrap();
    assert_eq!(db.plugin_kv_used("q").await.unwrap(), 0);
    assert!(db.plugin_kv_get("q", "key").await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_version_comes_back_only_with_the_same_module() {
    let store = tucan_testkit::memory_store().await;
    let db = tenant(&store).await;
    let host = PluginHost::new(OutboundHttp::new(false));
    let (m, wasm) = fixture("echo");
    host.upload(&db, m.clone(), wasm.clone(), "u1")
        .await
        .unwrap();
    db.delete_plugin("fixture-echo").await.unwrap();

    let mut changed = wasm.clone();
    changed.extend_from_slice(b"\n;; other code, same version\n");
    let refused = host
        .upload(&db, m.clone(), changed, "u1")
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("cannot come back changed"),
        "{refused}"
    );
    let row = host.upload(&db, m, wasm, "u1").await.unwrap();
    assert_eq!(row.current, "1.0.0");
    let (answer, _) = host.call(&db, call_of("fixture-echo")).await;
    assert_eq!(answer.unwrap().port, "ok");
}

/// A CRM that takes `delay` to answer, on a free loopback port; returns its base URL.
async fn slow_crm(delay: Duration) -> String {
    use poem::{EndpointExt, Route, Server, get, handler, listener::TcpListener, web::Data};
    #[handler]
    async fn customers(Data(delay): Data<&Duration>) -> poem::Response {
        tokio::time::sleep(*delay).await;
        poem::Response::builder()
            .content_type("application/json")
            .body(r#"{"name":"Ana Souza","tier":"gold"}"#)
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let app = Route::new().at("/customers", get(customers)).data(delay);
    tokio::spawn(Server::new(TcpListener::bind(addr)).run(app));
    tokio::time::sleep(Duration::from_millis(100)).await;
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_company_runs_only_its_share_of_plugin_calls_at_once() {
    let store = tucan_testkit::memory_store().await;
    let (a, b) = (tenant(&store).await, tenant(&store).await);
    let limits = tucan_plugins::PluginLimits {
        calls_per_tenant: 1,
        compiled_versions: 8,
    };
    let host = PluginHost::with_limits(OutboundHttp::new(true), limits);
    let (mut crm, crm_wasm) = example("crm-lookup");
    crm.grants.http_hosts = vec!["127.0.0.1".into()];
    for db in [&a, &b] {
        host.upload(db, crm.clone(), crm_wasm.clone(), "u1")
            .await
            .unwrap();
        let (m, wasm) = fixture("echo");
        host.upload(db, m, wasm, "u1").await.unwrap();
    }
    // Company A's one slot is taken by a lookup the CRM answers only after 1.5 s.
    let server = slow_crm(Duration::from_millis(1_500)).await;
    let lookup = PluginCall {
        plugin: "crm-lookup".into(),
        version: crm.version.clone(),
        node: "lookup".into(),
        input: json!({ "config": { "base_url": server }, "message": null }),
        vars: Map::new(),
        contact: json!({ "id": "c1", "name": "Ana", "phone": "+5511987654321" }),
        ticket: Value::Null,
    };
    let waiting = {
        let (host, a) = (host.clone(), a.clone());
        tokio::spawn(async move { host.call(&a, lookup).await })
    };
    tokio::time::sleep(Duration::from_millis(400)).await;
    let busy = host.try_call(&a, call_of("fixture-echo")).await;
    assert!(
        matches!(busy, Err(tucan_runtime::CallLater::Busy)),
        "{busy:?}"
    );
    // Company B is not held up by A.
    let (other, _) = host.try_call(&b, call_of("fixture-echo")).await.unwrap();
    assert_eq!(other.unwrap().port, "ok");
    let (found, trace) = waiting.await.unwrap();
    assert_eq!(
        found.unwrap_or_else(|e| panic!("{e}: {trace:?}")).port,
        "found"
    );
    let (after, _) = host.try_call(&a, call_of("fixture-echo")).await.unwrap();
    assert_eq!(after.unwrap().port, "ok");
}
