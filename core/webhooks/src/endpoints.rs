//! A company's endpoints: created with a new signing secret (shown once), changed, their
//! secret rotated (the old one signs beside the new one for a day), a test event, and
//! deliveries sent again.

use chrono::{DateTime, Utc};
use serde_json::json;
use tucan_model::ids::new_id;
use tucan_model::webhook::{
    DeliveryStatus, NewWebhookEndpoint, TEST_EVENT, WebhookDelivery, WebhookEndpoint,
    WebhookEndpointPatch, WebhookEndpointSecret, check_events,
};
use tucan_model::{ErrorCode, Problem};
use tucan_store::TenantDb;

use crate::{WebhookError, WebhookResult, Webhooks, sign};

/// An empty id removes a filter.
fn filter(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty())
}

impl Webhooks {
    /// A new endpoint and its signing secret (the only time the secret is shown).
    pub async fn create_endpoint(
        &self,
        db: &TenantDb,
        new: &NewWebhookEndpoint,
    ) -> WebhookResult<WebhookEndpointSecret> {
        let key = self.key.as_ref().ok_or(WebhookError::NoSecretsKey)?;
        let endpoint = WebhookEndpoint {
            id: new_id(),
            url: self.checked_url(&new.url)?,
            description: new.description.trim().to_string(),
            events: check_events(&new.events)?,
            connection_id: filter(new.connection_id.clone()),
            queue_id: filter(new.queue_id.clone()),
            tag_id: filter(new.tag_id.clone()),
            enabled: new.enabled,
            disabled_reason: None,
            failing_since: None,
            created_at: Utc::now(),
        };
        check_filters(db, &endpoint).await?;
        let secret = sign::new_secret();
        let sealed = key.seal(&endpoint.id, &secret);
        let endpoint = db.create_webhook_endpoint(&endpoint, &sealed).await?;
        self.forget(db.tenant_id());
        Ok(WebhookEndpointSecret { endpoint, secret })
    }

    /// Change an endpoint; turning it on again clears why it was turned off.
    pub async fn update_endpoint(
        &self,
        db: &TenantDb,
        id: &str,
        patch: &WebhookEndpointPatch,
    ) -> WebhookResult<WebhookEndpoint> {
        let mut e = db.get_webhook_endpoint(id).await?;
        if let Some(url) = &patch.url {
            e.url = self.checked_url(url)?;
        }
        if let Some(d) = &patch.description {
            e.description = d.trim().to_string();
        }
        if let Some(events) = &patch.events {
            e.events = check_events(events)?;
        }
        if let Some(c) = &patch.connection_id {
            e.connection_id = filter(Some(c.clone()));
        }
        if let Some(q) = &patch.queue_id {
            e.queue_id = filter(Some(q.clone()));
        }
        if let Some(t) = &patch.tag_id {
            e.tag_id = filter(Some(t.clone()));
        }
        if let Some(on) = patch.enabled {
            if on && !e.enabled {
                e.disabled_reason = None;
            }
            e.enabled = on;
        }
        check_filters(db, &e).await?;
        let saved = db.save_webhook_endpoint(&e).await?;
        self.forget(db.tenant_id());
        Ok(saved)
    }

    pub async fn delete_endpoint(&self, db: &TenantDb, id: &str) -> WebhookResult<()> {
        db.delete_webhook_endpoint(id).await?;
        self.forget(db.tenant_id());
        Ok(())
    }

    /// A new signing secret; the old one keeps signing beside it for the overlap.
    pub async fn rotate_secret(
        &self,
        db: &TenantDb,
        id: &str,
    ) -> WebhookResult<WebhookEndpointSecret> {
        let key = self.key.as_ref().ok_or(WebhookError::NoSecretsKey)?;
        db.get_webhook_endpoint(id).await?;
        let secret = sign::new_secret();
        let until =
            Utc::now() + chrono::Duration::from_std(self.opts.rotation_overlap).unwrap_or_default();
        let endpoint = db
            .rotate_webhook_secret(id, &key.seal(id, &secret), until)
            .await?;
        Ok(WebhookEndpointSecret { endpoint, secret })
    }

    /// Deliver a `webhook.test` event to the endpoint (even a turned-off one).
    pub async fn send_test(&self, db: &TenantDb, id: &str) -> WebhookResult<WebhookDelivery> {
        let e = db.get_webhook_endpoint(id).await?;
        let payload = json!({
            "type": TEST_EVENT,
            "timestamp": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "data": { "endpoint_id": e.id, "message": "A test event from TucanLink." },
        })
        .to_string();
        self.queue(db, &e.id, &new_id(), TEST_EVENT, &payload).await
    }

    /// Send a delivery again, as a new delivery of the same event (same `webhook-id`, so a
    /// receiver that handled it already can tell).
    pub async fn redeliver(
        &self,
        db: &TenantDb,
        delivery_id: &str,
    ) -> WebhookResult<WebhookDelivery> {
        let d = db.get_webhook_delivery(delivery_id).await?;
        self.queue(db, &d.endpoint_id, &d.event_id, &d.event_type, &d.payload)
            .await
    }

    /// Send again every delivery of the endpoint made since `since` that did not succeed;
    /// returns how many.
    pub async fn redeliver_since(
        &self,
        db: &TenantDb,
        endpoint_id: &str,
        since: DateTime<Utc>,
    ) -> WebhookResult<usize> {
        db.get_webhook_endpoint(endpoint_id).await?;
        let mut cursor: Option<String> = None;
        let mut again = Vec::new();
        loop {
            let page = db
                .list_webhook_deliveries(endpoint_id, Some(since), cursor.as_deref(), 500)
                .await?;
            again.extend(
                page.items
                    .into_iter()
                    .filter(|d| d.status == DeliveryStatus::Failed),
            );
            match page.next_cursor {
                Some(c) if again.len() < 10_000 => cursor = Some(c),
                _ => break,
            }
        }
        // Oldest first, as they happened.
        for d in again.iter().rev() {
            self.queue(db, &d.endpoint_id, &d.event_id, &d.event_type, &d.payload)
                .await?;
        }
        Ok(again.len())
    }

    fn checked_url(&self, url: &str) -> WebhookResult<String> {
        let url = url.trim();
        self.http
            .check_url(url)
            .map_err(|why| Problem::invalid_field("url", why))?;
        Ok(url.to_string())
    }
}

/// The filters name things the company has.
async fn check_filters(db: &TenantDb, e: &WebhookEndpoint) -> WebhookResult<()> {
    let unknown = |what: &str| {
        WebhookError::Invalid(Problem::new(
            ErrorCode::InvalidField,
            format!("unknown {what} id"),
        ))
    };
    if let Some(c) = &e.connection_id {
        db.get_connection(c)
            .await
            .map_err(|_| unknown("connection"))?;
    }
    if let Some(q) = &e.queue_id {
        db.get_queue(q).await.map_err(|_| unknown("queue"))?;
    }
    if let Some(t) = &e.tag_id {
        db.get_tag(t).await.map_err(|_| unknown("tag"))?;
    }
    Ok(())
}
