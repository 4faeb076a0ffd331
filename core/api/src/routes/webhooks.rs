//! Outgoing webhooks over REST (company admins, on plans with the `webhooks` feature):
//! endpoints and the events they subscribe to, their signing secret (shown once, rotated with
//! an overlap), the delivery log, deliveries sent again and a test event.

use chrono::{DateTime, Utc};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use tucan_model::tenancy::Feature;
use tucan_model::user::Role;
use tucan_model::webhook::{
    EVENT_TYPES, NewWebhookEndpoint, WebhookDelivery, WebhookDeliveryPage, WebhookEndpoint,
    WebhookEndpointPatch, WebhookEndpointSecret,
};

use super::ApiTags;
use super::platform::{Created, Deleted};
use crate::auth::{Auth, Scope, TenantCtx};
use crate::error::status::{AUTHED, BAD_REQUEST, BODY, NOT_FOUND};
use crate::error::{ApiResult, Reply};
use crate::state::AppState;

pub struct WebhooksApi {
    pub state: AppState,
}

/// Deliveries to send again.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct Redelivery {
    /// Every delivery since this moment that did not succeed.
    pub since: DateTime<Utc>,
}

/// How many deliveries were queued again.
#[derive(Debug, Object)]
pub struct Requeued {
    pub queued: u32,
}

impl WebhooksApi {
    async fn admin(&self, auth: Auth, scope: Scope) -> ApiResult<TenantCtx> {
        let ctx = auth.tenant(&self.state, scope).await?;
        ctx.require(Role::Admin)?;
        ctx.require_feature(Feature::Webhooks)?;
        Ok(ctx)
    }
}

#[OpenApi(prefix_path = "/api/webhooks", tag = "ApiTags::Webhooks")]
impl WebhooksApi {
    /// The event types an endpoint can subscribe to (`*` subscribes to all; `custom.*` and
    /// `custom.<name>` to flows' own events). Each event's body is described by
    /// `schemas/webhook-events.schema.json` in the project.
    #[oai(path = "/events", method = "get")]
    async fn list_event_types(&self, auth: Auth) -> Reply<Json<Vec<String>>, { AUTHED }> {
        self.admin(auth, Scope::SettingsRead).await?;
        Ok(Json(EVENT_TYPES.iter().map(|e| e.to_string()).collect()))
    }

    /// The company's endpoints.
    #[oai(path = "/", method = "get")]
    async fn list_endpoints(&self, auth: Auth) -> Reply<Json<Vec<WebhookEndpoint>>, { AUTHED }> {
        let ctx = self.admin(auth, Scope::SettingsRead).await?;
        Ok(Json(ctx.db.list_webhook_endpoints().await?))
    }

    /// A new endpoint. The answer carries its signing secret, which is never shown again.
    #[oai(path = "/", method = "post")]
    async fn create_endpoint(
        &self,
        auth: Auth,
        body: Json<NewWebhookEndpoint>,
    ) -> Reply<Created<WebhookEndpointSecret>, { AUTHED | BODY }> {
        let ctx = self.admin(auth, Scope::SettingsWrite).await?;
        let made = self
            .state
            .webhooks
            .create_endpoint(&ctx.db, &body.0)
            .await?;
        Ok(Created::Created(Json(made)))
    }

    #[oai(path = "/:id", method = "get")]
    async fn get_endpoint(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<WebhookEndpoint>, { AUTHED | NOT_FOUND }> {
        let ctx = self.admin(auth, Scope::SettingsRead).await?;
        Ok(Json(ctx.db.get_webhook_endpoint(&id).await?))
    }

    /// Change an endpoint; an empty filter id removes the filter; turning it on again clears
    /// why the platform turned it off.
    #[oai(path = "/:id", method = "patch")]
    async fn update_endpoint(
        &self,
        auth: Auth,
        id: Path<String>,
        body: Json<WebhookEndpointPatch>,
    ) -> Reply<Json<WebhookEndpoint>, { AUTHED | BODY | NOT_FOUND }> {
        let ctx = self.admin(auth, Scope::SettingsWrite).await?;
        let hooks = &self.state.webhooks;
        Ok(Json(hooks.update_endpoint(&ctx.db, &id, &body.0).await?))
    }

    /// Remove an endpoint and its delivery log.
    #[oai(path = "/:id", method = "delete")]
    async fn delete_endpoint(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Deleted, { AUTHED | NOT_FOUND }> {
        let ctx = self.admin(auth, Scope::SettingsWrite).await?;
        self.state.webhooks.delete_endpoint(&ctx.db, &id).await?;
        Ok(Deleted::NoContent)
    }

    /// A new signing secret (shown this once); the old one keeps signing beside it for 24
    /// hours, so receivers can switch without losing a call.
    #[oai(path = "/:id/rotate-secret", method = "post")]
    async fn rotate_secret(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<WebhookEndpointSecret>, { AUTHED | NOT_FOUND }> {
        let ctx = self.admin(auth, Scope::SettingsWrite).await?;
        let hooks = &self.state.webhooks;
        Ok(Json(hooks.rotate_secret(&ctx.db, &id).await?))
    }

    /// Deliver a `webhook.test` event to the endpoint now.
    #[oai(path = "/:id/test", method = "post")]
    async fn send_test(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Created<WebhookDelivery>, { AUTHED | NOT_FOUND }> {
        let ctx = self.admin(auth, Scope::SettingsWrite).await?;
        let hooks = &self.state.webhooks;
        Ok(Created::Created(Json(hooks.send_test(&ctx.db, &id).await?)))
    }

    /// The endpoint's deliveries, newest first (`since`: made then or later).
    #[oai(path = "/:id/deliveries", method = "get")]
    async fn list_deliveries(
        &self,
        auth: Auth,
        id: Path<String>,
        since: Query<Option<DateTime<Utc>>>,
        cursor: Query<Option<String>>,
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "500"))
        )]
        limit: Query<u32>,
    ) -> Reply<Json<WebhookDeliveryPage>, { AUTHED | BAD_REQUEST | NOT_FOUND }> {
        let ctx = self.admin(auth, Scope::SettingsRead).await?;
        ctx.db.get_webhook_endpoint(&id).await?;
        let page = ctx
            .db
            .list_webhook_deliveries(&id, since.0, cursor.0.as_deref(), limit.0)
            .await?;
        Ok(Json(page))
    }

    /// Send again every delivery of the endpoint since a moment that did not succeed.
    #[oai(path = "/:id/redeliver", method = "post")]
    async fn redeliver_since(
        &self,
        auth: Auth,
        id: Path<String>,
        body: Json<Redelivery>,
    ) -> Reply<Json<Requeued>, { AUTHED | BODY | NOT_FOUND }> {
        let ctx = self.admin(auth, Scope::SettingsWrite).await?;
        let hooks = &self.state.webhooks;
        let n = hooks.redeliver_since(&ctx.db, &id, body.since).await?;
        Ok(Json(Requeued { queued: n as u32 }))
    }

    /// Send one delivery again (a new delivery of the same event, with the same `webhook-id`).
    #[oai(path = "/:id/deliveries/:delivery_id/redeliver", method = "post")]
    async fn redeliver(
        &self,
        auth: Auth,
        id: Path<String>,
        delivery_id: Path<String>,
    ) -> Reply<Created<WebhookDelivery>, { AUTHED | NOT_FOUND }> {
        let ctx = self.admin(auth, Scope::SettingsWrite).await?;
        let d = ctx.db.get_webhook_delivery(&delivery_id).await?;
        if d.endpoint_id != *id {
            return Err(
                tucan_model::Problem::not_found(tucan_model::Resource::WebhookDelivery).into(),
            );
        }
        let hooks = &self.state.webhooks;
        Ok(Created::Created(Json(
            hooks.redeliver(&ctx.db, &delivery_id).await?,
        )))
    }
}

fn default_limit() -> u32 {
    50
}
