//! Store failures, typed once here from what the database reports, so no caller reads a
//! database message: a domain [`Problem`] the client may see, a missing record, a lost write
//! race, a unique key already taken, a `THROW` with its stable code, the database out of
//! reach, or any other backend failure (logged, reported as a generic internal error).

use tucan_model::{ErrorCode, Problem, Resource};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Problem(#[from] Problem),
    /// No such record (in this tenant's database).
    #[error("{0} not found")]
    NotFound(Resource),
    /// The transaction lost a race with a concurrent one and left nothing behind; running it
    /// again may succeed.
    #[error("write conflict with a concurrent transaction")]
    Conflict,
    /// A unique index already holds the value, or a record with that key exists; `index` is
    /// the index's name, or the table's for a record key.
    #[error("unique key taken in {index}")]
    UniqueViolation { index: String },
    /// A statement's `THROW` with its stable code (see [`throw`]) and what followed a `:`.
    #[error("refused by the database: {code}")]
    Thrown {
        code: String,
        detail: Option<String>,
    },
    /// The database cannot be reached.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database: {0}")]
    Backend(String),
    #[error("decoding a record: {0}")]
    Decode(#[from] serde_json::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The codes the store's own statements `THROW`; a `:` may follow with a detail.
pub(crate) mod throw {
    pub const TICKET_NOT_FOUND: &str = "ticket_not_found";
    /// The ticket's status does not allow the change; the detail is the status.
    pub const TICKET_STATE: &str = "ticket_state";
    /// The ticket a write was planned on is no longer the contact's live one, or it changed.
    pub const TICKET_MOVED: &str = "ticket_moved";
    pub const CONNECTION_NOT_FOUND: &str = "connection_not_found";
    /// Nothing matched the update, so nothing changed.
    pub const UNCHANGED: &str = "unchanged";
    /// The run moved on since it was read.
    pub const RUN_MOVED: &str = "run_moved";
    pub const PLUGIN_VERSION_RETIRED: &str = "plugin_version_retired";
    pub const PLUGIN_DATA_QUOTA: &str = "plugin_data_quota";
}

impl From<surrealdb::Error> for StoreError {
    fn from(e: surrealdb::Error) -> Self {
        classify(&e)
    }
}

/// The one place a database error is read: by its kind and details, and, where the database
/// reports no kind of its own (a unique index refusing a value), by the shape of its message.
pub(crate) fn classify(e: &surrealdb::Error) -> StoreError {
    use surrealdb::types::{ErrorDetails, QueryError};
    let message = e.message();
    match e.details() {
        ErrorDetails::Query(Some(QueryError::TransactionConflict)) => StoreError::Conflict,
        ErrorDetails::Query(Some(QueryError::NotExecuted)) if is_conflict_text(message) => {
            StoreError::Conflict
        }
        ErrorDetails::Thrown => {
            let text = message
                .strip_prefix("An error occurred: ")
                .unwrap_or(message);
            let (code, detail) = match text.split_once(':') {
                Some((code, detail)) => (code.trim(), Some(detail.trim().to_string())),
                None => (text.trim(), None),
            };
            StoreError::Thrown {
                code: code.to_string(),
                detail,
            }
        }
        ErrorDetails::AlreadyExists(_) => StoreError::UniqueViolation {
            index: record_table(message).unwrap_or_default(),
        },
        ErrorDetails::Connection(_) => StoreError::Unavailable(message.to_string()),
        _ => match unique_index(message) {
            Some(index) => StoreError::UniqueViolation { index },
            None if is_conflict_text(message) => StoreError::Conflict,
            None => StoreError::Backend(message.to_string()),
        },
    }
}

/// A commit refused because of a concurrent write, as the engines word it.
fn is_conflict_text(message: &str) -> bool {
    message.contains("conflict") || message.contains("can be retried")
}

/// `Database index `name` already contains …` names the index that refused the value.
fn unique_index(message: &str) -> Option<String> {
    let rest = message.strip_prefix("Database index `")?;
    let (name, tail) = rest.split_once('`')?;
    tail.trim_start()
        .starts_with("already contains")
        .then(|| name.to_string())
}

/// `Database record `table:key` already exists` names the record's table.
fn record_table(message: &str) -> Option<String> {
    let rest = message.split_once('`')?.1;
    Some(rest.split_once(':')?.0.to_string())
}

/// How the first of several errors of one query ranks as its cause: in a failed transaction
/// every other statement reports that it was not executed, so those come last.
pub(crate) fn is_consequence(e: &surrealdb::Error) -> bool {
    use surrealdb::types::{ErrorDetails, QueryError};
    matches!(
        e.details(),
        ErrorDetails::Query(Some(QueryError::NotExecuted | QueryError::Cancelled))
    ) && !is_conflict_text(e.message())
}

impl StoreError {
    pub fn problem(code: ErrorCode, message: impl Into<String>) -> Self {
        StoreError::Problem(Problem::new(code, message))
    }

    /// True when the write lost a race with a concurrent transaction and may be retried.
    pub fn is_conflict(&self) -> bool {
        matches!(self, StoreError::Conflict)
    }

    /// True for a `THROW` of `code`.
    pub fn is_thrown(&self, code: &str) -> bool {
        matches!(self, StoreError::Thrown { code: c, .. } if c == code)
    }

    /// True when no such `what` exists.
    pub fn is_not_found(&self, what: Resource) -> bool {
        matches!(self, StoreError::NotFound(r) if *r == what)
    }

    /// True when the unique index (or record table) `index` refused the write.
    pub fn is_unique_violation_of(&self, index: &str) -> bool {
        matches!(self, StoreError::UniqueViolation { index: i } if i == index)
    }

    /// Turn a unique-key violation into `code`, leaving other errors as they are.
    pub fn on_unique(self, code: ErrorCode, message: &str) -> Self {
        match self {
            StoreError::UniqueViolation { .. } => StoreError::problem(code, message),
            other => other,
        }
    }

    /// What the data refused, in people's words (a domain problem or a missing record), as
    /// opposed to a failure that may pass if tried again.
    pub fn refusal(&self) -> Option<String> {
        match self {
            StoreError::Problem(p) => Some(p.message.clone()),
            StoreError::NotFound(what) => Some(format!("{what} not found")),
            _ => None,
        }
    }

    /// The code and message a client may see, or `None` for a failure of ours (logged by
    /// whoever reports it).
    pub fn to_problem(&self) -> Option<Problem> {
        match self {
            StoreError::Problem(p) => Some(p.clone()),
            StoreError::NotFound(what) => Some(Problem::not_found(*what)),
            StoreError::Conflict => Some(Problem::new(
                ErrorCode::Unavailable,
                "the change collided with others made at the same moment; try again",
            )),
            StoreError::Unavailable(_) => Some(Problem::new(
                ErrorCode::Unavailable,
                "the database is not available; try again shortly",
            )),
            StoreError::UniqueViolation { .. }
            | StoreError::Thrown { .. }
            | StoreError::Backend(_)
            | StoreError::Decode(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_index_names_are_read_from_the_message() {
        assert_eq!(
            unique_index(
                "Database index `user_email` already contains 'a@b.c', with record `user:x`"
            ),
            Some("user_email".to_string())
        );
        assert_eq!(unique_index("Database record `t:1` already exists"), None);
        assert_eq!(
            record_table("Database record `run_active:[1, 2]` already exists"),
            Some("run_active".to_string())
        );
    }

    #[test]
    fn thrown_codes_and_details_are_split() {
        let e = surrealdb::Error::thrown("An error occurred: ticket_state:closed".into());
        match classify(&e) {
            StoreError::Thrown { code, detail } => {
                assert_eq!(code, "ticket_state");
                assert_eq!(detail.as_deref(), Some("closed"));
            }
            other => panic!("{other:?}"),
        }
        let e = surrealdb::Error::thrown("An error occurred: unchanged".into());
        assert!(classify(&e).is_thrown(throw::UNCHANGED));
    }

    #[test]
    fn conflicts_and_unreachable_servers_are_typed() {
        let e = surrealdb::Error::query(
            "Transaction conflict: write conflict. This transaction can be retried".into(),
            surrealdb::types::QueryError::TransactionConflict,
        );
        assert!(classify(&e).is_conflict());
        let e = surrealdb::Error::connection("connection reset".into(), None);
        assert!(matches!(classify(&e), StoreError::Unavailable(_)));
    }
}
