//! Conversations the company starts: an agent writing first to a customer (`POST
//! /api/tickets`, routed from `tickets.rs`), and an API client sending to a number (`POST
//! /api/messages`, once per `Idempotency-Key`).

use poem_openapi::OpenApi;
use poem_openapi::param::Header;
use poem_openapi::payload::Json;
use tucan_inbox::{ApiSend, Customer};
use tucan_model::conversation::{
    ConversationStarted, NewConversation, OutboundMessage, OutboundSent,
};
use tucan_model::phone::normalize_phone;
use tucan_model::{ErrorCode, Problem};

use super::ApiTags;
use super::platform::Created;
use crate::auth::{Auth, Scope};
use crate::error::status::{AUTHED, BODY, CONFLICT, NOT_FOUND};
use crate::error::{ApiError, ApiResult, Reply};
use crate::state::AppState;

pub struct ConversationsApi {
    pub state: AppState,
}

#[OpenApi(tag = "ApiTags::Tickets")]
impl ConversationsApi {
    /// Send a message to a number from one of the company's numbers: text, a file uploaded
    /// with `POST /api/media`, or an approved template. The contact is found by number or
    /// created; the message goes on the customer's live ticket on that number, or on a new
    /// one that waits in the number's queue for an agent. With an `Idempotency-Key` (1–200
    /// characters), a call repeated within 24 hours sends nothing again and answers the
    /// first call's message with `replayed: true`; the same key with a different request is
    /// `IDEMPOTENCY_KEY_REUSED`.
    #[oai(path = "/api/messages", method = "post")]
    async fn send_to_number(
        &self,
        auth: Auth,
        #[oai(name = "Idempotency-Key")] key: Header<Option<String>>,
        body: Json<OutboundMessage>,
    ) -> Reply<Created<OutboundSent>, { AUTHED | BODY | NOT_FOUND | CONFLICT }> {
        let ctx = auth.tenant(&self.state, Scope::TicketsWrite).await?;
        let key = match key.0.as_deref().map(str::trim) {
            None => None,
            Some(k) if (1..=200).contains(&k.len()) && k.chars().all(|c| c.is_ascii_graphic()) => {
                Some(k.to_string())
            }
            Some(_) => {
                return Err(ApiError::new(
                    ErrorCode::InvalidParam,
                    "Idempotency-Key must be 1 to 200 visible ASCII characters",
                )
                .into());
            }
        };
        let phone = normalize_phone(&body.to, &ctx.tenant.country)?;
        let scope = match &ctx.principal.api_key {
            Some((key_id, _)) => format!("key:{key_id}"),
            None => format!("user:{}", ctx.principal.user_id),
        };
        let sent = self
            .state
            .inbox
            .send_to_number(
                &ctx.db,
                &ApiSend {
                    user_id: &ctx.principal.user_id,
                    scope: &scope,
                    phone: &phone,
                    req: &body,
                    key: key.as_deref(),
                },
            )
            .await?;
        Ok(Created::Created(Json(sent)))
    }
}

/// `POST /api/tickets` (declared with the other ticket endpoints in `tickets.rs`, which own
/// the path): an agent starts a conversation.
pub(crate) async fn start_conversation(
    state: &AppState,
    auth: Auth,
    body: Json<NewConversation>,
) -> ApiResult<ConversationStarted> {
    let ctx = auth.tenant(state, Scope::TicketsWrite).await?;
    let req = body.0;
    let phone = match (&req.phone, &req.contact_id) {
        (Some(p), None) => Some(normalize_phone(p, &ctx.tenant.country)?),
        (None, Some(_)) => None,
        _ => {
            return Err(ApiError::from(Problem::invalid_field(
                "phone",
                "give the customer's phone or a contact_id, not both",
            )));
        }
    };
    let customer = match (&phone, &req.contact_id) {
        (Some(phone), _) => Customer::Number {
            phone,
            name: req.name.as_deref(),
        },
        (None, Some(id)) => Customer::Contact(id),
        (None, None) => unreachable!("checked above"),
    };
    let started = state
        .inbox
        .start_conversation(&ctx.db, &ctx.principal.user_id, customer, &req)
        .await?;
    Ok(started)
}
