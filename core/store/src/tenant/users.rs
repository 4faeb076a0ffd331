//! The `user` table, shared in shape by the platform database (platform admins) and each
//! tenant database (admins, supervisors, agents).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use tucan_model::ErrorCode;
use tucan_model::Resource;
use tucan_model::user::{Role, User};

use crate::db::{check_id, count, fetch, fetch_found, rows};
use crate::error::{StoreError, StoreResult};

/// A user record as stored, with its password hash.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub password_hash: String,
    pub max_tickets: u32,
    pub language: String,
    #[serde(default = "Utc::now")]
    pub password_changed_at: DateTime<Utc>,
    /// The password was given to the user (printed at the first start, or by an operator)
    /// and must be replaced before anything else.
    #[serde(default)]
    pub password_must_change: bool,
    #[serde(default = "Utc::now")]
    pub created_at: DateTime<Utc>,
}

impl UserRow {
    pub fn into_user(self, tenant_id: Option<String>) -> User {
        User {
            id: self.id,
            tenant_id,
            name: self.name,
            email: self.email,
            role: self.role,
            max_tickets: self.max_tickets,
            language: self.language,
            password_must_change: self.password_must_change,
            created_at: self.created_at,
        }
    }
}

/// The users of one database.
pub struct UserTable<'a> {
    db: &'a Surreal<Any>,
    tenant_id: Option<String>,
}

impl<'a> UserTable<'a> {
    pub(crate) fn new(db: &'a Surreal<Any>, tenant_id: Option<String>) -> Self {
        Self { db, tenant_id }
    }

    pub async fn insert(&self, row: &UserRow) -> StoreResult<User> {
        let sql = "CREATE type::record('user', $id) CONTENT { name: $name, email: $email, role: $role, password_hash: $password_hash, max_tickets: $max_tickets, language: $language }";
        let created: UserRow =
            fetch_found(self.db, sql, serde_json::to_value(row)?, Resource::User)
                .await
                .map_err(|e| e.on_unique(ErrorCode::EmailTaken, "this email is already in use"))?;
        Ok(created.into_user(self.tenant_id.clone()))
    }

    pub async fn get_row(&self, id: &str) -> StoreResult<UserRow> {
        check_id(id, Resource::User)?;
        fetch_found(
            self.db,
            "SELECT * FROM type::record('user', $id)",
            json!({ "id": id }),
            Resource::User,
        )
        .await
    }

    pub async fn get(&self, id: &str) -> StoreResult<User> {
        Ok(self.get_row(id).await?.into_user(self.tenant_id.clone()))
    }

    pub async fn list(&self) -> StoreResult<Vec<User>> {
        let rows: Vec<UserRow> =
            fetch(self.db, "SELECT * FROM user ORDER BY id", json!({})).await?;
        Ok(rows
            .into_iter()
            .map(|r| r.into_user(self.tenant_id.clone()))
            .collect())
    }

    pub async fn count(&self) -> StoreResult<u64> {
        count(self.db, "SELECT count() FROM user GROUP ALL", json!({})).await
    }

    /// Write back the editable fields of `row` (name, email, role, limits, language).
    pub async fn save(&self, row: &UserRow) -> StoreResult<User> {
        let sql = "UPDATE type::record('user', $id) MERGE { name: $name, email: $email, role: $role, max_tickets: $max_tickets, language: $language }";
        let saved: UserRow = fetch_found(self.db, sql, serde_json::to_value(row)?, Resource::User)
            .await
            .map_err(|e| e.on_unique(ErrorCode::EmailTaken, "this email is already in use"))?;
        Ok(saved.into_user(self.tenant_id.clone()))
    }

    pub async fn set_password(&self, id: &str, password_hash: &str) -> StoreResult<()> {
        check_id(id, Resource::User)?;
        self.write_password(id, password_hash, false).await
    }

    /// Give the user a password someone else chose or saw (printed by the server or the
    /// admin CLI): it works once to sign in, and must then be replaced.
    pub async fn set_given_password(&self, id: &str, password_hash: &str) -> StoreResult<()> {
        self.write_password(id, password_hash, true).await
    }

    /// Mark the user's current password as given to them (see
    /// [`UserTable::set_given_password`]).
    pub async fn require_password_change(&self, id: &str) -> StoreResult<()> {
        check_id(id, Resource::User)?;
        let sql = "UPDATE type::record('user', $id) SET password_must_change = true RETURN AFTER";
        if rows(self.db, sql, json!({ "id": id })).await?.is_empty() {
            return Err(StoreError::NotFound(Resource::User));
        }
        Ok(())
    }

    async fn write_password(&self, id: &str, password_hash: &str, given: bool) -> StoreResult<()> {
        check_id(id, Resource::User)?;
        let sql = "UPDATE type::record('user', $id) SET password_hash = $h, password_changed_at = time::now(), password_must_change = $given RETURN AFTER";
        let updated = rows(
            self.db,
            sql,
            json!({ "id": id, "h": password_hash, "given": given }),
        )
        .await?;
        if updated.is_empty() {
            return Err(StoreError::NotFound(Resource::User));
        }
        Ok(())
    }

    pub async fn delete(&self, id: &str) -> StoreResult<()> {
        self.get_row(id).await?;
        rows(
            self.db,
            "DELETE type::record('user', $id)",
            json!({ "id": id }),
        )
        .await?;
        Ok(())
    }
}
