//! Plugins of a tenant: each upload a version (manifest and module) kept for the flows that
//! pinned it, the plugin's current version and whether it is enabled, and each plugin's
//! key-value store with its quota.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tucan_model::Resource;
use tucan_model::{ErrorCode, Problem};

use super::TenantDb;
use crate::db::{count, execute, fetch, fetch_found, fetch_one, rows};
use crate::error::{StoreError, StoreResult, throw};

/// A plugin: its current version and state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PluginRow {
    pub id: String,
    pub name: String,
    pub enabled: bool,
    /// The version new flows use; flows published earlier keep theirs.
    pub current: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One uploaded version. `module` (base64) is filled only by [`TenantDb::plugin_module`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PluginVersionRow {
    pub plugin_id: String,
    pub version: String,
    /// The manifest as uploaded (JSON).
    pub manifest: Value,
    pub sha256: String,
    pub size: u64,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
}

/// What an upload writes.
#[derive(Debug, Clone)]
pub struct PluginUpload {
    pub id: String,
    pub name: String,
    pub version: String,
    pub manifest: Value,
    /// The module, base64.
    pub module: String,
    pub sha256: String,
    pub size: u64,
    pub uploaded_by: String,
}

const VERSION_FIELDS: &str = "plugin_id, version, manifest, sha256, size, uploaded_by, uploaded_at";

fn check_slug(id: &str) -> StoreResult<()> {
    let ok = !id.is_empty()
        && id.len() <= 40
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(StoreError::NotFound(Resource::Plugin))
    }
}

impl TenantDb {
    pub async fn count_plugins(&self) -> StoreResult<u64> {
        count(
            self.raw(),
            "SELECT count() FROM plugin GROUP ALL",
            json!({}),
        )
        .await
    }

    /// Store a new version and make it current (a first upload creates the plugin). The same
    /// version twice is refused: versions are immutable once flows may have pinned them, and
    /// a removed version comes back only with the very same module.
    pub async fn save_plugin_version(&self, u: &PluginUpload) -> StoreResult<PluginRow> {
        check_slug(&u.id)?;
        let sql = "BEGIN TRANSACTION;
LET $retired = (SELECT VALUE sha256 FROM type::record('plugin_tombstone', [$id, $version]));
IF array::len($retired) > 0 AND $retired[0] != $sha { THROW 'plugin_version_retired' };
CREATE type::record('plugin_version', $vid) CONTENT { plugin_id: $id, version: $version, manifest: $manifest, module: $module, sha256: $sha, size: $size, uploaded_by: $by };
UPSERT type::record('plugin', $id) MERGE { name: $name, current: $version, updated_at: time::now() };
RETURN (SELECT * FROM ONLY type::record('plugin', $id));
COMMIT TRANSACTION;";
        let vars = json!({
            "vid": format!("{}@{}", u.id, u.version), "id": u.id, "version": u.version,
            "manifest": u.manifest.to_string(), "module": u.module, "sha": u.sha256,
            "size": u.size, "by": u.uploaded_by, "name": u.name,
        });
        match crate::db::returned(self.raw(), sql, vars).await {
            Ok(Some(row)) => Ok(row),
            Ok(None) => Err(StoreError::Backend("plugin write returned nothing".into())),
            Err(e) if e.is_thrown(throw::PLUGIN_VERSION_RETIRED) => Err(Problem::new(
                ErrorCode::NameTaken,
                format!(
                    "version {} of {} was removed with other code; flows may still name it, so it cannot come back changed: raise the version",
                    u.version, u.id
                ),
            )
            .into()),
            Err(e) if e.is_unique_violation_of("plugin_version") => Err(Problem::new(
                ErrorCode::NameTaken,
                format!(
                    "version {} of {} is already uploaded; versions never change, raise the version",
                    u.version, u.id
                ),
            )
            .into()),
            Err(e) => Err(e),
        }
    }

    pub async fn list_plugins(&self) -> StoreResult<Vec<PluginRow>> {
        fetch(self.raw(), "SELECT * FROM plugin ORDER BY id", json!({})).await
    }

    pub async fn get_plugin(&self, id: &str) -> StoreResult<PluginRow> {
        check_slug(id)?;
        fetch_found(
            self.raw(),
            "SELECT * FROM type::record('plugin', $id)",
            json!({ "id": id }),
            Resource::Plugin,
        )
        .await
    }

    /// Every version of a plugin, newest first, without the modules.
    pub async fn plugin_versions(&self, id: &str) -> StoreResult<Vec<PluginVersionRow>> {
        check_slug(id)?;
        let rows = rows(
            self.raw(),
            &format!("SELECT {VERSION_FIELDS} FROM plugin_version WHERE plugin_id = $id ORDER BY uploaded_at DESC"),
            json!({ "id": id }),
        )
        .await?;
        rows.into_iter().map(version_row).collect()
    }

    /// One version with its module.
    pub async fn plugin_module(&self, id: &str, version: &str) -> StoreResult<PluginVersionRow> {
        check_slug(id)?;
        let row: Option<Value> = fetch_one(
            self.raw(),
            &format!("SELECT {VERSION_FIELDS}, module FROM type::record('plugin_version', $vid)"),
            json!({ "vid": format!("{id}@{version}") }),
        )
        .await?;
        version_row(row.ok_or(StoreError::NotFound(Resource::PluginVersion))?)
    }

    pub async fn set_plugin_enabled(&self, id: &str, enabled: bool) -> StoreResult<PluginRow> {
        self.get_plugin(id).await?;
        fetch_found(
            self.raw(),
            "UPDATE type::record('plugin', $id) SET enabled = $on, updated_at = time::now() RETURN AFTER",
            json!({ "id": id, "on": enabled }),
            Resource::Plugin,
        )
        .await
    }

    /// Remove a plugin with its versions and stored data. Each version's checksum stays
    /// behind, so the same id and version cannot return with other code.
    pub async fn delete_plugin(&self, id: &str) -> StoreResult<()> {
        self.get_plugin(id).await?;
        execute(
            self.raw(),
            "BEGIN TRANSACTION;
FOR $v IN (SELECT version, sha256 FROM plugin_version WHERE plugin_id = $id) { UPSERT type::record('plugin_tombstone', [$id, $v.version]) CONTENT { sha256: $v.sha256 }; };
DELETE plugin_version WHERE plugin_id = $id;
DELETE plugin_kv WHERE plugin_id = $id;
DELETE type::record('plugin_kv_usage', $id);
DELETE type::record('plugin', $id);
COMMIT TRANSACTION;",
            json!({ "id": id }),
        )
        .await
    }

    /// Names of the flows whose published version has a node of plugin `id`.
    pub async fn flows_using_plugin(&self, id: &str) -> StoreResult<Vec<String>> {
        check_slug(id)?;
        let flows = rows(
            self.raw(),
            "SELECT record::id(id) AS id, name, published_version FROM flow WHERE published_version != NONE ORDER BY name",
            json!({}),
        )
        .await?;
        let needle = format!("\"plugin.{id}.");
        let mut names = Vec::new();
        for f in flows {
            let (Some(flow), Some(version)) = (f["id"].as_str(), f["published_version"].as_i64())
            else {
                continue;
            };
            let doc: Option<Value> = fetch_one(
                self.raw(),
                "SELECT VALUE document FROM type::record('flow_version', [$flow, $version])",
                json!({ "flow": flow, "version": version }),
            )
            .await?;
            if doc
                .as_ref()
                .and_then(Value::as_str)
                .is_some_and(|d| d.contains(&needle))
            {
                names.push(f["name"].as_str().unwrap_or(flow).to_string());
            }
        }
        Ok(names)
    }

    pub async fn plugin_kv_get(&self, plugin: &str, key: &str) -> StoreResult<Option<Value>> {
        let row: Option<Value> = fetch_one(
            self.raw(),
            "SELECT data FROM type::record('plugin_kv', [$p, $k])",
            json!({ "p": plugin, "k": key }),
        )
        .await?;
        Ok(row
            .and_then(|r| r["data"].as_str().map(str::to_string))
            .and_then(|text| serde_json::from_str(&text).ok()))
    }

    /// Write a value unless the plugin's data would pass `quota` bytes; false when refused.
    /// The entry is keyed by plugin and key and the plugin's total lives in one usage row
    /// that every write changes, so concurrent writes serialise on it: together they can
    /// never pass the quota, and two writes of one key leave one entry.
    pub async fn plugin_kv_set(
        &self,
        plugin: &str,
        key: &str,
        value: &Value,
        quota: u64,
    ) -> StoreResult<bool> {
        let text = value.to_string();
        let size = (key.len() + text.len()) as u64;
        let sql = "BEGIN TRANSACTION;
LET $old = math::sum(SELECT VALUE size FROM type::record('plugin_kv', [$p, $k]));
LET $used = math::sum(SELECT VALUE used FROM type::record('plugin_kv_usage', $p));
IF $used - $old + $size > $quota { THROW 'plugin_data_quota' };
UPSERT type::record('plugin_kv_usage', $p) SET used = $used - $old + $size;
UPSERT type::record('plugin_kv', [$p, $k]) CONTENT { plugin_id: $p, key: $k, data: $v, size: $size };
RETURN true;
COMMIT TRANSACTION;";
        let vars = json!({ "p": plugin, "k": key, "v": text, "size": size, "quota": quota });
        match crate::db::returned::<bool>(self.raw(), sql, vars).await {
            Ok(_) => Ok(true),
            Err(e) if e.is_thrown(throw::PLUGIN_DATA_QUOTA) => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub async fn plugin_kv_delete(&self, plugin: &str, key: &str) -> StoreResult<()> {
        let sql = "BEGIN TRANSACTION;
LET $old = math::sum(SELECT VALUE size FROM type::record('plugin_kv', [$p, $k]));
DELETE type::record('plugin_kv', [$p, $k]);
UPDATE type::record('plugin_kv_usage', $p) SET used -= $old;
RETURN true;
COMMIT TRANSACTION;";
        crate::db::returned::<bool>(self.raw(), sql, json!({ "p": plugin, "k": key }))
            .await
            .map(drop)
    }

    /// Bytes the plugin's key-value entries take, as counted against its quota.
    pub async fn plugin_kv_used(&self, plugin: &str) -> StoreResult<u64> {
        let row: Option<Value> = fetch_one(
            self.raw(),
            "SELECT VALUE used FROM type::record('plugin_kv_usage', $p)",
            json!({ "p": plugin }),
        )
        .await?;
        Ok(row.and_then(|v| v.as_u64()).unwrap_or(0))
    }
}

fn version_row(mut row: Value) -> StoreResult<PluginVersionRow> {
    if let Some(text) = row["manifest"].as_str() {
        row["manifest"] = serde_json::from_str(text)?;
    }
    Ok(serde_json::from_value(row)?)
}
