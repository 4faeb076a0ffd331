//! Persistence on SurrealDB: one `platform` database for tenants, plans, platform admins and
//! key lookups, and one database per tenant. A [`TenantDb`] handle reaches exactly one tenant's
//! database; the API obtains it only from an authenticated request.

mod db;
mod error;
mod jobs;
mod migrate;
mod platform;
mod tenant;

pub use db::{Store, StoreOptions};
pub use error::{StoreError, StoreResult};
pub use jobs::{DeadJob, DueTimer, JobsDb, LaneCounts, Lease, LeasedJob, ReadyJob};
pub use migrate::MigrationReport;
pub use platform::{Account, ApiKeyLookup, NewRefreshToken, PlatformDb, RefreshTokenRow};
pub use tenant::{
    AiSettingsRow, CampaignProgress, Claim, CloudSettings, ContactFields, ContactQuery,
    DeliveryAttempt, EffectRow, EffectWrite, EndpointSecrets, EventKind, EventPage, FlowRow,
    FlowVersionRow, IdempotentCall, InboundLookup, InboundMemo, InboundOutcome, InboundWrite,
    InboxEvent, Lane, ListContact, LiveEvents, LiveKey, MediaRow, MessagePage, NewRecipient,
    NewRun, Opening, OutgoingWrite, PluginRow, PluginUpload, PluginVersionRow, QuickInbound,
    QuickOutcome, RecipientOutcome, RunQuery, RunRow, RunWrite, ScheduleClock, ScheduleEdit,
    ScheduleQuery, ScheduleRow, ScheduleTurn, SimWrite, StepRow, StepWrite, TenantDb, TicketChange,
    TicketPage, TicketQuery, UserRow, UserTable, Visibility,
};
