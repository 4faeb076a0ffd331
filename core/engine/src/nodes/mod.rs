//! Built-in node types.

mod ai;
mod events;
mod http;
mod logic;
mod messaging;
mod plugin;
mod tickets;
mod trigger;

pub use messaging::MediaKind;
pub use plugin::{PluginNodeDecl, PluginNodeType};
pub use trigger::{
    MessageEvent, TicketEventData, TicketEventKind, message_trigger_matches, ticket_trigger_matches,
};

use std::sync::Arc;

use crate::registry::Registry;

pub(crate) fn register_builtins(r: &mut Registry) {
    r.register(Arc::new(trigger::Manual));
    r.register(Arc::new(trigger::CampaignStart));
    r.register(Arc::new(trigger::MessageReceived));
    r.register(Arc::new(trigger::TicketEvent));
    r.register(Arc::new(trigger::InboundWebhook));
    r.register(Arc::new(trigger::Schedule));
    r.register(Arc::new(logic::Condition));
    r.register(Arc::new(logic::Switch));
    r.register(Arc::new(logic::SetVariable));
    r.register(Arc::new(logic::Script));
    r.register(Arc::new(logic::RandomSplit));
    r.register(Arc::new(logic::Wait));
    r.register(Arc::new(logic::End));
    r.register(Arc::new(logic::BusinessHours));
    r.register(Arc::new(logic::Subflow));
    r.register(Arc::new(messaging::SendText));
    r.register(Arc::new(messaging::SendMedia));
    r.register(Arc::new(messaging::Ask));
    r.register(Arc::new(messaging::Menu));
    r.register(Arc::new(tickets::RouteToQueue));
    r.register(Arc::new(tickets::SetContactField));
    r.register(Arc::new(tickets::AddTag));
    r.register(Arc::new(tickets::OptOut));
    r.register(Arc::new(tickets::RemoveTag));
    r.register(Arc::new(tickets::AssignAgent));
    r.register(Arc::new(tickets::AddNote));
    r.register(Arc::new(tickets::CloseTicket));
    r.register(Arc::new(http::HttpRequest));
    r.register(Arc::new(events::EmitEvent));
    r.register(Arc::new(events::RespondWebhook));
    r.register(Arc::new(ai::AiChat));
}

fn ports(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}
