//! The simulator's phones: what each simulated customer sent and received on a simulator
//! connection, so the phone page (and tests) see the conversation from the customer's side.

use serde_json::json;
use tucan_model::ids::new_id;
use tucan_model::ticket::{MessageKind, SimMessage};

use super::TenantDb;
use crate::db::{execute, fetch, returned};
use crate::error::{StoreError, StoreResult};

/// One message on a simulated phone.
#[derive(Debug, Clone)]
pub struct SimWrite<'a> {
    pub connection_id: &'a str,
    pub phone: &'a str,
    /// `in` or `out`.
    pub direction: &'a str,
    pub kind: MessageKind,
    pub body: &'a str,
    pub media_url: Option<&'a str>,
    pub quoted: Option<&'a str>,
    /// The channel id; a new one when absent.
    pub id: Option<&'a str>,
}

impl TenantDb {
    /// Put a message on the simulated phone (and on the event stream for its page).
    pub async fn sim_record(&self, w: &SimWrite<'_>) -> StoreResult<SimMessage> {
        let id = w.id.map(str::to_string).unwrap_or_else(new_id);
        let status = if w.direction == "in" {
            "sent"
        } else {
            "delivered"
        };
        let mut content = json!({
            "connection_id": w.connection_id, "phone": w.phone, "direction": w.direction,
            "kind": w.kind, "body": w.body, "media_url": w.media_url, "quoted": w.quoted,
            "status": status,
        });
        crate::platform::strip_nulls(&mut content);
        let sql = "BEGIN TRANSACTION;
LET $s = (UPSERT ONLY type::record('sim_message', $id) MERGE $c RETURN AFTER);
CREATE type::record('inbox_event', $ev) CONTENT { kind: 'sim', connection_id: $c.connection_id, data: $s };
RETURN $s;
COMMIT TRANSACTION;";
        returned(
            self.raw(),
            sql,
            json!({ "id": id, "c": content, "ev": new_id() }),
        )
        .await?
        .ok_or_else(|| StoreError::Backend("simulator write returned nothing".into()))
    }

    /// The conversation of one simulated phone, oldest first (the last 500 messages).
    pub async fn sim_chat(&self, connection_id: &str, phone: &str) -> StoreResult<Vec<SimMessage>> {
        let mut items: Vec<SimMessage> = fetch(
            self.raw(),
            "SELECT * FROM sim_message WHERE connection_id = $c AND phone = $p ORDER BY at DESC, id DESC LIMIT 500",
            json!({ "c": connection_id, "p": phone }),
        )
        .await?;
        items.reverse();
        Ok(items)
    }

    /// The last message of each simulated phone of a connection, most recent first (at most
    /// 200 phones).
    pub async fn sim_phones(&self, connection_id: &str) -> StoreResult<Vec<SimMessage>> {
        let mut latest: Vec<SimMessage> = Vec::new();
        let recent: Vec<SimMessage> = fetch(
            self.raw(),
            "SELECT * FROM sim_message WHERE connection_id = $c ORDER BY at DESC, id DESC LIMIT 5000",
            json!({ "c": connection_id }),
        )
        .await?;
        let mut seen = std::collections::HashSet::new();
        for m in recent {
            if latest.len() == 200 {
                break;
            }
            if seen.insert(m.phone.clone()) {
                latest.push(m);
            }
        }
        Ok(latest)
    }

    /// Mark what the phone received as read; returns the channel ids newly read.
    pub async fn sim_mark_read(
        &self,
        connection_id: &str,
        phone: &str,
    ) -> StoreResult<Vec<String>> {
        let rows = crate::db::rows(
            self.raw(),
            "UPDATE sim_message SET status = 'read' WHERE connection_id = $c AND phone = $p AND direction = 'out' AND status != 'read' RETURN VALUE record::id(id)",
            json!({ "c": connection_id, "p": phone }),
        )
        .await?;
        let ids: Vec<String> = rows
            .into_iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect();
        if !ids.is_empty() {
            execute(
                self.raw(),
                "CREATE type::record('inbox_event', $ev) CONTENT { kind: 'sim', connection_id: $c, data: { read: $ids, phone: $p } }",
                json!({ "ev": new_id(), "c": connection_id, "ids": ids, "p": phone }),
            )
            .await?;
        }
        Ok(ids)
    }
}
