//! The HTTP API of TucanLink: poem + poem-openapi endpoints, authentication, the generated
//! OpenAPI document (`/api/openapi.json`) and interactive docs (`/docs`).

pub mod accounts;
mod allow;
pub mod auth;
mod body_limit;
mod csv_io;
pub mod error;
mod listener;
pub mod mailer;
mod metrics;
pub mod routes;
pub mod services;
pub mod state;
mod web_app;
mod xlsx_io;

use poem::middleware::Tracing;
use poem::{EndpointExt, Route};
use poem_openapi::OpenApiService;

pub use error::{ApiError, ErrorBody};
pub use listener::Listener;
pub use services::{ServiceOptions, Services};
pub use state::{ApiSettings, AppState};

use crate::routes::api_keys::ApiKeysApi;
use crate::routes::auth::AuthApi;
use crate::routes::campaigns::CampaignsApi;
use crate::routes::connections::ConnectionsApi;
use crate::routes::contacts::ContactsApi;
use crate::routes::conversations::ConversationsApi;
use crate::routes::dashboard::DashboardApi;
use crate::routes::flows::FlowsApi;
use crate::routes::hooks::HooksApi;
use crate::routes::inbox::{QueuesApi, TagsApi};
use crate::routes::integrations::IntegrationsApi;
use crate::routes::jobs::JobsApi;
use crate::routes::lists::ListsApi;
use crate::routes::notices::NoticesApi;
use crate::routes::people::PeopleApi;
use crate::routes::platform::PlatformApi;
use crate::routes::plugins::PluginsApi;
use crate::routes::quick_replies::QuickRepliesApi;
use crate::routes::runs::RunsApi;
use crate::routes::schedules::SchedulesApi;
use crate::routes::settings::SettingsApi;
use crate::routes::system::SystemApi;
use crate::routes::tickets::TicketsApi;
use crate::routes::users::UsersApi;
use crate::routes::webhooks::WebhooksApi;

type Apis = (
    SystemApi,
    AuthApi,
    PlatformApi,
    UsersApi,
    ContactsApi,
    TagsApi,
    QueuesApi,
    QuickRepliesApi,
    SettingsApi,
    ApiKeysApi,
    JobsApi,
    FlowsApi,
    RunsApi,
    HooksApi,
    TicketsApi,
    (
        ConnectionsApi,
        PluginsApi,
        DashboardApi,
        PeopleApi,
        ConversationsApi,
        SchedulesApi,
        WebhooksApi,
        NoticesApi,
        IntegrationsApi,
        ListsApi,
        CampaignsApi,
    ),
);

fn service(state: &AppState) -> OpenApiService<Apis, ()> {
    let s = || state.clone();
    let apis = (
        SystemApi { state: s() },
        AuthApi { state: s() },
        PlatformApi { state: s() },
        UsersApi { state: s() },
        ContactsApi { state: s() },
        TagsApi { state: s() },
        QueuesApi { state: s() },
        QuickRepliesApi { state: s() },
        SettingsApi { state: s() },
        ApiKeysApi { state: s() },
        JobsApi { state: s() },
        FlowsApi {
            state: s(),
            scripts: tucan_engine::Scripts::default(),
        },
        RunsApi { state: s() },
        HooksApi { state: s() },
        TicketsApi { state: s() },
        (
            ConnectionsApi { state: s() },
            PluginsApi { state: s() },
            DashboardApi { state: s() },
            PeopleApi { state: s() },
            ConversationsApi { state: s() },
            SchedulesApi { state: s() },
            WebhooksApi { state: s() },
            NoticesApi { state: s() },
            IntegrationsApi { state: s() },
            ListsApi { state: s() },
            CampaignsApi { state: s() },
        ),
    );
    OpenApiService::new(apis, "TucanLink API", env!("CARGO_PKG_VERSION"))
        .description("Multi-tenant WhatsApp customer service: tenants, users, contacts, queues, tags, quick replies, settings, flows and their runs, connections, tickets and their messages, and background jobs; the inbox's real-time stream is the websocket `GET /api/ws?token=…`. Errors are JSON `{code, message}` with stable codes.")
}

/// The OpenAPI 3 document, as written to `schemas/openapi.json`.
pub fn openapi_json(state: &AppState) -> String {
    service(state).spec()
}

/// The whole HTTP application.
pub fn app(state: AppState) -> impl poem::Endpoint<Output = poem::Response> {
    let api = service(&state);
    let docs = api.swagger_ui();
    let spec = api.spec_endpoint();
    let allowed = std::sync::Arc::new(allow::AllowTable::from_spec(
        &api.spec(),
        &[
            ("/api/hooks/whatsapp/:tenant/:connection", &["GET", "POST"]),
            ("/api/ws", &["GET"]),
            ("/api/openapi.json", &["GET"]),
        ],
    ));
    let max_body = state.settings.max_body_bytes;
    let traced = Route::new()
        .nest("/", api)
        .at("/api/openapi.json", spec)
        .nest("/docs", docs)
        .at("/metrics", metrics::metrics)
        .at(
            "/api/hooks/whatsapp/:tenant/:connection",
            poem::get(routes::whatsapp::verify_webhook).post(routes::whatsapp::receive_webhook),
        )
        .data(state.clone())
        .with(Tracing);
    let ui_dir = state.settings.ui_dir.clone();
    // The socket stays out of the request log: its access token rides in the query string.
    let all = Route::new()
        .at("/api/ws", routes::ws::inbox_socket.data(state))
        .nest("/", traced);
    let api = allow::with_allow(
        error::json_errors(body_limit::limit_body(all, max_body)),
        allowed,
    );
    web_app::with_web_app(api, ui_dir)
}
