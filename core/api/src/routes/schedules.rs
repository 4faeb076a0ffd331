//! Scheduled messages over REST: schedule a message to a contact (once or repeating), list,
//! read, edit and cancel. Agents see the messages they scheduled (and those on tickets they
//! see); supervisors and admins see the company's.

use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use tucan_model::ErrorCode;
use tucan_model::schedule::{
    NewSchedule, SchedulePage, SchedulePatch, ScheduleStatus, ScheduledMessage,
};
use tucan_model::user::Role;
use tucan_store::ScheduleQuery;

use super::ApiTags;
use super::platform::Created;
use super::tickets::visible_ticket;
use crate::auth::{Auth, Scope, TenantCtx};
use crate::error::status::{AUTHED, BAD_REQUEST, BODY, CONFLICT, NOT_FOUND};
use crate::error::{ApiError, ApiResult, Reply};
use crate::state::AppState;

pub struct SchedulesApi {
    pub state: AppState,
}

/// The scheduled message, when the caller may see it (404 otherwise).
async fn visible_schedule(
    state: &AppState,
    ctx: &TenantCtx,
    id: &str,
) -> ApiResult<ScheduledMessage> {
    let s = ctx.db.get_scheduled(id).await?;
    if ctx.principal.role >= Role::Supervisor || s.user_id == ctx.principal.user_id {
        return Ok(s);
    }
    match &s.ticket_id {
        Some(t) if visible_ticket(state, ctx, t).await.is_ok() => Ok(s),
        _ => Err(ApiError::new(
            ErrorCode::ScheduledMessageNotFound,
            "scheduled message not found",
        )),
    }
}

#[OpenApi(prefix_path = "/api/scheduled", tag = "ApiTags::Schedules")]
impl SchedulesApi {
    /// Scheduled messages, the next to go first: an agent's own, or the company's for
    /// supervisors and admins (`mine` narrows them to the caller's).
    #[oai(path = "/", method = "get")]
    async fn list_schedules(
        &self,
        auth: Auth,
        status: Query<Option<ScheduleStatus>>,
        contact_id: Query<Option<String>>,
        #[oai(default)] mine: Query<bool>,
        cursor: Query<Option<String>>,
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "500"))
        )]
        limit: Query<u32>,
    ) -> Reply<Json<SchedulePage>, { AUTHED | BAD_REQUEST }> {
        let ctx = auth.tenant(&self.state, Scope::TicketsRead).await?;
        let everyone = ctx.principal.role >= Role::Supervisor && !mine.0;
        let q = ScheduleQuery {
            status: status.0,
            contact_id: contact_id.0,
            user_id: (!everyone).then(|| ctx.principal.user_id.clone()),
            cursor: cursor.0,
            limit: limit.0,
        };
        Ok(Json(ctx.db.list_schedules(&q).await?))
    }

    /// Schedule a message to a contact from one of the company's numbers: text, a file
    /// (with its caption) or an approved template of a Cloud API number; once, or daily,
    /// weekly or monthly at the same time in the company's time zone. When it goes, it
    /// goes on the contact's live ticket on the number, or on a new one opened for whoever
    /// scheduled it.
    #[oai(path = "/", method = "post")]
    async fn create_schedule(
        &self,
        auth: Auth,
        body: Json<NewSchedule>,
    ) -> Reply<Created<ScheduledMessage>, { AUTHED | BODY | NOT_FOUND }> {
        let ctx = auth.tenant(&self.state, Scope::TicketsWrite).await?;
        let s = self
            .state
            .inbox
            .schedule(&ctx.db, &ctx.principal.user_id, &body.0)
            .await?;
        Ok(Created::Created(Json(s)))
    }

    /// A scheduled message.
    #[oai(path = "/:id", method = "get")]
    async fn get_schedule(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<ScheduledMessage>, { AUTHED | NOT_FOUND }> {
        let ctx = auth.tenant(&self.state, Scope::TicketsRead).await?;
        Ok(Json(visible_schedule(&self.state, &ctx, &id).await?))
    }

    /// Change a message that is still scheduled. A new `send_at` starts its repeats again
    /// from there.
    #[oai(path = "/:id", method = "patch")]
    async fn update_schedule(
        &self,
        auth: Auth,
        id: Path<String>,
        body: Json<SchedulePatch>,
    ) -> Reply<Json<ScheduledMessage>, { AUTHED | BODY | NOT_FOUND | CONFLICT }> {
        let ctx = auth.tenant(&self.state, Scope::TicketsWrite).await?;
        visible_schedule(&self.state, &ctx, &id).await?;
        let s = self
            .state
            .inbox
            .edit_schedule(&ctx.db, &id, &ctx.principal.user_id, &body.0)
            .await?;
        Ok(Json(s))
    }

    /// Cancel a scheduled message (a repeating one sends no more).
    #[oai(path = "/:id/cancel", method = "post")]
    async fn cancel_schedule(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<ScheduledMessage>, { AUTHED | NOT_FOUND | CONFLICT }> {
        let ctx = auth.tenant(&self.state, Scope::TicketsWrite).await?;
        visible_schedule(&self.state, &ctx, &id).await?;
        Ok(Json(self.state.inbox.cancel_scheduled(&ctx.db, &id).await?))
    }
}

fn default_limit() -> u32 {
    50
}
