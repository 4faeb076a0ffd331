//! Where runs come from: a customer's message (which first answers the runs waiting for
//! the contact's reply), a ticket event, an inbound webhook call or a schedule tick; and the
//! trigger node each starts at.

use serde_json::{Map, Value};
use tucan_bus::now_ms;
use tucan_engine::{
    CompiledFlow, MessageEvent, Resume, TicketEventData, message_trigger_matches,
    ticket_trigger_matches,
};
use tucan_store::TenantDb;

use crate::error::{RuntimeError, RuntimeResult};
use crate::runtime::{FlowRuntime, RunContact, RunSource, StartRun, Stepped};

/// What happened, for the triggers that listen to it.
#[derive(Debug, Clone)]
pub enum TriggerEvent {
    Message(MessageEvent),
    Ticket(TicketEventData),
    /// A call to the inbound webhook trigger `node`, with its JSON body.
    Webhook {
        node: String,
        payload: Value,
    },
    /// A tick of the schedule trigger `node`.
    Schedule {
        node: String,
    },
    /// A campaign reached one of its recipients (`vars.campaign` is set by the caller).
    Campaign,
}

impl TriggerEvent {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            TriggerEvent::Message(_) => "message",
            TriggerEvent::Ticket(_) => "ticket",
            TriggerEvent::Webhook { .. } => "webhook",
            TriggerEvent::Schedule { .. } => "schedule",
            TriggerEvent::Campaign => "campaign",
        }
    }

    /// Whether the trigger node `node` starts a run for this event.
    fn starts(&self, node: &tucan_engine::compile::CompiledNode) -> bool {
        match self {
            TriggerEvent::Message(ev) => {
                node.kind == "trigger.message_received" && message_trigger_matches(&node.config, ev)
            }
            TriggerEvent::Ticket(ev) => {
                node.kind == "trigger.ticket_event" && ticket_trigger_matches(&node.config, ev)
            }
            TriggerEvent::Webhook { node: id, .. } => {
                node.kind == "trigger.webhook" && node.id == *id
            }
            TriggerEvent::Schedule { node: id } => {
                node.kind == "trigger.schedule" && node.id == *id
            }
            TriggerEvent::Campaign => node.kind == "trigger.campaign",
        }
    }
}

/// An inbound webhook node, as a call to it needs it.
#[derive(Debug, Clone)]
pub struct WebhookTarget {
    pub secret: String,
    /// `secret`, `standard_webhooks` or `github`.
    pub auth: String,
    /// Calls accepted per minute; 0 for no limit of its own.
    pub rate_limit_per_minute: u32,
    /// How long the call waits for the flow's "Respond to webhook" step; `None` when the flow
    /// has none (the call is answered 202 at once).
    pub wait_for_answer: Option<std::time::Duration>,
}

impl FlowRuntime {
    /// What an inbound call to webhook node `node` of the flow's published version needs:
    /// the node's secret, and whether (and how long) the call waits for the flow's answer.
    /// `None` when the flow is not published or has no such webhook node.
    pub async fn webhook_target(
        &self,
        db: &TenantDb,
        flow_id: &str,
        node: &str,
    ) -> RuntimeResult<Option<WebhookTarget>> {
        let flow = db.get_flow(flow_id).await?;
        let Some(version) = flow.published_version else {
            return Ok(None);
        };
        let (compiled, _) = self.published(db, flow_id, version).await?;
        let Some(n) = compiled
            .node_index(node)
            .map(|i| &compiled.nodes[i])
            .filter(|n| n.kind == "trigger.webhook")
        else {
            return Ok(None);
        };
        let Some(secret) = n.config["secret"].as_str() else {
            return Ok(None);
        };
        let answers = compiled
            .nodes
            .iter()
            .any(|n| n.kind == "integrations.respond_webhook");
        let wait_ms = n.config["respond_timeout_ms"].as_u64().unwrap_or(10_000);
        Ok(Some(WebhookTarget {
            secret: secret.to_string(),
            auth: n.config["auth"].as_str().unwrap_or("secret").to_string(),
            rate_limit_per_minute: n.config["rate_limit_per_minute"].as_u64().unwrap_or(0) as u32,
            wait_for_answer: answers.then(|| std::time::Duration::from_millis(wait_ms)),
        }))
    }

    /// A message from a contact: it answers the runs waiting for the contact's reply; when
    /// none waits, it starts every published flow whose message trigger it passes (a flow
    /// the contact is already in is skipped). Returns the runs it moved or started.
    pub async fn on_message(
        &self,
        db: &TenantDb,
        contact_id: &str,
        ticket_id: Option<&str>,
        event: &MessageEvent,
    ) -> RuntimeResult<Vec<String>> {
        self.on_message_with(db, contact_id, ticket_id, event, None)
            .await
    }

    /// [`FlowRuntime::on_message`] for a caller that already knows whether runs of the
    /// contact wait (`Some(false)` saves reading them).
    pub async fn on_message_with(
        &self,
        db: &TenantDb,
        contact_id: &str,
        ticket_id: Option<&str>,
        event: &MessageEvent,
        runs_waiting: Option<bool>,
    ) -> RuntimeResult<Vec<String>> {
        let moved = self
            .resume_replies(db, contact_id, event, runs_waiting)
            .await?;
        if !moved.is_empty() {
            return Ok(moved);
        }
        // Whether it came outside business hours is the company's schedule's to say.
        let mut event = event.clone();
        if let (Some(schedule), tz) = self.hours_of(db).await? {
            let now = chrono::DateTime::from_timestamp_millis(now_ms()).unwrap_or_default();
            event.outside_business_hours = !schedule.is_open(now, &tz);
        }
        self.start_triggered(db, contact_id, ticket_id, &TriggerEvent::Message(event))
            .await
    }

    /// A customer's message reaches the contact's runs waiting for a reply (`runs_waiting`
    /// false: the caller knows there are none); returns the runs it moved. No flow starts.
    pub async fn resume_replies(
        &self,
        db: &TenantDb,
        contact_id: &str,
        event: &MessageEvent,
        runs_waiting: Option<bool>,
    ) -> RuntimeResult<Vec<String>> {
        let mut moved = Vec::new();
        let waiting = match runs_waiting {
            Some(false) => Vec::new(),
            _ => db.waiting_runs_of_contact(contact_id).await?,
        };
        for run in waiting {
            let waits_reply = run
                .waiting
                .as_deref()
                .is_some_and(|w| w.contains("\"reply\""));
            if !waits_reply {
                continue;
            }
            let reply = Resume::Reply {
                text: event.text.clone(),
            };
            match self.resume(db, &run.id, reply, Some(run.seq)).await {
                Ok(Stepped::Advanced(r)) => moved.push(r.id),
                Ok(Stepped::NotApplicable) => {}
                // One broken run (its flow deleted under it) must not swallow the message.
                Err(e) => tracing::warn!(run = %run.id, error = %e, "reply not delivered to run"),
            }
        }
        Ok(moved)
    }

    /// Something happened to a contact's ticket: start every published flow with a ticket
    /// trigger for it (a flow the contact is already in is skipped).
    pub async fn on_ticket_event(
        &self,
        db: &TenantDb,
        contact_id: &str,
        ticket_id: &str,
        event: &TicketEventData,
    ) -> RuntimeResult<Vec<String>> {
        self.start_triggered(
            db,
            contact_id,
            Some(ticket_id),
            &TriggerEvent::Ticket(event.clone()),
        )
        .await
    }

    async fn start_triggered(
        &self,
        db: &TenantDb,
        contact_id: &str,
        ticket_id: Option<&str>,
        event: &TriggerEvent,
    ) -> RuntimeResult<Vec<String>> {
        let mut started = Vec::new();
        for (flow_id, version) in self.published_flows(db).await?.iter().cloned() {
            let (flow, _) = self.published(db, &flow_id, version).await?;
            if !flow.triggers.iter().any(|&t| event.starts(&flow.nodes[t])) {
                continue;
            }
            let run = self
                .start(
                    db,
                    StartRun {
                        flow_id,
                        source: RunSource::Published {
                            version: Some(version),
                        },
                        contact: RunContact::Stored(contact_id.to_string()),
                        ticket_id: ticket_id.map(str::to_string),
                        vars: Map::new(),
                        event: Some(event.clone()),
                        clock: None,
                        id: None,
                        parent: None,
                    },
                )
                .await;
            match run {
                Ok(run) => started.push(run.id),
                Err(RuntimeError::RunActive) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(started)
    }
}

/// The trigger node a run starts at.
pub(crate) fn pick_trigger(
    flow: &CompiledFlow,
    event: Option<&TriggerEvent>,
    test: bool,
) -> RuntimeResult<usize> {
    match event {
        Some(ev) => flow
            .triggers
            .iter()
            .copied()
            .find(|&t| ev.starts(&flow.nodes[t]))
            .ok_or_else(|| {
                RuntimeError::NoTrigger(format!("no {} trigger of the flow matches", ev.name()))
            }),
        None => flow
            .triggers
            .iter()
            .copied()
            .find(|&t| flow.nodes[t].kind == "trigger.manual")
            .or_else(|| {
                if test {
                    flow.triggers.first().copied()
                } else {
                    None
                }
            })
            .ok_or_else(|| {
                RuntimeError::NoTrigger(
                    "the flow has no manual trigger; add one to start it by hand or through the API"
                        .into(),
                )
            }),
    }
}
