//! Command-line interface.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use tucan_api::accounts;
use tucan_bus::{BusOptions, DeadLetters, EmbeddedBus, JobBus, Lane, NewJob};
use tucan_model::tenancy::{NewPlan, NewTenant, NewTenantAdmin, PlanFeatures, PlanLimits};
use tucan_model::user::{NewUser, Role, normalize_email};
use tucan_store::{Account, Store};

use crate::config::Config;
use crate::{jobs, runtime};

#[derive(Debug, Parser)]
#[command(
    name = "tucanlink",
    version,
    about = "Multi-tenant WhatsApp customer service and flow automation"
)]
pub struct Cli {
    /// TOML configuration file (see deploy/tucanlink.example.toml).
    #[arg(long, short, global = true, env = "TUCAN_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP API, and the workers unless disabled (default command).
    Serve {
        /// Do not run workers in this process.
        #[arg(long)]
        no_workers: bool,
    },
    /// Run only the background workers.
    Worker,
    /// Apply schema migrations to the platform and every tenant database, then exit.
    Migrate,
    /// Manage tenants, plans and users.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Publish jobs, see queue depths, list and replay dead jobs.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Check a plugin, or run one of its node types locally.
    #[command(subcommand)]
    Plugin(crate::plugin_cli::PluginCommand),
    /// Write the OpenAPI document, or check that a file matches it.
    Openapi {
        #[arg(long, default_value = "schemas/openapi.json")]
        out: PathBuf,
        /// Fail if the file differs from what the code generates.
        #[arg(long)]
        check: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a plan.
    CreatePlan {
        #[arg(long)]
        name: String,
        #[arg(long, default_value_t = 10)]
        users: u32,
        #[arg(long, default_value_t = 1)]
        connections: u32,
        #[arg(long, default_value_t = 10)]
        queues: u32,
        #[arg(long, default_value_t = 20)]
        flows: u32,
        #[arg(long, default_value_t = 5)]
        plugins: u32,
        /// Campaign recipients a month.
        #[arg(long, default_value_t = 10_000)]
        campaign_recipients: u32,
        /// Comma-separated features: campaigns, plugins, api_access, webhooks.
        #[arg(long, default_value = "campaigns,plugins,api_access,webhooks")]
        features: String,
    },
    /// Create a tenant with its first admin; prints the admin's password.
    CreateTenant {
        #[arg(long)]
        name: String,
        /// Plan id or name.
        #[arg(long)]
        plan: String,
        #[arg(long)]
        admin_email: String,
        #[arg(long, default_value = "Admin")]
        admin_name: String,
        #[arg(long, default_value = "America/Sao_Paulo")]
        timezone: String,
        #[arg(long, default_value = "BR")]
        country: String,
    },
    /// Create a user; without --tenant, a platform admin. Prints the password.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// agent, supervisor or admin (tenant users).
        #[arg(long, default_value = "agent")]
        role: String,
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Give a user a new random password (printed) and end their sessions.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Publish a job (or `--count` copies), e.g. an `http.deliver` request.
    Publish {
        /// flow, messages, campaigns, webhooks or system.
        #[arg(long)]
        lane: String,
        #[arg(long)]
        kind: String,
        /// The payload, as JSON.
        #[arg(long)]
        payload: String,
        #[arg(long)]
        tenant: Option<String>,
        #[arg(long, default_value_t = 1)]
        count: usize,
    },
    /// Jobs ready, delayed and in flight per lane, and the dead-letter count.
    Stats,
    /// List dead jobs, newest first.
    Dead {
        #[arg(long)]
        tenant: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Publish a dead job again.
    Replay { id: String },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective configuration (secrets hidden).
    Show,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load(cli.config.as_deref())?;
    runtime::init_logging(&config);
    match cli.command.unwrap_or(Command::Serve { no_workers: false }) {
        Command::Serve { no_workers } => runtime::serve(config, !no_workers).await,
        Command::Worker => runtime::worker(config).await,
        Command::Migrate => {
            let store = runtime::open_store(&config).await?;
            let report = store.migrate().await?;
            println!(
                "platform: applied {:?}; tenants: {} checked, {} step(s) applied",
                report.platform_applied, report.tenants_migrated, report.tenant_steps_applied
            );
            Ok(())
        }
        Command::Admin(cmd) => {
            let store = runtime::open_store(&config).await?;
            store.migrate().await?;
            admin(&store, cmd).await
        }
        Command::Config(ConfigCommand::Show) => {
            print!("{}", config.redacted_toml()?);
            Ok(())
        }
        Command::Openapi { out, check } => openapi(&config, &out, check).await,
        Command::Plugin(cmd) => crate::plugin_cli::run(cmd).await,
        Command::Jobs(cmd) => {
            let store = runtime::open_store(&config).await?;
            store.migrate().await?;
            let bus = jobs::open_bus(&config, &store).await?;
            jobs_command(&store, bus.as_ref(), cmd).await
        }
    }
}

async fn jobs_command(store: &Store, bus: &dyn JobBus, cmd: JobsCommand) -> anyhow::Result<()> {
    let dead = DeadLetters::new(store.jobs());
    match cmd {
        JobsCommand::Publish {
            lane,
            kind,
            payload,
            tenant,
            count,
        } => {
            let lane = Lane::parse(&lane).with_context(|| format!("unknown lane {lane}"))?;
            let payload: serde_json::Value =
                serde_json::from_str(&payload).context("--payload must be JSON")?;
            let mut job = NewJob::new(lane, kind, payload);
            job.tenant = tenant;
            let ids = bus.publish_many(vec![job; count]).await?;
            println!("published {} job(s)", ids.len());
        }
        JobsCommand::Stats => {
            println!(
                "{:<10} {:>8} {:>8} {:>8}",
                "lane", "ready", "delayed", "leased"
            );
            for lane in Lane::ALL {
                let c = bus.lane_counts(lane).await?;
                println!(
                    "{:<10} {:>8} {:>8} {:>8}",
                    lane.as_str(),
                    c.ready,
                    c.delayed,
                    c.leased
                );
            }
            println!("dead letters: {}", dead.count(None).await?);
        }
        JobsCommand::Dead { tenant, limit } => {
            for d in dead.list(tenant.as_deref(), None, limit).await? {
                println!(
                    "{}  {}  {}  attempts={}  {}",
                    d.id,
                    d.tenant.as_deref().unwrap_or("-"),
                    d.kind,
                    d.attempts,
                    d.error
                );
            }
        }
        JobsCommand::Replay { id } => match dead.replay(&id, bus).await? {
            Some(new_id) => println!("replayed as job {new_id}"),
            None => bail!("no dead job {id}"),
        },
    }
    Ok(())
}

async fn admin(store: &Store, cmd: AdminCommand) -> anyhow::Result<()> {
    let fail = |e: tucan_api::ApiError| anyhow::anyhow!("{}", error_text(&e));
    match cmd {
        AdminCommand::CreatePlan {
            name,
            users,
            connections,
            queues,
            flows,
            plugins,
            campaign_recipients,
            features,
        } => {
            let f: Vec<&str> = features
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            for x in &f {
                if !["campaigns", "plugins", "api_access", "webhooks"].contains(x) {
                    bail!("unknown feature '{x}'");
                }
            }
            let plan = store
                .platform()
                .create_plan(&NewPlan {
                    name,
                    limits: PlanLimits {
                        users,
                        connections,
                        queues,
                        flows,
                        plugins,
                        campaign_recipients,
                    },
                    features: PlanFeatures {
                        campaigns: f.contains(&"campaigns"),
                        plugins: f.contains(&"plugins"),
                        api_access: f.contains(&"api_access"),
                        webhooks: f.contains(&"webhooks"),
                    },
                })
                .await
                .map_err(|e| fail(e.into()))?;
            println!("plan {} created: {}", plan.name, plan.id);
        }
        AdminCommand::CreateTenant {
            name,
            plan,
            admin_email,
            admin_name,
            timezone,
            country,
        } => {
            let plans = store.platform().list_plans().await?;
            let plan = plans
                .iter()
                .find(|p| p.id == plan || p.name.eq_ignore_ascii_case(&plan))
                .with_context(|| format!("no plan with id or name '{plan}'"))?;
            let password = runtime::random_password();
            let new = NewTenant {
                name,
                plan_id: plan.id.clone(),
                timezone,
                country,
                admin: NewTenantAdmin {
                    name: admin_name,
                    email: admin_email,
                    password: password.clone(),
                },
            };
            let (tenant, admin) = accounts::create_tenant(store, new).await.map_err(fail)?;
            let account = Account {
                email: admin.email.clone(),
                tenant_id: Some(tenant.id.clone()),
                user_id: admin.id.clone(),
            };
            accounts::require_password_change(store, &account)
                .await
                .map_err(fail)?;
            println!("tenant {} created: {}", tenant.name, tenant.id);
            println!("admin {} password: {password}", admin.email);
        }
        AdminCommand::CreateUser {
            email,
            name,
            role,
            tenant,
        } => {
            let role: Role = serde_json::from_value(serde_json::json!(role))
                .context("role must be agent, supervisor or admin")?;
            let password = runtime::random_password();
            let tenant_db = match &tenant {
                Some(id) => Some(store.tenant(id).await.map_err(|e| fail(e.into()))?),
                None => None,
            };
            if let Some(id) = &tenant {
                store
                    .platform()
                    .get_tenant(id)
                    .await
                    .map_err(|e| fail(e.into()))?;
            }
            let role = if tenant.is_none() {
                Role::PlatformAdmin
            } else {
                role
            };
            let new = NewUser {
                name,
                email,
                password: password.clone(),
                role,
                max_tickets: 0,
                language: "pt-BR".into(),
            };
            let user = accounts::create_user(store, tenant_db.as_ref(), new)
                .await
                .map_err(fail)?;
            let account = Account {
                email: user.email.clone(),
                tenant_id: user.tenant_id.clone(),
                user_id: user.id.clone(),
            };
            accounts::require_password_change(store, &account)
                .await
                .map_err(fail)?;
            println!("user {} ({:?}) created: {}", user.email, user.role, user.id);
            println!("password: {password}");
        }
        AdminCommand::ResetPassword { email } => {
            let email = normalize_email(&email).map_err(|p| anyhow::anyhow!(p.message))?;
            let account = store
                .platform()
                .find_account(&email)
                .await?
                .with_context(|| format!("no user with email {email}"))?;
            let password = runtime::random_password();
            accounts::set_given_password(store, &account, password.clone())
                .await
                .map_err(fail)?;
            println!("new password for {email}: {password}");
            println!("(it signs in once, to choose a new one)");
        }
    }
    Ok(())
}

fn error_text(e: &tucan_api::ApiError) -> String {
    format!("{}: {}", e.body().code, e.body().message)
}

async fn openapi(config: &Config, out: &std::path::Path, check: bool) -> anyhow::Result<()> {
    let mut config = config.clone();
    config.database.url = "mem://".into();
    let store = Store::memory().await?;
    let bus: Arc<dyn tucan_bus::JobBus> = Arc::new(EmbeddedBus::new(
        store.jobs(),
        BusOptions::default(),
        Arc::default(),
    ));
    let services = crate::jobs::services(&config, &store, bus.clone(), None);
    let state = runtime::app_state(
        &config,
        store,
        b"openapi-generation-only-secret-0123456789".to_vec(),
        bus,
        services,
    );
    let spec = format!("{}\n", tucan_api::openapi_json(&state));
    if check {
        let current = std::fs::read_to_string(out).unwrap_or_default();
        if current != spec {
            bail!(
                "{} is out of date; run `tucanlink openapi` and commit it",
                out.display()
            );
        }
        println!("{} matches the code", out.display());
    } else {
        std::fs::write(out, spec).with_context(|| format!("writing {}", out.display()))?;
        println!("wrote {}", out.display());
    }
    Ok(())
}
