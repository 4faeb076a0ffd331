//! Outgoing webhooks: the events of a company (messages, tickets, contacts, flow runs) sent to
//! the endpoints that subscribe to them, as the Standard Webhooks specification says
//! (`webhook-id`, `webhook-timestamp`, `webhook-signature`). `emit` writes one delivery per
//! matching endpoint and publishes its `webhook.deliver` job on the `webhooks` lane; a job
//! makes one attempt (through the SSRF guard, 15 s at most) and sets a durable timer for the
//! next one on the retry schedule. A 2xx answer is success, 410 turns the endpoint off, and
//! an endpoint failing for five days is turned off.

mod deliver;
mod endpoints;
mod schema;
pub mod sign;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tucan_bus::net::OutboundHttp;
use tucan_bus::{Handlers, JobBus, Timers};
use tucan_channels::secrets::SecretKey;
use tucan_model::ids::new_id;
use tucan_model::webhook::{WebhookEndpoint, wants};
use tucan_store::{Store, StoreError, TenantDb};

pub use deliver::DELIVER_KIND;
pub use schema::events_schema;

/// How long an endpoint list read for `emit` is reused before it is read again.
const ENDPOINTS_TTL: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("job bus: {0}")]
    Bus(#[from] tucan_bus::BusError),
    /// A value of the request is not acceptable (a URL inside the network, an event type).
    #[error(transparent)]
    Invalid(#[from] tucan_model::Problem),
    /// This server has no `auth.secrets_key` to seal signing secrets with.
    #[error("this server has no secrets key (auth.secrets_key), so it cannot keep signing secrets")]
    NoSecretsKey,
    /// A stored secret could not be opened (the secrets key changed).
    #[error("the endpoint's secret cannot be opened: {0}")]
    Secret(String),
}

pub type WebhookResult<T> = Result<T, WebhookError>;

/// How deliveries are made.
#[derive(Debug, Clone)]
pub struct WebhookOptions {
    /// The wait before each attempt after the first (the first goes at once).
    pub retry_delays: Vec<Duration>,
    /// The longest an attempt waits for an answer.
    pub timeout: Duration,
    /// An endpoint failing this long is turned off.
    pub disable_after: Duration,
    /// How long a rotated secret still signs beside the new one.
    pub rotation_overlap: Duration,
    /// Let endpoints be on loopback and private addresses (tests, an explicit choice).
    pub allow_internal: bool,
}

impl Default for WebhookOptions {
    fn default() -> Self {
        let m = 60;
        let h = 3600;
        WebhookOptions {
            retry_delays: [5, 5 * m, 30 * m, 2 * h, 5 * h, 10 * h, 10 * h]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
            timeout: Duration::from_secs(15),
            disable_after: Duration::from_secs(5 * 24 * h),
            rotation_overlap: Duration::from_secs(24 * h),
            allow_internal: false,
        }
    }
}

/// What an event concerns, for the endpoints' filters.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub connection_id: Option<String>,
    pub queue_id: Option<String>,
    pub tags: Vec<String>,
}

/// One event of a company.
#[derive(Debug, Clone)]
pub struct Event {
    /// `message.received`, `ticket.closed`, `custom.order.paid`…
    pub kind: String,
    /// The `webhook-id` every delivery of it carries; a new one when absent. An event made
    /// again by a retried step names the same id, so receivers can tell.
    pub id: Option<String>,
    pub data: Value,
    pub scope: Scope,
}

/// The outgoing webhooks of a process.
pub struct Webhooks {
    store: Store,
    bus: Arc<dyn JobBus>,
    timers: Timers,
    http: OutboundHttp,
    key: Option<SecretKey>,
    opts: WebhookOptions,
    endpoints: Mutex<HashMap<String, CachedEndpoints>>,
}

/// A company's enabled endpoints, and when they were read.
type CachedEndpoints = (Instant, Arc<Vec<WebhookEndpoint>>);

impl std::fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhooks").finish_non_exhaustive()
    }
}

impl Webhooks {
    pub fn new(
        store: Store,
        bus: Arc<dyn JobBus>,
        key: Option<SecretKey>,
        opts: WebhookOptions,
    ) -> Arc<Webhooks> {
        let timers = Timers::new(store.jobs(), bus.clone());
        Arc::new(Webhooks {
            store,
            bus,
            timers,
            http: OutboundHttp::new(opts.allow_internal),
            key,
            opts,
            endpoints: Mutex::new(HashMap::new()),
        })
    }

    /// Register the delivery job.
    pub fn register(self: &Arc<Self>, handlers: &mut Handlers) {
        handlers.register(DELIVER_KIND, Arc::new(deliver::DeliverJob(self.clone())));
    }

    /// The company's enabled endpoints, read at most every two seconds.
    async fn enabled_endpoints(&self, db: &TenantDb) -> WebhookResult<Arc<Vec<WebhookEndpoint>>> {
        let tenant = db.tenant_id().to_string();
        if let Some((at, list)) = self.endpoints.lock().expect("cache").get(&tenant)
            && at.elapsed() < ENDPOINTS_TTL
        {
            return Ok(list.clone());
        }
        let list: Vec<WebhookEndpoint> = db
            .list_webhook_endpoints()
            .await?
            .into_iter()
            .filter(|e| e.enabled)
            .collect();
        let list = Arc::new(list);
        self.endpoints
            .lock()
            .expect("cache")
            .insert(tenant, (Instant::now(), list.clone()));
        Ok(list)
    }

    /// Endpoints changed in this process: read them anew on the next event.
    fn forget(&self, tenant: &str) {
        self.endpoints.lock().expect("cache").remove(tenant);
    }

    /// Whether some enabled endpoint of the company wants events of `kind`.
    pub async fn wanted(&self, db: &TenantDb, kind: &str) -> WebhookResult<bool> {
        Ok(self
            .enabled_endpoints(db)
            .await?
            .iter()
            .any(|e| wants(&e.events, kind)))
    }

    /// Send `event` to every enabled endpoint that subscribes to it and whose filters it
    /// passes; returns how many deliveries were queued. A failure is logged, never passed on:
    /// what caused the event has happened.
    pub async fn emit(&self, db: &TenantDb, event: Event) -> usize {
        match self.try_emit(db, &event).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(event = %event.kind, error = %e, "webhook event not queued");
                0
            }
        }
    }

    async fn try_emit(&self, db: &TenantDb, event: &Event) -> WebhookResult<usize> {
        let endpoints = self.enabled_endpoints(db).await?;
        let targets: Vec<&WebhookEndpoint> = endpoints
            .iter()
            .filter(|e| wants(&e.events, &event.kind) && passes(e, &event.scope))
            .collect();
        if targets.is_empty() {
            return Ok(0);
        }
        let event_id = event.id.clone().unwrap_or_else(new_id);
        let payload = json!({
            "type": event.kind,
            "timestamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "data": event.data,
        })
        .to_string();
        for e in &targets {
            self.queue(db, &e.id, &event_id, &event.kind, &payload)
                .await?;
        }
        Ok(targets.len())
    }

    /// Write a delivery and publish its first attempt.
    async fn queue(
        &self,
        db: &TenantDb,
        endpoint_id: &str,
        event_id: &str,
        kind: &str,
        payload: &str,
    ) -> WebhookResult<tucan_model::webhook::WebhookDelivery> {
        let d = db
            .create_webhook_delivery(endpoint_id, event_id, kind, payload)
            .await?;
        self.publish_attempt(db, &d.id, 1, None).await?;
        Ok(d)
    }
}

/// The event id of the event a flow step with effect key `key` sends: the same each time
/// the step is carried out.
pub fn event_id_for(tenant: &str, key: &str) -> String {
    use base64::Engine;
    let digest = aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        format!("{tenant}:{key}").as_bytes(),
    );
    format!(
        "evt_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest.as_ref()[..18])
    )
}

/// Whether an event of `scope` passes the endpoint's filters.
fn passes(e: &WebhookEndpoint, scope: &Scope) -> bool {
    let same = |filter: &Option<String>, value: &Option<String>| {
        filter.as_ref().is_none_or(|f| value.as_ref() == Some(f))
    };
    same(&e.connection_id, &scope.connection_id)
        && same(&e.queue_id, &scope.queue_id)
        && e.tag_id.as_ref().is_none_or(|t| scope.tags.contains(t))
}
