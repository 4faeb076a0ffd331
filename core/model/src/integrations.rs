//! The company's integrations settings: its AI provider (any OpenAI-compatible API), which
//! also transcribes voice notes when a transcription model is set.

#[cfg(feature = "openapi")]
use poem_openapi::Object;
use serde::{Deserialize, Serialize};

/// The company's AI provider, as shown: the key only says whether it is set.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct AiSettings {
    /// The API's base URL, e.g. `https://api.openai.com/v1`.
    pub base_url: String,
    /// The model AI steps use unless they name one.
    pub model: String,
    pub api_key_set: bool,
    /// Voice notes are transcribed with this model (e.g. `whisper-1`); none: they are not.
    pub transcription_model: Option<String>,
}

/// The company's AI provider, as set.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct AiSettingsUpdate {
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 2048)))]
    pub base_url: String,
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 200)))]
    pub model: String,
    /// A new key; absent keeps the one set, an empty string removes it.
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 500)))]
    pub api_key: Option<String>,
    /// Transcribe customers' voice notes with this model (`audio/transcriptions`); absent or
    /// empty: voice notes are not transcribed.
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 200)))]
    pub transcription_model: Option<String>,
}
