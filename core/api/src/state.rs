//! What every endpoint shares: the store, token keys, mailer, sign-in limits and the job bus.

use std::sync::Arc;
use std::time::Duration;

use tucan_bus::{DeadLetters, JobBus};
use tucan_inbox::Inbox;
use tucan_plugins::PluginHost;
use tucan_runtime::FlowRuntime;
use tucan_store::Store;

use crate::auth::limiter::RateLimiter;
use crate::auth::tokens::TokenKeys;
use crate::mailer::Mailer;
use crate::services::Services;

/// Settings of the API that come from configuration.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    /// Secret that signs access tokens (at least 32 bytes).
    pub jwt_secret: Vec<u8>,
    pub access_ttl_secs: i64,
    pub refresh_ttl_days: i64,
    pub reset_ttl_minutes: i64,
    /// Public base URL, used in links sent by mail.
    pub public_url: String,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Failed sign-ins allowed per account per 15 minutes.
    pub login_failures_per_account: usize,
    /// Sign-in attempts allowed per client IP per minute.
    pub login_attempts_per_ip: usize,
    /// Bearer token `/metrics` requires; open when absent.
    pub metrics_token: Option<String>,
    /// Folder of the built web app served at `/`; none serves the API alone.
    pub ui_dir: Option<std::path::PathBuf>,
}

#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
    pub tokens: TokenKeys,
    pub settings: Arc<ApiSettings>,
    pub mailer: Arc<dyn Mailer>,
    pub account_limiter: Arc<RateLimiter>,
    pub ip_limiter: Arc<RateLimiter>,
    /// Calls per minute to each inbound webhook node with a limit of its own.
    pub hook_limiter: Arc<RateLimiter>,
    pub bus: Arc<dyn JobBus>,
    pub dead_letters: DeadLetters,
    /// Starts, resumes and cancels flow runs.
    pub runtime: Arc<FlowRuntime>,
    /// Tickets, messages, connections and the live event stream.
    pub inbox: Arc<Inbox>,
    /// Uploaded plugins and their calls.
    pub plugins: Arc<PluginHost>,
    /// The company's outgoing webhooks.
    pub webhooks: Arc<tucan_webhooks::Webhooks>,
    /// The company's campaigns.
    pub campaigns: Arc<tucan_campaigns::Campaigns>,
}

impl AppState {
    /// The API's state over `services`, the ones this process's workers share.
    pub fn new(
        store: Store,
        settings: ApiSettings,
        mailer: Arc<dyn Mailer>,
        bus: Arc<dyn JobBus>,
        services: Services,
    ) -> Self {
        Self {
            dead_letters: DeadLetters::new(store.jobs()),
            runtime: services.runtime,
            inbox: services.inbox,
            plugins: services.plugins,
            webhooks: services.webhooks,
            campaigns: services.campaigns,
            bus,
            store,
            tokens: TokenKeys::new(&settings.jwt_secret, settings.access_ttl_secs),
            account_limiter: Arc::new(RateLimiter::new(
                settings.login_failures_per_account,
                Duration::from_secs(15 * 60),
            )),
            hook_limiter: Arc::new(RateLimiter::new(0, Duration::from_secs(60))),
            ip_limiter: Arc::new(RateLimiter::new(
                settings.login_attempts_per_ip,
                Duration::from_secs(60),
            )),
            settings: Arc::new(settings),
            mailer,
        }
    }
}
