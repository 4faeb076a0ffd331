//! Tenant settings: every known key with its value, type and default.

use std::collections::BTreeMap;

use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use serde_json::Value;
use tucan_model::settings::{Setting, check_setting, effective_settings};
use tucan_model::user::Role;
use tucan_model::{ErrorCode, Problem};

use super::ApiTags;
use crate::auth::{Auth, Scope};
use crate::error::Reply;
use crate::error::status::{AUTHED, BODY, NOT_FOUND};
use crate::state::AppState;

pub struct SettingsApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/settings", tag = "ApiTags::Settings")]
impl SettingsApi {
    /// All settings with their current values.
    #[oai(path = "/", method = "get")]
    async fn list_settings(&self, auth: Auth) -> Reply<Json<Vec<Setting>>, { AUTHED }> {
        let ctx = auth.tenant(&self.state, Scope::SettingsRead).await?;
        Ok(Json(effective_settings(&ctx.db.stored_settings().await?)))
    }

    /// Change several settings at once: `{ "key": value, … }`. All are checked before any is
    /// written.
    #[oai(path = "/", method = "patch")]
    async fn update_settings(
        &self,
        auth: Auth,
        body: Json<BTreeMap<String, Value>>,
    ) -> Reply<Json<Vec<Setting>>, { AUTHED | BODY }> {
        let ctx = auth.tenant(&self.state, Scope::SettingsWrite).await?;
        ctx.require(Role::Admin)?;
        if body.is_empty() {
            return Err(Problem::new(ErrorCode::InvalidBody, "give at least one setting").into());
        }
        let checked = body
            .iter()
            .map(|(k, v)| Ok((k.clone(), check_setting(k, v)?)))
            .collect::<Result<BTreeMap<_, _>, Problem>>()?;
        ctx.db.put_settings(&checked).await?;
        self.state.runtime.forget_settings(ctx.db.tenant_id());
        if checked.contains_key("agents_see_unassigned_pending") {
            // What agents may see changed: their sockets read it again.
            ctx.db.append_access_event().await?;
        }
        Ok(Json(effective_settings(&ctx.db.stored_settings().await?)))
    }

    /// One setting.
    #[oai(path = "/:key", method = "get")]
    async fn get_setting(
        &self,
        auth: Auth,
        key: Path<String>,
    ) -> Reply<Json<Setting>, { AUTHED | NOT_FOUND }> {
        let ctx = auth.tenant(&self.state, Scope::SettingsRead).await?;
        effective_settings(&ctx.db.stored_settings().await?)
            .into_iter()
            .find(|s| s.key == *key)
            .map(Json)
            .ok_or_else(|| {
                Problem::new(
                    ErrorCode::SettingNotFound,
                    format!("unknown setting '{}'", key.0),
                )
                .into()
            })
    }
}
