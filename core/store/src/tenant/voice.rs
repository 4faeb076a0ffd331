//! Voice notes' transcripts, written on the message with a `message` event on the inbox's
//! stream so the agents who see the ticket read the text under the audio at once.

use serde_json::json;
use tucan_model::Resource;
use tucan_model::ids::new_id;
use tucan_model::ticket::Message;

use super::TenantDb;
use super::events::MESSAGE_EVENT;
use crate::db::{check_id, returned};
use crate::error::{StoreError, StoreResult};

impl TenantDb {
    /// Write a voice note's text; the message after it.
    pub async fn set_transcript(&self, id: &str, text: &str) -> StoreResult<Message> {
        check_id(id, Resource::Message)?;
        let sql = format!(
            "BEGIN TRANSACTION;
LET $m = (UPDATE ONLY type::record('message', $id) SET transcript = $text, updated_at = time::now() WHERE id != NONE RETURN AFTER);
IF $m != NONE {{ LET $t = (SELECT * FROM ONLY type::record('ticket', $m.ticket_id)); {MESSAGE_EVENT} }};
RETURN $m;
COMMIT TRANSACTION;"
        );
        returned(
            self.raw(),
            &sql,
            json!({ "id": id, "text": text, "ev_m": new_id() }),
        )
        .await?
        .ok_or(StoreError::NotFound(Resource::Message))
    }
}
