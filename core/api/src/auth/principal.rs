//! Who is calling. The bearer is either an access token (a user) or an API key (`tlk_…`, a
//! machine client acting with the scopes it was given). A tenant's data is reachable only
//! through [`TenantCtx`], which this module builds after checking the caller.

use poem::Request;
use poem_openapi::auth::Bearer;
use poem_openapi::{Enum, SecurityScheme};
use serde::{Deserialize, Serialize};
use tucan_model::tenancy::{Feature, LimitKind, Plan, Tenant, TenantStatus};
use tucan_model::user::Role;
use tucan_model::{ErrorCode, Problem};
use tucan_store::{Account, TenantDb};

use super::tokens::{API_KEY_PREFIX, token_hash};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// What an API key may do, within its creator's role. Managing users and keys is for
/// signed-in people only, so no scope grants it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Enum)]
pub enum Scope {
    #[oai(rename = "contacts:read")]
    #[serde(rename = "contacts:read")]
    ContactsRead,
    #[oai(rename = "contacts:write")]
    #[serde(rename = "contacts:write")]
    ContactsWrite,
    #[oai(rename = "tags:read")]
    #[serde(rename = "tags:read")]
    TagsRead,
    #[oai(rename = "tags:write")]
    #[serde(rename = "tags:write")]
    TagsWrite,
    #[oai(rename = "queues:read")]
    #[serde(rename = "queues:read")]
    QueuesRead,
    #[oai(rename = "queues:write")]
    #[serde(rename = "queues:write")]
    QueuesWrite,
    #[oai(rename = "quick_replies:read")]
    #[serde(rename = "quick_replies:read")]
    QuickRepliesRead,
    #[oai(rename = "quick_replies:write")]
    #[serde(rename = "quick_replies:write")]
    QuickRepliesWrite,
    #[oai(rename = "settings:read")]
    #[serde(rename = "settings:read")]
    SettingsRead,
    #[oai(rename = "settings:write")]
    #[serde(rename = "settings:write")]
    SettingsWrite,
    #[oai(rename = "users:read")]
    #[serde(rename = "users:read")]
    UsersRead,
    #[oai(rename = "flows:read")]
    #[serde(rename = "flows:read")]
    FlowsRead,
    #[oai(rename = "flows:write")]
    #[serde(rename = "flows:write")]
    FlowsWrite,
    #[oai(rename = "tickets:read")]
    #[serde(rename = "tickets:read")]
    TicketsRead,
    #[oai(rename = "tickets:write")]
    #[serde(rename = "tickets:write")]
    TicketsWrite,
    #[oai(rename = "connections:read")]
    #[serde(rename = "connections:read")]
    ConnectionsRead,
    #[oai(rename = "connections:write")]
    #[serde(rename = "connections:write")]
    ConnectionsWrite,
    #[oai(rename = "plugins:read")]
    #[serde(rename = "plugins:read")]
    PluginsRead,
    #[oai(rename = "plugins:write")]
    #[serde(rename = "plugins:write")]
    PluginsWrite,
    #[oai(rename = "campaigns:read")]
    #[serde(rename = "campaigns:read")]
    CampaignsRead,
    #[oai(rename = "campaigns:write")]
    #[serde(rename = "campaigns:write")]
    CampaignsWrite,
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: String,
    pub tenant_id: Option<String>,
    pub role: Role,
    /// Set when the caller is an API key: its id and scopes.
    pub api_key: Option<(String, Vec<Scope>)>,
    /// The user signed in with a password given to them and has not chosen their own yet.
    pub password_must_change: bool,
}

impl Principal {
    /// Where this principal's user record lives.
    pub fn account(&self) -> Account {
        Account {
            email: String::new(),
            tenant_id: self.tenant_id.clone(),
            user_id: self.user_id.clone(),
        }
    }

    pub fn is_platform_admin(&self) -> bool {
        self.role == Role::PlatformAdmin && self.tenant_id.is_none()
    }
}

/// Bearer authentication: `Authorization: Bearer <access token | API key>`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "check_bearer")]
pub struct Auth(pub Principal);

async fn check_bearer(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    let state = req
        .data::<AppState>()
        .ok_or_else(|| poem::Error::from(ApiError::internal()))?;
    let principal = authenticate(state, &bearer.token).await?;
    if principal.password_must_change && !PASSWORD_CHANGE_PATHS.contains(&req.uri().path()) {
        return Err(ApiError::new(
            ErrorCode::PasswordChangeRequired,
            "this password was given to you; choose your own (POST /api/auth/password) first",
        )
        .into());
    }
    Ok(principal)
}

/// What a user whose password must change may still do: see and edit their profile, change
/// the password, sign out.
const PASSWORD_CHANGE_PATHS: [&str; 3] = ["/api/auth/me", "/api/auth/password", "/api/auth/logout"];

async fn authenticate(state: &AppState, token: &str) -> ApiResult<Principal> {
    if token.starts_with(API_KEY_PREFIX) {
        return authenticate_api_key(state, token).await;
    }
    let claims = state.tokens.verify(token)?;
    let invalid = || ApiError::new(ErrorCode::TokenInvalid, "the access token is not valid");
    let row = match &claims.tid {
        Some(tid) => {
            state
                .store
                .tenant(tid)
                .await
                .map_err(|_| invalid())?
                .users()
                .get_row(&claims.sub)
                .await
        }
        None => state.store.platform().admins().get_row(&claims.sub).await,
    }
    .map_err(|_| invalid())?;
    // A password change ends every session opened before it.
    if claims.iat_ms < row.password_changed_at.timestamp_millis() {
        return Err(invalid());
    }
    Ok(Principal {
        user_id: row.id,
        tenant_id: claims.tid,
        role: row.role,
        api_key: None,
        password_must_change: row.password_must_change,
    })
}

async fn authenticate_api_key(state: &AppState, key: &str) -> ApiResult<Principal> {
    let invalid = || ApiError::new(ErrorCode::TokenInvalid, "the API key is not valid");
    let lookup = state
        .store
        .platform()
        .find_api_key(&token_hash(key))
        .await?
        .ok_or_else(invalid)?;
    let tenant = state.store.tenant(&lookup.tenant_id).await?;
    let row = tenant
        .get_api_key(&lookup.key_id)
        .await
        .map_err(|_| invalid())?;
    let scopes = row
        .scopes
        .iter()
        .filter_map(|s| serde_json::from_value(serde_json::json!(s)).ok())
        .collect();
    // A key acts with its creator's current role: it dies with the creator and loses power
    // when the creator is demoted.
    let creator = tenant
        .users()
        .get_row(&row.created_by)
        .await
        .map_err(|_| invalid())?;
    if let Err(e) = tenant.touch_api_key(&row.id).await {
        tracing::warn!(error = %e, "could not record API key use");
    }
    Ok(Principal {
        user_id: row.created_by,
        tenant_id: Some(lookup.tenant_id),
        role: creator.role,
        api_key: Some((row.id, scopes)),
        password_must_change: false,
    })
}

/// An authenticated caller inside its tenant: the only way to a [`TenantDb`].
#[derive(Debug)]
pub struct TenantCtx {
    pub db: TenantDb,
    pub principal: Principal,
    pub tenant: Tenant,
    pub plan: Plan,
}

impl Auth {
    /// The caller's tenant context, if it may use `scope` (API keys) at all.
    pub async fn tenant(&self, state: &AppState, scope: Scope) -> ApiResult<TenantCtx> {
        let p = &self.0;
        let Some(tenant_id) = &p.tenant_id else {
            return Err(ApiError::forbidden(
                "platform admins manage tenants under /api/platform",
            ));
        };
        let tenant = state.store.platform().get_tenant(tenant_id).await?;
        if tenant.status == TenantStatus::Suspended {
            return Err(ApiError::new(
                ErrorCode::TenantSuspended,
                "this company's account is suspended",
            ));
        }
        let plan = state.store.platform().get_plan(&tenant.plan_id).await?;
        if let Some((_, scopes)) = &p.api_key {
            if !plan.features.has(Feature::ApiAccess) {
                return Err(ApiError::new(
                    ErrorCode::FeatureDisabled,
                    "the plan does not include API access",
                ));
            }
            if !scopes.contains(&scope) {
                return Err(ApiError::forbidden(format!(
                    "the API key lacks the scope {}",
                    scope_name(scope)
                )));
            }
        }
        let db = state.store.tenant(tenant_id).await?;
        Ok(TenantCtx {
            db,
            principal: p.clone(),
            tenant,
            plan,
        })
    }

    /// The caller, if it is a platform admin.
    pub fn platform_admin(&self) -> ApiResult<&Principal> {
        if self.0.is_platform_admin() {
            Ok(&self.0)
        } else {
            Err(ApiError::forbidden("platform admins only"))
        }
    }

    /// The caller, if it is a signed-in user (not an API key).
    pub fn user(&self) -> ApiResult<&Principal> {
        if self.0.api_key.is_none() {
            Ok(&self.0)
        } else {
            Err(ApiError::forbidden("API keys cannot use this endpoint"))
        }
    }
}

pub fn scope_name(scope: Scope) -> String {
    serde_json::to_value(scope)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

impl TenantCtx {
    /// Forbidden unless the caller's role is at least `min`.
    pub fn require(&self, min: Role) -> ApiResult<()> {
        if self.principal.role >= min {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                format!("requires the {min:?} role or higher").to_lowercase(),
            ))
        }
    }

    /// `PLAN_LIMIT_REACHED` when the tenant already has as many `kind` as its plan allows.
    pub fn check_limit(&self, kind: LimitKind, current: u64) -> ApiResult<()> {
        let max = self.plan.limits.get(kind);
        if current >= u64::from(max) {
            return Err(Problem::new(
                ErrorCode::PlanLimitReached,
                format!(
                    "the plan allows {max} {}; remove one or upgrade the plan",
                    kind.as_str()
                ),
            )
            .into());
        }
        Ok(())
    }

    pub fn require_feature(&self, feature: Feature) -> ApiResult<()> {
        if self.plan.features.has(feature) {
            Ok(())
        } else {
            Err(ApiError::new(
                ErrorCode::FeatureDisabled,
                format!("the plan does not include {feature:?}").to_lowercase(),
            ))
        }
    }
}
