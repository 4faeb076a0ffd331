//! What the server's benchmarks set up alike: a migrated store on the engine they measure, a
//! company with its admin, and the API's settings.

// Not every benchmark uses every helper.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tucan_api::ApiSettings;
use tucan_bus::{Handlers, JobBus, Lane, Timers};
use tucan_model::tenancy::{NewTenant, NewTenantAdmin, PlanFeatures, PlanLimits, Tenant};
use tucan_store::{Store, StoreOptions};

/// The admin's password of the benchmarks' company (`admin@bench.test`).
pub const PASSWORD: &str = "bench password 123";
pub const ADMIN_EMAIL: &str = "admin@bench.test";

/// A migrated store: `surrealkv` (on disk, in a temporary folder kept with it) or `mem`.
pub async fn open_store(kind: &str) -> (Store, Option<tempfile::TempDir>) {
    let dir = (kind != "mem").then(|| tempfile::tempdir().unwrap());
    let url = match &dir {
        Some(d) => format!("surrealkv://{}", d.path().join("db").display()),
        None => "mem://".into(),
    };
    let store = Store::connect(&StoreOptions {
        url,
        namespace: "tucan".into(),
        username: None,
        password: None,
        max_queries: None,
    })
    .await
    .unwrap();
    store.migrate().await.unwrap();
    (store, dir)
}

/// A company on a plan with room for what the benchmarks make, its admin signing in with
/// [`ADMIN_EMAIL`] and [`PASSWORD`].
pub async fn company(store: &Store) -> Tenant {
    let plan = tucan_testkit::plan(
        store,
        PlanLimits {
            users: 10,
            connections: 10,
            queues: 10,
            flows: 10,
            plugins: 1,
            campaign_recipients: 1_000_000,
        },
        PlanFeatures {
            campaigns: true,
            plugins: true,
            api_access: true,
            webhooks: true,
        },
    )
    .await;
    let (tenant, _) = tucan_api::accounts::create_tenant(
        store,
        NewTenant {
            name: "Bench".into(),
            plan_id: plan.id,
            timezone: "America/Sao_Paulo".into(),
            country: "BR".into(),
            admin: NewTenantAdmin {
                name: "Admin".into(),
                email: ADMIN_EMAIL.into(),
                password: PASSWORD.into(),
            },
        },
    )
    .await
    .unwrap();
    tenant
}

/// The API's settings for a benchmark's server.
pub fn api_settings() -> ApiSettings {
    ApiSettings {
        jwt_secret: b"benchmark-secret-0123456789abcdefghij".to_vec(),
        access_ttl_secs: 3600,
        refresh_ttl_days: 1,
        reset_ttl_minutes: 60,
        public_url: "http://bench".into(),
        max_body_bytes: 1 << 20,
        login_failures_per_account: 5,
        login_attempts_per_ip: 100_000,
        metrics_token: None,
        ui_dir: None,
    }
}

/// Start the job workers of `tucanlink serve` (its default lane sizes, the `webhooks` lane
/// with `webhooks_lane` workers) and the durable timers; they run until the process ends.
pub fn run_workers(bus: Arc<dyn JobBus>, handlers: Handlers, timers: Timers, webhooks_lane: usize) {
    let worker = tucan_bus::Worker::new(
        bus,
        handlers,
        tucan_bus::WorkerOptions {
            lanes: vec![
                (Lane::Flow, 16),
                (Lane::Messages, 16),
                (Lane::Campaigns, 4),
                (Lane::Webhooks, webhooks_lane),
                (Lane::System, 2),
            ],
            grace: Duration::from_secs(1),
            keep_alive: Duration::from_secs(10),
        },
    );
    let stop = tokio_util::sync::CancellationToken::new();
    tokio::spawn({
        let stop = stop.clone();
        async move { worker.run(stop).await }
    });
    tokio::spawn({
        let stop = stop.clone();
        async move { timers.run(stop).await }
    });
    std::mem::forget(stop);
}

/// The `p` quantile (0 to 1) of sorted values.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// An agent's websocket.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// An agent's websocket, subscribed to the tickets view.
pub async fn subscribed_socket(url: &str) -> Socket {
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let sub = json!({ "type": "subscribe", "id": "list", "view": "tickets" });
    ws.send(WsMessage::Text(sub.to_string().into()))
        .await
        .unwrap();
    while let Some(Ok(m)) = ws.next().await {
        if let WsMessage::Text(t) = m
            && t.contains("\"subscribed\"")
        {
            break;
        }
    }
    ws
}
