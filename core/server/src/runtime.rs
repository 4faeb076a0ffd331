//! Process wiring: logging, the store, development secrets and first admin, the HTTP server,
//! the job bus and its workers, and graceful shutdown.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use rand::Rng;
use tokio_util::sync::CancellationToken;
use tucan_api::accounts;
use tucan_api::mailer::LogMailer;
use tucan_api::{ApiSettings, AppState, Services};
use tucan_bus::JobBus;
use tucan_channels::secrets::SecretKey;
use tucan_model::tenancy::{NewPlan, PlanFeatures, PlanLimits};
use tucan_model::user::{NewUser, Role};
use tucan_store::{Account, Store, StoreOptions};

use crate::config::{Config, LogFormat, Mode};
use crate::jobs;

/// The platform's own crates, whose lines a bare `log.level` is about.
const OWN_TARGETS: [&str; 10] = [
    "tucanlink",
    "tucan_api",
    "tucan_bus",
    "tucan_channels",
    "tucan_engine",
    "tucan_inbox",
    "tucan_model",
    "tucan_plugins",
    "tucan_runtime",
    "tucan_store",
];

/// The `tracing` filter for `level`: a bare level (`info`, `debug`…) is the platform's own
/// lines at that level and every dependency's at `warn` (a storage engine's start-up
/// chatter stays out of the log); anything else (`info,surrealdb=debug`) is taken as written.
pub fn log_filter(level: &str) -> String {
    let level = level.trim();
    if level.contains([',', '=']) || level.is_empty() {
        return level.to_string();
    }
    let own: Vec<String> = OWN_TARGETS.iter().map(|t| format!("{t}={level}")).collect();
    let deps = if matches!(level, "error" | "off") {
        level
    } else {
        "warn"
    };
    format!("{deps},{}", own.join(","))
}

pub fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(log_filter(&config.log.level)));
    let json = match config.log.format {
        LogFormat::Json => true,
        LogFormat::Pretty => false,
        LogFormat::Auto => config.mode == Mode::Production,
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let url = config.database_url();
    if url.starts_with("surrealkv://") {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
    }
    let opt = |s: &str| Some(s.to_string()).filter(|s| !s.is_empty());
    let store = Store::connect(&StoreOptions {
        url: url.clone(),
        namespace: config.database.namespace.clone(),
        username: opt(&config.database.username),
        password: opt(&config.database.password),
        max_queries: Some(config.database.max_concurrent_queries),
    })
    .await
    .with_context(|| format!("connecting to the database at {url}"))?;
    Ok(store)
}

pub fn app_state(
    config: &Config,
    store: Store,
    jwt_secret: Vec<u8>,
    bus: Arc<dyn JobBus>,
    services: Services,
) -> AppState {
    let settings = ApiSettings {
        jwt_secret,
        access_ttl_secs: config.auth.access_ttl_secs,
        refresh_ttl_days: config.auth.refresh_ttl_days,
        reset_ttl_minutes: config.auth.reset_ttl_minutes,
        public_url: config.http.public_url.clone(),
        max_body_bytes: config.http.max_body_bytes,
        login_failures_per_account: config.auth.login_failures_per_account,
        login_attempts_per_ip: config.auth.login_attempts_per_ip,
        metrics_token: Some(config.metrics.token.clone()).filter(|t| !t.is_empty()),
        ui_dir: Some(config.ui.dir.clone()).filter(|d| d.join("index.html").is_file()),
    };
    let mailer = LogMailer {
        include_body: config.mode == Mode::Development,
    };
    AppState::new(store, settings, Arc::new(mailer), bus, services)
}

/// A random password of 20 letters and digits.
pub fn random_password() -> String {
    const CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    (0..20)
        .map(|_| CHARS[rng.gen_range(0..CHARS.len())] as char)
        .collect()
}

/// The configured JWT secret, or in development one generated once into the data directory.
fn jwt_secret(config: &Config) -> anyhow::Result<Vec<u8>> {
    let secret = dev_secret(
        config,
        "jwt_secret",
        &config.auth.jwt_secret,
        |s| s.len() >= 32,
        || {
            let bytes: Vec<u8> = (0..48).map(|_| rand::rngs::OsRng.r#gen::<u8>()).collect();
            hex::encode(bytes)
        },
    )?;
    Ok(secret.into_bytes())
}

/// The key that seals connections' secrets: configured, or in development generated once into
/// the data directory.
pub fn secrets_key(config: &Config) -> anyhow::Result<SecretKey> {
    let hex_key = dev_secret(
        config,
        "secrets_key",
        &config.auth.secrets_key,
        |s| SecretKey::from_hex(s).is_ok(),
        SecretKey::generate_hex,
    )?;
    SecretKey::from_hex(&hex_key).map_err(|e| anyhow::anyhow!("auth.secrets_key: {e}"))
}

/// A secret from the configuration, or (config validation refused production without it)
/// the one kept under `name` in `<data_dir>/secrets.toml`, generated there the first time.
fn dev_secret(
    config: &Config,
    name: &str,
    configured: &str,
    usable: impl Fn(&str) -> bool,
    generate: impl FnOnce() -> String,
) -> anyhow::Result<String> {
    if !configured.is_empty() {
        return Ok(configured.to_string());
    }
    let path = config.data_dir.join("secrets.toml");
    let mut table = match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str::<toml::Table>(&text)
            .with_context(|| format!("reading {}", path.display()))?,
        Err(_) => toml::Table::new(),
    };
    if let Some(secret) = table
        .get(name)
        .and_then(|v| v.as_str())
        .filter(|s| usable(s))
    {
        return Ok(secret.to_string());
    }
    let secret = generate();
    table.insert(name.to_string(), toml::Value::String(secret.clone()));
    std::fs::create_dir_all(&config.data_dir)?;
    write_private(
        &path,
        &format!(
            "# Generated on the first development start. Keep private.\n{}",
            toml::to_string(&table)?
        ),
    )?;
    tracing::info!(path = %path.display(), name, "generated a development secret");
    Ok(secret)
}

fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    let mut file = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)?
    };
    #[cfg(not(unix))]
    let mut file = std::fs::File::create(path)?;
    file.write_all(contents.as_bytes())?;
    Ok(())
}

/// On a development start with no platform admin: a default plan and an admin whose random
/// password is printed once.
async fn bootstrap_dev(config: &Config, store: &Store) -> anyhow::Result<()> {
    let platform = store.platform();
    if platform.list_plans().await?.is_empty() {
        platform
            .create_plan(&NewPlan {
                name: "Starter".into(),
                limits: PlanLimits {
                    users: 10,
                    connections: 3,
                    queues: 10,
                    flows: 50,
                    plugins: 10,
                    campaign_recipients: 10_000,
                },
                features: PlanFeatures {
                    campaigns: true,
                    plugins: true,
                    api_access: true,
                    webhooks: true,
                },
            })
            .await?;
    }
    if platform.admins().count().await? > 0 {
        return Ok(());
    }
    let password = random_password();
    let new = NewUser {
        name: "Platform admin".into(),
        email: config.bootstrap.admin_email.clone(),
        password: password.clone(),
        role: Role::PlatformAdmin,
        max_tickets: 0,
        language: "en".into(),
    };
    let admin = accounts::create_user(store, None, new)
        .await
        .map_err(|e| anyhow::anyhow!("creating the first admin: {e:?}"))?;
    let account = Account {
        email: admin.email.clone(),
        tenant_id: None,
        user_id: admin.id,
    };
    accounts::require_password_change(store, &account)
        .await
        .map_err(|e| anyhow::anyhow!("marking the first admin's password: {e:?}"))?;
    println!(
        "\n  First platform admin created (shown only once; choose your own password at the first sign-in):\n    email:    {}\n    password: {password}\n",
        config.bootstrap.admin_email
    );
    Ok(())
}

pub async fn serve(config: Config, with_workers: bool) -> anyhow::Result<()> {
    let started = Instant::now();
    let secret = jwt_secret(&config)?;
    let store = open_store(&config).await?;
    let report = store.migrate().await?;
    tracing::info!(?report, "schema up to date");
    if config.mode == Mode::Development {
        bootstrap_dev(&config, &store).await?;
    }
    let bus = jobs::open_bus(&config, &store).await?;
    let services = jobs::services(&config, &store, bus.clone(), Some(secrets_key(&config)?));
    let state = app_state(
        &config,
        store.clone(),
        secret,
        bus.clone(),
        services.clone(),
    );
    let listener = tokio::net::TcpListener::bind(&config.http.bind)
        .await
        .with_context(|| format!("binding {}", config.http.bind))?;
    let addr = listener.local_addr()?;
    let shutdown = CancellationToken::new();
    tokio::spawn(cancel_on_signal(shutdown.clone()));
    let workers = (with_workers && config.workers.enabled).then(|| {
        tokio::spawn(maintenance_loop(
            store.clone(),
            Duration::from_secs(config.workers.maintenance_interval_secs),
        ));
        let (config, shutdown) = (config.clone(), shutdown.clone());
        tokio::spawn(async move { jobs::run_workers(&config, bus, services, shutdown).await })
    });
    tracing::info!(%addr, ready_ms = started.elapsed().as_millis() as u64, "TucanLink listening");
    if state.settings.ui_dir.is_some() {
        println!(
            "TucanLink ready on http://{addr} (web app at / from {}, API docs at /docs)",
            config.ui.dir.display()
        );
    } else {
        println!(
            "TucanLink ready on http://{addr} (API docs at /docs; no web app: {} has no index.html, build it with `npm ci && npm run build` in ui/)",
            config.ui.dir.display()
        );
    }
    let acceptor = tucan_api::Listener::from_tokio(listener)?;
    poem::Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(
            tucan_api::app(state),
            shutdown.clone().cancelled_owned(),
            Some(Duration::from_secs(10)),
        )
        .await?;
    if let Some(workers) = workers {
        workers.await?;
    }
    tracing::info!("stopped");
    Ok(())
}

pub async fn worker(config: Config) -> anyhow::Result<()> {
    let store = open_store(&config).await?;
    store.migrate().await?;
    let bus = jobs::open_bus(&config, &store).await?;
    let shutdown = CancellationToken::new();
    tokio::spawn(cancel_on_signal(shutdown.clone()));
    tokio::spawn(maintenance_loop(
        store.clone(),
        Duration::from_secs(config.workers.maintenance_interval_secs),
    ));
    let services = jobs::services(&config, &store, bus.clone(), Some(secrets_key(&config)?));
    jobs::run_workers(&config, bus, services, shutdown).await;
    Ok(())
}

/// Periodic housekeeping: purge expired refresh and reset tokens, inbox events older than a
/// day (a client away longer reloads instead of resuming), and API clients'
/// `Idempotency-Key`s older than 24 hours.
async fn maintenance_loop(store: Store, every: Duration) {
    let mut tick = tokio::time::interval(every.max(Duration::from_secs(1)));
    loop {
        tick.tick().await;
        match store.platform().purge_expired_tokens().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(purged = n, "expired tokens purged"),
            Err(e) => tracing::warn!(error = %e, "token purge failed"),
        }
        let before = chrono::Utc::now() - chrono::Duration::days(1);
        for tenant in store.platform().tenant_ids().await.unwrap_or_default() {
            let pruned = match store.tenant(&tenant).await {
                Ok(db) => db.prune_events(before).await,
                Err(e) => Err(e),
            };
            match pruned {
                Ok(0) => {}
                Ok(n) => tracing::info!(tenant, pruned = n, "old inbox events pruned"),
                Err(e) => tracing::warn!(tenant, error = %e, "event prune failed"),
            }
            let forgotten = match store.tenant(&tenant).await {
                Ok(db) => db.prune_idempotency().await,
                Err(e) => Err(e),
            };
            if let Err(e) = forgotten {
                tracing::warn!(tenant, error = %e, "idempotency key prune failed");
            }
        }
    }
}

async fn cancel_on_signal(token: CancellationToken) {
    shutdown_signal().await;
    tracing::info!("shutting down");
    token.cancel();
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

#[cfg(test)]
mod tests {
    use super::log_filter;

    #[test]
    fn a_bare_level_keeps_dependencies_at_warn() {
        let f = log_filter("info");
        assert!(f.starts_with("warn,"), "{f}");
        assert!(
            f.contains("tucanlink=info") && f.contains("tucan_store=info"),
            "{f}"
        );
        assert!(!f.contains("surrealdb"), "{f}");
        assert_eq!(log_filter("info,surrealdb=debug"), "info,surrealdb=debug");
        assert!(log_filter("error").starts_with("error,"));
        assert!(tracing_subscriber::EnvFilter::try_new(log_filter("debug")).is_ok());
    }
}
