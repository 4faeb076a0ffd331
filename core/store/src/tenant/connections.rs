//! Connections (the company's WhatsApp numbers), with their status history.

use serde::{Deserialize, Serialize};
use serde_json::json;
use tucan_model::ErrorCode;
use tucan_model::Resource;
use tucan_model::ids::new_id;
use tucan_model::ticket::{
    CloudApiView, Connection, ConnectionStatus, NewConnection, StatusChange,
};

use super::TenantDb;
use super::events::CONNECTION_EVENT;
use crate::db::{check_id, count, execute, fetch, fetch_found, returned};
use crate::error::{StoreError, StoreResult, throw};
use crate::platform::strip_nulls;

fn phone_in_use(e: crate::StoreError) -> crate::StoreError {
    if e.is_unique_violation_of("connection_phone") {
        return StoreError::problem(ErrorCode::NameTaken, "another connection has this number");
    }
    e
}

fn cloud_number_in_use(e: crate::StoreError) -> crate::StoreError {
    if e.is_unique_violation_of("connection_cloud_number") {
        return StoreError::problem(
            ErrorCode::NameTaken,
            "another connection uses this phone_number_id",
        );
    }
    e
}

/// A Cloud API connection's settings as stored: the access token and the app secret sealed
/// (see `tucan_channels::secrets`); the store never sees them in the clear.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CloudSettings {
    pub phone_number_id: String,
    pub waba_id: String,
    pub graph_url: String,
    pub verify_token: String,
    /// Sealed.
    pub access_token: String,
    /// Sealed.
    pub app_secret: String,
}

/// A stored connection: the view, and the Cloud API settings it shows without secrets.
#[derive(Deserialize)]
struct ConnectionRow {
    #[serde(flatten)]
    connection: Connection,
    #[serde(default)]
    cloud: Option<CloudSettings>,
}

impl ConnectionRow {
    fn into_view(self) -> Connection {
        let mut c = self.connection;
        c.cloud_api = self.cloud.map(|s| CloudApiView {
            phone_number_id: s.phone_number_id,
            waba_id: s.waba_id,
            graph_url: s.graph_url,
            verify_token: s.verify_token,
            access_token_set: !s.access_token.is_empty(),
            app_secret_set: !s.app_secret.is_empty(),
            webhook_url: None,
        });
        c
    }
}

impl TenantDb {
    pub async fn list_connections(&self) -> StoreResult<Vec<Connection>> {
        let rows: Vec<ConnectionRow> = fetch(
            self.raw(),
            "SELECT * FROM connection ORDER BY name",
            json!({}),
        )
        .await?;
        Ok(rows.into_iter().map(ConnectionRow::into_view).collect())
    }

    /// The Cloud API settings of a connection (secrets sealed); none for other kinds.
    pub async fn cloud_settings(&self, id: &str) -> StoreResult<Option<CloudSettings>> {
        check_id(id, Resource::Connection)?;
        let row: ConnectionRow = fetch_found(
            self.raw(),
            "SELECT * FROM type::record('connection', $id)",
            json!({ "id": id }),
            Resource::Connection,
        )
        .await?;
        Ok(row.cloud)
    }

    /// The company's Cloud API connection of Meta's number `phone_number_id`, if it has one.
    pub async fn connection_by_cloud_number(
        &self,
        phone_number_id: &str,
    ) -> StoreResult<Option<Connection>> {
        let rows: Vec<ConnectionRow> = fetch(
            self.raw(),
            "SELECT * FROM connection WHERE cloud.phone_number_id = $p LIMIT 1",
            json!({ "p": phone_number_id }),
        )
        .await?;
        Ok(rows.into_iter().next().map(ConnectionRow::into_view))
    }

    /// Replace a Cloud API connection's settings.
    pub async fn save_cloud_settings(
        &self,
        id: &str,
        s: &CloudSettings,
    ) -> StoreResult<Connection> {
        check_id(id, Resource::Connection)?;
        let row: ConnectionRow = fetch_found(
            self.raw(),
            "UPDATE type::record('connection', $id) SET cloud = $s, updated_at = time::now()",
            json!({ "id": id, "s": s }),
            Resource::Connection,
        )
        .await
        .map_err(cloud_number_in_use)?;
        Ok(row.into_view())
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
        let row: ConnectionRow = fetch_found(
            self.raw(),
            "SELECT * FROM type::record('connection', $id)",
            json!({ "id": id }),
            Resource::Connection,
        )
        .await?;
        Ok(row.into_view())
    }

    /// Create a connection; `phone` must already be normalised.
    pub async fn create_connection(&self, c: &NewConnection) -> StoreResult<Connection> {
        self.create_connection_with(&new_id(), c, None).await
    }

    /// Create a connection under `id` with its Cloud API settings (secrets sealed for `id`).
    pub async fn create_connection_with(
        &self,
        id: &str,
        c: &NewConnection,
        cloud: Option<&CloudSettings>,
    ) -> StoreResult<Connection> {
        let mut content = json!({
            "name": c.name, "kind": c.kind, "phone": c.phone,
            "default_flow_id": c.default_flow_id, "default_queue_id": c.default_queue_id,
            "greeting": c.greeting, "farewell": c.farewell,
            "messages_per_minute": c.messages_per_minute, "cloud": cloud,
        });
        strip_nulls(&mut content);
        let row: ConnectionRow = fetch_found(
            self.raw(),
            "CREATE type::record('connection', $id) CONTENT $c",
            json!({ "id": id, "c": content }),
            Resource::Connection,
        )
        .await
        .map_err(|e| cloud_number_in_use(phone_in_use(e)))?;
        Ok(row.into_view())
    }

    pub async fn save_connection(&self, c: &Connection) -> StoreResult<Connection> {
        let sql = "UPDATE type::record('connection', $id) SET name = $c.name, \
                   default_flow_id = $c.default_flow_id, default_queue_id = $c.default_queue_id, \
                   greeting = $c.greeting, farewell = $c.farewell, \
                   messages_per_minute = $c.messages_per_minute, updated_at = time::now()";
        let mut content = serde_json::to_value(c)?;
        strip_nulls(&mut content);
        let row: ConnectionRow = fetch_found(
            self.raw(),
            sql,
            json!({ "id": c.id, "c": content }),
            Resource::Connection,
        )
        .await
        .map_err(phone_in_use)?;
        Ok(row.into_view())
    }

    pub async fn delete_connection(&self, id: &str) -> StoreResult<()> {
        self.get_connection(id).await?;
        execute(
            self.raw(),
            "DELETE type::record('connection', $id); DELETE connection_status WHERE connection_id = $id; DELETE wa_template WHERE connection_id = $id",
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
        match returned::<ConnectionRow>(self.raw(), &sql, vars).await {
            Ok(Some(c)) => Ok(c.into_view()),
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
