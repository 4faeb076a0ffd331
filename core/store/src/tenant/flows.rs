//! Flows: a draft document per flow, and immutable published versions keyed
//! `flow_version:[flow_id, version]`. Documents are stored as JSON text so they come back
//! exactly as saved.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use tucan_model::ErrorCode;
use tucan_model::Resource;
use tucan_model::ids::new_id;

use super::TenantDb;
use crate::db::{check_id, count, execute, fetch, fetch_found, fetch_one};
use crate::error::StoreResult;

#[derive(Debug, Clone, Deserialize)]
pub struct FlowRow {
    pub id: String,
    pub name: String,
    pub description: String,
    /// The draft document, JSON text.
    pub draft: String,
    pub published_version: Option<u32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FlowVersionRow {
    pub version: u32,
    pub hash: String,
    /// The frozen document, JSON text.
    pub document: String,
    pub published_by: String,
    pub published_at: DateTime<Utc>,
}

const FLOW_FIELDS: &str =
    "record::id(id) AS id, name, description, draft, published_version, created_at, updated_at";
const VERSION_FIELDS: &str = "version, hash, document, published_by, published_at";

impl TenantDb {
    pub async fn list_flows(&self) -> StoreResult<Vec<FlowRow>> {
        fetch(
            self.raw(),
            &format!("SELECT {FLOW_FIELDS} FROM flow ORDER BY name"),
            json!({}),
        )
        .await
    }

    /// `(flow id, published version)` of every published flow.
    pub async fn published_flows(&self) -> StoreResult<Vec<(String, u32)>> {
        #[derive(Deserialize)]
        struct Row {
            id: String,
            published_version: u32,
        }
        let rows: Vec<Row> = fetch(
            self.raw(),
            "SELECT record::id(id) AS id, published_version FROM flow WHERE published_version != NONE ORDER BY id",
            json!({}),
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.id, r.published_version))
            .collect())
    }

    pub async fn count_flows(&self) -> StoreResult<u64> {
        count(self.raw(), "SELECT count() FROM flow GROUP ALL", json!({})).await
    }

    pub async fn get_flow(&self, id: &str) -> StoreResult<FlowRow> {
        check_id(id, Resource::Flow)?;
        fetch_found(
            self.raw(),
            &format!("SELECT {FLOW_FIELDS} FROM type::record('flow', $id)"),
            json!({ "id": id }),
            Resource::Flow,
        )
        .await
    }

    pub async fn create_flow(
        &self,
        name: &str,
        description: &str,
        draft: &str,
    ) -> StoreResult<FlowRow> {
        let id = new_id();
        execute(
            self.raw(),
            "CREATE type::record('flow', $id) CONTENT { name: $name, description: $description, draft: $draft }",
            json!({ "id": id, "name": name, "description": description, "draft": draft }),
        )
        .await
        .map_err(|e| e.on_unique(ErrorCode::NameTaken, "a flow with this name exists"))?;
        self.get_flow(&id).await
    }

    /// Change the name, description or draft (each when given).
    pub async fn update_flow(
        &self,
        id: &str,
        name: Option<&str>,
        description: Option<&str>,
        draft: Option<&str>,
    ) -> StoreResult<FlowRow> {
        self.get_flow(id).await?;
        execute(
            self.raw(),
            "UPDATE type::record('flow', $id) SET name = $name ?? name, description = $description ?? description, draft = $draft ?? draft, updated_at = time::now()",
            json!({ "id": id, "name": name, "description": description, "draft": draft }),
        )
        .await
        .map_err(|e| e.on_unique(ErrorCode::NameTaken, "a flow with this name exists"))?;
        self.get_flow(id).await
    }

    pub async fn delete_flow(&self, id: &str) -> StoreResult<()> {
        self.get_flow(id).await?;
        execute(
            self.raw(),
            "BEGIN TRANSACTION; DELETE flow_version WHERE flow_id = $id; DELETE type::record('flow', $id); COMMIT TRANSACTION;",
            json!({ "id": id }),
        )
        .await
    }

    /// Freeze `document` as the next version, unless it is the latest version already
    /// (same hash): returns that version and whether it is new.
    pub async fn publish_flow(
        &self,
        id: &str,
        document: &str,
        hash: &str,
        by: &str,
    ) -> StoreResult<(FlowVersionRow, bool)> {
        let flow = self.get_flow(id).await?;
        if let Some(latest) = self.latest_flow_version(id).await?
            && latest.hash == hash
        {
            if flow.published_version != Some(latest.version) {
                self.set_published(id, latest.version).await?;
            }
            return Ok((latest, false));
        }
        let next = self
            .latest_flow_version(id)
            .await?
            .map_or(1, |v| v.version + 1);
        execute(
            self.raw(),
            "BEGIN TRANSACTION;
CREATE type::record('flow_version', [$id, $version]) CONTENT { flow_id: $id, version: $version, hash: $hash, document: $document, published_by: $by };
UPDATE type::record('flow', $id) SET published_version = $version;
COMMIT TRANSACTION;",
            json!({ "id": id, "version": next, "hash": hash, "document": document, "by": by }),
        )
        .await?;
        Ok((self.get_flow_version(id, next).await?, true))
    }

    async fn set_published(&self, id: &str, version: u32) -> StoreResult<()> {
        execute(
            self.raw(),
            "UPDATE type::record('flow', $id) SET published_version = $version",
            json!({ "id": id, "version": version }),
        )
        .await
    }

    async fn latest_flow_version(&self, id: &str) -> StoreResult<Option<FlowVersionRow>> {
        fetch_one(
            self.raw(),
            &format!("SELECT {VERSION_FIELDS} FROM flow_version:[$id, 0]..[$id, 2147483647] ORDER BY version DESC LIMIT 1"),
            json!({ "id": id }),
        )
        .await
    }

    /// Versions newest first (documents included).
    pub async fn list_flow_versions(&self, id: &str) -> StoreResult<Vec<FlowVersionRow>> {
        self.get_flow(id).await?;
        fetch(
            self.raw(),
            &format!("SELECT {VERSION_FIELDS} FROM flow_version:[$id, 0]..[$id, 2147483647] ORDER BY version DESC"),
            json!({ "id": id }),
        )
        .await
    }

    pub async fn get_flow_version(&self, id: &str, version: u32) -> StoreResult<FlowVersionRow> {
        check_id(id, Resource::Flow)?;
        fetch_found(
            self.raw(),
            &format!("SELECT {VERSION_FIELDS} FROM type::record('flow_version', [$id, $version])"),
            json!({ "id": id, "version": version }),
            Resource::FlowVersion,
        )
        .await
    }
}
