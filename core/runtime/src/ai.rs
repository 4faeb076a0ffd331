//! The `flow.ai` job: an `ai.chat` step's question to the company's OpenAI-compatible chat
//! completions API (`POST {base_url}/chat/completions`, bearer key, `model`, `messages`,
//! `temperature`, `max_tokens`), with the ticket's latest messages as the conversation. The
//! provider's answer, or why there is none, resumes the run as an HTTP response does.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{Value, json};
use tucan_bus::{Job, JobError, JobHandler};
use tucan_engine::{Effect, Resume};
use tucan_model::ticket::Direction;
use tucan_store::{RunRow, TenantDb};

use crate::jobs::{payload, settle};
use crate::runtime::FlowRuntime;

pub const AI_KIND: &str = "flow.ai";

/// The start of a provider's answer kept when it is not JSON.
const MAX_ANSWER_BYTES: usize = 256 * 1024;

#[derive(Deserialize)]
struct AiPayload {
    run_id: String,
    seq: u64,
    effect: Effect,
}

pub(crate) struct AiJob(pub(crate) Arc<FlowRuntime>);

impl AiJob {
    /// The question, sent; every outcome becomes the run's input.
    async fn ask(&self, db: &TenantDb, run: &RunRow, effect: &Effect) -> Resume {
        let failed = |error: String| Resume::Http {
            status: 0,
            body: Value::Null,
            error: Some(error),
        };
        let Effect::AiChat {
            system,
            prompt,
            model,
            temperature,
            max_tokens,
            history,
            timeout_ms,
            ..
        } = effect
        else {
            return failed("not an AI question".into());
        };
        let settings = match db.ai_settings().await {
            Ok(Some(s)) => s,
            Ok(None) => return failed("the company has no AI provider set up".into()),
            Err(e) => return failed(format!("the AI settings could not be read: {e}")),
        };
        let key = match (&settings.api_key, &self.0.opts.secret_key) {
            (Some(sealed), Some(k)) => match k.open(&ai_key_owner(db.tenant_id()), sealed) {
                Ok(key) => Some(key),
                Err(e) => return failed(format!("the AI key cannot be opened: {e}")),
            },
            (Some(_), None) => return failed("this server has no secrets key".into()),
            (None, _) => None,
        };
        let mut messages = Vec::new();
        if !system.trim().is_empty() {
            messages.push(json!({ "role": "system", "content": system }));
        }
        if let (Some(ticket), true) = (&run.ticket_id, *history > 0) {
            match db.list_messages(ticket, None, *history).await {
                Ok(page) => {
                    for m in page.items.iter().filter(|m| !m.body.trim().is_empty()) {
                        let role = match m.direction {
                            Direction::In => "user",
                            Direction::Out => "assistant",
                            Direction::Note => continue,
                        };
                        messages.push(json!({ "role": role, "content": m.body }));
                    }
                }
                Err(e) => return failed(format!("the conversation could not be read: {e}")),
            }
        }
        // The customer's last message is the prompt already when it was asked by default.
        let last_user = messages
            .iter()
            .rev()
            .find(|m| m["role"] == "user")
            .and_then(|m| m["content"].as_str());
        if !prompt.trim().is_empty() && last_user != Some(prompt.as_str()) {
            messages.push(json!({ "role": "user", "content": prompt }));
        }
        let model = if model.is_empty() {
            &settings.model
        } else {
            model
        };
        let url = format!(
            "{}/chat/completions",
            settings.base_url.trim_end_matches('/')
        );
        let url = match self.0.http.check_url(&url) {
            Ok(u) => u,
            Err(e) => return failed(e),
        };
        let mut req = self
            .0
            .http
            .client()
            .post(url)
            .timeout(Duration::from_millis(*timeout_ms))
            .json(&json!({
                "model": model, "messages": messages,
                "temperature": temperature, "max_tokens": max_tokens,
            }));
        if let Some(key) = key {
            req = req.bearer_auth(key);
        }
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => {
                return failed(format!("no answer within {} s", timeout_ms / 1000));
            }
            Err(e) => return failed(format!("request failed: {e}")),
        };
        let status = resp.status().as_u16();
        let bytes = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => return failed(format!("reading the answer failed: {e}")),
        };
        let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            let end = bytes.len().min(MAX_ANSWER_BYTES);
            Value::String(String::from_utf8_lossy(&bytes[..end]).into_owned())
        });
        Resume::Http {
            status,
            body,
            error: None,
        }
    }
}

#[async_trait]
impl JobHandler for AiJob {
    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        let p: AiPayload = payload(job)?;
        let db = self.0.tenant_of(job).await?;
        // A redelivery after the run moved on asks nothing again.
        let run = match db.get_run(&p.run_id).await {
            Ok(run) if run.status == "waiting" && run.seq == p.seq => run,
            Ok(_) => return Ok(()),
            Err(e) => return settle(Err(e)),
        };
        let resume = self.ask(&db, &run, &p.effect).await;
        settle(
            self.0
                .resume(&db, &p.run_id, resume, Some(p.seq))
                .await
                .map(drop),
        )
    }
}

/// What a company's AI key is sealed for: that company only.
pub fn ai_key_owner(tenant: &str) -> String {
    format!("ai:{tenant}")
}
