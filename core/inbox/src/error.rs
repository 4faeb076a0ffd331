//! What can go wrong in the inbox, in its own terms: a message or action refused for what
//! it asks, a file refused, a channel that failed; the store's, the runtime's and the bus's
//! failures pass through as they are.

use tucan_bus::BusError;
use tucan_model::{ErrorCode, Problem};
use tucan_runtime::RuntimeError;
use tucan_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error("job bus: {0}")]
    Bus(#[from] BusError),
    /// A value that fails the model's checks (a phone number, a group id…).
    #[error(transparent)]
    Invalid(#[from] Problem),
    /// A value of the request is not acceptable (an unknown queue, a time in the past…).
    #[error("{0}")]
    InvalidField(String),
    /// The action does not fit who asked for it.
    #[error("{0}")]
    InvalidParam(String),
    /// The ticket's status does not allow it (a closed ticket, a message already sent).
    #[error("{0}")]
    TicketState(String),
    /// More than 24 hours since the customer last wrote on a Cloud API number: only a
    /// template may reach them.
    #[error(
        "more than 24 hours since the customer last wrote on this number; only a template can reach them now"
    )]
    WindowClosed,
    /// A flow is still talking to the customer on the ticket; an agent takes over knowingly.
    #[error("a flow is still talking to this customer; take over to stop it")]
    FlowTalking,
    /// The company's settings turn this off (group chats, say).
    #[error("{0}")]
    Disabled(String),
    #[error("files are limited to {max} bytes")]
    FileTooLarge { max: usize },
    #[error("only JPEG, PNG, GIF, WebP, PDF, Ogg, MP3, MP4 and WebM files are accepted")]
    FileType,
    /// The media folder could not be written or read.
    #[error("media file: {0}")]
    MediaFile(#[from] std::io::Error),
    /// The connection's channel refused or failed.
    #[error("channel: {0}")]
    Channel(String),
}

pub type InboxResult<T> = Result<T, InboxError>;

impl InboxError {
    /// The code and message a client may see, or `None` for a failure of ours.
    pub fn to_problem(&self) -> Option<Problem> {
        let code = match self {
            InboxError::Store(e) => return e.to_problem(),
            InboxError::Runtime(e) => return e.to_problem(),
            InboxError::Invalid(p) => return Some(p.clone()),
            InboxError::InvalidField(_) => ErrorCode::InvalidField,
            InboxError::InvalidParam(_) => ErrorCode::InvalidParam,
            InboxError::TicketState(_) => ErrorCode::TicketState,
            InboxError::WindowClosed => ErrorCode::WindowClosed,
            InboxError::FlowTalking => ErrorCode::FlowTalking,
            InboxError::Disabled(_) => ErrorCode::FeatureDisabled,
            InboxError::FileTooLarge { .. } => ErrorCode::BodyTooLarge,
            InboxError::FileType => ErrorCode::UnsupportedMediaType,
            InboxError::Channel(_) => ErrorCode::Unavailable,
            InboxError::Bus(_) | InboxError::MediaFile(_) => return None,
        };
        Some(Problem::new(code, self.to_string()))
    }

    /// What the request or the data refused, in people's words, as opposed to a failure
    /// that may pass if tried again.
    pub fn refusal(&self) -> Option<String> {
        match self {
            InboxError::Store(e) => e.refusal(),
            InboxError::Runtime(e) => e.refusal(),
            InboxError::Bus(_) | InboxError::MediaFile(_) | InboxError::Channel(_) => None,
            other => Some(other.to_string()),
        }
    }

    /// True when no such record exists.
    pub fn is_not_found(&self) -> bool {
        match self {
            InboxError::Store(e) => matches!(e, StoreError::NotFound(_)),
            InboxError::Runtime(e) => e.is_not_found(),
            _ => false,
        }
    }

    /// True when the ticket's status does not allow the action.
    pub fn is_ticket_state(&self) -> bool {
        matches!(self, InboxError::TicketState(_))
            || matches!(self, InboxError::Store(StoreError::Problem(p)) if p.code == ErrorCode::TicketState)
    }
}
