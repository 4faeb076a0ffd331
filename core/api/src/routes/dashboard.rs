//! The supervisor's dashboard: ticket counts by status and queue, messages per day, mean
//! first-response and resolution times and agent activity, for supervisors and admins.

use chrono::Utc;
use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use tucan_model::dashboard::Dashboard;
use tucan_model::user::Role;
use tucan_model::{ErrorCode, Problem};

use super::ApiTags;
use crate::auth::{Auth, Scope};
use crate::error::Reply;
use crate::error::status::{AUTHED, BAD_REQUEST};
use crate::state::AppState;

/// Longest window the dashboard covers, in days.
const MAX_DAYS: u32 = 90;

pub struct DashboardApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/dashboard", tag = "ApiTags::Dashboard")]
impl DashboardApi {
    /// The dashboard over the last `days` days (1 to 90, default 14; the window starts at
    /// midnight UTC). Supervisors and admins.
    #[oai(path = "/", method = "get")]
    async fn get_dashboard(
        &self,
        auth: Auth,
        days: Query<Option<u32>>,
    ) -> Reply<Json<Dashboard>, { AUTHED | BAD_REQUEST }> {
        let ctx = auth.tenant(&self.state, Scope::TicketsRead).await?;
        ctx.require(Role::Supervisor)?;
        let days = days.0.unwrap_or(14);
        if !(1..=MAX_DAYS).contains(&days) {
            return Err(Problem::new(
                ErrorCode::InvalidField,
                format!("days must be 1 to {MAX_DAYS}"),
            )
            .into());
        }
        Ok(Json(ctx.db.dashboard(days, Utc::now()).await?))
    }
}
