//! Starts the API on 127.0.0.1:0 with a fresh in-memory store, a platform admin, and helpers
//! to create tenants and call endpoints.

use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tucan_api::mailer::MemoryMailer;
use tucan_api::{ApiSettings, AppState};
use tucan_bus::{BusOptions, EmbeddedBus, JobBus};
use tucan_model::user::{NewUser, Role};
use tucan_store::Store;

pub const ADMIN_EMAIL: &str = "root@platform.test";
pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub base: String,
    /// `ws://…` of the same server.
    pub ws_base: String,
    pub http: reqwest::Client,
    pub mailer: Arc<MemoryMailer>,
    /// Platform admin's access token.
    pub root: String,
    pub store: Store,
    pub bus: Arc<dyn JobBus>,
    /// The server's campaigns (their clock can be moved ahead).
    pub campaigns: Arc<tucan_campaigns::Campaigns>,
}

impl Drop for TestApp {
    /// Every answer a test got had a status its endpoint's OpenAPI entry lists (an answer
    /// that did not is counted by the API and logged with its endpoint's error).
    fn drop(&mut self) {
        if !std::thread::panicking() {
            assert_eq!(
                tucan_api::error::undeclared_statuses(),
                0,
                "an endpoint answered with a status its OpenAPI entry does not list; see the log"
            );
        }
    }
}

/// A tenant made for a test, with its admin's token.
pub struct TestTenant {
    pub id: String,
    pub plan_id: String,
    pub admin_token: String,
    pub admin_id: String,
}

pub fn settings() -> ApiSettings {
    ApiSettings {
        jwt_secret: b"integration-test-secret-0123456789abcdef".to_vec(),
        access_ttl_secs: 900,
        refresh_ttl_days: 30,
        reset_ttl_minutes: 60,
        public_url: "http://tucan.test".into(),
        max_body_bytes: 64 * 1024,
        login_failures_per_account: 5,
        login_attempts_per_ip: 10_000,
        metrics_token: None,
        ui_dir: None,
    }
}

impl TestApp {
    pub async fn start() -> TestApp {
        Self::start_with(settings()).await
    }

    /// Like `start`, with the job workers and timers running (messages get sent, receipts
    /// come back, scheduled messages fire), as in `tucanlink serve`.
    pub async fn start_with_workers() -> TestApp {
        Self::launch(settings(), true).await
    }

    pub async fn start_with(settings: ApiSettings) -> TestApp {
        Self::launch(settings, false).await
    }

    async fn launch(settings: ApiSettings, workers: bool) -> TestApp {
        // `TEST_LOG=warn` (a tracing filter) shows what the server logs while a test runs.
        if let Ok(filter) = std::env::var("TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_test_writer()
                .try_init();
        }
        let store = Store::memory().await.expect("store");
        let mailer = Arc::new(MemoryMailer::default());
        let bus = Arc::new(EmbeddedBus::new(
            store.jobs(),
            BusOptions::default(),
            Arc::default(),
        ));
        // Plugins' HTTP reaches the tests' own loopback servers.
        let services = tucan_api::Services::build(
            &store,
            bus.clone(),
            tucan_api::ServiceOptions {
                plugins_allow_internal_http: true,
                // Flows' HTTP and AI steps reach the tests' local fakes.
                runtime: tucan_runtime::RuntimeOptions {
                    allow_internal_http: true,
                    ..Default::default()
                },
                // Channels reach the tests' fake Graph API on loopback; connection secrets
                // are sealed under a key of this test server's own.
                inbox: tucan_inbox::InboxOptions {
                    secret_key: Some(
                        tucan_channels::secrets::SecretKey::from_hex(
                            &tucan_channels::secrets::SecretKey::generate_hex(),
                        )
                        .unwrap(),
                    ),
                    allow_internal_http: true,
                    ..Default::default()
                },
                // Endpoints on loopback, and retries a test can wait for.
                webhooks: tucan_webhooks::WebhookOptions {
                    allow_internal: true,
                    retry_delays: vec![std::time::Duration::from_millis(300); 7],
                    ..Default::default()
                },
            },
        );
        let state = AppState::new(
            store.clone(),
            settings,
            mailer.clone(),
            bus.clone(),
            services,
        );
        if workers {
            let mut handlers = tucan_bus::Handlers::default();
            state.runtime.register(&mut handlers);
            state.inbox.register(&mut handlers);
            state.webhooks.register(&mut handlers);
            state.campaigns.register(&mut handlers);
            let worker = tucan_bus::Worker::new(
                bus.clone(),
                handlers,
                tucan_bus::WorkerOptions {
                    lanes: vec![
                        (tucan_bus::Lane::Flow, 4),
                        (tucan_bus::Lane::Messages, 8),
                        (tucan_bus::Lane::Campaigns, 2),
                        (tucan_bus::Lane::Webhooks, 2),
                        (tucan_bus::Lane::System, 1),
                    ],
                    grace: std::time::Duration::from_secs(1),
                    keep_alive: std::time::Duration::from_secs(10),
                },
            );
            let stop = tokio_util::sync::CancellationToken::new();
            let timers = state.runtime.timers().clone();
            let stopping = stop.clone();
            tokio::spawn(async move { worker.run(stopping).await });
            let stopping = stop.clone();
            tokio::spawn(async move { timers.run(stopping).await });
            // Dropped with the test's runtime.
            std::mem::forget(stop);
        }
        let admin = NewUser {
            name: "Root".into(),
            email: ADMIN_EMAIL.into(),
            password: PASSWORD.into(),
            role: Role::PlatformAdmin,
            max_tickets: 0,
            language: "en".into(),
        };
        tucan_api::accounts::create_user(&store, None, admin)
            .await
            .expect("platform admin");
        let campaigns = state.campaigns.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let acceptor = tucan_api::Listener::from_tokio(listener).unwrap();
        tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(tucan_api::app(state)));
        let mut app = TestApp {
            base: format!("http://{addr}"),
            ws_base: format!("ws://{addr}"),
            http: reqwest::Client::new(),
            mailer,
            root: String::new(),
            store,
            bus,
            campaigns,
        };
        app.root = app.login(ADMIN_EMAIL, PASSWORD).await["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        app
    }

    pub async fn login(&self, email: &str, password: &str) -> Value {
        let (status, body) = self
            .call(
                Method::POST,
                "/api/auth/login",
                None,
                Some(json!({ "email": email, "password": password })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login {email}: {body}");
        body
    }

    /// Send a request; returns status and JSON body (Null when empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        decode(resp).await
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    /// A plan with the given limits and every feature but those in `without`.
    pub async fn plan(&self, users: u32, queues: u32, without: &[&str]) -> String {
        let features: serde_json::Map<String, Value> =
            ["campaigns", "plugins", "api_access", "webhooks"]
                .iter()
                .map(|f| (f.to_string(), Value::Bool(!without.contains(f))))
                .collect();
        let body = json!({
            "name": format!("plan-{}", tucan_model::ids::new_id()),
            "limits": { "users": users, "connections": 3, "queues": queues, "flows": 10, "plugins": 1 },
            "features": features,
        });
        let (status, plan) = self.post("/api/platform/plans", &self.root, body).await;
        assert_eq!(status, StatusCode::CREATED, "{plan}");
        plan["id"].as_str().unwrap().to_string()
    }

    /// A tenant on a generous plan, with its admin signed in.
    pub async fn tenant(&self, name: &str) -> TestTenant {
        let plan = self.plan(20, 20, &[]).await;
        self.tenant_on(name, &plan).await
    }

    pub async fn tenant_on(&self, name: &str, plan_id: &str) -> TestTenant {
        let email = format!(
            "admin-{}@{}.test",
            tucan_model::ids::new_id(),
            name.to_lowercase()
        );
        let body = json!({
            "name": name,
            "plan_id": plan_id,
            "admin": { "name": format!("{name} Admin"), "email": email, "password": PASSWORD },
        });
        let (status, created) = self.post("/api/platform/tenants", &self.root, body).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let session = self.login(&email, PASSWORD).await;
        TestTenant {
            id: created["tenant"]["id"].as_str().unwrap().to_string(),
            plan_id: plan_id.to_string(),
            admin_token: session["access_token"].as_str().unwrap().to_string(),
            admin_id: created["admin"]["id"].as_str().unwrap().to_string(),
        }
    }

    /// Create a flow from `doc` and publish it; returns its id.
    pub async fn publish_flow(&self, tenant: &TestTenant, name: &str, doc: Value) -> String {
        let body = json!({ "name": name, "document": doc });
        let (status, flow) = self.post("/api/flows", &tenant.admin_token, body).await;
        assert_eq!(status, StatusCode::CREATED, "{flow}");
        let id = flow["id"].as_str().unwrap().to_string();
        let path = format!("/api/flows/{id}/publish");
        let (status, out) = self.post(&path, &tenant.admin_token, json!({})).await;
        assert!(status.is_success(), "{out}");
        id
    }

    /// Create a user in the tenant and sign it in; returns (user id, token).
    pub async fn user(&self, tenant: &TestTenant, role: &str) -> (String, String) {
        let email = format!("{role}-{}@users.test", tucan_model::ids::new_id());
        let body = json!({ "name": role, "email": email, "password": PASSWORD, "role": role });
        let (status, user) = self.post("/api/users", &tenant.admin_token, body).await;
        assert_eq!(status, StatusCode::CREATED, "{user}");
        let token = self.login(&email, PASSWORD).await["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        (user["id"].as_str().unwrap().to_string(), token)
    }
}

pub async fn decode(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, body)
}

/// Assert an error response: status and stable code.
#[track_caller]
pub fn assert_error(result: &(StatusCode, Value), status: u16, code: &str) {
    assert_eq!(
        result.0.as_u16(),
        status,
        "expected {status} {code}, got {}",
        result.1
    );
    assert_eq!(result.1["code"], code, "expected {code}, got {}", result.1);
    assert!(
        result.1["message"].as_str().is_some_and(|m| !m.is_empty()),
        "no message: {}",
        result.1
    );
}
