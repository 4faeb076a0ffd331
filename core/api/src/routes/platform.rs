//! Platform administration: plans and tenants. Platform admins only.

use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use tucan_model::tenancy::{NewPlan, NewTenant, Plan, PlanPatch, Tenant, TenantPatch};
use tucan_model::user::User;

use super::ApiTags;
use crate::accounts::create_tenant;
use crate::auth::Auth;
use crate::error::Reply;
use crate::error::status::{AUTHED, BODY, CONFLICT, NOT_FOUND};
use crate::state::AppState;

#[derive(Debug, Object)]
pub struct CreatedTenant {
    pub tenant: Tenant,
    /// The tenant's first admin.
    pub admin: User,
}

#[derive(ApiResponse)]
pub enum Created<T: poem_openapi::types::ToJSON> {
    /// Created.
    #[oai(status = 201)]
    Created(Json<T>),
}

#[derive(ApiResponse)]
pub enum Deleted {
    /// Deleted.
    #[oai(status = 204)]
    NoContent,
}

pub struct PlatformApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/platform", tag = "ApiTags::Platform")]
impl PlatformApi {
    /// List plans.
    #[oai(path = "/plans", method = "get")]
    async fn list_plans(&self, auth: Auth) -> Reply<Json<Vec<Plan>>, { AUTHED }> {
        auth.platform_admin()?;
        Ok(Json(self.state.store.platform().list_plans().await?))
    }

    /// Create a plan.
    #[oai(path = "/plans", method = "post")]
    async fn create_plan(
        &self,
        auth: Auth,
        body: Json<NewPlan>,
    ) -> Reply<Created<Plan>, { AUTHED | BODY | CONFLICT }> {
        auth.platform_admin()?;
        Ok(Created::Created(Json(
            self.state.store.platform().create_plan(&body).await?,
        )))
    }

    /// Get a plan.
    #[oai(path = "/plans/:id", method = "get")]
    async fn get_plan(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<Plan>, { AUTHED | NOT_FOUND }> {
        auth.platform_admin()?;
        Ok(Json(self.state.store.platform().get_plan(&id).await?))
    }

    /// Change a plan. New limits apply to the next create of each tenant on it.
    #[oai(path = "/plans/:id", method = "patch")]
    async fn update_plan(
        &self,
        auth: Auth,
        id: Path<String>,
        body: Json<PlanPatch>,
    ) -> Reply<Json<Plan>, { AUTHED | BODY | NOT_FOUND | CONFLICT }> {
        auth.platform_admin()?;
        Ok(Json(
            self.state.store.platform().update_plan(&id, &body).await?,
        ))
    }

    /// Delete a plan no tenant is on.
    #[oai(path = "/plans/:id", method = "delete")]
    async fn delete_plan(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Deleted, { AUTHED | NOT_FOUND | CONFLICT }> {
        auth.platform_admin()?;
        self.state.store.platform().delete_plan(&id).await?;
        Ok(Deleted::NoContent)
    }

    /// List tenants.
    #[oai(path = "/tenants", method = "get")]
    async fn list_tenants(&self, auth: Auth) -> Reply<Json<Vec<Tenant>>, { AUTHED }> {
        auth.platform_admin()?;
        Ok(Json(self.state.store.platform().list_tenants().await?))
    }

    /// Create a tenant with its first admin.
    #[oai(path = "/tenants", method = "post")]
    async fn create_tenant(
        &self,
        auth: Auth,
        body: Json<NewTenant>,
    ) -> Reply<Created<CreatedTenant>, { AUTHED | BODY | CONFLICT }> {
        auth.platform_admin()?;
        let (tenant, admin) = create_tenant(&self.state.store, body.0).await?;
        Ok(Created::Created(Json(CreatedTenant { tenant, admin })))
    }

    /// Get a tenant.
    #[oai(path = "/tenants/:id", method = "get")]
    async fn get_tenant(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<Tenant>, { AUTHED | NOT_FOUND }> {
        auth.platform_admin()?;
        Ok(Json(self.state.store.platform().get_tenant(&id).await?))
    }

    /// Change a tenant: name, plan, status (suspend / reactivate), time zone, country.
    #[oai(path = "/tenants/:id", method = "patch")]
    async fn update_tenant(
        &self,
        auth: Auth,
        id: Path<String>,
        body: Json<TenantPatch>,
    ) -> Reply<Json<Tenant>, { AUTHED | BODY | NOT_FOUND }> {
        auth.platform_admin()?;
        Ok(Json(
            self.state
                .store
                .platform()
                .update_tenant(&id, &body)
                .await?,
        ))
    }
}
