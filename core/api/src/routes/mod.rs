//! The REST API, one module per resource. Each `…Api` struct carries what its endpoints need.

pub mod api_keys;
pub mod auth;
pub mod campaigns;
pub mod connections;
pub mod contacts;
pub mod conversations;
pub mod dashboard;
pub mod flows;
pub mod hooks;
pub mod inbox;
pub mod integrations;
pub mod jobs;
pub mod lists;
pub mod notices;
pub mod people;
pub mod platform;
pub mod plugins;
pub mod quick_replies;
pub mod runs;
pub mod schedules;
pub mod settings;
pub mod system;
pub mod tickets;
pub mod users;
pub mod webhooks;
pub mod whatsapp;
pub mod ws;

use poem_openapi::Tags;

#[derive(Tags)]
pub enum ApiTags {
    /// Sign-in, tokens and passwords.
    Auth,
    /// Tenants and plans (platform admins).
    Platform,
    /// The tenant's users.
    Users,
    /// Customers, with custom fields and tags.
    Contacts,
    /// Tags for contacts and tickets.
    Tags,
    /// Queues and the users who serve them.
    Queues,
    /// Canned answers typed as `/shortcut`.
    QuickReplies,
    /// Tenant settings.
    Settings,
    /// Keys for machine clients.
    ApiKeys,
    /// Background jobs that failed for good.
    Jobs,
    /// Flows: drafts, validation, versions, and the node-type catalogue.
    Flows,
    /// Flow runs: start, test with a played customer, trace, cancel.
    Runs,
    /// The shared inbox: tickets, their messages, notes, actions and timeline.
    Tickets,
    /// Messages scheduled to contacts, once or repeating.
    Schedules,
    /// Outgoing webhooks: endpoints, signing secrets and the delivery log.
    Webhooks,
    /// What the platform tells a company's admins (an endpoint it turned off).
    Notices,
    /// Contact lists and campaigns that message them.
    Campaigns,
    /// WhatsApp numbers and the simulator that plays their customers.
    Connections,
    /// Wasm plugins that add node types to flows.
    Plugins,
    /// Figures for supervisors: tickets, messages, response times, agents.
    Dashboard,
    /// Health and readiness.
    System,
}
