//! The connection: embedded (`mem://`, `surrealkv://`) or a server (`ws://`, `wss://`), the
//! namespace, cached per-tenant sessions, and small helpers to run SurrealQL with JSON in and
//! out.

use std::collections::HashMap;
use std::future::IntoFuture;
use std::sync::{Arc, Mutex, OnceLock};

use serde::de::DeserializeOwned;
use serde_json::Value;
use surrealdb::Surreal;
use surrealdb::engine::any::{self, Any};
use surrealdb::opt::auth::Root;
use tokio::sync::Semaphore;
use tucan_model::ids::{is_valid_id, tenant_database};
use tucan_model::{ErrorCode, Resource};

use crate::error::{StoreError, StoreResult};
use crate::jobs::JobsDb;
use crate::platform::PlatformDb;
use crate::tenant::TenantDb;

pub(crate) const PLATFORM_DB: &str = "platform";

/// How to reach the database.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// `mem://`, `surrealkv://<dir>`, `ws://host:port` or `wss://…`.
    pub url: String,
    pub namespace: String,
    /// Root credentials for a server; ignored for embedded engines.
    pub username: Option<String>,
    pub password: Option<String>,
    /// Queries of this process in the database at once (see [`IN_FLIGHT`]); `None` or 0 picks
    /// by engine. The first store a process connects sets it.
    pub max_queries: Option<usize>,
}

/// The shared connection. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    root: Surreal<Any>,
    platform: Surreal<Any>,
    namespace: String,
    tenants: Arc<Mutex<HashMap<String, Surreal<Any>>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("namespace", &self.namespace)
            .finish()
    }
}

/// Queries of this process running in the database at once; the rest wait their turn, first
/// come first served. SurrealDB checks a commit against every commit made while its
/// transaction ran, so the more transactions are in flight, the dearer each commit: with
/// no bound, a backlog feeds itself (measured: an embedded store offered 1,000 inbound
/// messages/s by unbounded tasks fell to 70/s, most of the time spent in those checks).
static IN_FLIGHT: OnceLock<Semaphore> = OnceLock::new();

/// The bound for a store at `url`: a few per core for an embedded engine (its work is this
/// process's CPU), more for a server, which has its own cores.
fn in_flight_limit(url: &str) -> usize {
    let embedded = url.starts_with("mem:") || url.starts_with("surrealkv:");
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    if embedded { (4 * cores).max(8) } else { 64 }
}

/// Run a query in its turn (see [`IN_FLIGHT`]).
/// Each query is logged at debug level (target `tucan_store::query`) with its first
/// statement, so `RUST_LOG=tucan_store::query=debug` shows what a request or a message costs.
async fn in_turn<F: IntoFuture>(sql: &str, query: F) -> F::Output {
    if tracing::enabled!(target: "tucan_store::query", tracing::Level::DEBUG) {
        let first = sql
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with("BEGIN"))
            .unwrap_or_default();
        let head: String = first.chars().take(120).collect();
        tracing::debug!(target: "tucan_store::query", sql = %head, "query");
    }
    let limit = IN_FLIGHT.get_or_init(|| Semaphore::new(in_flight_limit("mem:")));
    let _turn = limit
        .acquire()
        .await
        .expect("the query limit is never closed");
    query.await
}

impl Store {
    /// Connect and select the platform database. Does not migrate.
    pub async fn connect(opts: &StoreOptions) -> StoreResult<Store> {
        IN_FLIGHT.get_or_init(|| {
            let limit = opts
                .max_queries
                .filter(|n| *n > 0)
                .unwrap_or_else(|| in_flight_limit(&opts.url));
            Semaphore::new(limit)
        });
        let root = any::connect(opts.url.as_str()).await?;
        if let (Some(username), Some(password)) = (&opts.username, &opts.password) {
            root.signin(Root {
                username: username.clone(),
                password: password.clone(),
            })
            .await?;
        }
        root.use_ns(opts.namespace.as_str()).await?;
        let platform = root.clone();
        platform.use_db(PLATFORM_DB).await?;
        Ok(Store {
            root,
            platform,
            namespace: opts.namespace.clone(),
            tenants: Arc::new(Mutex::new(HashMap::new())),
        })
    }

    /// An in-memory store, migrated, for tests and benchmarks.
    pub async fn memory() -> StoreResult<Store> {
        let store = Store::connect(&StoreOptions {
            url: "mem://".into(),
            namespace: "tucan".into(),
            username: None,
            password: None,
            max_queries: None,
        })
        .await?;
        store.migrate().await?;
        Ok(store)
    }

    /// The embedded job queue, dead letters and timers (in the platform database).
    pub fn jobs(&self) -> JobsDb {
        JobsDb::new(self.platform.clone())
    }

    pub fn platform(&self) -> PlatformDb {
        PlatformDb::new(self.platform.clone())
    }

    /// The handle to one tenant's database. Callers outside the store get here only through
    /// an authenticated context (see the API's `TenantCtx`).
    pub async fn tenant(&self, tenant_id: &str) -> StoreResult<TenantDb> {
        if !is_valid_id(tenant_id) {
            return Err(StoreError::NotFound(Resource::Tenant));
        }
        let cached = self
            .tenants
            .lock()
            .expect("tenant cache poisoned")
            .get(tenant_id)
            .cloned();
        let db = match cached {
            Some(db) => db,
            None => {
                let db = self.root.clone();
                db.use_db(tenant_database(tenant_id)).await?;
                self.tenants
                    .lock()
                    .expect("tenant cache poisoned")
                    .insert(tenant_id.to_string(), db.clone());
                db
            }
        };
        Ok(TenantDb::new(db, tenant_id.to_string()))
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        self.platform
            .query("RETURN 1")
            .await
            .and_then(|r| r.check())
            .is_ok()
    }
}

/// Run `sql` with `vars` and return the rows of statement `index`.
pub(crate) async fn rows_at(
    db: &Surreal<Any>,
    sql: &str,
    vars: Value,
    index: usize,
) -> StoreResult<Vec<Value>> {
    let mut res = in_turn(sql, db.query(sql).bind(vars)).await?;
    if let Some(e) = first_error(res.take_errors()) {
        return Err(e);
    }
    let value: surrealdb::types::Value = res.take(index)?;
    let value = value.into_json_value();
    Ok(match value {
        Value::Array(items) => items.into_iter().map(normalize_ids).collect(),
        Value::Null => Vec::new(),
        other => vec![normalize_ids(other)],
    })
}

/// Run `sql` once and return the rows of each of its first `count` statements.
pub(crate) async fn row_sets(
    db: &Surreal<Any>,
    sql: &str,
    vars: Value,
    count: usize,
) -> StoreResult<Vec<Vec<Value>>> {
    let mut res = in_turn(sql, db.query(sql).bind(vars)).await?;
    if let Some(e) = first_error(res.take_errors()) {
        return Err(e);
    }
    let mut sets = Vec::with_capacity(count);
    for index in 0..count {
        let value: surrealdb::types::Value = res.take(index)?;
        sets.push(match value.into_json_value() {
            Value::Array(items) => items.into_iter().map(normalize_ids).collect(),
            Value::Null => Vec::new(),
            other => vec![normalize_ids(other)],
        });
    }
    Ok(sets)
}

/// Run `sql` (for example a transaction) for its effects only.
pub(crate) async fn execute(db: &Surreal<Any>, sql: &str, vars: Value) -> StoreResult<()> {
    let mut res = in_turn(sql, db.query(sql).bind(vars)).await?;
    if let Some(e) = first_error(res.take_errors()) {
        return Err(e);
    }
    Ok(())
}

/// The error that failed a query: in a failed transaction every other statement reports that
/// it was not executed; the cause is the one that does not (when the commit itself failed,
/// as on a write conflict, there is only the not-executed kind).
fn first_error(errors: std::collections::HashMap<usize, surrealdb::Error>) -> Option<StoreError> {
    errors
        .into_iter()
        .min_by_key(|(i, e)| (crate::error::is_consequence(e), *i))
        .map(|(_, e)| crate::error::classify(&e))
}

/// Rows of the last statement of `sql`.
pub(crate) async fn rows(db: &Surreal<Any>, sql: &str, vars: Value) -> StoreResult<Vec<Value>> {
    let last = sql
        .split(';')
        .filter(|s| !s.trim().is_empty())
        .count()
        .saturating_sub(1);
    rows_at(db, sql, vars, last).await
}

/// The value of the `RETURN` statement of `sql`, a transaction written one statement per
/// line (`BEGIN` counts as a statement), decoded; `None` when it returned nothing. A run that
/// loses a write race to a concurrent transaction is tried again a few times.
pub(crate) async fn returned<T: DeserializeOwned>(
    db: &Surreal<Any>,
    sql: &str,
    vars: Value,
) -> StoreResult<Option<T>> {
    let statements: Vec<&str> = sql
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let index = statements
        .iter()
        .position(|l| l.starts_with("RETURN "))
        .ok_or_else(|| StoreError::Backend("transaction without RETURN".into()))?;
    // A transaction that lost a race to a concurrent one left nothing behind: run it again.
    let mut tries = 0u32;
    let rows = loop {
        match rows_at(db, sql, vars.clone(), index).await {
            Err(e) if e.is_conflict() && tries < CONFLICT_RETRIES => {
                tries += 1;
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.subsec_nanos())
                    .unwrap_or(0);
                let ms = (1u64 << tries) + u64::from(nanos % 4);
                tracing::debug!(tries, wait_ms = ms, "write conflict, running again");
                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            }
            other => break other?,
        }
    };
    Ok(rows
        .into_iter()
        .next()
        .map(serde_json::from_value)
        .transpose()?)
}

/// How many times a transaction that lost a write race is run again before its caller hears.
const CONFLICT_RETRIES: u32 = 5;

/// Rows of the last statement, decoded.
pub(crate) async fn fetch<T: DeserializeOwned>(
    db: &Surreal<Any>,
    sql: &str,
    vars: Value,
) -> StoreResult<Vec<T>> {
    rows(db, sql, vars)
        .await?
        .into_iter()
        .map(|v| serde_json::from_value(v).map_err(StoreError::from))
        .collect()
}

/// The first row of the last statement, decoded, or `None`.
pub(crate) async fn fetch_one<T: DeserializeOwned>(
    db: &Surreal<Any>,
    sql: &str,
    vars: Value,
) -> StoreResult<Option<T>> {
    Ok(fetch(db, sql, vars).await?.into_iter().next())
}

/// Like [`fetch_one`], but a missing row is [`StoreError::NotFound`] for `what`.
pub(crate) async fn fetch_found<T: DeserializeOwned>(
    db: &Surreal<Any>,
    sql: &str,
    vars: Value,
    what: Resource,
) -> StoreResult<T> {
    fetch_one(db, sql, vars)
        .await?
        .ok_or(StoreError::NotFound(what))
}

/// A count from `SELECT count() FROM … GROUP ALL`.
pub(crate) async fn count(db: &Surreal<Any>, sql: &str, vars: Value) -> StoreResult<u64> {
    let rows = rows(db, sql, vars).await?;
    Ok(rows
        .first()
        .and_then(|r| r.get("count"))
        .and_then(Value::as_u64)
        .unwrap_or(0))
}

/// Record ids come back as `table:⟨key⟩`; the API speaks bare keys.
pub(crate) fn normalize_ids(mut row: Value) -> Value {
    if let Some(Value::String(id)) = row.get_mut("id") {
        *id = bare_key(id);
    }
    row
}

fn bare_key(record: &str) -> String {
    let key = record.split_once(':').map(|(_, k)| k).unwrap_or(record);
    key.trim_matches(|c| c == '⟨' || c == '⟩' || c == '`')
        .to_string()
}

/// Reject ids that cannot be ours before they reach a query; they name nothing.
pub(crate) fn check_id(id: &str, what: Resource) -> StoreResult<()> {
    if is_valid_id(id) {
        Ok(())
    } else {
        Err(StoreError::NotFound(what))
    }
}

/// `INVALID_FIELD` unless `ids` all exist in `table` (ids given in a request body).
pub(crate) async fn check_ids_exist(
    db: &Surreal<Any>,
    table: &str,
    ids: &[String],
    what: &str,
) -> StoreResult<()> {
    let unknown = || StoreError::problem(ErrorCode::InvalidField, format!("unknown {what} id"));
    if ids.iter().any(|id| !is_valid_id(id)) {
        return Err(unknown());
    }
    if ids.is_empty() {
        return Ok(());
    }
    let found = count(
        db,
        "SELECT count() FROM type::table($tb) WHERE record::id(id) IN $ids GROUP ALL",
        serde_json::json!({ "tb": table, "ids": ids }),
    )
    .await?;
    let unique: std::collections::BTreeSet<&String> = ids.iter().collect();
    if found as usize != unique.len() {
        return Err(unknown());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_keys() {
        assert_eq!(bare_key("contact:⟨0193abc⟩"), "0193abc");
        assert_eq!(bare_key("contact:abc"), "abc");
        assert_eq!(bare_key("contact:`0abc`"), "0abc");
    }
}
