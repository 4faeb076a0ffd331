//! Notices to the company's admins (a webhook endpoint the platform turned off, say): the
//! ones not dismissed yet, and dismissing one. Open apps also hear of new ones on the socket
//! (view `notices`).

use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use tucan_model::notice::Notice;
use tucan_model::user::Role;

use super::ApiTags;
use super::auth::Done;
use crate::auth::{Auth, Scope, TenantCtx};
use crate::error::status::{AUTHED, NOT_FOUND};
use crate::error::{ApiResult, Reply};
use crate::state::AppState;

pub struct NoticesApi {
    pub state: AppState,
}

impl NoticesApi {
    async fn admin(&self, auth: Auth, scope: Scope) -> ApiResult<TenantCtx> {
        let ctx = auth.tenant(&self.state, scope).await?;
        ctx.require(Role::Admin)?;
        Ok(ctx)
    }
}

#[OpenApi(prefix_path = "/api/notices", tag = "ApiTags::Notices")]
impl NoticesApi {
    /// The notices no admin has dismissed, newest first (at most 100).
    #[oai(path = "/", method = "get")]
    async fn list_notices(&self, auth: Auth) -> Reply<Json<Vec<Notice>>, { AUTHED }> {
        let ctx = self.admin(auth, Scope::SettingsRead).await?;
        Ok(Json(ctx.db.list_notices().await?))
    }

    /// Dismiss a notice for every admin of the company (dismissing it again changes nothing).
    #[oai(path = "/:id/dismiss", method = "post")]
    async fn dismiss_notice(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Done, { AUTHED | NOT_FOUND }> {
        let ctx = self.admin(auth, Scope::SettingsWrite).await?;
        ctx.db.dismiss_notice(&id.0, &ctx.principal.user_id).await?;
        Ok(Done::NoContent)
    }
}
