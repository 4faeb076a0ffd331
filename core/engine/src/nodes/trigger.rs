//! Triggers: where runs start. Matching an incoming event against a trigger's filters
//! happens before a run exists (see `matches`); inside the run a trigger just passes on.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ports;
use crate::registry::{
    ConfigProblem, NodeError, NodeSpec, NodeType, PreparedNode, schema_of, typed_config,
};
use crate::script::Scripts;
use crate::step::{Outcome, StepCx};

struct PassOn;

impl PreparedNode for PassOn {
    fn run(&self, _: &mut StepCx<'_>) -> Result<Outcome, NodeError> {
        Ok(Outcome::Next("out".into()))
    }

    fn ports(&self) -> Vec<String> {
        ports(&["out"])
    }
}

/// Every trigger's spec: category `triggers`, one `out` port, no waiting.
fn trigger_spec(
    kind: &'static str,
    title: &'static str,
    description: &'static str,
    config_schema: Value,
) -> NodeSpec {
    NodeSpec {
        kind: kind.into(),
        category: "triggers".into(),
        title: title.into(),
        description: description.into(),
        config_schema,
        outputs: ports(&["out"]),
        trigger: true,
        waits: false,
        icon: None,
        color: None,
    }
}

/// Started by hand or through the API.
pub struct Manual;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ManualConfig {}

impl NodeType for Manual {
    fn spec(&self) -> NodeSpec {
        trigger_spec(
            "trigger.manual",
            "Manual or API run",
            "Starts when someone runs the flow from the editor or the API.",
            schema_of::<ManualConfig>(),
        )
    }

    fn prepare(
        &self,
        config: &Value,
        _: &Scripts,
    ) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>> {
        typed_config::<ManualConfig>(config)?;
        Ok(Box::new(PassOn))
    }
}

/// Started for each recipient of a campaign that sends the flow.
pub struct CampaignStart;

impl NodeType for CampaignStart {
    fn spec(&self) -> NodeSpec {
        trigger_spec(
            "trigger.campaign",
            "Campaign start",
            "Starts for each recipient of a campaign that sends this flow, on the number the campaign gives them; `vars.campaign` holds the campaign's id and name.",
            schema_of::<ManualConfig>(),
        )
    }

    fn prepare(
        &self,
        config: &Value,
        _: &Scripts,
    ) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>> {
        typed_config::<ManualConfig>(config)?;
        Ok(Box::new(PassOn))
    }
}

/// Started by a customer's message.
pub struct MessageReceived;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageReceivedConfig {
    /// Only messages on this connection; any when absent.
    #[serde(default)]
    pub connection_id: Option<String>,
    /// Only messages that match one of these keywords (case and accents ignored), as
    /// `keyword_match` says.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// How a keyword matches a message: the whole message (the default), a word or words
    /// anywhere in it, or its first word(s).
    #[serde(default)]
    pub keyword_match: KeywordMatch,
    /// Only messages matching this regular expression.
    #[serde(default)]
    pub regex: Option<String>,
    /// Only the first message of a ticket.
    #[serde(default)]
    pub first_message_of_ticket: bool,
    /// Only outside the tenant's business hours.
    #[serde(default)]
    pub outside_business_hours: bool,
}

/// How the keywords of a message trigger match a message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum KeywordMatch {
    /// The message is the keyword, nothing more (`menu`).
    #[default]
    WholeMessage,
    /// The keyword is a word, or words in a row, of the message (`quero ver meu pedido`
    /// matches `pedido`, not `pedidos`).
    ContainsWord,
    /// The message begins with the keyword's word(s) (`pedido 123` matches `pedido`).
    StartsWith,
}

impl KeywordMatch {
    /// Whether `text` matches `keyword` this way.
    pub fn matches(self, keyword: &str, text: &str) -> bool {
        let (keyword, text) = (fold(keyword), fold(text));
        if self == KeywordMatch::WholeMessage {
            return keyword == text;
        }
        let want = words(&keyword);
        let have = words(&text);
        if want.is_empty() {
            return false;
        }
        match self {
            KeywordMatch::StartsWith => have.starts_with(&want),
            _ => have.windows(want.len()).any(|w| w == want.as_slice()),
        }
    }
}

/// The words of a folded text: runs of letters and digits.
fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect()
}

impl NodeType for MessageReceived {
    fn spec(&self) -> NodeSpec {
        trigger_spec(
            "trigger.message_received",
            "Message received",
            "Starts when a customer writes, filtered by connection, keyword, pattern, first message of a ticket, or outside business hours.",
            schema_of::<MessageReceivedConfig>(),
        )
    }

    fn prepare(
        &self,
        config: &Value,
        _: &Scripts,
    ) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>> {
        let c: MessageReceivedConfig = typed_config(config)?;
        if let Some(re) = &c.regex {
            compile_regex(re).map_err(|e| vec![ConfigProblem::field("regex", e.to_string())])?;
        }
        Ok(Box::new(PassOn))
    }
}

/// Started by something that happens to a ticket.
pub struct TicketEvent;

/// What can happen to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketEventKind {
    Opened,
    Accepted,
    Transferred,
    Closed,
    Reopened,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct TicketEventConfig {
    /// The events that start the flow.
    events: Vec<TicketEventKind>,
    /// Only tickets of this queue (id); any when absent.
    #[serde(default)]
    queue_id: Option<String>,
}

/// A ticket event, as the trigger filters see it.
#[derive(Debug, Clone)]
pub struct TicketEventData {
    pub kind: TicketEventKind,
    pub queue_id: Option<String>,
}

impl NodeType for TicketEvent {
    fn spec(&self) -> NodeSpec {
        trigger_spec(
            "trigger.ticket_event",
            "Ticket event",
            "Starts when a ticket is opened, accepted, transferred, closed or reopened (for a satisfaction survey after close, say), optionally only in one queue.",
            schema_of::<TicketEventConfig>(),
        )
    }

    fn prepare(
        &self,
        config: &Value,
        _: &Scripts,
    ) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>> {
        let c: TicketEventConfig = typed_config(config)?;
        if c.events.is_empty() {
            return Err(vec![ConfigProblem::field(
                "events",
                "choose at least one event",
            )]);
        }
        Ok(Box::new(PassOn))
    }
}

/// Whether a `trigger.ticket_event` node with `config` starts a run for `event`.
pub fn ticket_trigger_matches(config: &Value, event: &TicketEventData) -> bool {
    typed_config::<TicketEventConfig>(config).is_ok_and(|c| {
        c.events.contains(&event.kind)
            && c.queue_id
                .as_ref()
                .is_none_or(|q| event.queue_id.as_ref() == Some(q))
    })
}

/// Started by another system calling the flow's own URL:
/// `POST /api/hooks/{tenant}/{flow}/{node}` with the secret in `X-Tucan-Secret`.
pub struct InboundWebhook;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct WebhookConfig {
    /// Shared with the caller; 16 to 200 characters (a `whsec_…` secret for
    /// `standard_webhooks`).
    secret: String,
    /// How the caller proves it knows the secret: sending it in `X-Tucan-Secret`
    /// (`secret`), signing as Standard Webhooks does (`standard_webhooks`: `webhook-id`,
    /// `webhook-timestamp`, `webhook-signature`), or as GitHub does (`github`:
    /// `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`).
    #[serde(default)]
    auth: HookAuth,
    /// Calls accepted per minute (0: no limit of its own).
    #[serde(default)]
    rate_limit_per_minute: u32,
    /// How long the call waits for a "Respond to webhook" step of the flow before it is
    /// answered 202 with the run's id (milliseconds, 100 to 60000).
    #[serde(default = "ten_seconds")]
    respond_timeout_ms: u64,
}

fn ten_seconds() -> u64 {
    10_000
}

/// How an inbound webhook call is authenticated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
enum HookAuth {
    #[default]
    Secret,
    StandardWebhooks,
    Github,
}

impl NodeType for InboundWebhook {
    fn spec(&self) -> NodeSpec {
        trigger_spec(
            "trigger.webhook",
            "Inbound webhook",
            "Starts when another system POSTs JSON to /api/hooks/{tenant}/{flow}/{node} with the secret in the X-Tucan-Secret header (or signed: Standard Webhooks or GitHub style). The body is in `vars.payload`; a `contact` object with a `phone` (and `name`) runs the flow for that contact. A \"Respond to webhook\" step answers the call (it waits up to `respond_timeout_ms`, else 202 with the run's id).",
            schema_of::<WebhookConfig>(),
        )
    }

    fn prepare(
        &self,
        config: &Value,
        _: &Scripts,
    ) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>> {
        let c: WebhookConfig = typed_config(config)?;
        let n = c.secret.chars().count();
        if !(16..=200).contains(&n) {
            return Err(vec![ConfigProblem::field(
                "secret",
                "a secret has 16 to 200 characters",
            )]);
        }
        if c.auth == HookAuth::StandardWebhooks && !c.secret.starts_with("whsec_") {
            return Err(vec![ConfigProblem::field(
                "secret",
                "Standard Webhooks secrets start with whsec_",
            )]);
        }
        if c.rate_limit_per_minute > 100_000 {
            return Err(vec![ConfigProblem::field(
                "rate_limit_per_minute",
                "at most 100000",
            )]);
        }
        if !(100..=60_000).contains(&c.respond_timeout_ms) {
            return Err(vec![ConfigProblem::field(
                "respond_timeout_ms",
                "between 100 and 60000",
            )]);
        }
        Ok(Box::new(PassOn))
    }
}

/// Started on a schedule.
pub struct Schedule;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ScheduleConfig {
    /// Five-field cron: minute hour day-of-month month day-of-week, e.g. `0 9 * * mon-fri`.
    cron: String,
    /// IANA time zone the times are read in; the tenant's when absent.
    #[serde(default)]
    timezone: Option<String>,
}

impl NodeType for Schedule {
    fn spec(&self) -> NodeSpec {
        trigger_spec(
            "trigger.schedule",
            "Schedule",
            "Starts on a cron schedule (e.g. `0 9 * * mon-fri`), in the tenant's time zone or the one given, once the flow is published.",
            schema_of::<ScheduleConfig>(),
        )
    }

    fn prepare(
        &self,
        config: &Value,
        _: &Scripts,
    ) -> Result<Box<dyn PreparedNode>, Vec<ConfigProblem>> {
        let c: ScheduleConfig = typed_config(config)?;
        let mut problems = Vec::new();
        if let Err(e) = crate::cron::Cron::parse(&c.cron) {
            problems.push(ConfigProblem::field("cron", e.to_string()));
        }
        if let Some(tz) = &c.timezone
            && tz.parse::<chrono_tz::Tz>().is_err()
        {
            problems.push(ConfigProblem::field(
                "timezone",
                format!("unknown time zone '{tz}'"),
            ));
        }
        if problems.is_empty() {
            Ok(Box::new(PassOn))
        } else {
            Err(problems)
        }
    }
}

/// Why a trigger's message pattern is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum PatternError {
    /// Empty, or longer than 500 bytes.
    #[error("a pattern has 1 to 500 characters")]
    Length,
    /// Not a regular expression the `regex` crate accepts (or too big once compiled).
    #[error("invalid pattern: {0}")]
    Invalid(#[source] regex::Error),
}

fn compile_regex(pattern: &str) -> Result<regex::Regex, PatternError> {
    if pattern.is_empty() || pattern.len() > 500 {
        return Err(PatternError::Length);
    }
    regex::RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(1 << 20)
        .build()
        .map_err(PatternError::Invalid)
}

/// An incoming message, as the trigger filters see it.
#[derive(Debug, Clone, Default)]
pub struct MessageEvent {
    pub connection_id: String,
    pub text: String,
    pub first_of_ticket: bool,
    pub outside_business_hours: bool,
}

/// Lower-case, accents removed for the common Latin letters, spaces trimmed.
fn fold(s: &str) -> String {
    s.trim()
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ã' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'õ' | 'ö' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            other => other,
        })
        .collect()
}

/// Whether a `trigger.message_received` node with `config` starts a run for `event`.
/// A config that does not decode matches nothing (the compiler has refused it already).
pub fn message_trigger_matches(config: &Value, event: &MessageEvent) -> bool {
    let Ok(c) = typed_config::<MessageReceivedConfig>(config) else {
        return false;
    };
    if c.connection_id
        .as_ref()
        .is_some_and(|id| *id != event.connection_id)
        || (c.first_message_of_ticket && !event.first_of_ticket)
        || (c.outside_business_hours && !event.outside_business_hours)
    {
        return false;
    }
    if !c.keywords.is_empty()
        && !c
            .keywords
            .iter()
            .any(|k| c.keyword_match.matches(k, &event.text))
    {
        return false;
    }
    match &c.regex {
        Some(p) => compile_regex(p).is_ok_and(|re| re.is_match(&event.text)),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn message_filters_combine() {
        let ev = |text: &str| MessageEvent {
            connection_id: "c1".into(),
            text: text.into(),
            first_of_ticket: true,
            outside_business_hours: false,
        };
        let kw = json!({ "keywords": ["Olá", "menu"] });
        assert!(message_trigger_matches(&kw, &ev("  ola ")));
        assert!(message_trigger_matches(&kw, &ev("MENU")));
        assert!(!message_trigger_matches(&kw, &ev("hello")));
        assert!(message_trigger_matches(
            &json!({ "regex": "^pedido \\d+$" }),
            &ev("Pedido 42")
        ));
        assert!(!message_trigger_matches(
            &json!({ "connection_id": "c2" }),
            &ev("x")
        ));
        assert!(!message_trigger_matches(
            &json!({ "outside_business_hours": true }),
            &ev("x")
        ));
        assert!(message_trigger_matches(&json!({}), &ev("anything")));
        // The modes: whole message (the default), a word anywhere, the first word(s).
        let contains = json!({ "keywords": ["pedido"], "keyword_match": "contains_word" });
        assert!(message_trigger_matches(
            &contains,
            &ev("quero ver meu pedido")
        ));
        assert!(message_trigger_matches(
            &contains,
            &ev("Pedido 123, por favor")
        ));
        assert!(!message_trigger_matches(&contains, &ev("meus pedidos")));
        assert!(!message_trigger_matches(
            &json!({ "keywords": ["pedido"] }),
            &ev("quero ver meu pedido")
        ));
        let phrase = json!({ "keywords": ["segunda via"], "keyword_match": "contains_word" });
        assert!(message_trigger_matches(
            &phrase,
            &ev("Quero a SEGUNDA VIA do boleto")
        ));
        assert!(!message_trigger_matches(&phrase, &ev("via segunda")));
        let starts = json!({ "keywords": ["ola"], "keyword_match": "starts_with" });
        assert!(message_trigger_matches(&starts, &ev("Olá, tudo bem?")));
        assert!(!message_trigger_matches(&starts, &ev("bom dia, olá")));
        assert!(!message_trigger_matches(&starts, &ev("olaf")));
        assert!(
            MessageReceived
                .prepare(&json!({ "regex": "(" }), &Scripts::default())
                .is_err()
        );
    }

    #[test]
    fn bad_patterns_say_why() {
        assert_eq!(compile_regex("").unwrap_err(), PatternError::Length);
        assert!(matches!(
            compile_regex(&"a".repeat(501)),
            Err(PatternError::Length)
        ));
        let e = compile_regex("(").unwrap_err();
        assert!(matches!(e, PatternError::Invalid(_)), "{e:?}");
        assert!(e.to_string().starts_with("invalid pattern: "), "{e}");
        let Err(problems) = MessageReceived.prepare(&json!({ "regex": "" }), &Scripts::default())
        else {
            panic!("an empty pattern is refused");
        };
        assert_eq!(
            problems,
            [ConfigProblem::field(
                "regex",
                "a pattern has 1 to 500 characters"
            )]
        );
    }
}
