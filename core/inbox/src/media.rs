//! Stored media: files agents upload (and, with real channels, files customers send) are
//! kept under `<media_dir>/<tenant>/<id>`. The type is taken from the content's first bytes,
//! never from the name or the declared type; only common image, audio, video and document
//! formats are accepted, up to the configured size.

use chrono::Utc;
use tucan_model::Resource;
use tucan_model::ids::new_id;
use tucan_store::{MediaRow, StoreError, TenantDb};

use tucan_channels::media::sniff;

use crate::Inbox;
use crate::error::{InboxError, InboxResult};

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
