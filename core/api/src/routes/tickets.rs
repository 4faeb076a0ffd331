//! The shared inbox over REST: ticket lists and pages of messages, sending, notes, every
//! ticket action, the timeline, scheduled messages and media files (presence and the
//! company's agents are in `people.rs`). Agents reach only tickets of their queues and
//! their own; for them any other ticket does not exist (404).

use chrono::{DateTime, Utc};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, Object, OpenApi};
use tucan_inbox::{Actor, TicketAction};
use tucan_model::ErrorCode;
use tucan_model::conversation::{ConversationStarted, NewConversation};
use tucan_model::dashboard::StatusCounts;
use tucan_model::schedule::{NewScheduledMessage, ScheduledMessage};
use tucan_model::ticket::{
    Message, NewMessage, NewNote, TemplateUse, Ticket, TicketLogEntry, TicketStatus, Transfer,
    Typing,
};
use tucan_model::user::Role;
use tucan_store::{MediaRow, TicketQuery, Visibility};

use super::ApiTags;
use super::platform::Created;
use crate::auth::{Auth, Scope, TenantCtx};
use crate::error::status::{AUTHED, BAD_REQUEST, BODY, CONFLICT, NOT_FOUND};
use crate::error::{ApiError, ApiResult, Reply};
use crate::state::AppState;

pub struct TicketsApi {
    pub state: AppState,
}

#[derive(ApiResponse)]
pub enum Shown {
    /// Passed to the channel.
    #[oai(status = 204)]
    NoContent,
}

#[derive(Debug, Object)]
pub struct TicketPageView {
    pub items: Vec<Ticket>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Object)]
pub struct MessagePageView {
    /// Oldest first.
    pub items: Vec<Message>,
    /// Pass as `before` for the older page; absent at the start of the conversation.
    pub next_cursor: Option<String>,
}

/// A stored file.
#[derive(Debug, Object)]
pub struct MediaView {
    pub id: String,
    /// Taken from the content, not the name.
    pub mime: String,
    pub filename: Option<String>,
    pub size: u64,
    pub created_at: DateTime<Utc>,
}

impl From<MediaRow> for MediaView {
    fn from(m: MediaRow) -> Self {
        MediaView {
            id: m.id,
            mime: m.mime,
            filename: m.filename,
            size: m.size,
            created_at: m.created_at,
        }
    }
}

#[derive(ApiResponse)]
pub enum MediaFile {
    /// The file.
    #[oai(status = 200)]
    File(
        Binary<Vec<u8>>,
        #[oai(header = "content-type")] String,
        #[oai(header = "x-content-type-options")] String,
    ),
}

fn default_limit() -> u32 {
    50
}

/// What the caller may see of the tenant's tickets: `None` is everything.
pub(crate) async fn visibility(state: &AppState, ctx: &TenantCtx) -> ApiResult<Option<Visibility>> {
    if ctx.principal.role >= Role::Supervisor {
        return Ok(None);
    }
    let queue_ids = ctx
        .db
        .queues_of_user(&ctx.principal.user_id)
        .await?
        .into_iter()
        .map(|q| q.id)
        .collect();
    let settings = state.runtime.settings_of(&ctx.db).await?;
    Ok(Some(Visibility {
        user_id: ctx.principal.user_id.clone(),
        queue_ids,
        unassigned_pending: unassigned_pending(&settings),
    }))
}

/// The company's `agents_see_unassigned_pending` (on unless turned off).
pub(crate) fn unassigned_pending(settings: &tucan_runtime::TenantSettings) -> bool {
    tucan_model::settings::value_of(&settings.stored, "agents_see_unassigned_pending")
        .as_bool()
        .unwrap_or(true)
}

/// The ticket, if the caller may see it (404 otherwise, as for a ticket that does not exist).
pub(crate) async fn visible_ticket(
    state: &AppState,
    ctx: &TenantCtx,
    id: &str,
) -> ApiResult<Ticket> {
    let ticket = ctx.db.get_ticket(id).await?;
    match visibility(state, ctx).await? {
        Some(v)
            if !v.sees(
                ticket.queue_id.as_deref(),
                ticket.user_id.as_deref(),
                Some(ticket.status.as_str()),
            ) && !ticket.mentioned.contains(&ctx.principal.user_id) =>
        {
            Err(ApiError::new(ErrorCode::TicketNotFound, "ticket not found"))
        }
        _ => Ok(ticket),
    }
}

impl TicketsApi {
    async fn act(&self, auth: Auth, id: &str, action: TicketAction) -> ApiResult<Json<Ticket>> {
        let ctx = auth.tenant(&self.state, Scope::TicketsWrite).await?;
        visible_ticket(&self.state, &ctx, id).await?;
        let actor = Actor::user(&ctx.principal.user_id);
        Ok(Json(
            self.state.inbox.act(&ctx.db, id, &actor, action).await?,
        ))
    }
}

#[OpenApi(tag = "ApiTags::Tickets")]
impl TicketsApi {
    /// Tickets, most recent activity first, by status, queue, agent, contact, number
    /// (`connection_id`), when they were opened (`since` ≤ opened < `until`), tag, group
    /// chats or not (`group`), or a search of the contact's name and number and the last
    /// message.
    #[allow(clippy::too_many_arguments)] // one per query parameter
    #[oai(path = "/api/tickets", method = "get")]
    async fn list_tickets(
        &self,
        auth: Auth,
        status: Query<Option<TicketStatus>>,
        queue_id: Query<Option<String>>,
        user_id: Query<Option<String>>,
        contact_id: Query<Option<String>>,
        connection_id: Query<Option<String>>,
        since: Query<Option<DateTime<Utc>>>,
        until: Query<Option<DateTime<Utc>>>,
        tag: Query<Option<String>>,
        group: Query<Option<bool>>,
        search: Query<Option<String>>,
        cursor: Query<Option<String>>,
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "200"))
        )]
        limit: Query<u32>,
    ) -> Reply<Json<TicketPageView>, { AUTHED | BAD_REQUEST }> {
        let ctx = auth.tenant(&self.state, Scope::TicketsRead).await?;
        let page = ctx
            .db
            .list_tickets(&TicketQuery {
                status: status.0,
                queue_id: queue_id.0,
                user_id: user_id.0,
                contact_id: contact_id.0,
                connection_id: connection_id.0,
                since: since.0,
                until: until.0,
                tag: tag.0,
                group: group.0,
                search: search.0,
                cursor: cursor.0,
                limit: limit.0,
                visible_to: visibility(&self.state, &ctx).await?,
            })
            .await?;
        Ok(Json(TicketPageView {
            items: page.items,
            next_cursor: page.next_cursor,
        }))
    }

    /// How many tickets of each status the caller may see, in one queue when given: the
    /// inbox's tab badges.
    #[oai(path = "/api/tickets/counts", method = "get")]
    async fn count_tickets(
        &self,
        auth: Auth,
        queue_id: Query<Option<String>>,
    ) -> Reply<Json<StatusCounts>, { AUTHED }> {
        let ctx = auth.tenant(&self.state, Scope::TicketsRead).await?;
        let visible = visibility(&self.state, &ctx).await?;
        Ok(Json(
            ctx.db
                .count_tickets(queue_id.0.as_deref(), visible.as_ref())
                .await?,
        ))
    }

    /// Get a ticket.
    #[oai(path = "/api/tickets/:id", method = "get")]
    async fn get_ticket(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<Ticket>, { AUTHED | NOT_FOUND }> {
        let ctx = auth.tenant(&self.state, Scope::TicketsRead).await?;
        Ok(Json(visible_ticket(&self.state, &ctx, &id).await?))
    }

    /// A ticket's messages and notes, newest page first (each page oldest first); `before`
    /// pages back.
    #[oai(path = "/api/tickets/:id/messages", method = "get")]
    async fn list_messages(
        &self,
        auth: Auth,
        id: Path<String>,
        before: Query<Option<String>>,
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "200"))
        )]
        limit: Query<u32>,
    ) -> Reply<Json<MessagePageView>, { AUTHED | BAD_REQUEST | NOT_FOUND }> {
        let ctx = auth.tenant(&self.state, Scope::TicketsRead).await?;
        visible_ticket(&self.state, &ctx, &id).await?;
        let page = ctx
            .db
            .list_messages(&id, before.0.as_deref(), limit.0)
            .await?;
        Ok(Json(MessagePageView {
            items: page.items,
            next_cursor: page.next_cursor,
        }))
    }

    /// Start a conversation with a customer: by number (a contact is created when the
    /// company has none) or by contact, on one of the company's numbers, with a first
    /// message (text, a file uploaded with `POST /api/media`, or an approved template where
    /// the channel needs one). The ticket is open and the caller's: a new one, or the
    /// customer's live ticket on that number when it is pending or already the caller's
    /// (`TICKET_STATE` when another agent has it). A text outside a Cloud API number's
    /// 24-hour window is refused (`WINDOW_CLOSED`) before any ticket opens.
    #[oai(path = "/api/tickets", method = "post")]
    async fn start_conversation(
        &self,
        auth: Auth,
        body: Json<NewConversation>,
    ) -> Reply<Created<ConversationStarted>, { AUTHED | BODY | NOT_FOUND | CONFLICT }> {
        let started = super::conversations::start_conversation(&self.state, auth, body).await?;
        Ok(Created::Created(Json(started)))
    }

    /// Send a message to the customer (text, an uploaded file with a caption, a quote). It
    /// is `pending` until the connection sends it, then `sent`, `delivered`, `read` — or
    /// `failed` with the reason.
    #[oai(path = "/api/tickets/:id/messages", method = "post")]
    async fn send_message(
        &self,
        auth: Auth,
        id: Path<String>,
        body: Json<NewMessage>,
    ) -> Reply<Created<Message>, { AUTHED | BODY | NOT_FOUND | CONFLICT }> {
        let ctx = auth.tenant(&self.state, Scope::TicketsWrite).await?;
        visible_ticket(&self.state, &ctx, &id).await?;
        let m = self
            .state
            .inbox
            .send_agent_message(&ctx.db, &id, &ctx.principal.user_id, &body)
            .await?;
        Ok(Created::Created(Json(m)))
    }

    /// Send an approved message template of the ticket's Cloud API number, its variables
    /// filled (sync the number's templates first): the one message that reaches a customer
    /// who last wrote more than 24 hours ago.
    #[oai(path = "/api/tickets/:id/template", method = "post")]
    async fn send_template(
        &self,
        auth: Auth,
        id: Path<String>,
        body: Json<TemplateUse>,
    ) -> Reply<Created<Message>, { AUTHED | BODY | NOT_FOUND | CONFLICT }> {
        let ctx = auth.tenant(&self.state, Scope::TicketsWrite).await?;
        visible_ticket(&self.state, &ctx, &id).await?;
        let m = self
            .state
            .inbox
            .send_template(&ctx.db, &id, &ctx.principal.user_id, &body)
            .await?;
        Ok(Created::Created(Json(m)))
    }

    /// Add an internal note (never sent to the customer); `@name` mentions a user.
    #[oai(path = "/api/tickets/:id/notes", method = "post")]
    async fn add_note(
        &self,
        auth: Auth,
        id: Path<String>,
        body: Json<NewNote>,
    ) -> Reply<Created<Message>, { AUTHED | BODY | NOT_FOUND }> {
        let ctx = auth.tenant(&self.state, Scope::TicketsWrite).await?;
        visible_ticket(&self.state, &ctx, &id).await?;
        let actor = Actor::user(&ctx.principal.user_id);
        let note = self
            .state
            .inbox
            .add_note(&ctx.db, &id, &actor, &body.body, None)
            .await?;
        Ok(Created::Created(Json(note)))
    }

    /// Take a pending ticket (it becomes open, with the caller as its agent). A ticket a
    /// flow is still talking on (`bot_run_id`) answers `FLOW_TALKING` unless `take_over`,
    /// which stops the flow's run.
    #[oai(path = "/api/tickets/:id/accept", method = "post")]
    async fn accept_ticket(
        &self,
        auth: Auth,
        id: Path<String>,
        #[oai(default)] take_over: Query<bool>,
    ) -> Reply<Json<Ticket>, { AUTHED | NOT_FOUND | CONFLICT }> {
        let action = TicketAction::Accept {
            take_over: take_over.0,
        };
        Ok(self.act(auth, &id, action).await?)
    }

    /// Move a ticket to a queue (pending there, or handed out by the queue's strategy)
    /// and/or to an agent (open with that agent).
    #[oai(path = "/api/tickets/:id/transfer", method = "post")]
    async fn transfer_ticket(
        &self,
        auth: Auth,
        id: Path<String>,
        body: Json<Transfer>,
    ) -> Reply<Json<Ticket>, { AUTHED | BODY | NOT_FOUND | CONFLICT }> {
        let t = body.0;
        let action = TicketAction::Transfer {
            queue_id: t.queue_id,
            user_id: t.user_id,
        };
        Ok(self.act(auth, &id, action).await?)
    }

    /// Put an open ticket back in its queue's pending list.
    #[oai(path = "/api/tickets/:id/return", method = "post")]
    async fn return_ticket(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<Ticket>, { AUTHED | NOT_FOUND | CONFLICT }> {
        Ok(self.act(auth, &id, TicketAction::Return).await?)
    }

    /// Close a ticket (flows with a "ticket closed" trigger run, e.g. a rating survey).
    #[oai(path = "/api/tickets/:id/close", method = "post")]
    async fn close_ticket(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<Ticket>, { AUTHED | NOT_FOUND | CONFLICT }> {
        Ok(self.act(auth, &id, TicketAction::Close).await?)
    }

    /// Reopen a closed ticket with the caller as its agent.
    #[oai(path = "/api/tickets/:id/reopen", method = "post")]
    async fn reopen_ticket(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<Ticket>, { AUTHED | NOT_FOUND | CONFLICT }> {
        Ok(self.act(auth, &id, TicketAction::Reopen).await?)
    }

    /// Mark the customer's messages read (the unread counter drops to zero).
    #[oai(path = "/api/tickets/:id/read", method = "post")]
    async fn read_ticket(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<Ticket>, { AUTHED | NOT_FOUND }> {
        Ok(self.act(auth, &id, TicketAction::Read).await?)
    }

    /// Show the customer that the caller is writing (`composing`, `recording`) or stopped
    /// (`paused`), where the channel supports it. WhatsApp clears it by itself after a few
    /// seconds, so clients repeat `composing` while the agent keeps typing.
    #[oai(path = "/api/tickets/:id/typing", method = "post")]
    async fn typing(
        &self,
        auth: Auth,
        id: Path<String>,
        body: Json<Typing>,
    ) -> Reply<Shown, { AUTHED | BODY | NOT_FOUND | CONFLICT }> {
        let ctx = auth.tenant(&self.state, Scope::TicketsWrite).await?;
        let ticket = visible_ticket(&self.state, &ctx, &id).await?;
        if ticket.status == TicketStatus::Closed {
            return Err(ApiError::new(ErrorCode::TicketState, "the ticket is closed").into());
        }
        self.state
            .inbox
            .agent_typing(&ctx.db, &ticket, body.0.state)
            .await?;
        Ok(Shown::NoContent)
    }

    /// Tag a ticket.
    #[oai(path = "/api/tickets/:id/tags/:tag_id", method = "put")]
    async fn tag_ticket(
        &self,
        auth: Auth,
        id: Path<String>,
        tag_id: Path<String>,
    ) -> Reply<Json<Ticket>, { AUTHED | BAD_REQUEST | NOT_FOUND }> {
        Ok(self.act(auth, &id, TicketAction::Tag(tag_id.0)).await?)
    }

    /// Take a tag off a ticket.
    #[oai(path = "/api/tickets/:id/tags/:tag_id", method = "delete")]
    async fn untag_ticket(
        &self,
        auth: Auth,
        id: Path<String>,
        tag_id: Path<String>,
    ) -> Reply<Json<Ticket>, { AUTHED | NOT_FOUND }> {
        Ok(self.act(auth, &id, TicketAction::Untag(tag_id.0)).await?)
    }

    /// The ticket's timeline: who did what, when.
    #[oai(path = "/api/tickets/:id/timeline", method = "get")]
    async fn ticket_timeline(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<Vec<TicketLogEntry>>, { AUTHED | NOT_FOUND }> {
        let ctx = auth.tenant(&self.state, Scope::TicketsRead).await?;
        visible_ticket(&self.state, &ctx, &id).await?;
        Ok(Json(ctx.db.ticket_log(&id).await?))
    }

    /// Schedule a message on the ticket (sent at `send_at`, even across restarts; see
    /// `/api/scheduled` for messages to a contact and repeating ones).
    #[oai(path = "/api/tickets/:id/scheduled", method = "post")]
    async fn schedule_message(
        &self,
        auth: Auth,
        id: Path<String>,
        body: Json<NewScheduledMessage>,
    ) -> Reply<Created<ScheduledMessage>, { AUTHED | BODY | NOT_FOUND | CONFLICT }> {
        let ctx = auth.tenant(&self.state, Scope::TicketsWrite).await?;
        visible_ticket(&self.state, &ctx, &id).await?;
        let s = self
            .state
            .inbox
            .schedule_on_ticket(
                &ctx.db,
                &id,
                &ctx.principal.user_id,
                &body.body,
                body.send_at,
            )
            .await?;
        Ok(Created::Created(Json(s)))
    }

    /// The ticket's scheduled messages.
    #[oai(path = "/api/tickets/:id/scheduled", method = "get")]
    async fn list_scheduled(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<Vec<ScheduledMessage>>, { AUTHED | NOT_FOUND }> {
        let ctx = auth.tenant(&self.state, Scope::TicketsRead).await?;
        visible_ticket(&self.state, &ctx, &id).await?;
        Ok(Json(ctx.db.list_scheduled(&id).await?))
    }

    /// Upload a file to send (the body is the file). Its type is read from its content:
    /// JPEG, PNG, GIF, WebP, PDF, Ogg, MP3, MP4 or WebM.
    #[oai(path = "/api/media", method = "post")]
    async fn upload_media(
        &self,
        auth: Auth,
        filename: Query<Option<String>>,
        body: Binary<Vec<u8>>,
    ) -> Reply<Created<MediaView>, { AUTHED | BODY }> {
        let ctx = auth.tenant(&self.state, Scope::TicketsWrite).await?;
        let row = self
            .state
            .inbox
            .store_media(&ctx.db, &ctx.principal.user_id, filename.0, &body.0)
            .await?;
        Ok(Created::Created(Json(row.into())))
    }

    /// Download a file: its uploader, and whoever may see the ticket it was sent on.
    #[oai(path = "/api/media/:id", method = "get")]
    async fn get_media(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<MediaFile, { AUTHED | NOT_FOUND }> {
        let ctx = auth.tenant(&self.state, Scope::TicketsRead).await?;
        let row = ctx.db.get_media(&id).await?;
        let allowed = match &row.ticket_id {
            Some(t) => visible_ticket(&self.state, &ctx, t).await.is_ok(),
            None => {
                row.created_by == ctx.principal.user_id || ctx.principal.role >= Role::Supervisor
            }
        };
        if !allowed {
            return Err(ApiError::new(ErrorCode::MediaNotFound, "media not found").into());
        }
        let bytes = self.state.inbox.read_media(&row).await?;
        Ok(MediaFile::File(Binary(bytes), row.mime, "nosniff".into()))
    }
}
