//! Outgoing webhook endpoints (their signing secrets sealed by the caller) and the log of
//! their deliveries, newest first.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use tucan_model::ids::{is_valid_id, new_id};
use tucan_model::webhook::{DeliveryStatus, WebhookDelivery, WebhookDeliveryPage, WebhookEndpoint};
use tucan_model::{ErrorCode, Problem, Resource};

use super::TenantDb;
use crate::db::{check_id, fetch, fetch_found, fetch_one, rows};
use crate::error::StoreResult;
use crate::platform::strip_nulls;

/// An endpoint's signing secrets, sealed: the current one and, during a rotation's overlap,
/// the one before it.
#[derive(Debug, Clone, Deserialize)]
pub struct EndpointSecrets {
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_until: Option<DateTime<Utc>>,
}

/// What one attempt of a delivery came to.
#[derive(Debug, Clone)]
pub struct DeliveryAttempt {
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub response_status: Option<u16>,
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
    pub duration_ms: Option<u64>,
    pub next_attempt_at: Option<DateTime<Utc>>,
}

fn endpoint_content(e: &WebhookEndpoint) -> Value {
    let mut v = json!({
        "url": e.url, "description": e.description, "events": e.events,
        "connection_id": e.connection_id, "queue_id": e.queue_id, "tag_id": e.tag_id,
        "enabled": e.enabled, "disabled_reason": e.disabled_reason,
    });
    strip_nulls(&mut v);
    v
}

impl TenantDb {
    /// A new endpoint with its sealed secret.
    pub async fn create_webhook_endpoint(
        &self,
        e: &WebhookEndpoint,
        sealed_secret: &str,
    ) -> StoreResult<WebhookEndpoint> {
        let mut c = endpoint_content(e);
        c["secret"] = json!(sealed_secret);
        fetch_found(
            self.raw(),
            "CREATE type::record('webhook_endpoint', $id) CONTENT $c",
            json!({ "id": e.id, "c": c }),
            Resource::WebhookEndpoint,
        )
        .await
    }

    pub async fn list_webhook_endpoints(&self) -> StoreResult<Vec<WebhookEndpoint>> {
        fetch(
            self.raw(),
            "SELECT * FROM webhook_endpoint ORDER BY id",
            json!({}),
        )
        .await
    }

    pub async fn get_webhook_endpoint(&self, id: &str) -> StoreResult<WebhookEndpoint> {
        check_id(id, Resource::WebhookEndpoint)?;
        fetch_found(
            self.raw(),
            "SELECT * FROM type::record('webhook_endpoint', $id)",
            json!({ "id": id }),
            Resource::WebhookEndpoint,
        )
        .await
    }

    /// Save an endpoint's settings (absent filters and reason are removed).
    pub async fn save_webhook_endpoint(&self, e: &WebhookEndpoint) -> StoreResult<WebhookEndpoint> {
        check_id(&e.id, Resource::WebhookEndpoint)?;
        fetch_found(
            self.raw(),
            "UPDATE type::record('webhook_endpoint', $id) SET url = $c.url, description = $c.description, \
             events = $c.events, connection_id = $c.connection_id, queue_id = $c.queue_id, \
             tag_id = $c.tag_id, enabled = $c.enabled, disabled_reason = $c.disabled_reason, \
             failing_since = IF $c.enabled THEN failing_since ELSE NONE END",
            json!({ "id": e.id, "c": endpoint_content(e) }),
            Resource::WebhookEndpoint,
        )
        .await
    }

    /// Remove an endpoint and its delivery log.
    pub async fn delete_webhook_endpoint(&self, id: &str) -> StoreResult<()> {
        self.get_webhook_endpoint(id).await?;
        rows(
            self.raw(),
            "DELETE webhook_delivery WHERE endpoint_id = $id; DELETE type::record('webhook_endpoint', $id);",
            json!({ "id": id }),
        )
        .await?;
        Ok(())
    }

    pub async fn webhook_secrets(&self, id: &str) -> StoreResult<EndpointSecrets> {
        check_id(id, Resource::WebhookEndpoint)?;
        fetch_found(
            self.raw(),
            "SELECT secret, previous_secret, previous_until FROM type::record('webhook_endpoint', $id)",
            json!({ "id": id }),
            Resource::WebhookEndpoint,
        )
        .await
    }

    /// A new secret; the old one still signs until `until`.
    pub async fn rotate_webhook_secret(
        &self,
        id: &str,
        sealed_secret: &str,
        until: DateTime<Utc>,
    ) -> StoreResult<WebhookEndpoint> {
        check_id(id, Resource::WebhookEndpoint)?;
        fetch_found(
            self.raw(),
            "UPDATE type::record('webhook_endpoint', $id) SET previous_secret = secret, \
             previous_until = <datetime> $until, secret = $secret",
            json!({ "id": id, "secret": sealed_secret, "until": until }),
            Resource::WebhookEndpoint,
        )
        .await
    }

    /// A delivery to the endpoint failed: since when it has been failing.
    pub async fn webhook_failing(&self, id: &str) -> StoreResult<DateTime<Utc>> {
        let row: Option<Value> = fetch_one(
            self.raw(),
            "UPDATE type::record('webhook_endpoint', $id) SET failing_since = failing_since ?? time::now() RETURN VALUE failing_since",
            json!({ "id": id }),
        )
        .await?;
        Ok(row
            .and_then(|v| v.as_str().and_then(|s| s.parse().ok()))
            .unwrap_or_else(Utc::now))
    }

    /// A delivery to the endpoint succeeded: it is not failing.
    pub async fn webhook_ok(&self, id: &str) -> StoreResult<()> {
        rows(
            self.raw(),
            "UPDATE type::record('webhook_endpoint', $id) SET failing_since = NONE WHERE failing_since != NONE",
            json!({ "id": id }),
        )
        .await?;
        Ok(())
    }

    /// A delivery waiting for its first attempt.
    pub async fn create_webhook_delivery(
        &self,
        endpoint_id: &str,
        event_id: &str,
        event_type: &str,
        payload: &str,
    ) -> StoreResult<WebhookDelivery> {
        fetch_found(
            self.raw(),
            "CREATE type::record('webhook_delivery', $id) CONTENT { endpoint_id: $e, event_id: $ev, \
             event_type: $t, payload: $p, status: 'pending', attempts: 0 }",
            json!({ "id": new_id(), "e": endpoint_id, "ev": event_id, "t": event_type, "p": payload }),
            Resource::WebhookDelivery,
        )
        .await
    }

    pub async fn get_webhook_delivery(&self, id: &str) -> StoreResult<WebhookDelivery> {
        check_id(id, Resource::WebhookDelivery)?;
        fetch_found(
            self.raw(),
            "SELECT * FROM type::record('webhook_delivery', $id)",
            json!({ "id": id }),
            Resource::WebhookDelivery,
        )
        .await
    }

    /// Record an attempt of a delivery.
    pub async fn record_webhook_attempt(&self, id: &str, a: &DeliveryAttempt) -> StoreResult<()> {
        rows(
            self.raw(),
            "UPDATE type::record('webhook_delivery', $id) SET status = $status, attempts = $attempts, \
             response_status = $code ?? NONE, response_excerpt = $excerpt ?? NONE, error = $error ?? NONE, \
             duration_ms = $ms ?? NONE, \
             next_attempt_at = IF $next THEN <datetime> $next ELSE NONE END, updated_at = time::now()",
            json!({
                "id": id, "status": a.status, "attempts": a.attempts, "code": a.response_status,
                "excerpt": a.response_excerpt, "error": a.error, "ms": a.duration_ms,
                "next": a.next_attempt_at,
            }),
        )
        .await?;
        Ok(())
    }

    /// A page of an endpoint's deliveries, newest first; with `since`, only those made then
    /// or later.
    pub async fn list_webhook_deliveries(
        &self,
        endpoint_id: &str,
        since: Option<DateTime<Utc>>,
        cursor: Option<&str>,
        limit: u32,
    ) -> StoreResult<WebhookDeliveryPage> {
        let limit = limit.clamp(1, 500);
        if cursor.is_some_and(|c| !is_valid_id(c)) {
            return Err(Problem::new(ErrorCode::InvalidParam, "cursor is not valid").into());
        }
        let mut conds = vec!["endpoint_id = $e"];
        if cursor.is_some() {
            conds.push("id < type::record('webhook_delivery', $cursor)");
        }
        if since.is_some() {
            conds.push("created_at >= <datetime> $since");
        }
        let sql = format!(
            "SELECT * FROM webhook_delivery WHERE {} ORDER BY id DESC LIMIT $limit",
            conds.join(" AND ")
        );
        let mut items: Vec<WebhookDelivery> = fetch(
            self.raw(),
            &sql,
            json!({ "e": endpoint_id, "cursor": cursor, "since": since, "limit": limit + 1 }),
        )
        .await?;
        let next_cursor = (items.len() > limit as usize).then(|| {
            items.truncate(limit as usize);
            items.last().map(|d| d.id.clone()).unwrap_or_default()
        });
        Ok(WebhookDeliveryPage { items, next_cursor })
    }
}
