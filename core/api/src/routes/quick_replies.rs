//! Quick replies: the company's shared ones and each user's own, with an optional file, and
//! their text filled in for a ticket as a preview.

use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use tucan_model::ErrorCode;
use tucan_model::inbox::{NewQuickReply, QuickReply, QuickReplyPatch, check_shortcut};
use tucan_model::user::Role;

use super::ApiTags;
use super::platform::{Created, Deleted};
use super::tickets::visible_ticket;
use crate::auth::{Auth, Scope, TenantCtx};
use crate::error::status::{AUTHED, BODY, CONFLICT, NOT_FOUND};
use crate::error::{ApiError, ApiResult, Reply};
use crate::state::AppState;

pub struct QuickRepliesApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/quick-replies", tag = "ApiTags::QuickReplies")]
impl QuickRepliesApi {
    /// The company's quick replies and the caller's own. With `ticket_id`, each carries its
    /// `preview`: its text filled in for that ticket.
    #[oai(path = "/", method = "get")]
    async fn list_quick_replies(
        &self,
        auth: Auth,
        ticket_id: Query<Option<String>>,
    ) -> Reply<Json<Vec<QuickReply>>, { AUTHED | NOT_FOUND }> {
        let ctx = auth.tenant(&self.state, Scope::QuickRepliesRead).await?;
        let me = ctx.principal.user_id.clone();
        let mut list = ctx.db.list_quick_replies(&me).await?;
        if let Some(ticket) = &ticket_id.0 {
            visible_ticket(&self.state, &ctx, ticket).await?;
            for q in &mut list {
                let filled = self
                    .state
                    .inbox
                    .fill_quick_reply(&ctx.db, ticket, &me, &q.message)
                    .await?;
                q.preview = Some(filled);
            }
        }
        Ok(Json(list))
    }

    /// Create a quick reply: a personal one (any user; an agent's always are), or one the
    /// whole company shares (supervisors and admins).
    #[oai(path = "/", method = "post")]
    async fn create_quick_reply(
        &self,
        auth: Auth,
        body: Json<NewQuickReply>,
    ) -> Reply<Created<QuickReply>, { AUTHED | BODY | CONFLICT }> {
        let ctx = auth.tenant(&self.state, Scope::QuickRepliesWrite).await?;
        let personal = body.personal || ctx.principal.role < Role::Supervisor;
        let me = ctx.principal.user_id.clone();
        let reply = QuickReply {
            id: String::new(),
            shortcut: check_shortcut(&body.shortcut)?,
            message: body.message.trim().to_string(),
            media_id: body.media_id.clone().filter(|m| !m.is_empty()),
            user_id: personal.then_some(me.clone()),
            preview: None,
            created_at: chrono::Utc::now(),
        };
        check_reply(&ctx, &reply, None).await?;
        Ok(Created::Created(Json(
            ctx.db.create_quick_reply(&reply).await?,
        )))
    }

    /// Get a quick reply (the company's, or the caller's own).
    #[oai(path = "/:id", method = "get")]
    async fn get_quick_reply(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<QuickReply>, { AUTHED | NOT_FOUND }> {
        let ctx = auth.tenant(&self.state, Scope::QuickRepliesRead).await?;
        Ok(Json(visible_reply(&ctx, &id).await?))
    }

    /// Change a quick reply: one's own, or a shared one (supervisors and admins).
    #[oai(path = "/:id", method = "patch")]
    async fn update_quick_reply(
        &self,
        auth: Auth,
        id: Path<String>,
        body: Json<QuickReplyPatch>,
    ) -> Reply<Json<QuickReply>, { AUTHED | BODY | NOT_FOUND | CONFLICT }> {
        let ctx = auth.tenant(&self.state, Scope::QuickRepliesWrite).await?;
        let mut r = editable_reply(&ctx, &id).await?;
        let before = r.media_id.clone();
        if let Some(s) = &body.shortcut {
            r.shortcut = check_shortcut(s)?;
        }
        if let Some(m) = &body.message {
            r.message = m.trim().to_string();
        }
        if let Some(m) = &body.media_id {
            r.media_id = Some(m.clone()).filter(|m| !m.is_empty());
        }
        check_reply(&ctx, &r, before.as_deref()).await?;
        Ok(Json(ctx.db.save_quick_reply(&r).await?))
    }

    /// Delete a quick reply: one's own, or a shared one (supervisors and admins).
    #[oai(path = "/:id", method = "delete")]
    async fn delete_quick_reply(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Deleted, { AUTHED | NOT_FOUND }> {
        let ctx = auth.tenant(&self.state, Scope::QuickRepliesWrite).await?;
        editable_reply(&ctx, &id).await?;
        ctx.db.delete_quick_reply(&id).await?;
        Ok(Deleted::NoContent)
    }
}

/// A quick reply the caller may use: the company's, or their own (another user's personal
/// one does not exist for them).
async fn visible_reply(ctx: &TenantCtx, id: &str) -> ApiResult<QuickReply> {
    let r = ctx.db.get_quick_reply(id).await?;
    match &r.user_id {
        Some(owner) if *owner != ctx.principal.user_id => Err(ApiError::new(
            ErrorCode::QuickReplyNotFound,
            "quick reply not found",
        )),
        _ => Ok(r),
    }
}

/// A quick reply the caller may change: their own, or a shared one for supervisors and
/// admins.
async fn editable_reply(ctx: &TenantCtx, id: &str) -> ApiResult<QuickReply> {
    let r = visible_reply(ctx, id).await?;
    if r.user_id.is_none() {
        ctx.require(Role::Supervisor)?;
    }
    Ok(r)
}

/// Text or a file; a new file is one the caller uploaded.
async fn check_reply(ctx: &TenantCtx, r: &QuickReply, old_file: Option<&str>) -> ApiResult<()> {
    if r.message.is_empty() && r.media_id.is_none() {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            "a quick reply needs a message or a media_id",
        ));
    }
    if let Some(m) = r.media_id.as_deref().filter(|m| Some(*m) != old_file) {
        let unknown = || ApiError::new(ErrorCode::InvalidField, "unknown media id");
        let file = ctx.db.get_media(m).await.map_err(|_| unknown())?;
        if file.created_by != ctx.principal.user_id {
            return Err(unknown());
        }
    }
    Ok(())
}
