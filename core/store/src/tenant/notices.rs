//! Notices to the company's admins: written with the change they tell of, in one
//! transaction, with a `notice` event on the inbox's stream so open apps show it at once.

use serde_json::json;
use tucan_model::Resource;
use tucan_model::ids::new_id;
use tucan_model::notice::{NewNotice, Notice};

use super::TenantDb;
use crate::db::{check_id, fetch, returned, rows};
use crate::error::{StoreError, StoreResult};

/// Writes the notice `$n` (with id `$nid`) and its stream event `$ev`; the notice is `$notice`
/// after it.
const NOTICE_WRITE: &str = "LET $notice = (CREATE type::record('notice', $nid) CONTENT { kind: $n.kind, reason: $n.reason, subject_id: $n.subject_id, subject: $n.subject, detail: $n.detail })[0]; \
    CREATE type::record('inbox_event', $ev) CONTENT { kind: 'notice', data: $notice } RETURN NONE;";

fn notice_vars(n: &NewNotice) -> serde_json::Value {
    json!({
        "nid": new_id(), "ev": new_id(),
        "n": { "kind": n.kind, "reason": n.reason, "subject_id": n.subject_id, "subject": n.subject, "detail": n.detail },
    })
}

impl TenantDb {
    /// The platform turns an endpoint off, saying why, and tells the admins; nothing happens
    /// (and no second notice is written) when it was off already. True when it was turned off.
    pub async fn disable_webhook(
        &self,
        id: &str,
        reason: &str,
        notice: &NewNotice,
    ) -> StoreResult<bool> {
        let mut vars = notice_vars(notice);
        vars["id"] = json!(id);
        vars["r"] = json!(reason);
        let sql = format!(
            "BEGIN TRANSACTION;
LET $off = (UPDATE type::record('webhook_endpoint', $id) SET enabled = false, disabled_reason = $r WHERE enabled = true RETURN id);
IF array::len($off) > 0 {{ {NOTICE_WRITE} }};
RETURN array::len($off) > 0;
COMMIT TRANSACTION;"
        );
        Ok(returned::<bool>(self.raw(), &sql, vars)
            .await?
            .unwrap_or(false))
    }

    /// The notices no admin has dismissed, newest first (at most 100).
    pub async fn list_notices(&self) -> StoreResult<Vec<Notice>> {
        fetch(
            self.raw(),
            "SELECT * FROM notice WHERE dismissed_at = NONE ORDER BY id DESC LIMIT 100",
            json!({}),
        )
        .await
    }

    /// An admin dismisses a notice for the whole company (again: nothing changes).
    pub async fn dismiss_notice(&self, id: &str, user_id: &str) -> StoreResult<()> {
        check_id(id, Resource::Notice)?;
        let found = rows(
            self.raw(),
            "UPDATE type::record('notice', $id) SET dismissed_at = dismissed_at ?? time::now(), dismissed_by = dismissed_by ?? $u WHERE id != NONE RETURN id",
            json!({ "id": id, "u": user_id }),
        )
        .await?;
        if found.is_empty() {
            return Err(StoreError::NotFound(Resource::Notice));
        }
        Ok(())
    }
}
