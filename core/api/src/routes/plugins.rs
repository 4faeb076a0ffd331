//! Plugins of the company: upload a version (manifest and module, checked before it is
//! accepted), list them with their node types, see the versions kept, disable, enable,
//! remove. Admins manage them; the plan must include plugins.

use base64::Engine as _;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use serde_json::Value;
use tucan_model::ErrorCode;
use tucan_model::tenancy::{Feature, LimitKind};
use tucan_model::user::Role;
use tucan_plugins::PluginManifest;
use tucan_plugins::module::MAX_MODULE_BYTES;
use tucan_store::{PluginRow, PluginVersionRow};

use super::ApiTags;
use super::platform::{Created, Deleted};
use crate::auth::{Auth, Scope, TenantCtx};
use crate::error::status::{AUTHED, BODY, CONFLICT, NOT_FOUND};
use crate::error::{ApiError, ApiResult, Reply};
use crate::state::AppState;

pub struct PluginsApi {
    pub state: AppState,
}

/// An upload: the manifest (see `schemas/plugin.schema.json`) and the module.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct PluginUploadBody {
    pub manifest: Value,
    /// The `.wasm` module, base64 (at most 7 MiB before encoding).
    pub module: String,
}

/// A plugin with the manifest of its current version.
#[derive(Debug, Object)]
pub struct Plugin {
    pub id: String,
    pub name: String,
    pub enabled: bool,
    /// The version new flows use; published flow versions keep the one they pinned.
    pub current: String,
    pub manifest: Value,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// One uploaded version.
#[derive(Debug, Object)]
pub struct PluginVersion {
    pub version: String,
    pub manifest: Value,
    /// Of the module.
    pub sha256: String,
    pub size: u64,
    pub uploaded_by: String,
    pub uploaded_at: chrono::DateTime<chrono::Utc>,
}

impl From<PluginVersionRow> for PluginVersion {
    fn from(r: PluginVersionRow) -> Self {
        PluginVersion {
            version: r.version,
            manifest: r.manifest,
            sha256: r.sha256,
            size: r.size,
            uploaded_by: r.uploaded_by,
            uploaded_at: r.uploaded_at,
        }
    }
}

impl PluginsApi {
    async fn reader(&self, auth: &Auth) -> ApiResult<TenantCtx> {
        let ctx = auth.tenant(&self.state, Scope::PluginsRead).await?;
        ctx.require_feature(Feature::Plugins)?;
        Ok(ctx)
    }

    async fn admin(&self, auth: &Auth) -> ApiResult<TenantCtx> {
        let ctx = auth.tenant(&self.state, Scope::PluginsWrite).await?;
        ctx.require(Role::Admin)?;
        ctx.require_feature(Feature::Plugins)?;
        Ok(ctx)
    }

    async fn view(&self, ctx: &TenantCtx, row: PluginRow) -> ApiResult<Plugin> {
        let manifest = ctx
            .db
            .plugin_versions(&row.id)
            .await?
            .into_iter()
            .find(|v| v.version == row.current)
            .map(|v| v.manifest)
            .unwrap_or(Value::Null);
        Ok(Plugin {
            id: row.id,
            name: row.name,
            enabled: row.enabled,
            current: row.current,
            manifest,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::PluginInvalid, message)
}

#[OpenApi(prefix_path = "/api/plugins", tag = "ApiTags::Plugins")]
impl PluginsApi {
    /// Upload a plugin version (admins; counts against the plan's plugin limit when the
    /// plugin is new). The module must export a function per node type and import only the
    /// host functions the manifest grants; the version becomes the plugin's current one.
    #[oai(path = "/", method = "post")]
    async fn upload(
        &self,
        auth: Auth,
        body: Json<PluginUploadBody>,
    ) -> Reply<Created<Plugin>, { AUTHED | BODY | CONFLICT }> {
        let ctx = self.admin(&auth).await?;
        let manifest: PluginManifest = serde_json::from_value(body.manifest.clone())
            .map_err(|e| invalid(format!("the manifest does not fit the schema: {e}")))?;
        if body.module.len() > MAX_MODULE_BYTES / 3 * 4 + 4 {
            return Err(invalid("the module is over 7 MiB").into());
        }
        let wasm = base64::engine::general_purpose::STANDARD
            .decode(body.module.trim())
            .map_err(|e| invalid(format!("module is not base64: {e}")))?;
        let exists = ctx.db.get_plugin(&manifest.id).await.is_ok();
        if !exists {
            ctx.check_limit(LimitKind::Plugins, ctx.db.count_plugins().await?)?;
        }
        let row = self
            .state
            .plugins
            .upload(&ctx.db, manifest, wasm, &ctx.principal.user_id)
            .await?;
        Ok(Created::Created(Json(self.view(&ctx, row).await?)))
    }

    /// List the company's plugins.
    #[oai(path = "/", method = "get")]
    async fn list(&self, auth: Auth) -> Reply<Json<Vec<Plugin>>, { AUTHED }> {
        let ctx = self.reader(&auth).await?;
        let mut out = Vec::new();
        for row in ctx.db.list_plugins().await? {
            out.push(self.view(&ctx, row).await?);
        }
        Ok(Json(out))
    }

    /// Get a plugin with its current manifest.
    #[oai(path = "/:id", method = "get")]
    async fn get(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<Plugin>, { AUTHED | NOT_FOUND }> {
        let ctx = self.reader(&auth).await?;
        let row = ctx.db.get_plugin(&id).await?;
        Ok(Json(self.view(&ctx, row).await?))
    }

    /// Every version kept, newest first.
    #[oai(path = "/:id/versions", method = "get")]
    async fn versions(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<Vec<PluginVersion>>, { AUTHED | NOT_FOUND }> {
        let ctx = self.reader(&auth).await?;
        ctx.db.get_plugin(&id).await?;
        let versions = ctx.db.plugin_versions(&id).await?;
        Ok(Json(
            versions.into_iter().map(PluginVersion::from).collect(),
        ))
    }

    /// Disable a plugin: its node types leave the catalogue and runs reaching them fail with
    /// `PLUGIN_DISABLED` until it is enabled again.
    #[oai(path = "/:id/disable", method = "post")]
    async fn disable(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<Plugin>, { AUTHED | NOT_FOUND }> {
        let ctx = self.admin(&auth).await?;
        let row = ctx.db.set_plugin_enabled(&id, false).await?;
        self.state.plugins.evict(ctx.db.tenant_id(), &id);
        Ok(Json(self.view(&ctx, row).await?))
    }

    /// Enable a disabled plugin.
    #[oai(path = "/:id/enable", method = "post")]
    async fn enable(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<Plugin>, { AUTHED | NOT_FOUND }> {
        let ctx = self.admin(&auth).await?;
        let row = ctx.db.set_plugin_enabled(&id, true).await?;
        Ok(Json(self.view(&ctx, row).await?))
    }

    /// Remove a plugin with all its versions and stored data. Refused with `PLUGIN_IN_USE`
    /// while the published version of a flow has one of its nodes: publish those flows
    /// without it first. A removed version can be uploaded again only with the same module.
    #[oai(path = "/:id", method = "delete")]
    async fn remove(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Deleted, { AUTHED | NOT_FOUND | CONFLICT }> {
        let ctx = self.admin(&auth).await?;
        ctx.db.get_plugin(&id).await?;
        let users = ctx.db.flows_using_plugin(&id).await?;
        if !users.is_empty() {
            return Err(ApiError::new(
                ErrorCode::PluginInUse,
                format!("published flows use plugin {}: {}", id.0, users.join(", ")),
            )
            .into());
        }
        ctx.db.delete_plugin(&id).await?;
        self.state.plugins.evict(ctx.db.tenant_id(), &id);
        Ok(Deleted::NoContent)
    }
}
