//! Typed, layered configuration: built-in defaults, then a TOML file, then `TUCAN__…`
//! environment variables (`TUCAN__HTTP__BIND=0.0.0.0:8080`). Unknown keys are errors.
//! `deploy/tucanlink.example.toml` documents every option.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Generates missing secrets and a first platform admin.
    Development,
    /// Refuses to start without configured secrets.
    Production,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub mode: Mode,
    /// Where the embedded database, generated secrets and media live.
    pub data_dir: PathBuf,
    pub http: HttpConfig,
    pub database: DatabaseConfig,
    pub auth: AuthConfig,
    pub bootstrap: BootstrapConfig,
    pub log: LogConfig,
    pub workers: WorkersConfig,
    pub bus: BusConfig,
    pub outbound_http: OutboundHttpConfig,
    pub metrics: MetricsConfig,
    pub ui: UiConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    pub bind: String,
    pub public_url: String,
    pub max_body_bytes: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// Empty: embedded `surrealkv://<data_dir>/db`. Or `mem://`, `ws://host:8000`, `wss://…`.
    pub url: String,
    pub namespace: String,
    pub username: String,
    pub password: String,
    /// Queries this process runs in the database at once; the rest wait their turn. 0: four
    /// per core (eight at least) for an embedded engine, 64 for a server.
    pub max_concurrent_queries: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// At least 32 characters. Empty: generated in development, refused in production.
    pub jwt_secret: String,
    /// 64 hex digits (32 bytes): seals the secrets of connections (Cloud API tokens) at rest.
    /// Empty: generated in development, refused in production. Changing it makes the saved
    /// secrets unreadable (paste them again).
    pub secrets_key: String,
    pub access_ttl_secs: i64,
    pub refresh_ttl_days: i64,
    pub reset_ttl_minutes: i64,
    pub login_failures_per_account: usize,
    pub login_attempts_per_ip: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BootstrapConfig {
    /// Email of the platform admin created on the first development start.
    pub admin_email: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// JSON in production, human-readable in development.
    Auto,
    Json,
    Pretty,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    pub format: LogFormat,
    /// A `tracing` filter, e.g. `info` or `info,tucan_api=debug`.
    pub level: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkersConfig {
    /// Whether `serve` also runs background work in the same process.
    pub enabled: bool,
    /// How often expired tokens are purged, in seconds.
    pub maintenance_interval_secs: u64,
    /// Jobs handled at once per lane.
    pub flow_concurrency: usize,
    pub messages_concurrency: usize,
    pub campaigns_concurrency: usize,
    pub webhooks_concurrency: usize,
    pub system_concurrency: usize,
    /// On SIGTERM, how long running jobs may finish before they are given back.
    pub shutdown_grace_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BusConfig {
    /// `embedded` (jobs in the database) or `amqp://user:pass@host:5672/vhost` (RabbitMQ).
    pub url: String,
    /// Prefix of RabbitMQ exchanges and queues.
    pub prefix: String,
    /// Deliveries before a job is dead-lettered.
    pub max_attempts: u32,
    /// First retry wait (doubling, jittered), milliseconds.
    pub backoff_base_ms: u64,
    /// Longest retry wait, seconds.
    pub backoff_max_secs: u64,
    /// Embedded backend: how long a delivery stays leased without a sign of life, seconds.
    pub visibility_timeout_secs: u64,
    /// Embedded backend: how often idle workers look for new jobs, milliseconds.
    pub poll_interval_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct OutboundHttpConfig {
    /// Let flows, webhooks and plugins call loopback, private and link-local addresses.
    pub allow_internal: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// When set, `/metrics` requires `Authorization: Bearer <token>`.
    pub token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UiConfig {
    /// Folder of the built web app (`npm run build` in `ui/`), served at `/`. When it holds
    /// no `index.html` the platform serves the API alone and says so at start.
    pub dir: PathBuf,
}

/// Where the web app of a relative `ui.dir` is: the first of these folders holding an
/// `index.html` — beside the config file, under the working directory, beside the binary or
/// a folder above it, in the source tree the binary was built from — or, when none does,
/// the working directory's (the server then says it serves no web app).
pub fn resolve_ui_dir(dir: &Path, config_file: Option<&Path>) -> PathBuf {
    if dir.is_absolute() {
        return dir.to_path_buf();
    }
    let mut bases: Vec<PathBuf> = Vec::new();
    if let Some(folder) = config_file.and_then(Path::parent) {
        bases.push(folder.to_path_buf());
    }
    if let Ok(cwd) = std::env::current_dir() {
        bases.push(cwd);
    }
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        bases.extend(exe_dir.ancestors().map(Path::to_path_buf));
    }
    bases.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."));
    bases
        .iter()
        .map(|b| b.join(dir))
        .find(|d| d.join("index.html").is_file())
        .map(|d| d.canonicalize().unwrap_or(d))
        .unwrap_or_else(|| dir.to_path_buf())
}

impl Default for UiConfig {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("ui/dist"),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            mode: Mode::Development,
            data_dir: PathBuf::from("data"),
            http: HttpConfig::default(),
            database: DatabaseConfig::default(),
            auth: AuthConfig::default(),
            bootstrap: BootstrapConfig::default(),
            log: LogConfig::default(),
            workers: WorkersConfig::default(),
            bus: BusConfig::default(),
            outbound_http: OutboundHttpConfig::default(),
            metrics: MetricsConfig::default(),
            ui: UiConfig::default(),
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            public_url: "http://localhost:8080".into(),
            max_body_bytes: 10 * 1024 * 1024,
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: String::new(),
            namespace: "tucan".into(),
            username: String::new(),
            password: String::new(),
            max_concurrent_queries: 0,
        }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            jwt_secret: String::new(),
            secrets_key: String::new(),
            access_ttl_secs: 900,
            refresh_ttl_days: 30,
            reset_ttl_minutes: 60,
            login_failures_per_account: 5,
            login_attempts_per_ip: 30,
        }
    }
}

impl Default for BootstrapConfig {
    fn default() -> Self {
        Self {
            admin_email: "admin@tucanlink.local".into(),
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::Auto,
            level: "info".into(),
        }
    }
}

impl Default for WorkersConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            maintenance_interval_secs: 3600,
            flow_concurrency: 16,
            messages_concurrency: 16,
            campaigns_concurrency: 4,
            webhooks_concurrency: 8,
            system_concurrency: 2,
            shutdown_grace_secs: 10,
        }
    }
}

impl Default for BusConfig {
    fn default() -> Self {
        Self {
            url: "embedded".into(),
            prefix: "tucan".into(),
            max_attempts: 8,
            backoff_base_ms: 1000,
            backoff_max_secs: 300,
            visibility_timeout_secs: 30,
            poll_interval_ms: 200,
        }
    }
}

impl Config {
    /// Defaults, then `file` (if given, it must exist), then `TUCAN__` variables.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            if !path.exists() {
                bail!("config file {} does not exist", path.display());
            }
            figment = figment.merge(Toml::file(path));
        }
        figment = figment.merge(Env::prefixed("TUCAN__").split("__"));
        let mut config: Config = figment.extract().context("invalid configuration")?;
        config.validate()?;
        config.ui.dir = resolve_ui_dir(&config.ui.dir, file);
        Ok(config)
    }

    fn validate(&self) -> anyhow::Result<()> {
        if !self.auth.jwt_secret.is_empty() && self.auth.jwt_secret.len() < 32 {
            bail!("auth.jwt_secret must have at least 32 characters");
        }
        if self.auth.access_ttl_secs < 60 || self.auth.access_ttl_secs > 86_400 {
            bail!("auth.access_ttl_secs must be between 60 and 86400");
        }
        if self.auth.refresh_ttl_days < 1 || self.auth.reset_ttl_minutes < 5 {
            bail!("auth.refresh_ttl_days must be >= 1 and auth.reset_ttl_minutes >= 5");
        }
        if self.http.max_body_bytes < 1024 {
            bail!("http.max_body_bytes must be at least 1024");
        }
        if self.bus.url != "embedded" && !self.bus.url.starts_with("amqp://") {
            bail!("bus.url must be \"embedded\" or an amqp:// URL");
        }
        if self.bus.max_attempts == 0 || self.bus.visibility_timeout_secs == 0 {
            bail!("bus.max_attempts and bus.visibility_timeout_secs must be at least 1");
        }
        if !self.auth.secrets_key.is_empty()
            && tucan_channels::secrets::SecretKey::from_hex(&self.auth.secrets_key).is_err()
        {
            bail!("auth.secrets_key must be 64 hex digits (32 bytes)");
        }
        if self.mode == Mode::Production && self.auth.jwt_secret.is_empty() {
            bail!(
                "production mode needs auth.jwt_secret (or TUCAN__AUTH__JWT_SECRET); refusing to start without it"
            );
        }
        if self.mode == Mode::Production && self.auth.secrets_key.is_empty() {
            bail!(
                "production mode needs auth.secrets_key (or TUCAN__AUTH__SECRETS_KEY), 64 hex digits; refusing to start without it"
            );
        }
        Ok(())
    }

    /// The database URL, defaulting to the embedded engine under the data directory.
    pub fn database_url(&self) -> String {
        if self.database.url.is_empty() {
            format!("surrealkv://{}", self.data_dir.join("db").display())
        } else {
            self.database.url.clone()
        }
    }

    /// The configuration as TOML with secrets hidden.
    pub fn redacted_toml(&self) -> anyhow::Result<String> {
        let mut c = self.clone();
        if let Some(at) = c.bus.url.find('@') {
            c.bus.url = format!("amqp://<redacted>{}", &c.bus.url[at..]);
        }
        for secret in [
            &mut c.auth.jwt_secret,
            &mut c.auth.secrets_key,
            &mut c.database.password,
            &mut c.metrics.token,
        ] {
            if !secret.is_empty() {
                *secret = "<redacted>".into();
            }
        }
        Ok(toml::to_string_pretty(&c)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_file_is_complete_and_valid() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/tucanlink.example.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let parsed: Config = toml::from_str(&text).unwrap();
        // Every default key appears in the example, so the example documents every option.
        let defaults = toml::to_string(&Config::default()).unwrap();
        let keys = |t: &str| -> Vec<String> {
            let v: toml::Value = toml::from_str(t).unwrap();
            let mut out = Vec::new();
            for (k, v) in v.as_table().unwrap() {
                match v.as_table() {
                    Some(t) => out.extend(t.keys().map(|s| format!("{k}.{s}"))),
                    None => out.push(k.clone()),
                }
            }
            out
        };
        let example_keys = keys(&text);
        for k in keys(&defaults) {
            assert!(example_keys.contains(&k), "example config lacks {k}");
        }
        assert_eq!(parsed.http.bind, Config::default().http.bind);
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let err = toml::from_str::<Config>("[http]\nbnd = \"x\"\n").unwrap_err();
        assert!(err.to_string().contains("bnd"));
    }

    #[test]
    fn production_needs_a_secret() {
        let mut c = Config {
            mode: Mode::Production,
            ..Config::default()
        };
        assert!(c.validate().is_err());
        c.auth.jwt_secret = "x".repeat(32);
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("secrets_key"), "{err}");
        c.auth.secrets_key = "ab".repeat(32);
        assert!(c.validate().is_ok());
        c.auth.secrets_key = "ab".repeat(16);
        assert!(c.validate().is_err());
        c.auth.secrets_key = "ab".repeat(32);
        c.auth.jwt_secret = "short".into();
        assert!(c.validate().is_err());
    }
}
