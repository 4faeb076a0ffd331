//! `integrations.http_request`: method, URL, headers and body templated; the runtime sends it
//! through the SSRF guard and resumes the run with the response, whose JSON lands in a
//! variable. 2xx goes to `success`, anything else (or no response) to `error`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use super::ports;
use crate::registry::{
    ConfigProblem, NodeError, NodeSpec, NodeType, PreparedNode, schema_of, typed_config,
};
use crate::script::Scripts;
use crate::step::{Effect, Outcome, Resume, StepCx, WaitFor};

pub struct HttpRequest;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct HttpConfig {
    #[serde(default = "get")]
    method: String,
    /// `https://crm.example.com/orders/{{vars.order}}`
    url: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    /// A template; sent as is (set `content-type` in `headers`).
    #[serde(default)]
    body: Option<String>,
    #[serde(default = "ten_seconds")]
    timeout_ms: u64,
    /// Where the response goes: `{ status, body }` (body parsed as JSON when it is).
    #[serde(default = "response")]
    response_variable: String,
}

fn get() -> String {
    "GET".into()
}

fn ten_seconds() -> u64 {
    10_000
}

fn response() -> String {
    "response".into()
}

struct PreparedHttp(HttpConfig);

impl PreparedNode for PreparedHttp {
    fn run(&self, cx: &mut StepCx<'_>) -> Result<Outcome, NodeError> {
        let c = &self.0;
        if let Some(Resume::Http {
            status,
            body,
            error,
        }) = cx.resume.cloned()
        {
            let mut result = serde_json::json!({ "status": status, "body": body });
            if let Some(e) = error {
                result["error"] = e.into();
            }
            cx.vars.insert(c.response_variable.clone(), result);
            return Ok(Outcome::Next(
                if (200..300).contains(&status) {
                    "success"
                } else {
                    "error"
                }
                .into(),
            ));
        }
        let key = cx.effect_key("http");
        let effect = Effect::Http {
            key: key.clone(),
            method: c.method.to_ascii_uppercase(),
            url: cx.render(&c.url),
            headers: c
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), cx.render(v)))
                .collect(),
            body: c.body.as_ref().map(|b| cx.render(b)),
            timeout_ms: c.timeout_ms,
        };
        cx.effects.push(effect);
        Ok(Outcome::Wait(WaitFor::Effect { key }))
    }

    fn ports(&self) -> Vec<String> {
        ports(&["success", "error"])
    }
}

impl NodeType for HttpRequest {
    fn spec(&self) -> NodeSpec {
        NodeSpec {
            kind: "integrations.http_request".into(),
            category: "integrations".into(),
            title: "HTTP request".into(),
            description: "Calls an HTTP API (templated method, URL, headers, body; timeout) and stores the JSON response in a variable.".into(),
            config_schema: schema_of::<HttpConfig>(),
            outputs: ports(&["success", "error"]),
            trigger: false,
            waits: false,
            icon: None,
            color: None,
        }
    }

    fn prepare(
        &self,
        config: &Value,
        _: &Scripts,
    ) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>> {
        let c: HttpConfig = typed_config(config)?;
        if !["GET", "POST", "PUT", "PATCH", "DELETE"]
            .contains(&c.method.to_ascii_uppercase().as_str())
        {
            return Err(vec![ConfigProblem::field(
                "method",
                "GET, POST, PUT, PATCH or DELETE",
            )]);
        }
        let scheme_ok = c.url.starts_with("https://") || c.url.starts_with("http://");
        if !scheme_ok || c.url.len() > 2048 {
            return Err(vec![ConfigProblem::field(
                "url",
                "an http(s) URL of at most 2048 characters",
            )]);
        }
        if !(100..=60_000).contains(&c.timeout_ms) {
            return Err(vec![ConfigProblem::field(
                "timeout_ms",
                "between 100 and 60000",
            )]);
        }
        if c.response_variable.is_empty()
            || !c
                .response_variable
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
        {
            return Err(vec![ConfigProblem::field(
                "response_variable",
                "letters, digits and _",
            )]);
        }
        Ok(Box::new(PreparedHttp(c)))
    }
}
