//! Connections (the company's WhatsApp numbers), with their status history.

use serde_json::json;
use tucan_model::ErrorCode;
use tucan_model::Resource;
use tucan_model::ids::new_id;
use tucan_model::ticket::{Connection, ConnectionStatus, NewConnection, StatusChange};

use super::TenantDb;
use super::events::CONNECTION_EVENT;
use crate::db::{check_id, count, execute, fetch, fetch_found, returned};
use crate::error::{StoreError, StoreResult, throw};
use crate::platform::strip_nulls;

fn phone_in_use(e: crate::StoreError) -> crate::StoreError {
    e.on_unique(ErrorCode::NameTaken, "another connection has this number")
}

impl TenantDb {
    pub async fn list_connections(&self) -> StoreResult<Vec<Connection>> {
        fetch(
            self.raw(),
            "SELECT * FROM connection ORDER BY name",
            json!({}),
        )
        .await
    }

    pub async fn count_connections(&self) -> StoreResult<u64> {
        count(
            self.raw(),
            "SELECT count() FROM connection GROUP ALL",
            json!({}),
        )
        .await
    }

    pub async fn get_connection(&self, id: &str) -> StoreResult<Connection> {
        check_id(id, Resource::Connection)?;
        fetch_found(
            self.raw(),
            "SELECT * FROM type::record('connection', $id)",
            json!({ "id": id }),
            Resource::Connection,
        )
        .await
    }

    /// Create a connection; `phone` must already be normalised.
    pub async fn create_connection(&self, c: &NewConnection) -> StoreResult<Connection> {
        let mut content = json!({
            "name": c.name, "kind": c.kind, "phone": c.phone,
            "default_flow_id": c.default_flow_id, "default_queue_id": c.default_queue_id,
            "greeting": c.greeting, "farewell": c.farewell,
            "messages_per_minute": c.messages_per_minute,
        });
        strip_nulls(&mut content);
        fetch_found(
            self.raw(),
            "CREATE type::record('connection', $id) CONTENT $c",
            json!({ "id": new_id(), "c": content }),
            Resource::Connection,
        )
        .await
        .map_err(phone_in_use)
    }

    pub async fn save_connection(&self, c: &Connection) -> StoreResult<Connection> {
        let sql = "UPDATE type::record('connection', $id) SET name = $c.name, \
                   default_flow_id = $c.default_flow_id, default_queue_id = $c.default_queue_id, \
                   greeting = $c.greeting, farewell = $c.farewell, \
                   messages_per_minute = $c.messages_per_minute, updated_at = time::now()";
        let mut content = serde_json::to_value(c)?;
        strip_nulls(&mut content);
        fetch_found(
            self.raw(),
            sql,
            json!({ "id": c.id, "c": content }),
            Resource::Connection,
        )
        .await
        .map_err(phone_in_use)
    }

    pub async fn delete_connection(&self, id: &str) -> StoreResult<()> {
        self.get_connection(id).await?;
        execute(
            self.raw(),
            "DELETE type::record('connection', $id); DELETE connection_status WHERE connection_id = $id",
            json!({ "id": id }),
        )
        .await
    }

    /// Record a new status (and pairing code) of a connection, in its history and on the
    /// event stream.
    pub async fn set_connection_status(
        &self,
        id: &str,
        status: ConnectionStatus,
        pairing: Option<&str>,
        detail: &str,
    ) -> StoreResult<Connection> {
        check_id(id, Resource::Connection)?;
        let sql = format!(
            "BEGIN TRANSACTION;
LET $c = (UPDATE ONLY type::record('connection', $id) SET status = $status, pairing = $pairing ?? NONE, updated_at = time::now() RETURN AFTER);
IF $c = NONE {{ THROW 'connection_not_found' }};
CREATE connection_status CONTENT {{ connection_id: $id, status: $status, detail: $detail }};
{CONNECTION_EVENT}
RETURN $c;
COMMIT TRANSACTION;"
        );
        let vars = json!({
            "id": id, "status": status, "pairing": pairing, "detail": detail, "ev_c": new_id(),
        });
        match returned(self.raw(), &sql, vars).await {
            Ok(Some(c)) => Ok(c),
            Ok(None) => Err(StoreError::NotFound(Resource::Connection)),
            Err(e) if e.is_thrown(throw::CONNECTION_NOT_FOUND) => {
                Err(StoreError::NotFound(Resource::Connection))
            }
            Err(e) => Err(e),
        }
    }

    pub async fn connection_history(&self, id: &str) -> StoreResult<Vec<StatusChange>> {
        check_id(id, Resource::Connection)?;
        fetch(
            self.raw(),
            "SELECT status, detail, at FROM connection_status WHERE connection_id = $id ORDER BY at DESC LIMIT 100",
            json!({ "id": id }),
        )
        .await
    }
}
