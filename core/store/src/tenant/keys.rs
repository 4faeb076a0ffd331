//! API keys of a tenant. The secret is shown once at creation; only its hash is kept, in the
//! platform's lookup table, so a presented key finds its tenant in one indexed read.

use serde_json::json;
use tucan_model::Resource;
use tucan_model::api_key::ApiKey;

use super::TenantDb;
use crate::db::{check_id, fetch, fetch_found, rows};
use crate::error::StoreResult;

impl TenantDb {
    pub async fn list_api_keys(&self) -> StoreResult<Vec<ApiKey>> {
        fetch(self.raw(), "SELECT * FROM api_key ORDER BY id", json!({})).await
    }

    pub async fn get_api_key(&self, id: &str) -> StoreResult<ApiKey> {
        check_id(id, Resource::ApiKey)?;
        fetch_found(
            self.raw(),
            "SELECT * FROM type::record('api_key', $id)",
            json!({ "id": id }),
            Resource::ApiKey,
        )
        .await
    }

    pub async fn insert_api_key(
        &self,
        id: &str,
        name: &str,
        prefix: &str,
        scopes: &[String],
        created_by: &str,
    ) -> StoreResult<ApiKey> {
        let sql = "CREATE type::record('api_key', $id) CONTENT { name: $name, prefix: $prefix, scopes: $scopes, created_by: $by }";
        let vars =
            json!({ "id": id, "name": name, "prefix": prefix, "scopes": scopes, "by": created_by });
        fetch_found(self.raw(), sql, vars, Resource::ApiKey).await
    }

    pub async fn touch_api_key(&self, id: &str) -> StoreResult<()> {
        rows(
            self.raw(),
            "UPDATE type::record('api_key', $id) SET last_used_at = time::now()",
            json!({ "id": id }),
        )
        .await?;
        Ok(())
    }

    pub async fn delete_api_key(&self, id: &str) -> StoreResult<()> {
        self.get_api_key(id).await?;
        rows(
            self.raw(),
            "DELETE type::record('api_key', $id)",
            json!({ "id": id }),
        )
        .await?;
        Ok(())
    }
}
