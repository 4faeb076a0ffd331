//! The tenant's users. Supervisors and admins list them; admins change them.

use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use tucan_model::ErrorCode;
use tucan_model::tenancy::LimitKind;
use tucan_model::user::{NewUser, Role, User, UserPatch};

use super::ApiTags;
use super::platform::{Created, Deleted};
use crate::accounts;
use crate::auth::{Auth, Scope};
use crate::error::status::{AUTHED, BAD_REQUEST, BODY, CONFLICT, NOT_FOUND};
use crate::error::{ApiError, Reply};
use crate::state::AppState;

pub struct UsersApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/users", tag = "ApiTags::Users")]
impl UsersApi {
    /// List the tenant's users.
    #[oai(path = "/", method = "get")]
    async fn list_users(&self, auth: Auth) -> Reply<Json<Vec<User>>, { AUTHED }> {
        let ctx = auth.tenant(&self.state, Scope::UsersRead).await?;
        ctx.require(Role::Supervisor)?;
        Ok(Json(ctx.db.users().list().await?))
    }

    /// Create a user (counts against the plan's user limit).
    #[oai(path = "/", method = "post")]
    async fn create_user(
        &self,
        auth: Auth,
        body: Json<NewUser>,
    ) -> Reply<Created<User>, { AUTHED | BODY | CONFLICT }> {
        auth.user()?;
        let ctx = auth.tenant(&self.state, Scope::UsersRead).await?;
        ctx.require(Role::Admin)?;
        ctx.check_limit(LimitKind::Users, ctx.db.users().count().await?)?;
        let user = accounts::create_user(&self.state.store, Some(&ctx.db), body.0).await?;
        Ok(Created::Created(Json(user)))
    }

    /// Get a user. Agents may read only themselves.
    #[oai(path = "/:id", method = "get")]
    async fn get_user(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<User>, { AUTHED | NOT_FOUND }> {
        let ctx = auth.tenant(&self.state, Scope::UsersRead).await?;
        if ctx.principal.user_id != *id {
            ctx.require(Role::Supervisor)?;
        }
        Ok(Json(ctx.db.users().get(&id).await?))
    }

    /// Change a user.
    #[oai(path = "/:id", method = "patch")]
    async fn update_user(
        &self,
        auth: Auth,
        id: Path<String>,
        body: Json<UserPatch>,
    ) -> Reply<Json<User>, { AUTHED | BODY | NOT_FOUND | CONFLICT }> {
        auth.user()?;
        let ctx = auth.tenant(&self.state, Scope::UsersRead).await?;
        ctx.require(Role::Admin)?;
        if ctx.principal.user_id == *id && body.role.is_some_and(|r| r != Role::Admin) {
            return Err(
                ApiError::new(ErrorCode::InvalidField, "you cannot lower your own role").into(),
            );
        }
        Ok(Json(
            accounts::update_user(&self.state.store, &ctx.db, &id, body.0).await?,
        ))
    }

    /// Delete a user; its sessions end and it leaves every queue.
    #[oai(path = "/:id", method = "delete")]
    async fn delete_user(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Deleted, { AUTHED | BAD_REQUEST | NOT_FOUND }> {
        auth.user()?;
        let ctx = auth.tenant(&self.state, Scope::UsersRead).await?;
        ctx.require(Role::Admin)?;
        if ctx.principal.user_id == *id {
            return Err(
                ApiError::new(ErrorCode::InvalidField, "you cannot delete yourself").into(),
            );
        }
        accounts::delete_user(&self.state.store, &ctx.db, &id).await?;
        Ok(Deleted::NoContent)
    }
}
