//! The flow engine, pure: flow documents, the node-type registry and built-in nodes, the
//! compiler and validator (petgraph), the Rhai sandbox, templating, and the step function
//! that turns (run state, node, input) into effects and the next state. No I/O here: the
//! runtime around it persists state and effects, and carries the effects out.

pub mod compile;
pub mod cron;
pub mod document;
mod nodes;
pub mod registry;
pub mod script;
pub mod step;
pub mod template;

pub use compile::{CompiledFlow, Problem, compile};
pub use cron::{CronError, CronField};
pub use document::{FlowDocument, FlowEdge, FlowNode, FlowSettings, FlowVariable, Position};
pub use nodes::{
    MediaKind, MessageEvent, PluginNodeDecl, PluginNodeType, TicketEventData, TicketEventKind,
    message_trigger_matches, ticket_trigger_matches,
};
pub use registry::{ConfigProblem, NodeError, NodeSpec, NodeType, PreparedNode, Registry};
pub use script::{ScriptContext, ScriptError, ScriptLimit, ScriptLimits, Scripts};
pub use step::{
    Advance, Effect, Env, Outcome, Resume, RunState, RunStatus, StepCx, TraceEntry, WaitFor,
    advance,
};

#[cfg(test)]
mod tests;
