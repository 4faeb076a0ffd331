//! Connections (the company's WhatsApp numbers) and the simulator that plays the customers
//! of a `simulator` connection: send as a phone number, see what the phone received, read.

use base64::Engine as _;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use tucan_channels::simulator::{CustomerMessage, SimError};
use tucan_channels::{ChannelError, IncomingFile, SinkError, Taken};
use tucan_inbox::InboxError;
use tucan_model::ids::new_id;
use tucan_model::phone::{check_group_id, normalize_phone};
use tucan_model::tenancy::LimitKind;
use tucan_model::ticket::{
    ChannelKind, Connection, ConnectionPatch, GroupChat, MessageTemplate, NewConnection,
    SimInbound, SimMessage, SimRead, SimTyping, StatusChange, default_pace,
};
use tucan_model::user::Role;
use tucan_model::{ErrorCode, Problem, required_text};

use super::ApiTags;
use super::platform::{Created, Deleted};
use crate::auth::{Auth, Scope, TenantCtx};
use crate::error::status::{AUTHED, BAD_REQUEST, BODY, CONFLICT, NOT_FOUND};
use crate::error::{ApiError, ApiResult, Reply};
use crate::state::AppState;

pub struct ConnectionsApi {
    pub state: AppState,
}

/// What the API answers when a played customer's message is not taken.
fn sim_error(e: SimError) -> ApiError {
    match e {
        SimError::Invalid { field, message } => Problem::invalid_field(field, message).into(),
        SimError::Phone(e) => channel_error(e),
        SimError::Inbox(SinkError::Refused(p)) => p.into(),
        SimError::Inbox(SinkError::Failed(why)) => {
            tracing::error!(error = %why, "simulated message not taken");
            ApiError::internal()
        }
    }
}

/// A channel's failure: the channel unavailable (try again), or the request refused.
fn channel_error(e: ChannelError) -> ApiError {
    match e {
        ChannelError::Unavailable(why) => {
            tracing::warn!(error = %why, "channel unavailable");
            ApiError::new(
                ErrorCode::Unavailable,
                "the channel is not available; try again",
            )
        }
        ChannelError::Rejected(why) => ApiError::new(ErrorCode::InvalidField, why),
    }
}

/// A chat of the simulated phone: a group's id, or a number read in the company's country.
fn sim_chat_of(chat: &str, country: &str) -> Result<String, ApiError> {
    match check_group_id(chat) {
        Ok(group) => Ok(group),
        Err(_) => Ok(normalize_phone(chat, country)?),
    }
}

/// What a simulated message did.
#[derive(Debug, Object)]
pub struct SimDelivery {
    pub message_id: String,
    pub ticket_id: String,
    /// The channel had delivered this message id before: nothing new was written.
    pub duplicate: bool,
    /// The channel id the message went in with.
    pub channel_id: String,
}

#[derive(Debug, Object)]
pub struct SimTypingResult {
    /// The customer has an open ticket on this number, whose agents were told.
    pub shown: bool,
}

#[derive(Debug, Object)]
pub struct SimReadResult {
    /// How many received messages were newly read.
    pub read: u32,
}

#[derive(ApiResponse)]
pub enum Accepted<T: poem_openapi::types::ToJSON> {
    /// Taken.
    #[oai(status = 202)]
    Accepted(Json<T>),
}

/// The number as Meta shows it, or what went wrong asking.
#[derive(Debug, Object)]
pub struct NumberCheck {
    /// True when Meta answered with the number.
    pub ok: bool,
    pub verified_name: Option<String>,
    pub display_phone_number: Option<String>,
    /// `GREEN`, `YELLOW`, `RED` or `UNKNOWN`.
    pub quality_rating: Option<String>,
    /// Meta's error, as it said it.
    pub error: Option<String>,
}

impl ConnectionsApi {
    /// A connection as the caller may see it: the pairing code (which links a phone to the
    /// number) and the Cloud API settings only for admins; the webhook URL filled in.
    fn shown(&self, ctx: &TenantCtx, mut c: Connection) -> Connection {
        if ctx.principal.role < Role::Admin {
            c.pairing = None;
            c.cloud_api = None;
        }
        if let Some(view) = &mut c.cloud_api {
            view.webhook_url = Some(format!(
                "{}{}",
                self.state.settings.public_url.trim_end_matches('/'),
                crate::routes::whatsapp::webhook_path(ctx.db.tenant_id(), &c.id)
            ));
        }
        c
    }
}

async fn check_refs(ctx: &TenantCtx, flow: Option<&str>, queue: Option<&str>) -> ApiResult<()> {
    if let Some(f) = flow.filter(|f| !f.is_empty()) {
        ctx.db
            .get_flow(f)
            .await
            .map_err(|_| ApiError::new(ErrorCode::InvalidField, "unknown default_flow_id"))?;
    }
    if let Some(q) = queue.filter(|q| !q.is_empty()) {
        ctx.db
            .get_queue(q)
            .await
            .map_err(|_| ApiError::new(ErrorCode::InvalidField, "unknown default_queue_id"))?;
    }
    Ok(())
}

impl ConnectionsApi {
    /// The Cloud API connection `id`, for an admin acting on it with Meta.
    async fn cloud_connection(&self, auth: &Auth, id: &str) -> ApiResult<(TenantCtx, Connection)> {
        let ctx = auth.tenant(&self.state, Scope::ConnectionsWrite).await?;
        ctx.require(Role::Admin)?;
        let conn = ctx.db.get_connection(id).await?;
        if conn.kind != ChannelKind::CloudApi {
            return Err(ApiError::new(
                ErrorCode::InvalidParam,
                "only Cloud API numbers are handled with Meta",
            ));
        }
        Ok((ctx, conn))
    }

    /// The simulator connection `id`, for a supervisor or admin playing its customers.
    async fn simulator(&self, auth: &Auth, id: &str) -> ApiResult<(TenantCtx, Connection)> {
        let ctx = auth.tenant(&self.state, Scope::ConnectionsWrite).await?;
        ctx.require(Role::Supervisor)?;
        let conn = ctx.db.get_connection(id).await?;
        if conn.kind != ChannelKind::Simulator {
            return Err(ApiError::new(
                ErrorCode::InvalidParam,
                "only simulator connections have a simulated phone",
            ));
        }
        Ok((ctx, conn))
    }
}

#[OpenApi(prefix_path = "/api/connections", tag = "ApiTags::Connections")]
impl ConnectionsApi {
    /// List connections.
    #[oai(path = "/", method = "get")]
    async fn list_connections(&self, auth: Auth) -> Reply<Json<Vec<Connection>>, { AUTHED }> {
        let ctx = auth.tenant(&self.state, Scope::ConnectionsRead).await?;
        let all = ctx.db.list_connections().await?;
        Ok(Json(all.into_iter().map(|c| self.shown(&ctx, c)).collect()))
    }

    /// Add a connection (admins; counts against the plan's connection limit). A simulator
    /// connects at once.
    #[oai(path = "/", method = "post")]
    async fn create_connection(
        &self,
        auth: Auth,
        body: Json<NewConnection>,
    ) -> Reply<Created<Connection>, { AUTHED | BODY | CONFLICT }> {
        let ctx = auth.tenant(&self.state, Scope::ConnectionsWrite).await?;
        ctx.require(Role::Admin)?;
        ctx.check_limit(LimitKind::Connections, ctx.db.count_connections().await?)?;
        check_refs(
            &ctx,
            body.default_flow_id.as_deref(),
            body.default_queue_id.as_deref(),
        )
        .await?;
        let new = NewConnection {
            name: required_text("name", &body.name, 80)?,
            phone: normalize_phone(&body.phone, &ctx.tenant.country)?,
            default_flow_id: body.default_flow_id.clone().filter(|s| !s.is_empty()),
            default_queue_id: body.default_queue_id.clone().filter(|s| !s.is_empty()),
            messages_per_minute: Some(body.messages_per_minute.unwrap_or(default_pace(body.kind))),
            ..body.0
        };
        let id = new_id();
        let cloud = match (new.kind, &new.cloud_api) {
            (ChannelKind::CloudApi, Some(given)) => {
                Some(self.state.inbox.seal_cloud_settings(&id, given, None)?)
            }
            (ChannelKind::CloudApi, None) => {
                return Err(Problem::invalid_field(
                    "cloud_api",
                    "a cloud_api connection needs its cloud_api settings",
                )
                .into());
            }
            (_, Some(_)) => {
                return Err(Problem::invalid_field(
                    "cloud_api",
                    "only a cloud_api connection takes cloud_api settings",
                )
                .into());
            }
            (_, None) => None,
        };
        let conn = ctx
            .db
            .create_connection_with(&id, &new, cloud.as_ref())
            .await?;
        let conn = self.state.inbox.connect(&ctx.db, &conn).await?;
        Ok(Created::Created(Json(self.shown(&ctx, conn))))
    }

    /// Get a connection, with its status and (for admins, while pairing) its pairing code.
    #[oai(path = "/:id", method = "get")]
    async fn get_connection(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<Connection>, { AUTHED | NOT_FOUND }> {
        let ctx = auth.tenant(&self.state, Scope::ConnectionsRead).await?;
        let conn = ctx.db.get_connection(&id).await?;
        Ok(Json(self.shown(&ctx, conn)))
    }

    /// Change a connection's name, default flow and queue, greeting, farewell or pacing.
    #[oai(path = "/:id", method = "patch")]
    async fn update_connection(
        &self,
        auth: Auth,
        id: Path<String>,
        body: Json<ConnectionPatch>,
    ) -> Reply<Json<Connection>, { AUTHED | BODY | NOT_FOUND | CONFLICT }> {
        let ctx = auth.tenant(&self.state, Scope::ConnectionsWrite).await?;
        ctx.require(Role::Admin)?;
        let mut c = ctx.db.get_connection(&id).await?;
        let p = body.0;
        // The Cloud API settings are checked and sealed before anything is written, so a
        // refused change changes nothing.
        let sealed = match &p.cloud_api {
            None => None,
            Some(_) if c.kind != ChannelKind::CloudApi => {
                return Err(Problem::invalid_field(
                    "cloud_api",
                    "only a cloud_api connection takes cloud_api settings",
                )
                .into());
            }
            Some(given) => {
                let saved = ctx.db.cloud_settings(&c.id).await?;
                Some(
                    self.state
                        .inbox
                        .seal_cloud_settings(&c.id, given, saved.as_ref())?,
                )
            }
        };
        check_refs(
            &ctx,
            p.default_flow_id.as_deref(),
            p.default_queue_id.as_deref(),
        )
        .await?;
        if let Some(v) = p.name {
            c.name = required_text("name", &v, 80)?;
        }
        if let Some(v) = p.default_flow_id {
            c.default_flow_id = Some(v).filter(|s| !s.is_empty());
        }
        if let Some(v) = p.default_queue_id {
            c.default_queue_id = Some(v).filter(|s| !s.is_empty());
        }
        if let Some(v) = p.greeting {
            c.greeting = v;
        }
        if let Some(v) = p.farewell {
            c.farewell = v;
        }
        if let Some(v) = p.messages_per_minute {
            c.messages_per_minute = v;
        }
        let c = ctx.db.save_connection(&c).await?;
        let Some(sealed) = sealed else {
            return Ok(Json(self.shown(&ctx, c)));
        };
        let c = ctx.db.save_cloud_settings(&c.id, &sealed).await?;
        // Check the new settings with Meta now (the channel opens with them on each use).
        let c = self.state.inbox.connect(&ctx.db, &c).await?;
        Ok(Json(self.shown(&ctx, c)))
    }

    /// The message templates of a Cloud API number, as last synced from Meta.
    #[oai(path = "/:id/templates", method = "get")]
    async fn list_templates(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<Vec<MessageTemplate>>, { AUTHED | NOT_FOUND }> {
        let ctx = auth.tenant(&self.state, Scope::TicketsRead).await?;
        let conn = ctx.db.get_connection(&id).await?;
        Ok(Json(ctx.db.list_templates(&conn.id).await?))
    }

    /// Bring a Cloud API number's message templates from its Meta account (admins).
    #[oai(path = "/:id/templates/sync", method = "post")]
    async fn sync_templates(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<Vec<MessageTemplate>>, { AUTHED | BAD_REQUEST | NOT_FOUND }> {
        let (ctx, conn) = self.cloud_connection(&auth, &id).await?;
        Ok(Json(self.state.inbox.sync_templates(&ctx.db, &conn).await?))
    }

    /// Ask Meta about a Cloud API number (admins): its name and quality rating, or Meta's
    /// exact error.
    #[oai(path = "/:id/verify", method = "post")]
    async fn verify_connection(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<NumberCheck>, { AUTHED | BAD_REQUEST | NOT_FOUND }> {
        let (ctx, conn) = self.cloud_connection(&auth, &id).await?;
        Ok(Json(
            match self.state.inbox.verify_cloud_api(&ctx.db, &conn).await {
                Ok(n) => NumberCheck {
                    ok: true,
                    verified_name: Some(n.verified_name),
                    display_phone_number: Some(n.display_phone_number),
                    quality_rating: Some(n.quality_rating),
                    error: None,
                },
                Err(InboxError::Channel(why)) => NumberCheck {
                    ok: false,
                    verified_name: None,
                    display_phone_number: None,
                    quality_rating: None,
                    error: Some(why),
                },
                Err(e) => return Err(e.into()),
            },
        ))
    }

    /// Remove a connection (its tickets and messages stay).
    #[oai(path = "/:id", method = "delete")]
    async fn delete_connection(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Deleted, { AUTHED | NOT_FOUND }> {
        let ctx = auth.tenant(&self.state, Scope::ConnectionsWrite).await?;
        ctx.require(Role::Admin)?;
        let conn = ctx.db.get_connection(&id).await?;
        self.state.inbox.disconnect(&ctx.db, &conn).await?;
        ctx.db.delete_connection(&id).await?;
        Ok(Deleted::NoContent)
    }

    /// Connect (or reconnect) a connection.
    #[oai(path = "/:id/connect", method = "post")]
    async fn connect(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<Connection>, { AUTHED | NOT_FOUND }> {
        let ctx = auth.tenant(&self.state, Scope::ConnectionsWrite).await?;
        ctx.require(Role::Admin)?;
        let conn = ctx.db.get_connection(&id).await?;
        let conn = self.state.inbox.connect(&ctx.db, &conn).await?;
        Ok(Json(self.shown(&ctx, conn)))
    }

    /// Disconnect a connection.
    #[oai(path = "/:id/disconnect", method = "post")]
    async fn disconnect(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<Connection>, { AUTHED | NOT_FOUND }> {
        let ctx = auth.tenant(&self.state, Scope::ConnectionsWrite).await?;
        ctx.require(Role::Admin)?;
        let conn = ctx.db.get_connection(&id).await?;
        let conn = self.state.inbox.disconnect(&ctx.db, &conn).await?;
        Ok(Json(self.shown(&ctx, conn)))
    }

    /// A connection's status changes, newest first.
    #[oai(path = "/:id/history", method = "get")]
    async fn connection_history(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<Vec<StatusChange>>, { AUTHED | NOT_FOUND }> {
        let ctx = auth.tenant(&self.state, Scope::ConnectionsRead).await?;
        ctx.db.get_connection(&id).await?;
        Ok(Json(ctx.db.connection_history(&id).await?))
    }

    /// The simulated customer `from` sends a message to the simulator number (supervisors
    /// and admins). It goes through the same pipeline as a WhatsApp message.
    #[oai(path = "/:id/simulator/messages", method = "post")]
    async fn simulate_message(
        &self,
        auth: Auth,
        id: Path<String>,
        body: Json<SimInbound>,
    ) -> Reply<Accepted<SimDelivery>, { AUTHED | BODY | NOT_FOUND }> {
        let (ctx, conn) = self.simulator(&auth, &id).await?;
        let body = body.0;
        let phone = normalize_phone(&body.from, &ctx.tenant.country)?;
        let file = match &body.media_base64 {
            Some(data) => Some(IncomingFile {
                bytes: base64::engine::general_purpose::STANDARD
                    .decode(data.trim())
                    .map_err(|_| {
                        Problem::invalid_field("media_base64", "media_base64 is not base64")
                    })?,
                filename: body.filename.clone(),
            }),
            None => None,
        };
        let group = match body.group {
            Some(g) => Some(GroupChat {
                id: check_group_id(&g.id)?,
                subject: g.subject,
            }),
            None => None,
        };
        let delivered = self
            .state
            .inbox
            .simulator(ctx.db.tenant_id(), &conn)
            .customer_writes(CustomerMessage {
                from: phone,
                name: body.name,
                kind: body.kind,
                text: body.text,
                file,
                media_url: body.media_url,
                quoted: body.quoted,
                group,
                id: body.id,
            })
            .await
            .map_err(sim_error)?;
        let Taken::Message {
            message_id,
            ticket_id,
            duplicate,
        } = delivered.taken
        else {
            return Err(ApiError::internal().into());
        };
        Ok(Accepted::Accepted(Json(SimDelivery {
            message_id,
            ticket_id,
            duplicate,
            channel_id: delivered.channel_id,
        })))
    }

    /// The simulated customer `phone` is writing (`composing`, `recording`) or stopped
    /// (`paused`): agents who see its open ticket get a `typing` event on the ticket's view.
    /// `shown` is false when the customer has no open ticket on this number.
    #[oai(path = "/:id/simulator/typing", method = "post")]
    async fn simulate_typing(
        &self,
        auth: Auth,
        id: Path<String>,
        body: Json<SimTyping>,
    ) -> Reply<Json<SimTypingResult>, { AUTHED | BODY | NOT_FOUND }> {
        let (ctx, conn) = self.simulator(&auth, &id).await?;
        let phone = normalize_phone(&body.phone, &ctx.tenant.country)?;
        let group = body.group.as_deref().map(check_group_id).transpose()?;
        let shown = self
            .state
            .inbox
            .customer_typing(&ctx.db, &conn.id, &phone, group.as_deref(), body.state)
            .await?;
        Ok(Json(SimTypingResult { shown }))
    }

    /// The simulated phones of a simulator connection, the most recently active first, each
    /// with its last message.
    #[oai(path = "/:id/simulator/chats", method = "get")]
    async fn simulator_chats(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<Vec<SimMessage>>, { AUTHED | BAD_REQUEST | NOT_FOUND }> {
        let (ctx, conn) = self.simulator(&auth, &id).await?;
        Ok(Json(ctx.db.sim_phones(&conn.id).await?))
    }

    /// What the simulated phone `phone` (or the group chat of that id) sent and received,
    /// oldest first.
    #[oai(path = "/:id/simulator/chats/:phone", method = "get")]
    async fn simulator_chat(
        &self,
        auth: Auth,
        id: Path<String>,
        phone: Path<String>,
    ) -> Reply<Json<Vec<SimMessage>>, { AUTHED | BAD_REQUEST | NOT_FOUND }> {
        let (ctx, conn) = self.simulator(&auth, &id).await?;
        let chat = sim_chat_of(&phone, &ctx.tenant.country)?;
        Ok(Json(ctx.db.sim_chat(&conn.id, &chat).await?))
    }

    /// The simulated customer reads what it received in a chat (a number or a group's id):
    /// read receipts go back.
    #[oai(path = "/:id/simulator/read", method = "post")]
    async fn simulator_read(
        &self,
        auth: Auth,
        id: Path<String>,
        body: Json<SimRead>,
    ) -> Reply<Json<SimReadResult>, { AUTHED | BODY | NOT_FOUND }> {
        let (ctx, conn) = self.simulator(&auth, &id).await?;
        let chat = sim_chat_of(&body.phone, &ctx.tenant.country)?;
        let read = self
            .state
            .inbox
            .simulator(ctx.db.tenant_id(), &conn)
            .customer_reads(&chat)
            .await
            .map_err(channel_error)?;
        Ok(Json(SimReadResult { read: read as u32 }))
    }
}
