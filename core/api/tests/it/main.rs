//! Integration tests: a real HTTP server on a loopback port over an in-memory SurrealDB,
//! driven with a real HTTP client.

mod harness;

mod ai;
mod auth;
mod bad_input;
mod campaigns;
mod cloud_api;
mod conformance;
mod contacts;
mod dashboard;
mod flows;
mod graph_fake;
mod inbox;
mod inbox_chats;
mod inbox_desk;
mod isolation;
mod jobs;
mod people;
mod platform;
mod plugins;
mod queue_bots;
mod resources;
mod runs;
mod service_desk;
mod web_app;
mod webhooks;
