//! The company's AI provider: an OpenAI-compatible API's base URL, default model and key
//! (sealed by the caller).

use serde::Deserialize;
use serde_json::{Value, json};

use super::TenantDb;
use crate::db::{fetch_one, rows};
use crate::error::StoreResult;

/// The stored settings; `api_key` sealed.
#[derive(Debug, Clone, Deserialize)]
pub struct AiSettingsRow {
    pub base_url: String,
    pub model: String,
    pub api_key: Option<String>,
    /// The model voice notes are transcribed with; none: they are not.
    #[serde(default)]
    pub transcription_model: Option<String>,
}

impl TenantDb {
    pub async fn ai_settings(&self) -> StoreResult<Option<AiSettingsRow>> {
        fetch_one(
            self.raw(),
            "SELECT base_url, model, api_key, transcription_model FROM ONLY ai_settings:company",
            json!({}),
        )
        .await
    }

    pub async fn save_ai_settings(&self, row: &AiSettingsRow) -> StoreResult<()> {
        rows(
            self.raw(),
            "UPSERT ai_settings:company SET base_url = $b, model = $m, api_key = $k ?? NONE, transcription_model = $tm ?? NONE, updated_at = time::now()",
            json!({ "b": row.base_url, "m": row.model, "k": row.api_key.as_ref().map(|k| Value::String(k.clone())), "tm": row.transcription_model }),
        )
        .await?;
        Ok(())
    }
}
