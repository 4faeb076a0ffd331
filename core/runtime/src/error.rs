//! What can go wrong starting, advancing or cancelling a run, in the runtime's own terms;
//! the store's and the bus's failures pass through as they are.

use tucan_bus::BusError;
use tucan_model::{ErrorCode, Problem};
use tucan_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("job bus: {0}")]
    Bus(#[from] BusError),
    /// The flow document does not compile or is not one; the message says why.
    #[error("{0}")]
    InvalidFlow(String),
    #[error("the flow has no published version")]
    FlowNotPublished,
    #[error("the contact already has an active run of this flow")]
    RunActive,
    #[error("the run has ended")]
    RunEnded,
    /// The run cannot start the way it was asked (no trigger of the flow matches).
    #[error("{0}")]
    NoTrigger(String),
    /// Other workers kept advancing the run while this one tried.
    #[error("run {run} kept moving; gave up after {tries} tries")]
    Contended { run: String, tries: usize },
    /// An effect could not be carried out yet and stays pending for a later attempt.
    #[error("{0}")]
    EffectPending(String),
    /// A stored run state that does not decode.
    #[error("run state: {0}")]
    State(#[from] serde_json::Error),
}

pub type RuntimeResult<T> = Result<T, RuntimeError>;

impl RuntimeError {
    /// The code and message a client may see, or `None` for a failure of ours.
    pub fn to_problem(&self) -> Option<Problem> {
        let code = match self {
            RuntimeError::Store(e) => return e.to_problem(),
            RuntimeError::InvalidFlow(_) => ErrorCode::InvalidFlow,
            RuntimeError::FlowNotPublished => ErrorCode::FlowNotPublished,
            RuntimeError::RunActive => ErrorCode::RunActive,
            RuntimeError::RunEnded => ErrorCode::RunNotWaiting,
            RuntimeError::NoTrigger(_) => ErrorCode::InvalidParam,
            RuntimeError::Contended { .. } => ErrorCode::Unavailable,
            RuntimeError::Bus(_) | RuntimeError::EffectPending(_) | RuntimeError::State(_) => {
                return None;
            }
        };
        Some(Problem::new(code, self.to_string()))
    }

    /// True when no such record (run, flow, contact…) exists.
    pub fn is_not_found(&self) -> bool {
        matches!(self, RuntimeError::Store(StoreError::NotFound(_)))
    }

    /// What the data refused, in people's words, as opposed to a failure that may pass if
    /// tried again (see [`StoreError::refusal`]).
    pub fn refusal(&self) -> Option<String> {
        match self {
            RuntimeError::Store(e) => e.refusal(),
            RuntimeError::Bus(_)
            | RuntimeError::Contended { .. }
            | RuntimeError::EffectPending(_)
            | RuntimeError::State(_) => None,
            other => Some(other.to_string()),
        }
    }
}
