//! Messaging: send a text or a media file, ask and wait for a validated reply, numbered
//! menus.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use super::ports;
use crate::registry::{
    ConfigProblem, NodeError, NodeSpec, NodeType, PreparedNode, schema_of, typed_config,
};
use crate::script::Scripts;
use crate::step::{Effect, Outcome, Resume, StepCx, WaitFor};

fn spec(
    kind: &'static str,
    title: &'static str,
    description: &'static str,
    schema: Value,
    outputs: &[&str],
    waits: bool,
) -> NodeSpec {
    NodeSpec {
        kind: kind.into(),
        category: "messaging".into(),
        title: title.into(),
        description: description.into(),
        config_schema: schema,
        outputs: ports(outputs),
        trigger: false,
        waits,
        icon: None,
        color: None,
    }
}

fn send(cx: &mut StepCx<'_>, what: &str, text: String) {
    send_choices(cx, what, text, Vec::new());
}

/// Send `text` with `choices` the customer picks from (see [`Effect::SendText`]).
fn send_choices(cx: &mut StepCx<'_>, what: &str, text: String, choices: Vec<String>) {
    let key = cx.effect_key(what);
    cx.effects.push(Effect::SendText { key, text, choices });
}

pub struct SendText;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct SendTextConfig {
    /// The message; `{{contact.name}}`, `{{vars.x}}` are replaced.
    text: String,
}

struct PreparedSend(String);

impl PreparedNode for PreparedSend {
    fn run(&self, cx: &mut StepCx<'_>) -> Result<Outcome, NodeError> {
        let text = cx.render(&self.0);
        send(cx, "send", text);
        Ok(Outcome::Next("out".into()))
    }

    fn ports(&self) -> Vec<String> {
        ports(&["out"])
    }
}

fn check_text(text: &str, field: &str) -> Result<(), Vec<ConfigProblem>> {
    if text.trim().is_empty() || text.len() > 4096 {
        return Err(vec![ConfigProblem::field(
            field,
            "a message has 1 to 4096 characters",
        )]);
    }
    Ok(())
}

impl NodeType for SendText {
    fn spec(&self) -> NodeSpec {
        spec(
            "messaging.send_text",
            "Send text",
            "Sends a message to the contact.",
            schema_of::<SendTextConfig>(),
            &["out"],
            false,
        )
    }

    fn prepare(
        &self,
        config: &Value,
        _: &Scripts,
    ) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>> {
        let c: SendTextConfig = typed_config(config)?;
        check_text(&c.text, "text")?;
        Ok(Box::new(PreparedSend(c.text)))
    }
}

pub struct SendMedia;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct SendMediaConfig {
    kind: MediaKind,
    /// Where the file is fetched from (http or https; templated, e.g.
    /// `https://cdn.example.com/invoices/{{vars.invoice}}.pdf`).
    url: String,
    /// Shown under images, videos and documents; templated.
    #[serde(default)]
    caption: Option<String>,
    /// The name a document is saved under; templated.
    #[serde(default)]
    filename: Option<String>,
}

/// The kinds of media a message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Image,
    Audio,
    Video,
    Document,
}

struct PreparedMedia(SendMediaConfig);

impl PreparedNode for PreparedMedia {
    fn run(&self, cx: &mut StepCx<'_>) -> Result<Outcome, NodeError> {
        let c = &self.0;
        let url = cx.render(&c.url);
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(NodeError::MediaUrl { url });
        }
        let effect = Effect::SendMedia {
            key: cx.effect_key("media"),
            media: c.kind,
            url,
            caption: c.caption.as_ref().map(|t| cx.render(t)),
            filename: c.filename.as_ref().map(|t| cx.render(t)),
        };
        cx.effects.push(effect);
        Ok(Outcome::Next("out".into()))
    }

    fn ports(&self) -> Vec<String> {
        ports(&["out"])
    }
}

impl NodeType for SendMedia {
    fn spec(&self) -> NodeSpec {
        spec(
            "messaging.send_media",
            "Send media",
            "Sends an image, audio, video or document from a URL, with an optional caption.",
            schema_of::<SendMediaConfig>(),
            &["out"],
            false,
        )
    }

    fn prepare(
        &self,
        config: &Value,
        _: &Scripts,
    ) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>> {
        let c: SendMediaConfig = typed_config(config)?;
        let url = c.url.trim();
        if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 2048 {
            return Err(vec![ConfigProblem::field(
                "url",
                "an http(s) URL of at most 2048 characters",
            )]);
        }
        if let Some(caption) = &c.caption {
            check_text(caption, "caption")?;
        }
        if c.filename
            .as_ref()
            .is_some_and(|f| f.trim().is_empty() || f.len() > 255)
        {
            return Err(vec![ConfigProblem::field(
                "filename",
                "a file name has 1 to 255 characters",
            )]);
        }
        Ok(Box::new(PreparedMedia(c)))
    }
}

/// What an answer must look like.
#[derive(Debug, Clone, Deserialize, JsonSchema, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Validation {
    Any,
    /// A number, stored as one: `12345` stays an integer, `12,5` becomes 12.5.
    Number,
    /// A code of digits such as an order number, a CPF or a CEP, stored as text with every
    /// digit and leading zeros (`012.345.678-90` → `01234567890`).
    Digits,
    Email,
    Phone,
    /// A date, `YYYY-MM-DD` or `DD/MM/YYYY` (stored as `YYYY-MM-DD`).
    Date,
    /// One of `options` (case ignored).
    OneOf,
}

pub struct Ask;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct AskConfig {
    question: String,
    /// Where the answer is stored.
    variable: String,
    #[serde(default = "any")]
    validation: Validation,
    #[serde(default)]
    options: Vec<String>,
    /// Sent when an answer fails validation; the question is asked again.
    #[serde(default = "retry_text")]
    invalid_message: String,
    /// Invalid answers allowed before the `invalid` port.
    #[serde(default = "two")]
    retries: u32,
    /// Seconds to wait for an answer before the `timeout` port; none waits forever.
    #[serde(default)]
    timeout_seconds: Option<u64>,
}

fn any() -> Validation {
    Validation::Any
}

fn retry_text() -> String {
    "Sorry, I did not understand. Please try again.".into()
}

fn two() -> u32 {
    2
}

struct PreparedAsk(AskConfig);

/// A number as written: an integer when it has no fraction (so `12345` reads back as
/// `12345`), else a decimal, with a comma or a point before the fraction.
fn number(t: &str) -> Option<Value> {
    let t = t.replace(',', ".");
    let digits = t.strip_prefix(['-', '+']).unwrap_or(&t);
    if !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
        && let Ok(n) = t.parse::<i64>()
    {
        return Some(Value::from(n));
    }
    let n = t.parse::<f64>().ok().filter(|n| n.is_finite())?;
    serde_json::Number::from_f64(n).map(Value::Number)
}

/// The answer as it will be stored, or `None` if it does not validate.
fn validate(v: &Validation, options: &[String], text: &str) -> Option<Value> {
    let t = text.trim();
    match v {
        Validation::Any => (!t.is_empty()).then(|| Value::String(t.into())),
        Validation::Number => number(t),
        Validation::Digits => {
            let digits: String = t.chars().filter(char::is_ascii_digit).collect();
            let only_separators = t
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '/'));
            (!digits.is_empty() && only_separators).then_some(Value::String(digits))
        }
        Validation::Email => {
            let (user, domain) = t.split_once('@')?;
            (!user.is_empty() && domain.contains('.') && !t.contains(' '))
                .then(|| Value::String(t.to_lowercase()))
        }
        Validation::Phone => {
            let digits: String = t.chars().filter(char::is_ascii_digit).collect();
            (8..=15)
                .contains(&digits.len())
                .then(|| Value::String(format!("+{digits}")))
        }
        Validation::Date => ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"]
            .iter()
            .find_map(|f| chrono::NaiveDate::parse_from_str(t, f).ok())
            .map(|d| Value::String(d.format("%Y-%m-%d").to_string())),
        Validation::OneOf => options
            .iter()
            .find(|o| o.eq_ignore_ascii_case(t))
            .map(|o| Value::String(o.clone())),
    }
}

/// The hidden variable counting invalid answers to the node waiting now.
const TRIES: &str = "_tries";

fn wait_reply(cx: &mut StepCx<'_>, timeout_seconds: Option<u64>) -> Outcome {
    let timeout_at_ms = timeout_seconds.map(|s| cx.now_ms + s as i64 * 1000);
    if let Some(at_ms) = timeout_at_ms {
        cx.effects.push(Effect::Timer {
            key: cx.effect_key("timeout"),
            at_ms,
        });
    }
    Outcome::Wait(WaitFor::Reply { timeout_at_ms })
}

impl PreparedNode for PreparedAsk {
    fn run(&self, cx: &mut StepCx<'_>) -> Result<Outcome, NodeError> {
        let c = &self.0;
        let tries = TRIES.to_string();
        match cx.resume.cloned() {
            None | Some(Resume::Start) => {
                cx.vars.remove(&tries);
                let q = cx.render(&c.question);
                send(cx, "question", q);
                Ok(wait_reply(cx, c.timeout_seconds))
            }
            Some(Resume::Http { .. } | Resume::Subflow { .. } | Resume::Plugin { .. }) => {
                Err(NodeError::UnexpectedAnswer)
            }
            Some(Resume::Timer) => {
                cx.vars.remove(&tries);
                Ok(Outcome::Next("timeout".into()))
            }
            Some(Resume::Reply { text }) => match validate(&c.validation, &c.options, &text) {
                Some(answer) => {
                    cx.vars.remove(&tries);
                    cx.vars.insert(c.variable.clone(), answer);
                    Ok(Outcome::Next("answer".into()))
                }
                None => {
                    let n = cx.vars.get(&tries).and_then(Value::as_u64).unwrap_or(0) + 1;
                    if n > u64::from(c.retries) {
                        cx.vars.remove(&tries);
                        return Ok(Outcome::Next("invalid".into()));
                    }
                    cx.vars.insert(tries, n.into());
                    let msg = cx.render(&c.invalid_message);
                    send(cx, "invalid", msg);
                    Ok(wait_reply(cx, c.timeout_seconds))
                }
            },
        }
    }

    fn ports(&self) -> Vec<String> {
        ports(&["answer", "invalid", "timeout"])
    }
}

impl NodeType for Ask {
    fn spec(&self) -> NodeSpec {
        spec(
            "messaging.ask",
            "Ask",
            "Asks a question and waits for a valid answer (any, number, email, phone, one of options), with retries and a timeout.",
            schema_of::<AskConfig>(),
            &["answer", "invalid", "timeout"],
            true,
        )
    }

    fn prepare(
        &self,
        config: &Value,
        _: &Scripts,
    ) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>> {
        let c: AskConfig = typed_config(config)?;
        check_text(&c.question, "question")?;
        if c.variable.is_empty()
            || !c
                .variable
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
        {
            return Err(vec![ConfigProblem::field(
                "variable",
                "letters, digits and _",
            )]);
        }
        if c.validation == Validation::OneOf && c.options.is_empty() {
            return Err(vec![ConfigProblem::field(
                "options",
                "give the accepted answers",
            )]);
        }
        Ok(Box::new(PreparedAsk(c)))
    }
}

pub struct Menu;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct MenuConfig {
    /// Shown above the numbered options.
    text: String,
    /// Each option is a port (`1`, `2`, …) and a line of the menu.
    options: Vec<String>,
    #[serde(default = "menu_invalid")]
    invalid_message: String,
    #[serde(default = "two")]
    retries: u32,
    #[serde(default)]
    timeout_seconds: Option<u64>,
}

fn menu_invalid() -> String {
    "Please answer with one of the numbers.".into()
}

struct PreparedMenu(MenuConfig);

impl PreparedMenu {
    fn render_menu(&self, cx: &StepCx<'_>) -> String {
        let mut text = cx.render(&self.0.text);
        for (i, o) in self.choices(cx).iter().enumerate() {
            text.push_str(&format!("\n{}. {o}", i + 1));
        }
        text
    }

    fn choices(&self, cx: &StepCx<'_>) -> Vec<String> {
        self.0.options.iter().map(|o| cx.render(o)).collect()
    }
}

impl PreparedNode for PreparedMenu {
    fn run(&self, cx: &mut StepCx<'_>) -> Result<Outcome, NodeError> {
        let c = &self.0;
        let tries = TRIES.to_string();
        match cx.resume.cloned() {
            None | Some(Resume::Start) => {
                cx.vars.remove(&tries);
                let menu = self.render_menu(cx);
                let choices = self.choices(cx);
                send_choices(cx, "menu", menu, choices);
                Ok(wait_reply(cx, c.timeout_seconds))
            }
            Some(Resume::Http { .. } | Resume::Subflow { .. } | Resume::Plugin { .. }) => {
                Err(NodeError::UnexpectedAnswer)
            }
            Some(Resume::Timer) => {
                cx.vars.remove(&tries);
                Ok(Outcome::Next("timeout".into()))
            }
            Some(Resume::Reply { text }) => {
                let t = text.trim();
                let chosen = t
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=c.options.len()).contains(n))
                    .or_else(|| {
                        c.options
                            .iter()
                            .position(|o| o.eq_ignore_ascii_case(t))
                            .map(|i| i + 1)
                    });
                if let Some(n) = chosen {
                    cx.vars.remove(&tries);
                    return Ok(Outcome::Next(n.to_string()));
                }
                let n = cx.vars.get(&tries).and_then(Value::as_u64).unwrap_or(0) + 1;
                if n > u64::from(c.retries) {
                    cx.vars.remove(&tries);
                    return Ok(Outcome::Next("invalid".into()));
                }
                cx.vars.insert(tries, n.into());
                let msg = format!(
                    "{}\n{}",
                    cx.render(&c.invalid_message),
                    self.render_menu(cx)
                );
                let choices = self.choices(cx);
                send_choices(cx, "invalid", msg, choices);
                Ok(wait_reply(cx, c.timeout_seconds))
            }
        }
    }

    fn ports(&self) -> Vec<String> {
        let mut p: Vec<String> = (1..=self.0.options.len()).map(|i| i.to_string()).collect();
        p.extend(ports(&["invalid", "timeout"]));
        p
    }
}

impl NodeType for Menu {
    fn spec(&self) -> NodeSpec {
        spec(
            "messaging.menu",
            "Menu",
            "Sends numbered options and goes to the chosen option's port (`1`, `2`, …).",
            schema_of::<MenuConfig>(),
            &["invalid", "timeout"],
            true,
        )
    }

    fn prepare(
        &self,
        config: &Value,
        _: &Scripts,
    ) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>> {
        let c: MenuConfig = typed_config(config)?;
        check_text(&c.text, "text")?;
        if c.options.is_empty() || c.options.len() > 20 {
            return Err(vec![ConfigProblem::field("options", "1 to 20 options")]);
        }
        Ok(Box::new(PreparedMenu(c)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_validated_and_normalised() {
        assert_eq!(
            validate(&Validation::Number, &[], " 12,5 "),
            Some(serde_json::json!(12.5))
        );
        assert_eq!(validate(&Validation::Number, &[], "twelve"), None);
        // Integers stay integers, so a template prints them as written.
        assert_eq!(
            validate(&Validation::Number, &[], "12345"),
            Some(serde_json::json!(12345))
        );
        assert_eq!(
            validate(&Validation::Number, &[], "12345")
                .unwrap()
                .to_string(),
            "12345"
        );
        assert_eq!(
            validate(&Validation::Number, &[], "-7"),
            Some(serde_json::json!(-7))
        );
        assert_eq!(validate(&Validation::Number, &[], "inf"), None);
        // Codes keep every digit, leading zeros included.
        assert_eq!(
            validate(&Validation::Digits, &[], " 012.345.678-90 "),
            Some("01234567890".into())
        );
        assert_eq!(
            validate(&Validation::Digits, &[], "00012345678901234567"),
            Some("00012345678901234567".into())
        );
        assert_eq!(validate(&Validation::Digits, &[], "12a4"), None);
        assert_eq!(validate(&Validation::Digits, &[], "--"), None);
        assert_eq!(
            validate(&Validation::Email, &[], "Ana@Example.com"),
            Some("ana@example.com".into())
        );
        assert_eq!(validate(&Validation::Email, &[], "ana@example"), None);
        assert_eq!(
            validate(&Validation::Phone, &[], "+55 (11) 98765-4321"),
            Some("+5511987654321".into())
        );
        let opts = vec!["Yes".to_string(), "No".to_string()];
        assert_eq!(
            validate(&Validation::OneOf, &opts, "yes"),
            Some("Yes".into())
        );
        assert_eq!(validate(&Validation::OneOf, &opts, "maybe"), None);
    }
}
