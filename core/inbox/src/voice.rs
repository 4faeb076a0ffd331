//! Voice notes transcribed: when the company set a transcription model, a customer's voice
//! note is handed to flows only after the `message.transcribe` job wrote its text on the
//! message (agents see it under the audio), and flows read that text as the message. A
//! provider that fails leaves the note as it came, and flows get it without text.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tucan_bus::{Job, JobError, JobHandler, Lane, NewJob};
use tucan_model::ticket::{Message, MessageKind};
use tucan_runtime::Audio;
use tucan_store::TenantDb;

use crate::Inbox;
use crate::error::InboxResult;

pub const TRANSCRIBE_KIND: &str = "message.transcribe";

/// A customer's message on its way to flows, once what could be done at once was done.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Handoff {
    pub message_id: String,
    pub ticket_id: String,
    pub connection_id: String,
    /// What flows read as the message.
    pub text: String,
    /// The message opened or reopened its ticket.
    pub new_ticket: bool,
    /// The contact's wallet agent took the new ticket.
    pub by_owner: bool,
    pub runs_waiting: Option<bool>,
}

impl Inbox {
    /// A customer's stored voice note, in a company that transcribes them.
    pub(crate) async fn transcribes(&self, db: &TenantDb, m: &Message) -> bool {
        let stored = m.media.as_ref().is_some_and(|f| f.id.is_some());
        if m.kind != MessageKind::Audio || !stored {
            return false;
        }
        match self.runtime.transcription_model(db).await {
            Ok(model) => model.is_some(),
            Err(e) => {
                tracing::warn!(error = %e, "transcription settings not read");
                false
            }
        }
    }

    pub(crate) async fn publish_transcription(
        &self,
        db: &TenantDb,
        h: &Handoff,
    ) -> InboxResult<()> {
        let job = NewJob::new(
            Lane::Flow,
            TRANSCRIBE_KIND,
            serde_json::to_value(h).expect("a handoff is plain data"),
        )
        .tenant(db.tenant_id())
        .max_attempts(3);
        self.bus.publish(job).await?;
        Ok(())
    }

    /// Transcribe the note, then hand it to flows. A redelivered job whose note has its text
    /// already does nothing: flows heard of it (or the job died between the two, and the note
    /// stays on the agents' screens).
    async fn transcribe_and_hand_over(
        &self,
        db: &TenantDb,
        mut h: Handoff,
    ) -> Result<(), JobError> {
        let retry = |e: &dyn std::fmt::Display| JobError::Retry(e.to_string());
        let message = db
            .get_message(&h.message_id)
            .await
            .map_err(|e| match e.refusal() {
                Some(why) => JobError::Fatal(why),
                None => retry(&e),
            })?;
        if message.transcript.is_some() {
            return Ok(());
        }
        let file = match &message.media {
            Some(m) => match &m.id {
                Some(id) => Some(db.get_media(id).await.map_err(|e| retry(&e))?),
                None => None,
            },
            None => None,
        };
        if let Some(row) = file {
            let bytes = self.read_media(&row).await.map_err(|e| retry(&e))?;
            let audio = Audio {
                bytes: &bytes,
                filename: row.filename.as_deref().unwrap_or("voice-note.ogg"),
                mime: &row.mime,
            };
            match self.runtime.transcribe(db, audio).await {
                Ok(Some(text)) => {
                    db.set_transcript(&message.id, &text)
                        .await
                        .map_err(|e| retry(&e))?;
                    h.text = match h.text.trim() {
                        "" => text,
                        caption => format!("{caption}\n{text}"),
                    };
                }
                Ok(None) => {}
                Err(why) => {
                    tracing::warn!(message = %message.id, error = %why, "voice note not transcribed")
                }
            }
        }
        let conn = db
            .get_connection(&h.connection_id)
            .await
            .map_err(|e| retry(&e))?;
        let ticket = db.get_ticket(&h.ticket_id).await.map_err(|e| retry(&e))?;
        // The runs waiting then may have moved on: they are read again.
        h.runs_waiting = None;
        self.to_flows(db, &conn, &ticket, &h).await;
        Ok(())
    }
}

pub(crate) struct TranscribeJob(pub(crate) Arc<Inbox>);

#[async_trait]
impl JobHandler for TranscribeJob {
    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        let tenant = job
            .tenant
            .as_deref()
            .ok_or_else(|| JobError::Fatal("a transcription job needs a tenant".into()))?;
        let h: Handoff = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Fatal(format!("invalid {TRANSCRIBE_KIND} payload: {e}")))?;
        let db = self
            .0
            .store
            .tenant(tenant)
            .await
            .map_err(|e| JobError::Fatal(format!("dropped: {e}")))?;
        self.0.transcribe_and_hand_over(&db, h).await
    }
}
