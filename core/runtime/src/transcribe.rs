//! Voice notes to text through the company's OpenAI-compatible provider:
//! `POST {base_url}/audio/transcriptions` as `multipart/form-data` with the fields `file` and
//! `model` (OpenAI's "Create transcription" reference), answered with `{"text": "…"}`.

use std::time::Duration;

use serde::Deserialize;
use tucan_store::TenantDb;

use crate::ai::ai_key_owner;
use crate::runtime::FlowRuntime;

/// How long a provider may take over one voice note.
const TIMEOUT: Duration = Duration::from_secs(60);

/// The largest file the API takes (25 MB).
pub const MAX_AUDIO_BYTES: usize = 25 * 1024 * 1024;

/// A voice note to transcribe.
#[derive(Debug, Clone, Copy)]
pub struct Audio<'a> {
    pub bytes: &'a [u8],
    pub filename: &'a str,
    pub mime: &'a str,
}

#[derive(Deserialize)]
struct Transcription {
    text: String,
}

impl FlowRuntime {
    /// The model voice notes are transcribed with, when the company set one.
    pub async fn transcription_model(&self, db: &TenantDb) -> Result<Option<String>, String> {
        match db.ai_settings().await {
            Ok(s) => Ok(s.and_then(|s| s.transcription_model)),
            Err(e) => Err(format!("the AI settings could not be read: {e}")),
        }
    }

    /// The text of a voice note, or why there is none. `Ok(None)`: the company does not
    /// transcribe voice notes.
    pub async fn transcribe(
        &self,
        db: &TenantDb,
        audio: Audio<'_>,
    ) -> Result<Option<String>, String> {
        let settings = match db.ai_settings().await {
            Ok(Some(s)) => s,
            Ok(None) => return Ok(None),
            Err(e) => return Err(format!("the AI settings could not be read: {e}")),
        };
        let Some(model) = settings.transcription_model.clone() else {
            return Ok(None);
        };
        if audio.bytes.len() > MAX_AUDIO_BYTES {
            return Err("the voice note is larger than 25 MB".into());
        }
        let key = match (&settings.api_key, &self.opts.secret_key) {
            (Some(sealed), Some(k)) => Some(
                k.open(&ai_key_owner(db.tenant_id()), sealed)
                    .map_err(|e| format!("the AI key cannot be opened: {e}"))?,
            ),
            (Some(_), None) => return Err("this server has no secrets key".into()),
            (None, _) => None,
        };
        let url = format!(
            "{}/audio/transcriptions",
            settings.base_url.trim_end_matches('/')
        );
        let url = self.http.check_url(&url)?;
        let (content_type, body) = form(&model, audio);
        let mut req = self
            .http
            .client()
            .post(url)
            .timeout(TIMEOUT)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body);
        if let Some(key) = key {
            req = req.bearer_auth(key);
        }
        let resp = req.send().await.map_err(|e| match e.is_timeout() {
            true => format!("no answer within {} s", TIMEOUT.as_secs()),
            false => format!("request failed: {e}"),
        })?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| format!("reading the answer failed: {e}"))?;
        if !status.is_success() {
            let excerpt: String = String::from_utf8_lossy(&bytes).chars().take(300).collect();
            return Err(format!(
                "the provider answered {}: {excerpt}",
                status.as_u16()
            ));
        }
        let t: Transcription = serde_json::from_slice(&bytes)
            .map_err(|e| format!("the provider's answer is not a transcription: {e}"))?;
        Ok(Some(t.text.trim().to_string()))
    }
}

/// A `multipart/form-data` body (RFC 7578) with the `model` and the `file`.
fn form(model: &str, audio: Audio<'_>) -> (String, Vec<u8>) {
    let boundary = format!("tucan-{}", tucan_model::ids::new_id());
    // Quotes and line breaks cannot end a header value early.
    let filename: String = audio
        .filename
        .chars()
        .map(|c| if c == '"' || c.is_control() { '_' } else { c })
        .collect();
    let mut body = Vec::with_capacity(audio.bytes.len() + 512);
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n{model}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
             Content-Type: {}\r\n\r\n",
            audio.mime
        )
        .as_bytes(),
    );
    body.extend_from_slice(audio.bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_has_both_fields_and_a_safe_filename() {
        let audio = Audio {
            bytes: b"OggS\x00\x01",
            filename: "nota \"1\".ogg",
            mime: "audio/ogg",
        };
        let (ct, body) = form("whisper-1", audio);
        let boundary = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
        let text = String::from_utf8_lossy(&body);
        assert!(text.starts_with(&format!("--{boundary}\r\n")));
        assert!(text.contains("name=\"model\"\r\n\r\nwhisper-1\r\n"));
        assert!(text.contains(
            "filename=\"nota _1_.ogg\"\r\nContent-Type: audio/ogg\r\n\r\nOggS\0\u{1}\r\n"
        ));
        assert!(text.ends_with(&format!("\r\n--{boundary}--\r\n")));
    }
}
