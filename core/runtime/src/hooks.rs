//! What the runtime hands to the rest of the platform: plugin node types and calls (the
//! plugin host) and messages and ticket actions on a run's ticket (the inbox). Both are
//! attached after the runtime exists, so the runtime depends on neither crate.

use std::sync::Arc;

use tucan_engine::Resume;
use tucan_store::{RunRow, StoreResult, TenantDb};

/// What gives flows their plugin node types and carries out plugin calls: the plugin host.
#[async_trait::async_trait]
pub trait PluginCalls: Send + Sync {
    /// The node types named by `kinds` (`plugin.<id>.<node>`, the plugin's current version,
    /// or `…@<version>`, that version); unknown ones are left out.
    async fn node_types(
        &self,
        db: &TenantDb,
        kinds: &[String],
    ) -> StoreResult<Vec<Arc<dyn tucan_engine::NodeType>>>;
    /// The node types of the tenant's enabled plugins, current versions, for the catalogue.
    async fn catalogue(&self, db: &TenantDb) -> StoreResult<Vec<Arc<dyn tucan_engine::NodeType>>>;
    /// The current version of an enabled plugin, to pin at publish.
    async fn current_version(&self, db: &TenantDb, plugin: &str) -> StoreResult<Option<String>>;
    /// Carry out an `Effect::Plugin`; every outcome of the plugin, failures included, is the
    /// answer. `Err` when the call could not be made now and is worth making later.
    async fn call(
        &self,
        db: &TenantDb,
        run: &RunRow,
        effect: &tucan_engine::Effect,
    ) -> Result<Resume, CallLater>;
}

/// Why a plugin call was not made now.
#[derive(Debug, thiserror::Error)]
pub enum CallLater {
    /// The tenant has its most plugin calls running in this process.
    #[error("the company's plugin calls are all busy")]
    Busy,
    /// The database did not answer, or the plugin could not be loaded for now.
    #[error("{0}")]
    Unavailable(String),
}

/// What carries out a run's messages and ticket actions on its ticket: the inbox.
#[async_trait::async_trait]
pub trait TicketDesk: Send + Sync {
    /// Carry out `effect` (send text or media, route, assign, note, close) for `run`,
    /// idempotently on the effect's key, on the run's ticket or, for a run that has a contact
    /// but no ticket, on the contact's ticket of the number it talks on (opened when needed);
    /// the result for the run's trace.
    async fn apply(
        &self,
        db: &TenantDb,
        run: &RunRow,
        effect: &tucan_engine::Effect,
    ) -> Result<String, DeskError>;

    /// `run` ended: the ticket it was talking on is no longer held by a flow. Idempotent.
    async fn release(&self, db: &TenantDb, run: &RunRow) -> Result<String, DeskError>;

    /// Send the run's custom event `custom.<name>` to the company's webhook endpoints,
    /// once per effect `key`; says to how many.
    async fn emit_event(
        &self,
        db: &TenantDb,
        run: &RunRow,
        key: &str,
        name: &str,
        data: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<String, DeskError>;

    /// A run was just written ended with `status` (`completed`, `failed`, `cancelled`): the
    /// company hears of it, if the run still stands so (its effects may have failed it since).
    async fn run_ended(&self, _db: &TenantDb, _run_id: &str, _status: &str) {}
}

/// Why a run's message or ticket action was not carried out.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// It may go later (the database did not answer): the effect stays pending.
    #[error("{0}")]
    Later(String),
    /// It cannot be done (no number to write on, a queue that does not exist, a closed
    /// ticket): the effect and its run fail with this reason.
    #[error("{0}")]
    Refused(String),
}
