//! Tags and queues.

use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use tucan_model::inbox::{NewQueue, NewTag, Queue, QueuePatch, Tag, TagPatch};
use tucan_model::required_text;
use tucan_model::tenancy::LimitKind;
use tucan_model::user::Role;

use super::ApiTags;
use super::platform::{Created, Deleted};
use crate::auth::{Auth, Scope};
use crate::error::Reply;
use crate::error::status::{AUTHED, BODY, CONFLICT, NOT_FOUND};
use crate::state::AppState;

pub struct TagsApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/tags", tag = "ApiTags::Tags")]
impl TagsApi {
    /// List tags.
    #[oai(path = "/", method = "get")]
    async fn list_tags(&self, auth: Auth) -> Reply<Json<Vec<Tag>>, { AUTHED }> {
        let ctx = auth.tenant(&self.state, Scope::TagsRead).await?;
        Ok(Json(ctx.db.list_tags().await?))
    }

    /// Create a tag (supervisors and admins).
    #[oai(path = "/", method = "post")]
    async fn create_tag(
        &self,
        auth: Auth,
        body: Json<NewTag>,
    ) -> Reply<Created<Tag>, { AUTHED | BODY | CONFLICT }> {
        let ctx = auth.tenant(&self.state, Scope::TagsWrite).await?;
        ctx.require(Role::Supervisor)?;
        Ok(Created::Created(Json(
            ctx.db
                .create_tag(&required_text("name", &body.name, 60)?, &body.color)
                .await?,
        )))
    }

    /// Get a tag.
    #[oai(path = "/:id", method = "get")]
    async fn get_tag(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<Tag>, { AUTHED | NOT_FOUND }> {
        let ctx = auth.tenant(&self.state, Scope::TagsRead).await?;
        Ok(Json(ctx.db.get_tag(&id).await?))
    }

    /// Rename or recolour a tag.
    #[oai(path = "/:id", method = "patch")]
    async fn update_tag(
        &self,
        auth: Auth,
        id: Path<String>,
        body: Json<TagPatch>,
    ) -> Reply<Json<Tag>, { AUTHED | BODY | NOT_FOUND | CONFLICT }> {
        let ctx = auth.tenant(&self.state, Scope::TagsWrite).await?;
        ctx.require(Role::Supervisor)?;
        let mut tag = ctx.db.get_tag(&id).await?;
        if let Some(name) = &body.name {
            tag.name = required_text("name", name, 60)?;
        }
        if let Some(color) = &body.color {
            tag.color = color.clone();
        }
        Ok(Json(ctx.db.save_tag(&tag).await?))
    }

    /// Delete a tag; it is taken off every contact.
    #[oai(path = "/:id", method = "delete")]
    async fn delete_tag(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Deleted, { AUTHED | NOT_FOUND }> {
        let ctx = auth.tenant(&self.state, Scope::TagsWrite).await?;
        ctx.require(Role::Supervisor)?;
        ctx.db.delete_tag(&id).await?;
        Ok(Deleted::NoContent)
    }
}

pub struct QueuesApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/queues", tag = "ApiTags::Queues")]
impl QueuesApi {
    /// List queues.
    #[oai(path = "/", method = "get")]
    async fn list_queues(&self, auth: Auth) -> Reply<Json<Vec<Queue>>, { AUTHED }> {
        let ctx = auth.tenant(&self.state, Scope::QueuesRead).await?;
        Ok(Json(ctx.db.list_queues().await?))
    }

    /// Create a queue (admins; counts against the plan's queue limit).
    #[oai(path = "/", method = "post")]
    async fn create_queue(
        &self,
        auth: Auth,
        body: Json<NewQueue>,
    ) -> Reply<Created<Queue>, { AUTHED | BODY | CONFLICT }> {
        let ctx = auth.tenant(&self.state, Scope::QueuesWrite).await?;
        ctx.require(Role::Admin)?;
        ctx.check_limit(LimitKind::Queues, ctx.db.count_queues().await?)?;
        if let Some(h) = &body.business_hours {
            check_hours(h)?;
        }
        let bot = match body.bot.clone() {
            Some(b) => checked_bot(&ctx, b).await?,
            None => None,
        };
        let q = ctx
            .db
            .create_queue(&NewQueue {
                name: required_text("name", &body.name, 60)?,
                bot,
                ..body.0
            })
            .await?;
        Ok(Created::Created(Json(q)))
    }

    /// Get a queue.
    #[oai(path = "/:id", method = "get")]
    async fn get_queue(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<Queue>, { AUTHED | NOT_FOUND }> {
        let ctx = auth.tenant(&self.state, Scope::QueuesRead).await?;
        Ok(Json(ctx.db.get_queue(&id).await?))
    }

    /// Change a queue; `user_ids` replaces the users who serve it.
    #[oai(path = "/:id", method = "patch")]
    async fn update_queue(
        &self,
        auth: Auth,
        id: Path<String>,
        body: Json<QueuePatch>,
    ) -> Reply<Json<Queue>, { AUTHED | BODY | NOT_FOUND | CONFLICT }> {
        let ctx = auth.tenant(&self.state, Scope::QueuesWrite).await?;
        ctx.require(Role::Admin)?;
        let mut q = ctx.db.get_queue(&id).await?;
        let patch = body.0;
        if let Some(v) = patch.name {
            q.name = required_text("name", &v, 60)?;
        }
        if let Some(v) = patch.color {
            q.color = v;
        }
        if let Some(v) = patch.greeting {
            q.greeting = v;
        }
        if let Some(v) = patch.user_ids {
            q.user_ids = v;
        }
        if let Some(v) = patch.strategy {
            q.strategy = v;
        }
        if let Some(v) = patch.business_hours {
            check_hours(&v)?;
            q.business_hours = Some(v);
        }
        if let Some(v) = patch.auto_close {
            q.auto_close = Some(v);
        }
        if let Some(v) = patch.bot {
            q.bot = checked_bot(&ctx, v).await?;
        }
        Ok(Json(ctx.db.save_queue(&q).await?))
    }

    /// Delete a queue.
    #[oai(path = "/:id", method = "delete")]
    async fn delete_queue(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Deleted, { AUTHED | NOT_FOUND }> {
        let ctx = auth.tenant(&self.state, Scope::QueuesWrite).await?;
        ctx.require(Role::Admin)?;
        ctx.db.delete_queue(&id).await?;
        Ok(Deleted::NoContent)
    }

    /// Queues the given user serves.
    #[oai(path = "/of-user/:user_id", method = "get")]
    async fn queues_of_user(
        &self,
        auth: Auth,
        user_id: Path<String>,
    ) -> Reply<Json<Vec<Queue>>, { AUTHED | NOT_FOUND }> {
        let ctx = auth.tenant(&self.state, Scope::QueuesRead).await?;
        if ctx.principal.user_id != *user_id {
            ctx.require(Role::Supervisor)?;
        }
        ctx.db.users().get(&user_id).await?;
        Ok(Json(ctx.db.queues_of_user(&user_id).await?))
    }
}

/// A queue's opening hours, checked as the company's are.
/// A queue's bot as stored, its flow one of the company's.
async fn checked_bot(
    ctx: &crate::auth::TenantCtx,
    bot: tucan_model::inbox::QueueBot,
) -> Result<Option<tucan_model::inbox::QueueBot>, crate::error::ApiError> {
    let bot = bot.checked()?;
    if let Some(flow) = bot.as_ref().and_then(|b| b.flow_id.as_deref())
        && ctx.db.get_flow(flow).await.is_err()
    {
        return Err(tucan_model::Problem::invalid_field("bot", "no such flow").into());
    }
    Ok(bot)
}

fn check_hours(h: &tucan_model::hours::Schedule) -> Result<(), crate::error::ApiError> {
    h.check().map_err(|why| {
        crate::error::ApiError::from(tucan_model::Problem::invalid_field("business_hours", why))
    })
}
