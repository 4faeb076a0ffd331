//! The message templates of Cloud API numbers, as last synced from their Meta accounts.

use serde_json::json;
use tucan_model::Resource;
use tucan_model::ticket::MessageTemplate;

use super::TenantDb;
use crate::db::{check_id, execute, fetch, fetch_one};
use crate::error::StoreResult;

impl TenantDb {
    /// Replace a connection's templates with `templates` (a sync), in one transaction.
    pub async fn replace_templates(
        &self,
        connection_id: &str,
        templates: &[MessageTemplate],
    ) -> StoreResult<()> {
        check_id(connection_id, Resource::Connection)?;
        let rows: Vec<serde_json::Value> = templates
            .iter()
            .map(|t| {
                let mut row = json!({
                    "id": [connection_id, t.name, t.language],
                    "connection_id": connection_id, "name": t.name, "language": t.language,
                    "status": t.status, "category": t.category, "body": t.body,
                    "variables": t.variables, "unsupported": t.unsupported,
                });
                crate::platform::strip_nulls(&mut row);
                row
            })
            .collect();
        execute(
            self.raw(),
            "BEGIN TRANSACTION;
DELETE wa_template WHERE connection_id = $c;
IF array::len($rows) > 0 { INSERT INTO wa_template $rows RETURN NONE };
COMMIT TRANSACTION;",
            json!({ "c": connection_id, "rows": rows }),
        )
        .await
    }

    /// A connection's templates, by name and language.
    pub async fn list_templates(&self, connection_id: &str) -> StoreResult<Vec<MessageTemplate>> {
        check_id(connection_id, Resource::Connection)?;
        fetch(
            self.raw(),
            "SELECT * FROM wa_template WHERE connection_id = $c ORDER BY name, language",
            json!({ "c": connection_id }),
        )
        .await
    }

    /// One template of a connection, or `None` when the account has no such one.
    pub async fn get_template(
        &self,
        connection_id: &str,
        name: &str,
        language: &str,
    ) -> StoreResult<Option<MessageTemplate>> {
        check_id(connection_id, Resource::Connection)?;
        fetch_one(
            self.raw(),
            "SELECT * FROM type::record('wa_template', [$c, $n, $l])",
            json!({ "c": connection_id, "n": name, "l": language }),
        )
        .await
    }
}
