//! The `http.deliver` job: one outgoing HTTP request (webhooks and integrations), sent
//! through the SSRF guard with the job's idempotency key in an `Idempotency-Key` header so
//! the receiver can recognise a redelivery.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::Value;

use crate::job::Job;
use crate::net::OutboundHttp;
use crate::worker::{JobError, JobHandler};

pub const KIND: &str = "http.deliver";

/// The job's payload.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpRequest {
    pub url: String,
    #[serde(default = "post")]
    pub method: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub body: Option<Value>,
    #[serde(default = "default_timeout")]
    pub timeout_ms: u64,
}

fn post() -> String {
    "POST".into()
}

fn default_timeout() -> u64 {
    10_000
}

/// Sends `http.deliver` jobs.
#[derive(Debug, Clone)]
pub struct HttpDelivery {
    http: OutboundHttp,
}

impl HttpDelivery {
    pub fn new(http: OutboundHttp) -> Self {
        HttpDelivery { http }
    }
}

#[async_trait]
impl JobHandler for HttpDelivery {
    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        let req: HttpRequest = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Fatal(format!("invalid http.deliver payload: {e}")))?;
        let url = self.http.check_url(&req.url).map_err(JobError::Fatal)?;
        let method = reqwest::Method::from_bytes(req.method.to_ascii_uppercase().as_bytes())
            .map_err(|_| JobError::Fatal(format!("invalid method {}", req.method)))?;
        let mut builder = self
            .http
            .client()
            .request(method, url)
            .timeout(Duration::from_millis(req.timeout_ms.clamp(100, 60_000)))
            .header("Idempotency-Key", job.idempotency_key());
        for (name, value) in &req.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = &req.body {
            builder = builder.json(body);
        }
        let response = builder
            .send()
            .await
            .map_err(|e| JobError::Retry(format!("request failed: {e}")))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
            Err(JobError::Retry(format!("the receiver answered {status}")))
        } else {
            Err(JobError::Fatal(format!("the receiver answered {status}")))
        }
    }
}
