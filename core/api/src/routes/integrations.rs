//! The company's integrations settings (admins): its AI provider, which `ai.chat` steps ask
//! and which transcribes voice notes when a transcription model is set. The key is sealed at
//! rest and never shown again.

use poem_openapi::OpenApi;
use poem_openapi::payload::Json;
use tucan_model::ErrorCode;
use tucan_model::integrations::{AiSettings, AiSettingsUpdate};
use tucan_model::user::Role;
use tucan_store::AiSettingsRow;

use super::ApiTags;
use crate::auth::{Auth, Scope};
use crate::error::status::{AUTHED, BODY};
use crate::error::{ApiError, Reply};
use crate::state::AppState;

pub struct IntegrationsApi {
    pub state: AppState,
}

fn shown(row: Option<AiSettingsRow>) -> AiSettings {
    match row {
        Some(r) => AiSettings {
            base_url: r.base_url,
            model: r.model,
            api_key_set: r.api_key.is_some(),
            transcription_model: r.transcription_model,
        },
        None => AiSettings {
            base_url: String::new(),
            model: String::new(),
            api_key_set: false,
            transcription_model: None,
        },
    }
}

#[OpenApi(prefix_path = "/api/integrations", tag = "ApiTags::Settings")]
impl IntegrationsApi {
    /// The company's AI provider (empty when none is set up).
    #[oai(path = "/ai", method = "get")]
    async fn get_ai(&self, auth: Auth) -> Reply<Json<AiSettings>, { AUTHED }> {
        let ctx = auth.tenant(&self.state, Scope::SettingsRead).await?;
        ctx.require(Role::Admin)?;
        Ok(Json(shown(ctx.db.ai_settings().await?)))
    }

    /// Set the company's AI provider: an OpenAI-compatible API's base URL, default model and
    /// key (sealed at rest; never shown again).
    #[oai(path = "/ai", method = "put")]
    async fn set_ai(
        &self,
        auth: Auth,
        body: Json<AiSettingsUpdate>,
    ) -> Reply<Json<AiSettings>, { AUTHED | BODY }> {
        let ctx = auth.tenant(&self.state, Scope::SettingsWrite).await?;
        ctx.require(Role::Admin)?;
        let base_url = body.base_url.trim().trim_end_matches('/').to_string();
        let scheme_ok = base_url.starts_with("https://") || base_url.starts_with("http://");
        if !scheme_ok || host_of(&base_url).is_none() {
            return Err(
                ApiError::new(ErrorCode::InvalidField, "base_url must be an http(s) URL").into(),
            );
        }
        let old = ctx.db.ai_settings().await?;
        let api_key = match body.api_key.as_deref().map(str::trim) {
            Some("") => None,
            Some(key) => {
                let secrets = self.state.inbox.options().secret_key.as_ref().ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::Unavailable,
                        "this server has no secrets key (auth.secrets_key) to keep the key with",
                    )
                })?;
                Some(secrets.seal(&tucan_runtime::ai_key_owner(ctx.db.tenant_id()), key))
            }
            None => old.and_then(|o| o.api_key),
        };
        let row = AiSettingsRow {
            base_url,
            model: body.model.trim().to_string(),
            api_key,
            transcription_model: body
                .transcription_model
                .as_deref()
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .map(str::to_string),
        };
        ctx.db.save_ai_settings(&row).await?;
        Ok(Json(shown(Some(row))))
    }
}

/// The host of an http(s) URL, if it has one.
fn host_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then_some(host)
}
