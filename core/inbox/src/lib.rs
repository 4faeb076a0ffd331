//! The shared inbox: connections and their channels (the simulator built in), the inbound
//! pipeline (contact → ticket → message, once per channel message id → flows), outgoing
//! messages through the job bus with per-connection pacing and delivery receipts, ticket
//! actions with queue assignment strategies and the ticket timeline, scheduled messages,
//! stored media, the flow runtime's message and ticket effects, and the per-process fan-out
//! of the live event stream.

mod actions;
mod announce;
mod autoclose;
mod batch;
mod bots;
mod campaign_sends;
mod cloud;
mod conversations;
mod desk;
mod error;
mod hub;
pub mod media;
mod outbound;
mod pacer;
mod phones;
mod pipeline;
mod ratings;
mod schedules;
mod voice;
mod wallets;

use std::path::PathBuf;
use std::sync::{Arc, Weak};
use std::time::Duration;

use tucan_bus::net::OutboundHttp;
use tucan_bus::{Handlers, JobBus};
use tucan_channels::secrets::SecretKey;
use tucan_channels::{Channel, ChannelSet, ChannelSink, Simulator};
use tucan_model::ticket::{ChannelKind, ChatState, Connection, ConnectionStatus, Ticket};
use tucan_runtime::{FlowRuntime, TicketDesk};
use tucan_store::{Store, TenantDb};
use tucan_webhooks::Webhooks;

pub use actions::{Actor, TicketAction};
pub use autoclose::AUTOCLOSE_KIND;
pub use bots::BOT_KIND;
pub use campaign_sends::CampaignSend;
pub use cloud::WEBHOOK_KIND;
pub use conversations::{ApiSend, Customer};
pub use error::{InboxError, InboxResult};
pub use hub::{Hub, SharedEvent};
pub use outbound::SEND_KIND;
pub use schedules::SCHEDULED_KIND;
pub use voice::TRANSCRIBE_KIND;

use crate::pacer::Pacer;
use crate::phones::StorePhones;

#[derive(Debug, Clone)]
pub struct InboxOptions {
    /// Where uploaded and received files are kept (a folder per tenant).
    pub media_dir: PathBuf,
    /// Largest media file accepted, in bytes.
    pub max_media_bytes: usize,
    /// How long the simulator's phone takes to report a message delivered.
    pub simulator_receipt_delay: Duration,
    /// Opens the sealed secrets of connections (Cloud API tokens); none on a server without
    /// a secrets key, where such connections cannot work.
    pub secret_key: Option<SecretKey>,
    /// Let channels' HTTP (a Cloud API connection's Graph URL) reach loopback and private
    /// addresses (tests, an explicit choice); refused by default.
    pub allow_internal_http: bool,
    /// Where the company's events go out (messages, tickets, flow runs); none sends nothing.
    pub webhooks: Option<Arc<Webhooks>>,
}

impl Default for InboxOptions {
    fn default() -> Self {
        InboxOptions {
            media_dir: std::env::temp_dir().join("tucan-media"),
            max_media_bytes: 16 * 1024 * 1024,
            simulator_receipt_delay: Duration::from_millis(50),
            secret_key: None,
            allow_internal_http: false,
            webhooks: None,
        }
    }
}

/// The inbox of one process; shared by the API and the workers.
pub struct Inbox {
    pub(crate) store: Store,
    pub(crate) bus: Arc<dyn JobBus>,
    pub(crate) runtime: Arc<FlowRuntime>,
    pub(crate) channels: ChannelSet,
    pub(crate) hub: Hub,
    pub(crate) pacer: Pacer,
    /// Messages waiting for their paced slot on a timer.
    pub(crate) deferred: std::sync::Mutex<std::collections::HashSet<String>>,
    /// Per-ticket turns of the sender (striped).
    pub(crate) ticket_turns: Vec<tokio::sync::Mutex<()>>,
    pub(crate) opts: InboxOptions,
    /// Group commit of inbound messages, per company.
    pub(crate) batcher: batch::InboundBatcher,
    /// Senders' numbers already normalised (parsing one is most of a message's own cost).
    pub(crate) senders: pipeline::SenderNumbers,
    /// Channels' outbound HTTP, behind the SSRF guard.
    pub(crate) http: OutboundHttp,
    pub(crate) me: Weak<Inbox>,
}

impl std::fmt::Debug for Inbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inbox")
            .field("channels", &self.channels)
            .field("hub", &self.hub)
            .finish()
    }
}

impl Inbox {
    /// The inbox and its flow runtime, built together: `runtime` gets the inbox as the
    /// desk that carries out its runs' message and ticket effects, so no runtime of the
    /// inbox runs without one.
    pub fn new(
        store: Store,
        bus: Arc<dyn JobBus>,
        runtime: impl FnOnce(Weak<dyn TicketDesk>) -> Arc<FlowRuntime>,
        opts: InboxOptions,
    ) -> Arc<Inbox> {
        Arc::new_cyclic(|me: &Weak<Inbox>| Inbox {
            store,
            bus,
            runtime: runtime(me.clone()),
            channels: ChannelSet::default(),
            hub: Hub::default(),
            pacer: Pacer::default(),
            deferred: Default::default(),
            ticket_turns: (0..64).map(|_| tokio::sync::Mutex::new(())).collect(),
            batcher: Default::default(),
            senders: Default::default(),
            http: OutboundHttp::new(opts.allow_internal_http),
            opts,
            me: me.clone(),
        })
    }

    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    pub fn runtime(&self) -> &Arc<FlowRuntime> {
        &self.runtime
    }

    pub fn options(&self) -> &InboxOptions {
        &self.opts
    }

    /// Register the inbox's job kinds.
    pub fn register(self: &Arc<Self>, handlers: &mut Handlers) {
        outbound::register(self, handlers);
        handlers.register(WEBHOOK_KIND, Arc::new(cloud::WebhookJob(self.clone())));
        handlers.register(
            AUTOCLOSE_KIND,
            Arc::new(autoclose::AutocloseJob(self.clone())),
        );
        handlers.register(
            TRANSCRIBE_KIND,
            Arc::new(voice::TranscribeJob(self.clone())),
        );
        handlers.register(BOT_KIND, Arc::new(bots::BotJob(self.clone())));
    }

    /// The channel of a connection, opened in this process on first use.
    pub(crate) async fn channel_for(
        &self,
        db: &TenantDb,
        conn: &Connection,
    ) -> InboxResult<Arc<dyn Channel>> {
        let tenant = db.tenant_id();
        if let Some(ch) = self.channels.get(tenant, &conn.id) {
            return Ok(ch);
        }
        let channel: Arc<dyn Channel> = match conn.kind {
            ChannelKind::Simulator => Arc::new(self.simulator(tenant, conn)),
            // Opened anew for each use (one read, two openings of a sealed secret): settings
            // changed in another process take effect at once, and no old token lingers.
            ChannelKind::CloudApi => return Ok(Arc::new(self.cloud_api(db, conn).await?)),
        };
        self.channels.insert(tenant, &conn.id, channel.clone());
        Ok(channel)
    }

    /// The simulator channel of a connection of kind `simulator`: the way the API plays its
    /// customers (what they write reaches the inbox through the channel's sink, as a
    /// WhatsApp message does).
    pub fn simulator(&self, tenant: &str, conn: &Connection) -> Simulator {
        let sink: Weak<dyn ChannelSink> = self.me.clone();
        Simulator {
            tenant: tenant.to_string(),
            connection_id: conn.id.clone(),
            phones: Arc::new(StorePhones(self.store.clone())),
            sink,
            receipt_delay: self.opts.simulator_receipt_delay,
        }
    }

    /// Use `channel` for a connection in this process (a channel made outside the inbox).
    pub fn attach_channel(&self, tenant: &str, connection_id: &str, channel: Arc<dyn Channel>) {
        self.channels.insert(tenant, connection_id, channel);
    }

    /// Connect a connection's channel and record the outcome in its status history.
    pub async fn connect(&self, db: &TenantDb, conn: &Connection) -> InboxResult<Connection> {
        db.set_connection_status(&conn.id, ConnectionStatus::Connecting, None, "connecting")
            .await?;
        let channel = self.channel_for(db, conn).await?;
        match channel.connect().await {
            Ok(()) => Ok(db
                .set_connection_status(&conn.id, ConnectionStatus::Connected, None, "connected")
                .await?),
            Err(e) => Ok(db
                .set_connection_status(
                    &conn.id,
                    ConnectionStatus::Disconnected,
                    None,
                    &e.to_string(),
                )
                .await?),
        }
    }

    /// Show the customer of `ticket` that an agent is writing (or stopped), where the
    /// channel supports it.
    pub async fn agent_typing(
        &self,
        db: &TenantDb,
        ticket: &Ticket,
        state: ChatState,
    ) -> InboxResult<()> {
        let conn = db.get_connection(&ticket.connection_id).await?;
        self.channel_for(db, &conn)
            .await?
            .typing(&ticket.contact_phone, state)
            .await
            .map_err(|e| InboxError::Channel(e.to_string()))
    }

    /// Disconnect a connection's channel (before it is removed, say).
    pub async fn disconnect(&self, db: &TenantDb, conn: &Connection) -> InboxResult<Connection> {
        if let Some(channel) = self.channels.remove(db.tenant_id(), &conn.id)
            && let Err(e) = channel.disconnect().await
        {
            tracing::warn!(connection = %conn.id, error = %e, "disconnect failed");
        }
        Ok(db
            .set_connection_status(
                &conn.id,
                ConnectionStatus::Disconnected,
                None,
                "disconnected",
            )
            .await?)
    }
}
