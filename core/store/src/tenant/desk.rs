//! Agent presence and stored media files.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tucan_model::Resource;

use super::TenantDb;
use crate::db::{check_id, execute, fetch_found, fetch_one};
use crate::error::StoreResult;

/// A file stored under the tenant's media folder.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MediaRow {
    pub id: String,
    pub mime: String,
    pub filename: Option<String>,
    pub size: u64,
    /// Relative to the media folder.
    pub path: String,
    /// The ticket whose message carries it, once sent.
    pub ticket_id: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl TenantDb {
    /// An agent goes online (takes tickets from round-robin and least-busy queues) or off.
    pub async fn set_online(&self, user_id: &str, online: bool) -> StoreResult<()> {
        check_id(user_id, Resource::User)?;
        execute(
            self.raw(),
            "UPDATE type::record('user', $id) SET online = $on",
            json!({ "id": user_id, "on": online }),
        )
        .await
    }

    /// Of `user_ids`, those online, with their ticket limit (0 = none), in the given order.
    pub async fn online_agents(&self, user_ids: &[String]) -> StoreResult<Vec<(String, u32)>> {
        let rows = crate::db::rows(
            self.raw(),
            "SELECT record::id(id) AS id, max_tickets FROM user WHERE record::id(id) IN $ids AND online = true",
            json!({ "ids": user_ids }),
        )
        .await?;
        let found: std::collections::HashMap<String, u32> = rows
            .into_iter()
            .filter_map(|r| {
                Some((
                    r["id"].as_str()?.to_string(),
                    r["max_tickets"].as_u64().unwrap_or(0) as u32,
                ))
            })
            .collect();
        Ok(user_ids
            .iter()
            .filter_map(|id| found.get(id).map(|m| (id.clone(), *m)))
            .collect())
    }

    pub async fn create_media(&self, row: &MediaRow) -> StoreResult<MediaRow> {
        let mut content = serde_json::to_value(row)?;
        if let Value::Object(m) = &mut content {
            m.remove("id");
            m.remove("created_at");
        }
        crate::platform::strip_nulls(&mut content);
        fetch_found(
            self.raw(),
            "CREATE type::record('media', $id) CONTENT $c",
            json!({ "id": row.id, "c": content }),
            Resource::Media,
        )
        .await
    }

    pub async fn get_media(&self, id: &str) -> StoreResult<MediaRow> {
        check_id(id, Resource::Media)?;
        fetch_found(
            self.raw(),
            "SELECT * FROM type::record('media', $id)",
            json!({ "id": id }),
            Resource::Media,
        )
        .await
    }

    /// Remove a file's row; the row it was, if any.
    pub async fn delete_media(&self, id: &str) -> StoreResult<Option<MediaRow>> {
        check_id(id, Resource::Media)?;
        fetch_one(
            self.raw(),
            "DELETE type::record('media', $id) RETURN BEFORE",
            json!({ "id": id }),
        )
        .await
    }

    /// The file now belongs to a message of `ticket_id` (who may see it follows the ticket).
    pub async fn attach_media(&self, id: &str, ticket_id: &str) -> StoreResult<()> {
        execute(
            self.raw(),
            "UPDATE type::record('media', $id) SET ticket_id = $t WHERE ticket_id = NONE",
            json!({ "id": id, "t": ticket_id }),
        )
        .await
    }
}
