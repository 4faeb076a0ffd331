//! Store failures: a domain [`Problem`] (not found, conflict…) the client may see, or a
//! backend failure that is logged and reported as a generic internal error.

use tucan_model::{ErrorCode, Problem};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Problem(#[from] Problem),
    #[error("database: {0}")]
    Backend(String),
    #[error("decoding a record: {0}")]
    Decode(#[from] serde_json::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl From<surrealdb::Error> for StoreError {
    fn from(e: surrealdb::Error) -> Self {
        StoreError::Backend(e.to_string())
    }
}

impl StoreError {
    pub fn problem(code: ErrorCode, message: impl Into<String>) -> Self {
        StoreError::Problem(Problem::new(code, message))
    }

    /// True when the backend refused a write because a unique index already holds the value.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Backend(m) if m.contains("already contains"))
    }

    /// True when the write lost a race with a concurrent transaction and may be retried.
    pub fn is_conflict(&self) -> bool {
        matches!(self, StoreError::Backend(m) if m.contains("conflict") || m.contains("failed transaction") || m.contains("retried"))
    }

    /// Turn a unique-index violation into `code`, leaving other errors as they are.
    pub fn on_unique(self, code: ErrorCode, message: &str) -> Self {
        if self.is_unique_violation() {
            StoreError::problem(code, message)
        } else {
            self
        }
    }
}
