//! The job bus of this process, chosen by configuration, and the workers that drain it:
//! lane consumers with their handlers plus the durable-timer scanner.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio_util::sync::CancellationToken;
use tucan_api::{ServiceOptions, Services};
use tucan_bus::http_job::{self, HttpDelivery};
use tucan_bus::net::OutboundHttp;
use tucan_bus::{
    Backoff, BusMetrics, BusOptions, DeadLetters, EmbeddedBus, Handlers, JobBus, Lane, RabbitBus,
    RabbitOptions, Worker, WorkerOptions,
};
use tucan_channels::secrets::SecretKey;
use tucan_inbox::InboxOptions;
use tucan_runtime::RuntimeOptions;
use tucan_store::Store;

use crate::config::Config;

pub fn bus_options(config: &Config) -> BusOptions {
    let b = &config.bus;
    BusOptions {
        backoff: Backoff {
            base: Duration::from_millis(b.backoff_base_ms.max(1)),
            max: Duration::from_secs(b.backoff_max_secs.max(1)),
        },
        max_attempts: b.max_attempts,
        visibility_timeout: Duration::from_secs(b.visibility_timeout_secs),
        poll_interval: Duration::from_millis(b.poll_interval_ms.max(10)),
    }
}

/// The configured bus: embedded on `store`, or RabbitMQ.
pub async fn open_bus(config: &Config, store: &Store) -> anyhow::Result<Arc<dyn JobBus>> {
    let metrics = Arc::new(BusMetrics::default());
    let opts = bus_options(config);
    if config.bus.url == "embedded" {
        return Ok(Arc::new(EmbeddedBus::new(store.jobs(), opts, metrics)));
    }
    let rabbit = RabbitBus::connect(
        RabbitOptions {
            url: config.bus.url.clone(),
            prefix: config.bus.prefix.clone(),
            connection_name: format!("tucanlink-{}", std::process::id()),
        },
        opts,
        metrics,
        DeadLetters::new(store.jobs()),
    )
    .await
    .context("connecting to RabbitMQ (bus.url)")?;
    tracing::info!(prefix = %config.bus.prefix, "job bus on RabbitMQ");
    Ok(Arc::new(rabbit))
}

/// The flow runtime, inbox and plugin host the API and the workers of this process share.
pub fn services(
    config: &Config,
    store: &Store,
    bus: Arc<dyn JobBus>,
    secret_key: Option<SecretKey>,
) -> Services {
    Services::build(
        store,
        bus,
        ServiceOptions {
            runtime: RuntimeOptions {
                allow_internal_http: config.outbound_http.allow_internal,
                ..RuntimeOptions::default()
            },
            inbox: InboxOptions {
                media_dir: config.data_dir.join("media"),
                secret_key,
                allow_internal_http: config.outbound_http.allow_internal,
                ..InboxOptions::default()
            },
            plugins_allow_internal_http: config.outbound_http.allow_internal,
            webhooks: tucan_webhooks::WebhookOptions {
                allow_internal: config.outbound_http.allow_internal,
                ..Default::default()
            },
        },
    )
}

/// Every job kind this build can run.
pub fn handlers(config: &Config, services: &Services) -> Handlers {
    let http = OutboundHttp::new(config.outbound_http.allow_internal);
    let mut handlers = Handlers::default();
    handlers.register(http_job::KIND, Arc::new(HttpDelivery::new(http)));
    services.runtime.register(&mut handlers);
    services.inbox.register(&mut handlers);
    services.webhooks.register(&mut handlers);
    services.campaigns.register(&mut handlers);
    handlers
}

/// Run the lane workers, the timer scanner and the flow-effect sweeper until `shutdown`,
/// then drain.
pub async fn run_workers(
    config: &Config,
    bus: Arc<dyn JobBus>,
    services: Services,
    shutdown: CancellationToken,
) {
    let w = &config.workers;
    let runtime = services.runtime.clone();
    let worker = Worker::new(
        bus.clone(),
        handlers(config, &services),
        WorkerOptions {
            lanes: vec![
                (Lane::Flow, w.flow_concurrency),
                (Lane::Messages, w.messages_concurrency),
                (Lane::Campaigns, w.campaigns_concurrency),
                (Lane::Webhooks, w.webhooks_concurrency),
                (Lane::System, w.system_concurrency),
            ],
            grace: Duration::from_secs(w.shutdown_grace_secs),
            keep_alive: Duration::from_secs(config.bus.visibility_timeout_secs).div_f32(3.0),
        },
    );
    let timers = runtime.timers().clone();
    tracing::info!("workers running");
    tokio::join!(
        worker.run(shutdown.clone()),
        timers.run(shutdown.clone()),
        runtime.run_sweeper(shutdown)
    );
    tracing::info!("workers stopped");
}
