//! `ai.chat`: asks the company's OpenAI-compatible chat completions API (its base URL, model
//! and key are the company's AI settings) with a templated system prompt, the conversation's
//! recent messages and a templated prompt; the answer lands in a variable (with the tokens
//! used) and, when asked, goes to the customer. No answer (an error, a timeout) takes the
//! `error` port with the reason in the variable.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::ports;
use crate::registry::{
    ConfigProblem, NodeError, NodeSpec, NodeType, PreparedNode, schema_of, typed_config,
};
use crate::script::Scripts;
use crate::step::{Effect, Outcome, Resume, StepCx, WaitFor};

pub struct AiChat;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct AiChatConfig {
    /// The assistant's instructions, a template (`You answer for {{contact.name}}'s shop…`).
    #[serde(default)]
    system_prompt: String,
    /// What is asked, a template; the customer's last message by default.
    #[serde(default = "last_message")]
    prompt: String,
    /// A model of the provider; the company's default when empty.
    #[serde(default)]
    model: String,
    /// 0 to 2.
    #[serde(default = "default_temperature")]
    temperature: f64,
    #[serde(default = "default_max_tokens")]
    max_tokens: u32,
    /// How many of the conversation's latest messages go along as context (0 to 50).
    #[serde(default = "default_history")]
    history: u32,
    #[serde(default = "thirty_seconds")]
    timeout_ms: u64,
    /// Where the result goes: `{ text, usage: { prompt_tokens, completion_tokens,
    /// total_tokens } }`, or `{ error }`.
    #[serde(default = "default_variable")]
    variable: String,
    /// Send the answer to the customer too.
    #[serde(default)]
    send: bool,
}

fn last_message() -> String {
    "{{vars.message}}".into()
}

fn default_temperature() -> f64 {
    0.7
}

fn default_max_tokens() -> u32 {
    500
}

fn default_history() -> u32 {
    10
}

fn thirty_seconds() -> u64 {
    30_000
}

fn default_variable() -> String {
    "ai".into()
}

struct PreparedAi(AiChatConfig);

impl PreparedNode for PreparedAi {
    fn run(&self, cx: &mut StepCx<'_>) -> Result<Outcome, NodeError> {
        let c = &self.0;
        if let Some(Resume::Http {
            status,
            body,
            error,
        }) = cx.resume.cloned()
        {
            let text = body["choices"][0]["message"]["content"].as_str();
            return Ok(match (status, text) {
                (200..=299, Some(text)) => {
                    let usage = body.get("usage").cloned().unwrap_or(Value::Null);
                    cx.vars.insert(
                        c.variable.clone(),
                        json!({ "text": text, "usage": usage, "model": body["model"] }),
                    );
                    if c.send && !text.trim().is_empty() {
                        cx.effects.push(Effect::SendText {
                            key: cx.effect_key("send"),
                            text: text.to_string(),
                            choices: Vec::new(),
                        });
                    }
                    Outcome::Next("success".into())
                }
                _ => {
                    let why = error
                        .or_else(|| body["error"]["message"].as_str().map(str::to_string))
                        .unwrap_or_else(|| format!("the provider answered {status}"));
                    cx.vars.insert(
                        c.variable.clone(),
                        json!({ "error": why, "status": status }),
                    );
                    Outcome::Next("error".into())
                }
            });
        }
        let key = cx.effect_key("ai");
        cx.effects.push(Effect::AiChat {
            key: key.clone(),
            system: cx.render(&c.system_prompt),
            prompt: cx.render(&c.prompt),
            model: c.model.clone(),
            temperature: c.temperature,
            max_tokens: c.max_tokens,
            history: c.history,
            timeout_ms: c.timeout_ms,
        });
        Ok(Outcome::Wait(WaitFor::Effect { key }))
    }

    fn ports(&self) -> Vec<String> {
        ports(&["success", "error"])
    }
}

impl NodeType for AiChat {
    fn spec(&self) -> NodeSpec {
        NodeSpec {
            kind: "ai.chat".into(),
            category: "integrations".into(),
            title: "AI chat".into(),
            description: "Asks the company's OpenAI-compatible chat API (system prompt, the conversation's recent messages, a prompt) and stores the answer in a variable, optionally sending it to the customer.".into(),
            config_schema: schema_of::<AiChatConfig>(),
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
        let c: AiChatConfig = typed_config(config)?;
        let mut problems = Vec::new();
        if !(0.0..=2.0).contains(&c.temperature) {
            problems.push(ConfigProblem::field("temperature", "between 0 and 2"));
        }
        if !(1..=32_000).contains(&c.max_tokens) {
            problems.push(ConfigProblem::field("max_tokens", "between 1 and 32000"));
        }
        if c.history > 50 {
            problems.push(ConfigProblem::field("history", "at most 50 messages"));
        }
        if !(1_000..=120_000).contains(&c.timeout_ms) {
            problems.push(ConfigProblem::field(
                "timeout_ms",
                "between 1000 and 120000",
            ));
        }
        if c.prompt.trim().is_empty() {
            problems.push(ConfigProblem::field("prompt", "what to ask"));
        }
        if c.variable.is_empty() || c.model.len() > 200 || c.system_prompt.len() > 20_000 {
            problems.push(ConfigProblem::field(
                "variable",
                "a variable name, a model of at most 200 characters, a system prompt of at most 20000",
            ));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Box::new(PreparedAi(c)))
    }
}
