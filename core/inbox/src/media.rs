//! Stored media: files agents upload (and, with real channels, files customers send) are
//! kept under `<media_dir>/<tenant>/<id>`. The type is taken from the content's first bytes,
//! never from the name or the declared type; only common image, audio, video and document
//! formats are accepted, up to the configured size.

use chrono::Utc;
use tucan_model::Resource;
use tucan_model::ids::new_id;
use tucan_model::ticket::MessageKind;
use tucan_store::{MediaRow, StoreError, TenantDb};

use crate::Inbox;
use crate::error::{InboxError, InboxResult};

/// The MIME type of a file from its first bytes, if it is one we accept.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    let starts = |sig: &[u8]| bytes.starts_with(sig);
    let at = |offset: usize, sig: &[u8]| {
        bytes.len() >= offset + sig.len() && &bytes[offset..offset + sig.len()] == sig
    };
    Some(if starts(b"\xFF\xD8\xFF") {
        "image/jpeg"
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        "image/gif"
    } else if starts(b"RIFF") && at(8, b"WEBP") {
        "image/webp"
    } else if starts(b"%PDF-") {
        "application/pdf"
    } else if starts(b"OggS") {
        "audio/ogg"
    } else if starts(b"ID3") || starts(b"\xFF\xFB") || starts(b"\xFF\xF3") {
        "audio/mpeg"
    } else if at(4, b"ftyp") {
        if at(8, b"M4A ") {
            "audio/mp4"
        } else {
            "video/mp4"
        }
    } else if starts(b"\x1A\x45\xDF\xA3") {
        "video/webm"
    } else {
        return None;
    })
}

/// How a file of this type is sent.
pub fn kind_of(mime: &str) -> MessageKind {
    match mime.split('/').next() {
        Some("image") => MessageKind::Image,
        Some("audio") => MessageKind::Audio,
        Some("video") => MessageKind::Video,
        _ => MessageKind::Document,
    }
}

/// The type assumed for a file a flow sends by URL (the channel learns the real one).
pub fn mime_for_kind(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::Image => "image/*",
        MessageKind::Audio => "audio/*",
        MessageKind::Video => "video/*",
        MessageKind::Document | MessageKind::Text => "application/octet-stream",
    }
}

impl Inbox {
    /// Keep an uploaded file; `UNSUPPORTED_MEDIA_TYPE` unless its content is an accepted
    /// format, `BODY_TOO_LARGE` past the size limit.
    pub async fn store_media(
        &self,
        db: &TenantDb,
        user_id: &str,
        filename: Option<String>,
        bytes: &[u8],
    ) -> InboxResult<MediaRow> {
        if bytes.len() > self.opts.max_media_bytes {
            return Err(InboxError::FileTooLarge {
                max: self.opts.max_media_bytes,
            });
        }
        let mime = sniff(bytes).ok_or(InboxError::FileType)?;
        let id = new_id();
        let folder = self.opts.media_dir.join(db.tenant_id());
        tokio::fs::create_dir_all(&folder).await?;
        tokio::fs::write(folder.join(&id), bytes).await?;
        let filename = filename
            .map(|f| {
                f.chars()
                    .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
                    .take(200)
                    .collect::<String>()
            })
            .filter(|f| !f.is_empty());
        Ok(db
            .create_media(&MediaRow {
                id: id.clone(),
                mime: mime.to_string(),
                filename,
                size: bytes.len() as u64,
                path: format!("{}/{id}", db.tenant_id()),
                ticket_id: None,
                created_by: user_id.to_string(),
                created_at: Utc::now(),
            })
            .await?)
    }

    /// Forget a file nothing refers to (a customer's file whose message was a second
    /// delivery, say).
    pub(crate) async fn discard_media(&self, db: &TenantDb, id: &str) {
        match db.delete_media(id).await {
            Ok(Some(row)) => {
                let _ = tokio::fs::remove_file(self.opts.media_dir.join(&row.path)).await;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(media = id, error = %e, "unused file not removed"),
        }
    }

    /// The bytes of a stored file.
    pub async fn read_media(&self, row: &MediaRow) -> InboxResult<Vec<u8>> {
        tokio::fs::read(self.opts.media_dir.join(&row.path))
            .await
            .map_err(|_| StoreError::NotFound(Resource::Media).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_content_not_names() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"%PDF-1.7"), Some("application/pdf"));
        assert_eq!(sniff(b"\0\0\0\x18ftypmp42"), Some("video/mp4"));
        assert_eq!(sniff(b"<html><script>"), None);
        assert_eq!(sniff(b"MZ\x90\0"), None);
        assert_eq!(kind_of("image/png"), MessageKind::Image);
        assert_eq!(kind_of("application/pdf"), MessageKind::Document);
    }
}
