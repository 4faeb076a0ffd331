//! Versioned schema migrations. Each database records the versions it has applied in
//! `schema_migration`; `migrate` applies what is missing, in order, to the platform database
//! and to every tenant's database. A migration is never edited once released: add a new one.

use serde_json::{Value, json};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

use crate::db::{Store, execute, rows};
use crate::error::StoreResult;

mod steps;
mod tenant_steps;

use steps::{Migration, PLATFORM};
use tenant_steps::TENANT;

/// What a migration run did.
#[derive(Debug, Default, Clone)]
pub struct MigrationReport {
    pub platform_applied: Vec<u32>,
    pub tenants_migrated: usize,
    pub tenant_steps_applied: usize,
}

/// Apply the migrations `db` lacks; returns the versions applied.
pub(crate) async fn apply(db: &Surreal<Any>, migrations: &[Migration]) -> StoreResult<Vec<u32>> {
    let done = current_version(db).await?;
    let mut applied = Vec::new();
    for m in migrations.iter().filter(|m| m.version > done) {
        let sql = format!(
            "BEGIN TRANSACTION;\n{}\nCREATE schema_migration CONTENT {{ version: $version, name: $name }};\nCOMMIT TRANSACTION;",
            m.sql
        );
        execute(db, &sql, json!({ "version": m.version, "name": m.name })).await?;
        tracing::info!(version = m.version, name = m.name, "migration applied");
        applied.push(m.version);
    }
    Ok(applied)
}

async fn current_version(db: &Surreal<Any>) -> StoreResult<u32> {
    let info = rows(db, "INFO FOR DB", json!({})).await?;
    let has_table = info
        .first()
        .and_then(|i| i.get("tables"))
        .and_then(Value::as_object)
        .is_some_and(|t| t.contains_key("schema_migration"));
    if !has_table {
        return Ok(0);
    }
    let rows = rows(db, "SELECT VALUE version FROM schema_migration", json!({})).await?;
    Ok(rows.iter().filter_map(Value::as_u64).max().unwrap_or(0) as u32)
}

impl Store {
    /// Bring the platform database and every tenant database up to date.
    pub async fn migrate(&self) -> StoreResult<MigrationReport> {
        let platform_applied = apply(&self.platform().raw(), PLATFORM).await?;
        let mut report = MigrationReport {
            platform_applied,
            ..Default::default()
        };
        for tenant_id in self.platform().tenant_ids().await? {
            report.tenant_steps_applied += self.migrate_tenant(&tenant_id).await?;
            report.tenants_migrated += 1;
        }
        Ok(report)
    }

    /// Bring one tenant database up to date (also used right after a tenant is created).
    pub async fn migrate_tenant(&self, tenant_id: &str) -> StoreResult<usize> {
        let tenant = self.tenant(tenant_id).await?;
        Ok(apply(tenant.raw(), TENANT).await?.len())
    }
}
