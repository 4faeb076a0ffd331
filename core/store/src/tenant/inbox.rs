//! Tags, queues (with the users who serve them), quick replies and settings.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use tucan_model::ErrorCode;
use tucan_model::Resource;
use tucan_model::ids::new_id;
use tucan_model::inbox::{NewQueue, Queue, QueueAutoClose, QuickReply, Tag};

use super::TenantDb;
use crate::db::{check_id, check_ids_exist, execute, fetch, fetch_found, fetch_one, rows};
use crate::error::StoreResult;
use crate::platform::strip_nulls;

impl TenantDb {
    // ---- tags

    pub async fn list_tags(&self) -> StoreResult<Vec<Tag>> {
        fetch(self.raw(), "SELECT * FROM tag ORDER BY name", json!({})).await
    }

    pub async fn get_tag(&self, id: &str) -> StoreResult<Tag> {
        check_id(id, Resource::Tag)?;
        fetch_found(
            self.raw(),
            "SELECT * FROM type::record('tag', $id)",
            json!({ "id": id }),
            Resource::Tag,
        )
        .await
    }

    pub async fn create_tag(&self, name: &str, color: &str) -> StoreResult<Tag> {
        let sql = "CREATE type::record('tag', $id) CONTENT { name: $name, color: $color }";
        fetch_found(
            self.raw(),
            sql,
            json!({ "id": new_id(), "name": name, "color": color }),
            Resource::Tag,
        )
        .await
        .map_err(|e| e.on_unique(ErrorCode::NameTaken, "a tag with this name exists"))
    }

    pub async fn save_tag(&self, tag: &Tag) -> StoreResult<Tag> {
        let sql = "UPDATE type::record('tag', $id) MERGE { name: $name, color: $color }";
        fetch_found(
            self.raw(),
            sql,
            json!({ "id": tag.id, "name": tag.name, "color": tag.color }),
            Resource::Tag,
        )
        .await
        .map_err(|e| e.on_unique(ErrorCode::NameTaken, "a tag with this name exists"))
    }

    /// Delete a tag and take it off every contact.
    pub async fn delete_tag(&self, id: &str) -> StoreResult<()> {
        self.get_tag(id).await?;
        rows(
            self.raw(),
            "DELETE type::record('tag', $id)",
            json!({ "id": id }),
        )
        .await?;
        self.untag_contacts(id).await
    }

    // ---- queues

    pub async fn list_queues(&self) -> StoreResult<Vec<Queue>> {
        fetch(self.raw(), "SELECT * FROM queue ORDER BY name", json!({})).await
    }

    /// Queues `user_id` serves.
    pub async fn queues_of_user(&self, user_id: &str) -> StoreResult<Vec<Queue>> {
        fetch(
            self.raw(),
            "SELECT * FROM queue WHERE user_ids CONTAINS $u ORDER BY name",
            json!({ "u": user_id }),
        )
        .await
    }

    pub async fn get_queue(&self, id: &str) -> StoreResult<Queue> {
        check_id(id, Resource::Queue)?;
        fetch_found(
            self.raw(),
            "SELECT * FROM type::record('queue', $id)",
            json!({ "id": id }),
            Resource::Queue,
        )
        .await
    }

    pub async fn create_queue(&self, q: &NewQueue) -> StoreResult<Queue> {
        check_ids_exist(self.raw(), "user", &q.user_ids, "user").await?;
        let mut content = json!({ "name": q.name, "color": q.color, "greeting": q.greeting, "user_ids": dedup(&q.user_ids), "strategy": q.strategy, "business_hours": own_hours(q.business_hours.as_ref()), "auto_close": own_limits(q.auto_close.as_ref()), "bot": q.bot.as_ref().map(bot_content) });
        strip_nulls(&mut content);
        let sql = "CREATE type::record('queue', $id) CONTENT $content";
        let vars = json!({ "id": new_id(), "content": content });
        fetch_found(self.raw(), sql, vars, Resource::Queue)
            .await
            .map_err(|e| e.on_unique(ErrorCode::NameTaken, "a queue with this name exists"))
    }

    pub async fn save_queue(&self, q: &Queue) -> StoreResult<Queue> {
        check_ids_exist(self.raw(), "user", &q.user_ids, "user").await?;
        let hours = own_hours(q.business_hours.as_ref());
        let limits = own_limits(q.auto_close.as_ref());
        // `?? NONE`: an absent schedule or limit removes the field (JSON null would not).
        let sql = "UPDATE type::record('queue', $id) SET name = $name, color = $color, greeting = $greeting, user_ids = $user_ids, strategy = $strategy, business_hours = $hours ?? NONE, auto_close = $limits ?? NONE, bot = $bot ?? NONE";
        let vars = json!({ "id": q.id, "name": q.name, "color": q.color, "greeting": q.greeting, "user_ids": dedup(&q.user_ids), "strategy": q.strategy, "hours": hours, "limits": limits, "bot": q.bot.as_ref().map(bot_content) });
        let q = fetch_found(self.raw(), sql, vars, Resource::Queue)
            .await
            .map_err(|e| e.on_unique(ErrorCode::NameTaken, "a queue with this name exists"))?;
        // Who serves the queue decides who sees its tickets.
        self.append_access_event().await?;
        Ok(q)
    }

    pub async fn delete_queue(&self, id: &str) -> StoreResult<()> {
        self.get_queue(id).await?;
        rows(
            self.raw(),
            "DELETE type::record('queue', $id)",
            json!({ "id": id }),
        )
        .await?;
        self.clear_wallets("queue_id", id).await?;
        self.append_access_event().await
    }

    /// Take a deleted user out of every queue and contact wallet, with their personal quick
    /// replies.
    pub async fn remove_user_traces(&self, user_id: &str) -> StoreResult<()> {
        rows(
            self.raw(),
            "DELETE quick_reply WHERE owner = $u",
            json!({ "u": user_id }),
        )
        .await?;
        rows(
            self.raw(),
            "UPDATE queue SET user_ids -= $u WHERE user_ids CONTAINS $u",
            json!({ "u": user_id }),
        )
        .await?;
        self.clear_wallets("owner_id", user_id).await?;
        self.append_access_event().await
    }

    // ---- quick replies

    /// The company's shared quick replies and `user_id`'s own, by shortcut (one's own
    /// first where both have it).
    pub async fn list_quick_replies(&self, user_id: &str) -> StoreResult<Vec<QuickReply>> {
        fetch(
            self.raw(),
            "SELECT * FROM quick_reply WHERE owner = '' OR owner = $me ORDER BY shortcut, owner DESC",
            json!({ "me": user_id }),
        )
        .await
    }

    /// The quick reply `user_id` means by `shortcut`: their own, else the company's.
    pub async fn quick_reply_for(
        &self,
        user_id: &str,
        shortcut: &str,
    ) -> StoreResult<Option<QuickReply>> {
        fetch_one(
            self.raw(),
            "SELECT * FROM quick_reply WHERE shortcut = $s AND (owner = '' OR owner = $me) ORDER BY owner DESC LIMIT 1",
            json!({ "s": shortcut, "me": user_id }),
        )
        .await
    }

    pub async fn get_quick_reply(&self, id: &str) -> StoreResult<QuickReply> {
        check_id(id, Resource::QuickReply)?;
        fetch_found(
            self.raw(),
            "SELECT * FROM type::record('quick_reply', $id)",
            json!({ "id": id }),
            Resource::QuickReply,
        )
        .await
    }

    /// A quick reply as given (shortcut checked, file known); `user_id` makes it personal.
    pub async fn create_quick_reply(&self, r: &QuickReply) -> StoreResult<QuickReply> {
        let sql = "CREATE type::record('quick_reply', $id) CONTENT { shortcut: $shortcut, message: $message, \
                   media_id: $media ?? NONE, user_id: $user ?? NONE, owner: $user ?? '' }";
        fetch_found(
            self.raw(),
            sql,
            json!({ "id": new_id(), "shortcut": r.shortcut, "message": r.message, "media": r.media_id, "user": r.user_id }),
            Resource::QuickReply,
        )
        .await
        .map_err(shortcut_taken)
    }

    pub async fn save_quick_reply(&self, r: &QuickReply) -> StoreResult<QuickReply> {
        let sql = "UPDATE type::record('quick_reply', $id) SET shortcut = $shortcut, message = $message, media_id = $media ?? NONE";
        fetch_found(
            self.raw(),
            sql,
            json!({ "id": r.id, "shortcut": r.shortcut, "message": r.message, "media": r.media_id }),
            Resource::QuickReply,
        )
        .await
        .map_err(shortcut_taken)
    }

    pub async fn delete_quick_reply(&self, id: &str) -> StoreResult<()> {
        self.get_quick_reply(id).await?;
        rows(
            self.raw(),
            "DELETE type::record('quick_reply', $id)",
            json!({ "id": id }),
        )
        .await?;
        Ok(())
    }

    // ---- settings

    /// Stored setting values by key (keys never set are absent).
    pub async fn stored_settings(&self) -> StoreResult<BTreeMap<String, Value>> {
        let rows = rows(self.raw(), "SELECT id, value FROM setting", json!({})).await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let key = r.get("id")?.as_str()?.to_string();
                Some((key, r.get("value").cloned().unwrap_or(Value::Null)))
            })
            .collect())
    }

    /// Write already-validated setting values.
    pub async fn put_settings(&self, values: &BTreeMap<String, Value>) -> StoreResult<()> {
        let mut sql = String::from("BEGIN TRANSACTION;\n");
        let mut vars = serde_json::Map::new();
        for (i, (key, value)) in values.iter().enumerate() {
            sql.push_str(&format!(
                "UPSERT type::record('setting', $k{i}) SET value = $v{i}, updated_at = time::now();\n"
            ));
            vars.insert(format!("k{i}"), json!(key));
            vars.insert(format!("v{i}"), value.clone());
        }
        sql.push_str("COMMIT TRANSACTION;");
        execute(self.raw(), &sql, Value::Object(vars)).await?;
        Ok(())
    }
}

fn dedup(ids: &[String]) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    ids.iter()
        .filter(|id| seen.insert(id.as_str()))
        .cloned()
        .collect()
}

/// A queue's own hours, if it has any worth keeping.
fn own_hours(h: Option<&tucan_model::hours::Schedule>) -> Option<&tucan_model::hours::Schedule> {
    h.filter(|h| !h.is_empty())
}

/// A write that hit the unique (owner, shortcut) index.
fn shortcut_taken(e: crate::error::StoreError) -> crate::error::StoreError {
    e.on_unique(
        ErrorCode::NameTaken,
        "a quick reply with this shortcut exists",
    )
}

/// A queue's auto-close limits as stored: absent when it has none of its own.
fn own_limits(l: Option<&QueueAutoClose>) -> Option<Value> {
    let l = l.filter(|l| !l.is_empty())?;
    let mut v = json!(l);
    strip_nulls(&mut v);
    Some(v)
}

/// A bot as stored: without the fields its kind does not use (JSON null is not `NONE`).
fn bot_content(bot: &tucan_model::inbox::QueueBot) -> Value {
    let mut v = json!(bot);
    strip_nulls(&mut v);
    v
}
