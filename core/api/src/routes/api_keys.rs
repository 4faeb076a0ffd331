//! API keys for machine clients (tenant admins; the plan must include API access). The
//! secret is returned once, at creation.

use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use tucan_model::ErrorCode;
use tucan_model::api_key::ApiKey;
use tucan_model::ids::new_id;
use tucan_model::tenancy::Feature;
use tucan_model::user::Role;

use super::ApiTags;
use super::platform::{Created, Deleted};
use crate::auth::principal::scope_name;
use crate::auth::tokens::{new_api_key, token_hash};
use crate::auth::{Auth, Scope, TenantCtx};
use crate::error::status::{AUTHED, BODY, NOT_FOUND};
use crate::error::{ApiError, ApiResult, Reply};
use crate::state::AppState;

#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewApiKey {
    #[oai(validator(min_length = 1, max_length = 80))]
    pub name: String,
    pub scopes: Vec<Scope>,
}

#[derive(Debug, Object)]
pub struct CreatedApiKey {
    pub key: ApiKey,
    /// The secret: send it as `Authorization: Bearer <secret>`. Shown only now.
    pub secret: String,
}

pub struct ApiKeysApi {
    pub state: AppState,
}

impl ApiKeysApi {
    async fn admin_ctx(&self, auth: &Auth) -> ApiResult<TenantCtx> {
        auth.user()?;
        let ctx = auth.tenant(&self.state, Scope::UsersRead).await?;
        ctx.require(Role::Admin)?;
        ctx.require_feature(Feature::ApiAccess)?;
        Ok(ctx)
    }
}

#[OpenApi(prefix_path = "/api/api-keys", tag = "ApiTags::ApiKeys")]
impl ApiKeysApi {
    /// List the tenant's API keys (never their secrets).
    #[oai(path = "/", method = "get")]
    async fn list_api_keys(&self, auth: Auth) -> Reply<Json<Vec<ApiKey>>, { AUTHED }> {
        let ctx = self.admin_ctx(&auth).await?;
        Ok(Json(ctx.db.list_api_keys().await?))
    }

    /// Create an API key with the given scopes.
    #[oai(path = "/", method = "post")]
    async fn create_api_key(
        &self,
        auth: Auth,
        body: Json<NewApiKey>,
    ) -> Reply<Created<CreatedApiKey>, { AUTHED | BODY }> {
        let ctx = self.admin_ctx(&auth).await?;
        if body.scopes.is_empty() {
            return Err(
                ApiError::new(ErrorCode::InvalidField, "give the key at least one scope").into(),
            );
        }
        let secret = new_api_key();
        let id = new_id();
        let scopes: Vec<String> = body.scopes.iter().map(|s| scope_name(*s)).collect();
        let prefix: String = secret.chars().take(10).collect();
        let row = ctx
            .db
            .insert_api_key(
                &id,
                body.name.trim(),
                &prefix,
                &scopes,
                &ctx.principal.user_id,
            )
            .await?;
        self.state
            .store
            .platform()
            .insert_api_key_lookup(&token_hash(&secret), &ctx.tenant.id, &id)
            .await?;
        Ok(Created::Created(Json(CreatedApiKey { key: row, secret })))
    }

    /// Revoke an API key; it stops working at once.
    #[oai(path = "/:id", method = "delete")]
    async fn delete_api_key(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Deleted, { AUTHED | NOT_FOUND }> {
        let ctx = self.admin_ctx(&auth).await?;
        ctx.db.delete_api_key(&id).await?;
        self.state
            .store
            .platform()
            .delete_api_key_lookup(&ctx.tenant.id, &id)
            .await?;
        Ok(Deleted::NoContent)
    }
}
