//! Durable flow runs: the runtime around the pure engine. It starts runs, advances them on a
//! reply, a timer or an HTTP response, persists each advance (state, trace and the effects
//! it asked for) in one transaction, then carries the effects out from that outbox. A crash
//! between the two leaves the effects pending; a sweeper finds them and carries them out,
//! and every effect is idempotent on its key, so nothing is lost or done twice.

mod ai;
mod answers;
mod cache;
mod effects;
mod error;
mod facts;
mod hooks;
mod jobs;
mod runtime;
mod schedule;
mod transcribe;
mod triggers;

pub use ai::{AI_KIND, ai_key_owner};
pub use answers::HookAnswer;
pub use cache::FlowCache;
pub use error::{RuntimeError, RuntimeResult};
pub use facts::TenantSettings;
pub use jobs::{EFFECTS_KIND, HTTP_KIND, PLUGIN_KIND, RESUME_KIND, SUBFLOW_KIND};
pub use runtime::{
    CallLater, DeskError, FlowRuntime, ParentLink, PluginCalls, RunContact, RunSource,
    RuntimeOptions, RuntimeParts, StartRun, Stepped, TestContact, TicketDesk,
};
pub use schedule::{SCHEDULE_KIND, tick_run_id};
pub use transcribe::{Audio, MAX_AUDIO_BYTES};
pub use triggers::{TriggerEvent, WebhookTarget};
