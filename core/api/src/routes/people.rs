//! The people of the inbox: the signed-in agent's presence (online agents take tickets from
//! round-robin and least-busy queues) and the company's agents, as every user may see them
//! to transfer a ticket or see who is online.

use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use tucan_model::dashboard::Colleague;

use super::ApiTags;
use crate::auth::{Auth, Scope};
use crate::error::Reply;
use crate::error::status::{AUTHED, BODY};
use crate::state::AppState;

pub struct PeopleApi {
    pub state: AppState,
}

#[derive(Debug, Object)]
pub struct Presence {
    /// Online agents take tickets from round-robin and least-busy queues.
    pub online: bool,
}

#[derive(ApiResponse)]
pub enum PresenceSet {
    /// Saved.
    #[oai(status = 204)]
    NoContent,
}

#[OpenApi(prefix_path = "/api/inbox", tag = "ApiTags::Tickets")]
impl PeopleApi {
    /// Whether the signed-in user is online for automatic assignment.
    #[oai(path = "/presence", method = "get")]
    async fn get_presence(&self, auth: Auth) -> Reply<Json<Presence>, { AUTHED }> {
        let user = auth.user()?.user_id.clone();
        let ctx = auth.tenant(&self.state, Scope::TicketsRead).await?;
        Ok(Json(Presence {
            online: ctx.db.is_online(&user).await?,
        }))
    }

    /// Go online or offline for automatic assignment; going online hands the agent the
    /// tickets waiting in its queues, up to its limit.
    #[oai(path = "/presence", method = "put")]
    async fn set_presence(
        &self,
        auth: Auth,
        body: Json<Presence>,
    ) -> Reply<PresenceSet, { AUTHED | BODY }> {
        let user = auth.user()?.user_id.clone();
        let ctx = auth.tenant(&self.state, Scope::TicketsWrite).await?;
        ctx.db.set_online(&user, body.online).await?;
        if body.online {
            self.state.inbox.assign_waiting(&ctx.db, &user).await?;
        }
        Ok(PresenceSet::NoContent)
    }

    /// The company's users with their role, whether they are online and their open tickets:
    /// whom a ticket can be transferred to. Any role.
    #[oai(path = "/agents", method = "get")]
    async fn list_agents(&self, auth: Auth) -> Reply<Json<Vec<Colleague>>, { AUTHED }> {
        let ctx = auth.tenant(&self.state, Scope::TicketsRead).await?;
        Ok(Json(ctx.db.colleagues().await?))
    }
}
