//! The services a process runs, built once and shared by the API and the workers: the flow
//! runtime, the inbox that carries out its runs' messages and ticket actions, the plugin host
//! that provides its plugin nodes, and the outgoing webhooks every one of them reports to.

use std::sync::Arc;

use tucan_bus::net::OutboundHttp;
use tucan_bus::{JobBus, Timers};
use tucan_engine::Registry;
use tucan_inbox::{Inbox, InboxOptions};
use tucan_plugins::PluginHost;
use tucan_runtime::{FlowRuntime, PluginCalls, RuntimeOptions, RuntimeParts};
use tucan_store::Store;
use tucan_webhooks::{WebhookOptions, Webhooks};

/// How the services are set up.
#[derive(Debug, Clone, Default)]
pub struct ServiceOptions {
    pub runtime: RuntimeOptions,
    pub inbox: InboxOptions,
    /// Let plugins' HTTP reach loopback and private addresses.
    pub plugins_allow_internal_http: bool,
    pub webhooks: WebhookOptions,
}

/// The flow runtime, the inbox and the plugin host of this process.
#[derive(Clone, Debug)]
pub struct Services {
    pub runtime: Arc<FlowRuntime>,
    pub inbox: Arc<Inbox>,
    pub plugins: Arc<PluginHost>,
    pub webhooks: Arc<Webhooks>,
    pub campaigns: Arc<tucan_campaigns::Campaigns>,
}

impl Services {
    pub fn build(store: &Store, bus: Arc<dyn JobBus>, opts: ServiceOptions) -> Services {
        let plugins = PluginHost::new(OutboundHttp::new(opts.plugins_allow_internal_http));
        let calls: Arc<dyn PluginCalls> = plugins.clone();
        let timers = Timers::new(store.jobs(), bus.clone());
        let mut runtime_opts = opts.runtime;
        if runtime_opts.secret_key.is_none() {
            runtime_opts.secret_key = opts.inbox.secret_key.clone();
        }
        let webhooks = Webhooks::new(
            store.clone(),
            bus.clone(),
            opts.inbox.secret_key.clone(),
            opts.webhooks,
        );
        let mut inbox_opts = opts.inbox;
        inbox_opts.webhooks = Some(webhooks.clone());
        let inbox = Inbox::new(
            store.clone(),
            bus.clone(),
            |desk| {
                FlowRuntime::new(
                    RuntimeParts {
                        store: store.clone(),
                        bus: bus.clone(),
                        timers,
                        registry: Arc::new(Registry::builtin()),
                        desk,
                        plugins: Some(calls),
                    },
                    runtime_opts,
                )
            },
            inbox_opts,
        );
        let runtime = inbox.runtime().clone();
        let campaigns =
            tucan_campaigns::Campaigns::new(store.clone(), bus, inbox.clone(), runtime.clone());
        Services {
            runtime,
            inbox,
            plugins,
            webhooks,
            campaigns,
        }
    }
}
