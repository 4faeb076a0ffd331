//! The channels open in this process, by company and connection.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::channel::Channel;

/// Channels by (tenant, connection).
type ChannelMap = HashMap<(String, String), Arc<dyn Channel>>;

/// The open channels of this process, by tenant and connection.
#[derive(Default, Clone)]
pub struct ChannelSet {
    open: Arc<Mutex<ChannelMap>>,
}

impl std::fmt::Debug for ChannelSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.open.lock().map(|m| m.len()).unwrap_or(0);
        f.debug_struct("ChannelSet").field("open", &n).finish()
    }
}

impl ChannelSet {
    pub fn get(&self, tenant: &str, connection_id: &str) -> Option<Arc<dyn Channel>> {
        self.open
            .lock()
            .expect("channel set poisoned")
            .get(&(tenant.to_string(), connection_id.to_string()))
            .cloned()
    }

    pub fn insert(&self, tenant: &str, connection_id: &str, channel: Arc<dyn Channel>) {
        self.open
            .lock()
            .expect("channel set poisoned")
            .insert((tenant.to_string(), connection_id.to_string()), channel);
    }

    pub fn remove(&self, tenant: &str, connection_id: &str) -> Option<Arc<dyn Channel>> {
        self.open
            .lock()
            .expect("channel set poisoned")
            .remove(&(tenant.to_string(), connection_id.to_string()))
    }
}
