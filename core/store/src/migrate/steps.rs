//! The migration steps of the platform database, in order (every tenant database's are in
//! `tenant_steps.rs`).

/// One numbered step of a database's schema.
pub(crate) struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub sql: &'static str,
}

pub(crate) const PLATFORM: &[Migration] = &[
    Migration {
        version: 1,
        name: "tenants, plans, platform admins, sign-in lookups",
        sql: r#"
DEFINE TABLE schema_migration SCHEMAFULL;
DEFINE FIELD version ON schema_migration TYPE int;
DEFINE FIELD name ON schema_migration TYPE string;
DEFINE FIELD applied_at ON schema_migration TYPE datetime DEFAULT time::now();

DEFINE TABLE plan SCHEMAFULL;
DEFINE FIELD name ON plan TYPE string;
DEFINE FIELD limits ON plan TYPE object;
DEFINE FIELD limits.users ON plan TYPE int;
DEFINE FIELD limits.connections ON plan TYPE int;
DEFINE FIELD limits.queues ON plan TYPE int;
DEFINE FIELD limits.flows ON plan TYPE int;
DEFINE FIELD limits.plugins ON plan TYPE int;
DEFINE FIELD features ON plan TYPE object;
DEFINE FIELD features.campaigns ON plan TYPE bool;
DEFINE FIELD features.plugins ON plan TYPE bool;
DEFINE FIELD features.api_access ON plan TYPE bool;
DEFINE FIELD features.webhooks ON plan TYPE bool;
DEFINE FIELD created_at ON plan TYPE datetime DEFAULT time::now();
DEFINE INDEX plan_name ON plan FIELDS name UNIQUE;

DEFINE TABLE tenant SCHEMAFULL;
DEFINE FIELD name ON tenant TYPE string;
DEFINE FIELD plan_id ON tenant TYPE string;
DEFINE FIELD status ON tenant TYPE string ASSERT $value IN ["active", "suspended"];
DEFINE FIELD timezone ON tenant TYPE string;
DEFINE FIELD country ON tenant TYPE string;
DEFINE FIELD created_at ON tenant TYPE datetime DEFAULT time::now();
DEFINE INDEX tenant_plan ON tenant FIELDS plan_id;

DEFINE TABLE user SCHEMAFULL;
DEFINE FIELD name ON user TYPE string;
DEFINE FIELD email ON user TYPE string;
DEFINE FIELD role ON user TYPE string;
DEFINE FIELD password_hash ON user TYPE string;
DEFINE FIELD max_tickets ON user TYPE int DEFAULT 0;
DEFINE FIELD language ON user TYPE string DEFAULT "pt-BR";
DEFINE FIELD password_changed_at ON user TYPE datetime DEFAULT time::now();
DEFINE FIELD created_at ON user TYPE datetime DEFAULT time::now();
DEFINE INDEX user_email ON user FIELDS email UNIQUE;

DEFINE TABLE account SCHEMAFULL;
DEFINE FIELD email ON account TYPE string;
DEFINE FIELD tenant_id ON account TYPE option<string>;
DEFINE FIELD user_id ON account TYPE string;
DEFINE INDEX account_email ON account FIELDS email UNIQUE;
DEFINE INDEX account_user ON account FIELDS user_id;

DEFINE TABLE refresh_token SCHEMAFULL;
DEFINE FIELD token_hash ON refresh_token TYPE string;
DEFINE FIELD family ON refresh_token TYPE string;
DEFINE FIELD user_id ON refresh_token TYPE string;
DEFINE FIELD tenant_id ON refresh_token TYPE option<string>;
DEFINE FIELD expires_at ON refresh_token TYPE datetime;
DEFINE FIELD used ON refresh_token TYPE bool DEFAULT false;
DEFINE FIELD revoked ON refresh_token TYPE bool DEFAULT false;
DEFINE FIELD created_at ON refresh_token TYPE datetime DEFAULT time::now();
DEFINE INDEX refresh_token_hash ON refresh_token FIELDS token_hash UNIQUE;
DEFINE INDEX refresh_token_family ON refresh_token FIELDS family;
DEFINE INDEX refresh_token_user ON refresh_token FIELDS user_id;

DEFINE TABLE reset_token SCHEMAFULL;
DEFINE FIELD token_hash ON reset_token TYPE string;
DEFINE FIELD user_id ON reset_token TYPE string;
DEFINE FIELD tenant_id ON reset_token TYPE option<string>;
DEFINE FIELD expires_at ON reset_token TYPE datetime;
DEFINE FIELD used ON reset_token TYPE bool DEFAULT false;
DEFINE INDEX reset_token_hash ON reset_token FIELDS token_hash UNIQUE;

DEFINE TABLE api_key_lookup SCHEMAFULL;
DEFINE FIELD key_hash ON api_key_lookup TYPE string;
DEFINE FIELD tenant_id ON api_key_lookup TYPE string;
DEFINE FIELD key_id ON api_key_lookup TYPE string;
DEFINE INDEX api_key_lookup_hash ON api_key_lookup FIELDS key_hash UNIQUE;
"#,
    },
    Migration {
        version: 2,
        name: "embedded job queue, dead letters, durable timers",
        sql: r#"
DEFINE TABLE job_ready SCHEMAFULL;
DEFINE FIELD body ON job_ready TYPE string;
DEFINE FIELD attempt ON job_ready TYPE int;
DEFINE FIELD last_error ON job_ready TYPE option<string>;

DEFINE TABLE job_leased SCHEMAFULL;
DEFINE FIELD lane ON job_leased TYPE string;
DEFINE FIELD body ON job_leased TYPE string;
DEFINE FIELD attempt ON job_leased TYPE int;
DEFINE FIELD last_error ON job_leased TYPE option<string>;

DEFINE TABLE job_dead SCHEMAFULL;
DEFINE FIELD tenant ON job_dead TYPE option<string>;
DEFINE FIELD lane ON job_dead TYPE string;
DEFINE FIELD kind ON job_dead TYPE string;
DEFINE FIELD body ON job_dead TYPE string;
DEFINE FIELD attempts ON job_dead TYPE int;
DEFINE FIELD error ON job_dead TYPE string;
DEFINE FIELD failed_at ON job_dead TYPE int;
DEFINE INDEX job_dead_tenant ON job_dead FIELDS tenant;

DEFINE TABLE timer SCHEMAFULL;
DEFINE FIELD name ON timer TYPE string;
DEFINE FIELD body ON timer TYPE string;
DEFINE FIELD lease_until ON timer TYPE int DEFAULT 0;
DEFINE INDEX timer_name ON timer FIELDS name UNIQUE;
"#,
    },
    Migration {
        version: 2,
        name: "users: a password given to the user (the first admin's) must be changed",
        sql: r#"
DEFINE FIELD password_must_change ON user TYPE bool DEFAULT false;
"#,
    },
    Migration {
        version: 3,
        name: "plans: campaign recipients a month; the must-change-password flag on databases that skipped it",
        sql: r#"
DEFINE FIELD limits.campaign_recipients ON plan TYPE int DEFAULT 10000;
UPDATE plan SET limits.campaign_recipients = 10000 WHERE limits.campaign_recipients = NONE;
DEFINE FIELD IF NOT EXISTS password_must_change ON user TYPE bool DEFAULT false;
"#,
    },
];
