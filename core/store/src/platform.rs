//! The platform database: plans, tenants, platform admins, and the lookups that find a
//! tenant from an email, a refresh token, a reset token or an API key.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use tucan_model::Resource;
use tucan_model::ids::new_id;
use tucan_model::tenancy::{
    NewPlan, Plan, PlanPatch, Tenant, TenantPatch, check_country, check_timezone,
};
use tucan_model::{ErrorCode, Problem};

use crate::db::{check_id, count, fetch, fetch_found, fetch_one, rows};
use crate::error::{StoreError, StoreResult};
use crate::tenant::users::UserTable;

/// Handle on the platform database.
#[derive(Clone)]
pub struct PlatformDb {
    db: Surreal<Any>,
}

/// Where an email signs in: a tenant's user, or a platform admin (`tenant_id` absent).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    pub email: String,
    pub tenant_id: Option<String>,
    pub user_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshTokenRow {
    pub id: String,
    pub family: String,
    pub user_id: String,
    pub tenant_id: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub used: bool,
    pub revoked: bool,
}

#[derive(Debug, Clone)]
pub struct NewRefreshToken<'a> {
    pub token_hash: &'a str,
    pub family: &'a str,
    pub user_id: &'a str,
    pub tenant_id: Option<&'a str>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiKeyLookup {
    pub tenant_id: String,
    pub key_id: String,
}

impl PlatformDb {
    pub(crate) fn new(db: Surreal<Any>) -> Self {
        Self { db }
    }

    pub(crate) fn raw(&self) -> Surreal<Any> {
        self.db.clone()
    }

    /// Platform admins live in the platform database's `user` table.
    pub fn admins(&self) -> UserTable<'_> {
        UserTable::new(&self.db, None)
    }

    // ---- plans

    pub async fn list_plans(&self) -> StoreResult<Vec<Plan>> {
        fetch(&self.db, "SELECT * FROM plan ORDER BY id", json!({})).await
    }

    pub async fn get_plan(&self, id: &str) -> StoreResult<Plan> {
        check_id(id, Resource::Plan)?;
        fetch_found(
            &self.db,
            "SELECT * FROM type::record('plan', $id)",
            json!({ "id": id }),
            Resource::Plan,
        )
        .await
    }

    pub async fn create_plan(&self, plan: &NewPlan) -> StoreResult<Plan> {
        let sql = "CREATE type::record('plan', $id) CONTENT { name: $name, limits: $limits, features: $features }";
        let vars = json!({ "id": new_id(), "name": plan.name, "limits": plan.limits, "features": plan.features });
        fetch_found(&self.db, sql, vars, Resource::Plan)
            .await
            .map_err(|e| e.on_unique(ErrorCode::NameTaken, "a plan with this name exists"))
    }

    pub async fn update_plan(&self, id: &str, patch: &PlanPatch) -> StoreResult<Plan> {
        let mut plan = self.get_plan(id).await?;
        if let Some(name) = &patch.name {
            plan.name = name.clone();
        }
        if let Some(limits) = &patch.limits {
            plan.limits = limits.clone();
        }
        if let Some(features) = &patch.features {
            plan.features = features.clone();
        }
        let sql = "UPDATE type::record('plan', $id) MERGE { name: $name, limits: $limits, features: $features }";
        let vars = json!({ "id": id, "name": plan.name, "limits": plan.limits, "features": plan.features });
        fetch_found(&self.db, sql, vars, Resource::Plan)
            .await
            .map_err(|e| e.on_unique(ErrorCode::NameTaken, "a plan with this name exists"))
    }

    pub async fn delete_plan(&self, id: &str) -> StoreResult<()> {
        self.get_plan(id).await?;
        let tenants = count(
            &self.db,
            "SELECT count() FROM tenant WHERE plan_id = $id GROUP ALL",
            json!({ "id": id }),
        )
        .await?;
        if tenants > 0 {
            return Err(StoreError::problem(
                ErrorCode::PlanInUse,
                format!("{tenants} tenant(s) are on this plan"),
            ));
        }
        rows(
            &self.db,
            "DELETE type::record('plan', $id)",
            json!({ "id": id }),
        )
        .await?;
        Ok(())
    }

    // ---- tenants

    pub async fn list_tenants(&self) -> StoreResult<Vec<Tenant>> {
        fetch(&self.db, "SELECT * FROM tenant ORDER BY id", json!({})).await
    }

    pub async fn tenant_ids(&self) -> StoreResult<Vec<String>> {
        let rows = rows(&self.db, "SELECT id FROM tenant", json!({})).await?;
        Ok(rows
            .iter()
            .filter_map(|r| r.get("id").and_then(Value::as_str).map(String::from))
            .collect())
    }

    pub async fn get_tenant(&self, id: &str) -> StoreResult<Tenant> {
        check_id(id, Resource::Tenant)?;
        fetch_found(
            &self.db,
            "SELECT * FROM type::record('tenant', $id)",
            json!({ "id": id }),
            Resource::Tenant,
        )
        .await
    }

    /// Insert the tenant record. The caller migrates its database and creates its first admin.
    pub async fn insert_tenant(&self, tenant: &Tenant) -> StoreResult<Tenant> {
        self.get_plan(&tenant.plan_id)
            .await
            .map_err(|_| Problem::new(ErrorCode::InvalidField, "plan_id names no plan"))?;
        let sql = "CREATE type::record('tenant', $id) CONTENT { name: $name, plan_id: $plan_id, status: $status, timezone: $timezone, country: $country }";
        fetch_found(
            &self.db,
            sql,
            serde_json::to_value(tenant)?,
            Resource::Tenant,
        )
        .await
    }

    pub async fn update_tenant(&self, id: &str, patch: &TenantPatch) -> StoreResult<Tenant> {
        if let Some(tz) = &patch.timezone {
            check_timezone("timezone", tz)?;
        }
        if let Some(country) = &patch.country {
            check_country("country", country)?;
        }
        let mut t = self.get_tenant(id).await?;
        if let Some(plan_id) = &patch.plan_id {
            self.get_plan(plan_id)
                .await
                .map_err(|_| Problem::new(ErrorCode::InvalidField, "plan_id names no plan"))?;
            t.plan_id = plan_id.clone();
        }
        if let Some(v) = &patch.name {
            t.name = v.clone();
        }
        if let Some(v) = patch.status {
            t.status = v;
        }
        if let Some(v) = &patch.timezone {
            t.timezone = v.clone();
        }
        if let Some(v) = &patch.country {
            t.country = v.clone();
        }
        let sql = "UPDATE type::record('tenant', $id) MERGE { name: $name, plan_id: $plan_id, status: $status, timezone: $timezone, country: $country }";
        fetch_found(&self.db, sql, serde_json::to_value(&t)?, Resource::Tenant).await
    }

    /// Remove a tenant record whose creation failed part-way (its database stays empty).
    pub async fn delete_tenant_record(&self, id: &str) -> StoreResult<()> {
        check_id(id, Resource::Tenant)?;
        rows(
            &self.db,
            "DELETE type::record('tenant', $id)",
            json!({ "id": id }),
        )
        .await?;
        Ok(())
    }

    // ---- accounts (email → where the user lives)

    pub async fn find_account(&self, email: &str) -> StoreResult<Option<Account>> {
        fetch_one(
            &self.db,
            "SELECT * FROM account WHERE email = $email",
            json!({ "email": email }),
        )
        .await
    }

    /// Claim `email` for a user; `EMAIL_TAKEN` if anyone holds it.
    pub async fn claim_account(&self, account: &Account) -> StoreResult<()> {
        let sql = "CREATE account CONTENT $account";
        let mut value = serde_json::to_value(account)?;
        strip_nulls(&mut value);
        rows(&self.db, sql, json!({ "account": value }))
            .await
            .map_err(|e| e.on_unique(ErrorCode::EmailTaken, "this email is already in use"))?;
        Ok(())
    }

    pub async fn release_account(&self, user_id: &str) -> StoreResult<()> {
        rows(
            &self.db,
            "DELETE account WHERE user_id = $user_id",
            json!({ "user_id": user_id }),
        )
        .await?;
        Ok(())
    }

    /// Move a user's sign-in email; `EMAIL_TAKEN` if another user holds the new one.
    pub async fn change_account_email(&self, user_id: &str, email: &str) -> StoreResult<()> {
        rows(
            &self.db,
            "UPDATE account SET email = $email WHERE user_id = $user_id",
            json!({ "user_id": user_id, "email": email }),
        )
        .await
        .map_err(|e| e.on_unique(ErrorCode::EmailTaken, "this email is already in use"))?;
        Ok(())
    }

    // ---- refresh tokens

    pub async fn insert_refresh_token(&self, t: NewRefreshToken<'_>) -> StoreResult<()> {
        let mut content = json!({
            "token_hash": t.token_hash, "family": t.family, "user_id": t.user_id,
            "tenant_id": t.tenant_id, "expires_at": t.expires_at.to_rfc3339(),
        });
        strip_nulls(&mut content);
        let sql = "CREATE refresh_token CONTENT object::extend($c, { expires_at: <datetime>$c.expires_at })";
        rows(&self.db, sql, json!({ "c": content })).await?;
        Ok(())
    }

    pub async fn find_refresh_token(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<RefreshTokenRow>> {
        fetch_one(
            &self.db,
            "SELECT * FROM refresh_token WHERE token_hash = $h",
            json!({ "h": token_hash }),
        )
        .await
    }

    /// Mark a token used; false when another request used it first (a reuse).
    pub async fn use_refresh_token(&self, id: &str) -> StoreResult<bool> {
        let updated = rows(
            &self.db,
            "UPDATE type::record('refresh_token', $id) SET used = true WHERE used = false AND revoked = false RETURN AFTER",
            json!({ "id": id }),
        )
        .await?;
        Ok(!updated.is_empty())
    }

    pub async fn revoke_refresh_family(&self, family: &str) -> StoreResult<()> {
        rows(
            &self.db,
            "UPDATE refresh_token SET revoked = true WHERE family = $f",
            json!({ "f": family }),
        )
        .await?;
        Ok(())
    }

    /// True when any token of the family has been revoked (the session has ended).
    pub async fn refresh_family_revoked(&self, family: &str) -> StoreResult<bool> {
        let sql =
            "SELECT count() FROM refresh_token WHERE family = $f AND revoked = true GROUP ALL";
        Ok(count(&self.db, sql, json!({ "f": family })).await? > 0)
    }

    pub async fn revoke_user_refresh_tokens(&self, user_id: &str) -> StoreResult<()> {
        rows(
            &self.db,
            "UPDATE refresh_token SET revoked = true WHERE user_id = $u",
            json!({ "u": user_id }),
        )
        .await?;
        Ok(())
    }

    // ---- password reset tokens

    pub async fn insert_reset_token(
        &self,
        token_hash: &str,
        account: &Account,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut c = json!({ "token_hash": token_hash, "user_id": account.user_id, "tenant_id": account.tenant_id });
        strip_nulls(&mut c);
        rows(
            &self.db,
            "CREATE reset_token CONTENT object::extend($c, { expires_at: <datetime>$exp })",
            json!({ "c": c, "exp": expires_at.to_rfc3339() }),
        )
        .await?;
        Ok(())
    }

    /// Consume a reset token once; returns the account it was issued for if it was valid.
    pub async fn take_reset_token(&self, token_hash: &str) -> StoreResult<Option<Account>> {
        let taken = rows(
            &self.db,
            "UPDATE reset_token SET used = true WHERE token_hash = $h AND used = false AND expires_at > time::now() RETURN BEFORE",
            json!({ "h": token_hash }),
        )
        .await?;
        let Some(row) = taken.into_iter().next() else {
            return Ok(None);
        };
        let user_id = row
            .get("user_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let tenant_id = row
            .get("tenant_id")
            .and_then(Value::as_str)
            .map(String::from);
        Ok(Some(Account {
            email: String::new(),
            tenant_id,
            user_id,
        }))
    }

    // ---- API key lookups

    pub async fn insert_api_key_lookup(
        &self,
        key_hash: &str,
        tenant_id: &str,
        key_id: &str,
    ) -> StoreResult<()> {
        rows(
            &self.db,
            "CREATE api_key_lookup CONTENT { key_hash: $h, tenant_id: $t, key_id: $k }",
            json!({ "h": key_hash, "t": tenant_id, "k": key_id }),
        )
        .await?;
        Ok(())
    }

    pub async fn find_api_key(&self, key_hash: &str) -> StoreResult<Option<ApiKeyLookup>> {
        fetch_one(
            &self.db,
            "SELECT tenant_id, key_id FROM api_key_lookup WHERE key_hash = $h",
            json!({ "h": key_hash }),
        )
        .await
    }

    pub async fn delete_api_key_lookup(&self, tenant_id: &str, key_id: &str) -> StoreResult<()> {
        rows(
            &self.db,
            "DELETE api_key_lookup WHERE tenant_id = $t AND key_id = $k",
            json!({ "t": tenant_id, "k": key_id }),
        )
        .await?;
        Ok(())
    }

    /// Remove expired and spent tokens; returns how many rows went.
    pub async fn purge_expired_tokens(&self) -> StoreResult<usize> {
        let a = rows(
            &self.db,
            "DELETE refresh_token WHERE expires_at < time::now() RETURN BEFORE",
            json!({}),
        )
        .await?;
        let b = rows(
            &self.db,
            "DELETE reset_token WHERE expires_at < time::now() OR used = true RETURN BEFORE",
            json!({}),
        )
        .await?;
        Ok(a.len() + b.len())
    }
}

/// SurrealDB's `option<T>` takes NONE, not NULL: drop null members before writing.
pub(crate) fn strip_nulls(value: &mut Value) {
    if let Value::Object(map) = value {
        map.retain(|_, v| !v.is_null());
        for v in map.values_mut() {
            strip_nulls(v);
        }
    }
}
