//! Ratings asked when a ticket closes: the request waits under
//! `rating_wait:[contact, connection]` until the customer answers on that number, writes
//! something else, or it expires. The answer itself is written with the message
//! (`TenantDb::record_rating`).

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::TenantDb;
use crate::db::{execute, fetch_one};
use crate::error::StoreResult;

impl TenantDb {
    /// The closed `ticket_id` asks its customer for a rating until `expires_at` (a request
    /// of an earlier ticket on that number is replaced).
    pub async fn ask_rating(
        &self,
        ticket_id: &str,
        contact_id: &str,
        connection_id: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        execute(
            self.raw(),
            "UPSERT type::record('rating_wait', [$contact, $conn]) CONTENT { ticket_id: $tid, expires_at: <datetime> $expires }",
            json!({ "contact": contact_id, "conn": connection_id, "tid": ticket_id, "expires": expires_at }),
        )
        .await
    }

    /// The ticket whose rating request the contact may be answering on the connection
    /// (an expired request is gone).
    pub async fn rating_wait(
        &self,
        contact_id: &str,
        connection_id: &str,
    ) -> StoreResult<Option<String>> {
        let row: Option<Value> = fetch_one(
            self.raw(),
            "SELECT ticket_id FROM type::record('rating_wait', [$contact, $conn]) WHERE expires_at > time::now()",
            json!({ "contact": contact_id, "conn": connection_id }),
        )
        .await?;
        Ok(row.and_then(|r| r["ticket_id"].as_str().map(String::from)))
    }

    /// The customer wrote something other than a rating: the request is withdrawn.
    pub async fn drop_rating_wait(&self, contact_id: &str, connection_id: &str) -> StoreResult<()> {
        execute(
            self.raw(),
            "DELETE type::record('rating_wait', [$contact, $conn])",
            json!({ "contact": contact_id, "conn": connection_id }),
        )
        .await
    }
}
