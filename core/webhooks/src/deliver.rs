//! One attempt of a delivery (the `webhook.deliver` job): the signed call, its answer in the
//! delivery log, and what follows: done, the next attempt on the schedule, or the endpoint
//! turned off.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tucan_bus::{Job, JobError, JobHandler, Lane, NewJob};
use tucan_model::notice::{NewNotice, NoticeKind, NoticeReason};
use tucan_model::webhook::{DeliveryStatus, WebhookDelivery, WebhookEndpoint};
use tucan_store::{DeliveryAttempt, StoreError, TenantDb};

use crate::{WebhookError, WebhookResult, Webhooks, sign};

/// The job of one attempt.
pub const DELIVER_KIND: &str = "webhook.deliver";

/// How much of an answer's body the log keeps.
const EXCERPT_CHARS: usize = 1000;

#[derive(Debug, Serialize, Deserialize)]
struct DeliverPayload {
    delivery_id: String,
    /// 1 for the first attempt.
    attempt: u32,
}

/// How an attempt went.
enum Outcome {
    Delivered,
    /// The receiver does not want these any more.
    Gone,
    Failed,
}

impl Webhooks {
    /// Publish attempt `attempt` of a delivery: now, or at `at` through a durable timer.
    pub(crate) async fn publish_attempt(
        &self,
        db: &TenantDb,
        delivery_id: &str,
        attempt: u32,
        at: Option<DateTime<Utc>>,
    ) -> WebhookResult<()> {
        let name = format!("whd:{}:{delivery_id}:{attempt}", db.tenant_id());
        let payload = serde_json::to_value(DeliverPayload {
            delivery_id: delivery_id.to_string(),
            attempt,
        })
        .expect("plain payload");
        let job = NewJob::new(Lane::Webhooks, DELIVER_KIND, payload)
            .tenant(db.tenant_id())
            .key(name.clone())
            .max_attempts(3);
        match at {
            None => {
                self.bus.publish(job).await?;
            }
            Some(at) => {
                self.timers
                    .schedule(&name, at.timestamp_millis(), &job)
                    .await?;
            }
        }
        Ok(())
    }

    /// Make attempt `attempt` of a delivery, unless it was made already (a redelivered job).
    async fn attempt(&self, db: &TenantDb, delivery_id: &str, attempt: u32) -> WebhookResult<()> {
        let d = db.get_webhook_delivery(delivery_id).await?;
        if d.status != DeliveryStatus::Pending || d.attempts >= attempt {
            return Ok(());
        }
        let endpoint = match db.get_webhook_endpoint(&d.endpoint_id).await {
            Ok(e) => e,
            Err(StoreError::NotFound(_)) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        if !endpoint.enabled && d.event_type != tucan_model::webhook::TEST_EVENT {
            let a = DeliveryAttempt {
                status: DeliveryStatus::Failed,
                attempts: d.attempts,
                response_status: None,
                response_excerpt: None,
                error: Some("the endpoint is turned off".into()),
                duration_ms: None,
                next_attempt_at: None,
            };
            db.record_webhook_attempt(&d.id, &a).await?;
            return Ok(());
        }
        let (outcome, mut record) = self.call(db, &endpoint, &d, attempt).await?;
        match outcome {
            Outcome::Delivered => {
                db.webhook_ok(&endpoint.id).await?;
            }
            Outcome::Gone => {
                record.status = DeliveryStatus::Failed;
                let detail = "the receiver answered 410 Gone: it wants no more events";
                db.disable_webhook(
                    &endpoint.id,
                    detail,
                    &turned_off(&endpoint, NoticeReason::Gone, detail),
                )
                .await?;
                self.forget(db.tenant_id());
            }
            Outcome::Failed => {
                let since = db.webhook_failing(&endpoint.id).await?;
                let failing = (Utc::now() - since).to_std().unwrap_or_default();
                if failing >= self.opts.disable_after {
                    record.status = DeliveryStatus::Failed;
                    let days = self.opts.disable_after.as_secs() / 86_400;
                    let detail = format!("its deliveries failed for {days} days");
                    db.disable_webhook(
                        &endpoint.id,
                        &detail,
                        &turned_off(&endpoint, NoticeReason::KeptFailing, &detail),
                    )
                    .await?;
                    self.forget(db.tenant_id());
                } else if let Some(wait) = self.opts.retry_delays.get(attempt as usize - 1) {
                    let at = Utc::now() + chrono::Duration::from_std(*wait).unwrap_or_default();
                    record.next_attempt_at = Some(at);
                    db.record_webhook_attempt(&d.id, &record).await?;
                    return self.publish_attempt(db, &d.id, attempt + 1, Some(at)).await;
                } else {
                    record.status = DeliveryStatus::Failed;
                }
            }
        }
        db.record_webhook_attempt(&d.id, &record).await?;
        Ok(())
    }

    /// The signed call and how it went.
    async fn call(
        &self,
        db: &TenantDb,
        endpoint: &WebhookEndpoint,
        d: &WebhookDelivery,
        attempt: u32,
    ) -> WebhookResult<(Outcome, DeliveryAttempt)> {
        let secrets = self.secrets_in_force(db, &endpoint.id).await?;
        let timestamp = Utc::now().timestamp();
        let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let signature = sign::header(&refs, &d.event_id, timestamp, &d.payload);
        let mut record = DeliveryAttempt {
            status: DeliveryStatus::Pending,
            attempts: attempt,
            response_status: None,
            response_excerpt: None,
            error: None,
            duration_ms: None,
            next_attempt_at: None,
        };
        let url = match self.http.check_url(&endpoint.url) {
            Ok(u) => u,
            Err(why) => {
                record.error = Some(why);
                return Ok((Outcome::Failed, record));
            }
        };
        let started = Instant::now();
        let sent = self
            .http
            .client()
            .post(url)
            .timeout(self.opts.timeout)
            .header("content-type", "application/json")
            .header("webhook-id", &d.event_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(d.payload.clone())
            .send()
            .await;
        let outcome = match sent {
            Ok(resp) => {
                let status = resp.status();
                record.response_status = Some(status.as_u16());
                let body = resp.text().await.unwrap_or_default();
                record.response_excerpt = Some(body.chars().take(EXCERPT_CHARS).collect());
                if status.is_success() {
                    record.status = DeliveryStatus::Succeeded;
                    Outcome::Delivered
                } else if status.as_u16() == 410 {
                    Outcome::Gone
                } else {
                    Outcome::Failed
                }
            }
            Err(e) => {
                record.error = Some(if e.is_timeout() {
                    format!(
                        "no answer within {} s",
                        self.opts.timeout.as_secs_f64().round()
                    )
                } else {
                    format!("request failed: {e}")
                });
                Outcome::Failed
            }
        };
        record.duration_ms = Some(started.elapsed().as_millis() as u64);
        Ok((outcome, record))
    }

    /// The endpoint's secrets that sign now, opened: the current one, and the one before it
    /// during a rotation's overlap.
    async fn secrets_in_force(
        &self,
        db: &TenantDb,
        endpoint_id: &str,
    ) -> WebhookResult<Vec<String>> {
        let key = self.key.as_ref().ok_or(WebhookError::NoSecretsKey)?;
        let sealed = db.webhook_secrets(endpoint_id).await?;
        let open = |s: &str| {
            key.open(endpoint_id, s)
                .map_err(|e| WebhookError::Secret(e.to_string()))
        };
        let mut out = vec![open(&sealed.secret)?];
        if let (Some(prev), Some(until)) = (&sealed.previous_secret, sealed.previous_until)
            && until > Utc::now()
        {
            out.push(open(prev)?);
        }
        Ok(out)
    }
}

pub(crate) struct DeliverJob(pub(crate) Arc<Webhooks>);

#[async_trait]
impl JobHandler for DeliverJob {
    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        let tenant = job
            .tenant
            .as_deref()
            .ok_or_else(|| JobError::Fatal("a webhook delivery needs a tenant".into()))?;
        let p: DeliverPayload = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Fatal(format!("invalid {DELIVER_KIND} payload: {e}")))?;
        let db = self
            .0
            .store
            .tenant(tenant)
            .await
            .map_err(|e| JobError::Fatal(format!("dropped: {e}")))?;
        match self.0.attempt(&db, &p.delivery_id, p.attempt).await {
            Ok(()) => Ok(()),
            Err(WebhookError::Store(StoreError::NotFound(_))) => Ok(()),
            Err(e @ (WebhookError::NoSecretsKey | WebhookError::Secret(_))) => {
                Err(JobError::Fatal(e.to_string()))
            }
            Err(e) => Err(JobError::Retry(e.to_string())),
        }
    }
}

/// The admins' notice that the platform turned `endpoint` off.
fn turned_off(endpoint: &WebhookEndpoint, reason: NoticeReason, detail: &str) -> NewNotice {
    NewNotice {
        kind: NoticeKind::WebhookDisabled,
        reason,
        subject_id: endpoint.id.clone(),
        subject: endpoint.url.clone(),
        detail: detail.to_string(),
    }
}
