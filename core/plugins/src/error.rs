//! What can go wrong uploading or loading a plugin, in the host's own terms (a plugin's own
//! failures during a call are [`crate::PluginError`], which runs see).

use tucan_model::{ErrorCode, Problem};
use tucan_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The manifest or the module does not pass the checks; the message names each problem.
    #[error("{0}")]
    Refused(String),
    /// A stored module that no longer decodes.
    #[error("stored module unreadable: {0}")]
    Unreadable(String),
    /// The task checking or compiling a module stopped before it answered.
    #[error("plugin {what} stopped: {why}")]
    Stopped { what: &'static str, why: String },
    /// A stored manifest that no longer decodes.
    #[error("stored manifest unreadable: {0}")]
    Manifest(#[from] serde_json::Error),
}

pub type HostResult<T> = Result<T, HostError>;

impl HostError {
    /// The code and message a client may see, or `None` for a failure of ours.
    pub fn to_problem(&self) -> Option<Problem> {
        match self {
            HostError::Store(e) => e.to_problem(),
            HostError::Refused(m) => Some(Problem::new(ErrorCode::PluginInvalid, m.clone())),
            HostError::Unreadable(_) | HostError::Stopped { .. } | HostError::Manifest(_) => None,
        }
    }

    /// True when trying again later may go otherwise: the database did not answer, or a
    /// task stopped. A refusal or a missing record is an answer.
    pub fn is_transient(&self) -> bool {
        match self {
            HostError::Store(e) => e.refusal().is_none(),
            HostError::Stopped { .. } => true,
            HostError::Refused(_) | HostError::Unreadable(_) | HostError::Manifest(_) => false,
        }
    }
}
