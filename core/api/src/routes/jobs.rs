//! Background jobs that failed for good (dead letters): tenant admins list, replay and
//! discard their own tenant's; platform admins see every tenant's and platform jobs.

use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use tucan_bus::{BusError, DeadLetter};
use tucan_model::Resource;
use tucan_model::user::Role;
use tucan_model::{ErrorCode, Problem};

use super::ApiTags;
use super::platform::Deleted;
use crate::auth::{Auth, Scope};
use crate::error::status::{AUTHED, BAD_REQUEST, NOT_FOUND};
use crate::error::{ApiError, ApiResult, Reply};
use crate::state::AppState;

/// A job that used its attempts or failed for good.
#[derive(Debug, Object)]
pub struct DeadJob {
    pub id: String,
    /// The tenant it worked for; absent for platform jobs.
    pub tenant_id: Option<String>,
    /// `flow`, `messages`, `campaigns`, `webhooks` or `system`.
    pub lane: String,
    /// The handler it was for, e.g. `http.deliver`.
    pub kind: String,
    pub payload: serde_json::Value,
    /// Deliveries made.
    pub attempts: u32,
    /// Why the last delivery failed.
    pub error: String,
    /// When it was given up, Unix milliseconds.
    pub failed_at_ms: i64,
}

#[derive(Debug, Object)]
pub struct DeadJobPage {
    /// Newest first.
    pub items: Vec<DeadJob>,
    /// Pass as `before` for the next page; absent on the last page.
    pub next_before: Option<String>,
}

#[derive(Debug, Object)]
pub struct ReplayedJob {
    /// The id of the job published again.
    pub job_id: String,
}

pub struct JobsApi {
    pub state: AppState,
}

fn default_limit() -> u32 {
    50
}

fn view(d: DeadLetter) -> DeadJob {
    DeadJob {
        id: d.id,
        tenant_id: d.tenant,
        lane: d.lane,
        kind: d.kind,
        payload: d.payload,
        attempts: d.attempts,
        error: d.error,
        failed_at_ms: d.failed_at_ms,
    }
}

impl From<BusError> for ApiError {
    fn from(e: BusError) -> Self {
        match e {
            BusError::Store(e) => e.into(),
            other => {
                tracing::error!(error = %other, "job bus failure");
                ApiError::new(ErrorCode::Unavailable, "the job queue is not available")
            }
        }
    }
}

impl JobsApi {
    /// The tenant whose dead jobs the caller manages: its own (tenant admins), or any
    /// (`None`, platform admins).
    async fn scope(&self, auth: &Auth) -> ApiResult<Option<String>> {
        auth.user()?;
        if auth.0.is_platform_admin() {
            return Ok(None);
        }
        let ctx = auth.tenant(&self.state, Scope::UsersRead).await?;
        ctx.require(Role::Admin)?;
        Ok(Some(ctx.tenant.id))
    }

    /// The dead job `id` if the caller may act on it; otherwise not found.
    async fn visible(&self, auth: &Auth, id: &str) -> ApiResult<DeadLetter> {
        let scope = self.scope(auth).await?;
        let dead = self.state.dead_letters.get(id).await?;
        match dead {
            Some(d) if scope.is_none() || d.tenant == scope => Ok(d),
            _ => Err(Problem::not_found(Resource::DeadJob).into()),
        }
    }

    async fn page(
        &self,
        tenant: Option<&str>,
        before: Option<&str>,
        limit: u32,
    ) -> ApiResult<DeadJobPage> {
        let limit = limit as usize;
        let mut items = self
            .state
            .dead_letters
            .list(tenant, before, limit + 1)
            .await?;
        let more = items.len() > limit;
        items.truncate(limit);
        let next_before = more.then(|| items.last().map(|d| d.id.clone())).flatten();
        Ok(DeadJobPage {
            items: items.into_iter().map(view).collect(),
            next_before,
        })
    }
}

#[OpenApi(prefix_path = "/api/jobs", tag = "ApiTags::Jobs")]
impl JobsApi {
    /// List dead jobs, newest first: a tenant admin sees the tenant's; a platform admin sees
    /// every tenant's, or one tenant's with `tenant_id`.
    #[oai(path = "/dead", method = "get")]
    async fn list_dead_jobs(
        &self,
        auth: Auth,
        tenant_id: Query<Option<String>>,
        /// The previous page's `next_before`.
        #[oai(validator(pattern = "^[0-9A-Za-z_-]{1,64}$"))]
        before: Query<Option<String>>,
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "500"))
        )]
        limit: Query<u32>,
    ) -> Reply<Json<DeadJobPage>, { AUTHED | BAD_REQUEST }> {
        let tenant = match self.scope(&auth).await? {
            Some(own) => Some(own),
            None => tenant_id.0,
        };
        Ok(Json(
            self.page(tenant.as_deref(), before.0.as_deref(), limit.0)
                .await?,
        ))
    }

    /// Get one dead job.
    #[oai(path = "/dead/:id", method = "get")]
    async fn get_dead_job(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<DeadJob>, { AUTHED | NOT_FOUND }> {
        Ok(Json(view(self.visible(&auth, &id).await?)))
    }

    /// Publish a dead job again with fresh attempts (same idempotency key, so an effect that
    /// did happen is not repeated by a receiver that honours it).
    #[oai(path = "/dead/:id/replay", method = "post")]
    async fn replay_dead_job(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<ReplayedJob>, { AUTHED | NOT_FOUND }> {
        self.visible(&auth, &id).await?;
        match self
            .state
            .dead_letters
            .replay(&id, self.state.bus.as_ref())
            .await?
        {
            Some(job_id) => Ok(Json(ReplayedJob { job_id })),
            None => Err(Problem::not_found(Resource::DeadJob).into()),
        }
    }

    /// Delete a dead job for good.
    #[oai(path = "/dead/:id", method = "delete")]
    async fn delete_dead_job(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Deleted, { AUTHED | NOT_FOUND }> {
        self.visible(&auth, &id).await?;
        self.state.dead_letters.discard(&id).await?;
        Ok(Deleted::NoContent)
    }
}
