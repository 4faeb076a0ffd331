//! Contact lists: static ones keep their members (`list_member:[list, contact]`), dynamic ones
//! a filter on tags and custom fields; both are read in pages ordered by contact id, which is
//! how a campaign walks them without holding them in memory.

use serde::Deserialize;
use serde_json::{Value, json};
use tucan_model::campaign::{ContactList, ListFilter, ListKind, NewContactList};
use tucan_model::ids::new_id;
use tucan_model::{ErrorCode, Resource};

use super::TenantDb;
use crate::db::{check_id, check_ids_exist, count, fetch, fetch_found, rows};
use crate::error::StoreResult;
use crate::platform::strip_nulls;

/// A contact as a campaign plans it.
#[derive(Debug, Clone, Deserialize)]
pub struct ListContact {
    pub id: String,
    pub name: String,
    pub phone: String,
    #[serde(default)]
    pub opted_out: bool,
}

#[derive(Deserialize)]
struct ListRow {
    id: String,
    name: String,
    kind: ListKind,
    filter: Option<ListFilter>,
    created_at: chrono::DateTime<chrono::Utc>,
}

/// The condition a dynamic list's filter puts on contacts, with its variables.
fn filter_sql(filter: &ListFilter) -> (String, serde_json::Map<String, Value>) {
    let mut cond = vec!["is_group = false".to_string()];
    let mut vars = serde_json::Map::new();
    if !filter.tag_ids.is_empty() {
        cond.push("tags CONTAINSALL $ftags".into());
        vars.insert("ftags".into(), json!(filter.tag_ids));
    }
    for (i, (k, v)) in filter.fields.iter().enumerate() {
        cond.push(format!("custom_fields[$fk{i}] = $fv{i}"));
        vars.insert(format!("fk{i}"), json!(k));
        vars.insert(format!("fv{i}"), json!(v));
    }
    (cond.join(" AND "), vars)
}

impl TenantDb {
    async fn list_size(&self, row: &ListRow) -> StoreResult<u64> {
        match (row.kind, &row.filter) {
            (ListKind::Dynamic, Some(f)) => {
                let (cond, vars) = filter_sql(f);
                count(
                    self.raw(),
                    &format!("SELECT count() FROM contact WHERE {cond} GROUP ALL"),
                    Value::Object(vars),
                )
                .await
            }
            _ => {
                count(
                    self.raw(),
                    "SELECT count() FROM list_member WHERE list_id = $l GROUP ALL",
                    json!({ "l": row.id }),
                )
                .await
            }
        }
    }

    async fn shown(&self, row: ListRow) -> StoreResult<ContactList> {
        let size = self.list_size(&row).await?;
        Ok(ContactList {
            id: row.id,
            name: row.name,
            kind: row.kind,
            filter: row.filter,
            size,
            created_at: row.created_at,
        })
    }

    pub async fn list_contact_lists(&self) -> StoreResult<Vec<ContactList>> {
        let rows: Vec<ListRow> = fetch(
            self.raw(),
            "SELECT * FROM contact_list ORDER BY name",
            json!({}),
        )
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.shown(r).await?);
        }
        Ok(out)
    }

    pub async fn get_contact_list(&self, id: &str) -> StoreResult<ContactList> {
        check_id(id, Resource::ContactList)?;
        let row: ListRow = fetch_found(
            self.raw(),
            "SELECT * FROM type::record('contact_list', $id)",
            json!({ "id": id }),
            Resource::ContactList,
        )
        .await?;
        self.shown(row).await
    }

    pub async fn create_contact_list(&self, new: &NewContactList) -> StoreResult<ContactList> {
        if let Some(f) = &new.filter {
            check_ids_exist(self.raw(), "tag", &f.tag_ids, "tag").await?;
        }
        let mut content = json!({ "name": new.name, "kind": new.kind, "filter": new.filter });
        strip_nulls(&mut content);
        let row: ListRow = fetch_found(
            self.raw(),
            "CREATE type::record('contact_list', $id) CONTENT $c",
            json!({ "id": new_id(), "c": content }),
            Resource::ContactList,
        )
        .await
        .map_err(|e| e.on_unique(ErrorCode::NameTaken, "a list with this name exists"))?;
        self.shown(row).await
    }

    pub async fn save_contact_list(
        &self,
        id: &str,
        name: &str,
        filter: Option<&ListFilter>,
    ) -> StoreResult<ContactList> {
        check_id(id, Resource::ContactList)?;
        if let Some(f) = filter {
            check_ids_exist(self.raw(), "tag", &f.tag_ids, "tag").await?;
        }
        let row: ListRow = fetch_found(
            self.raw(),
            "UPDATE type::record('contact_list', $id) SET name = $name, filter = $filter ?? NONE",
            json!({ "id": id, "name": name, "filter": filter }),
            Resource::ContactList,
        )
        .await
        .map_err(|e| e.on_unique(ErrorCode::NameTaken, "a list with this name exists"))?;
        self.shown(row).await
    }

    pub async fn delete_contact_list(&self, id: &str) -> StoreResult<()> {
        self.get_contact_list(id).await?;
        rows(
            self.raw(),
            "DELETE list_member WHERE list_id = $id; DELETE type::record('contact_list', $id);",
            json!({ "id": id }),
        )
        .await?;
        Ok(())
    }

    /// Add contacts to a static list (those in it already stay once); how many were added.
    pub async fn add_list_members(
        &self,
        list_id: &str,
        contact_ids: &[String],
    ) -> StoreResult<u64> {
        check_ids_exist(self.raw(), "contact", contact_ids, "contact").await?;
        let members: Vec<Value> = contact_ids
            .iter()
            .map(|c| json!({ "id": [list_id, c], "list_id": list_id, "contact_id": c }))
            .collect();
        let added = rows(
            self.raw(),
            "INSERT IGNORE INTO list_member $m RETURN id",
            json!({ "m": members }),
        )
        .await?;
        Ok(added.len() as u64)
    }

    /// Take contacts out of a static list; how many were in it.
    pub async fn remove_list_members(
        &self,
        list_id: &str,
        contact_ids: &[String],
    ) -> StoreResult<u64> {
        let ids: Vec<Value> = contact_ids.iter().map(|c| json!([list_id, c])).collect();
        let gone = rows(
            self.raw(),
            "DELETE array::map($ids, |$i| type::record('list_member', $i)) RETURN BEFORE",
            json!({ "ids": ids }),
        )
        .await?;
        Ok(gone.len() as u64)
    }

    /// The list's contacts with ids after `after`, in id order, from at most `limit` of its
    /// entries (group chats are never in a list's reach), and where the next page starts
    /// (`None`: this was the last).
    pub async fn list_contacts_page(
        &self,
        list: &ContactList,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<(Vec<ListContact>, Option<String>)> {
        let after = after.unwrap_or("");
        match (list.kind, &list.filter) {
            (ListKind::Dynamic, Some(f)) => {
                let (cond, mut vars) = filter_sql(f);
                vars.insert("after".into(), json!(after));
                vars.insert("limit".into(), json!(limit));
                // A range of record ids read from `$after` on, in id order.
                let page: Vec<ListContact> = fetch(
                    self.raw(),
                    &format!(
                        "SELECT record::id(id) AS id, name, phone, opted_out FROM type::record('contact', $after>..) WHERE {cond} LIMIT $limit"
                    ),
                    Value::Object(vars),
                )
                .await?;
                let next = (page.len() as u32 >= limit)
                    .then(|| page.last().map(|c| c.id.clone()))
                    .flatten();
                Ok((page, next))
            }
            _ => {
                // The list's entries are the record-id range `[list, …]`: read from `$after` on.
                let ids: Vec<Value> = rows(
                    self.raw(),
                    "SELECT VALUE contact_id FROM type::record('list_member', [$l, $after]>..[$l, 'g']) LIMIT $limit",
                    json!({ "l": list.id, "after": after, "limit": limit }),
                )
                .await?;
                let ids: Vec<String> = ids
                    .into_iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect();
                let next = (ids.len() as u32 >= limit)
                    .then(|| ids.last().cloned())
                    .flatten();
                if ids.is_empty() {
                    return Ok((Vec::new(), next));
                }
                let page: Vec<ListContact> = fetch(
                    self.raw(),
                    "SELECT record::id(id) AS id, name, phone, opted_out FROM array::map($ids, |$c| type::record('contact', $c)) WHERE is_group = false ORDER BY id",
                    json!({ "ids": ids }),
                )
                .await?;
                Ok((page, next))
            }
        }
    }

    /// A contact opts out of campaigns (or back in).
    pub async fn set_opted_out(&self, contact_id: &str, opted_out: bool) -> StoreResult<()> {
        check_id(contact_id, Resource::Contact)?;
        let changed = rows(
            self.raw(),
            "UPDATE type::record('contact', $id) SET opted_out = $o, updated_at = time::now() WHERE id != NONE RETURN id",
            json!({ "id": contact_id, "o": opted_out }),
        )
        .await?;
        if changed.is_empty() {
            return Err(crate::error::StoreError::NotFound(Resource::Contact));
        }
        Ok(())
    }
}
