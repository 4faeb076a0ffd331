//! Fan-out of the inbox's event stream inside one process: one SurrealDB live query per
//! tenant with listeners, shared by every socket of that tenant through a broadcast channel.
//! The query starts with the first listener and ends a while after the last one left.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::broadcast;
use tucan_store::{InboxEvent, TenantDb};

use crate::error::InboxResult;

/// Events a slow socket may fall behind before it must catch up from the store.
const BACKLOG: usize = 4096;

/// How long a tenant's live query outlives its last listener.
const LINGER: Duration = Duration::from_secs(30);

/// An event as the hub hands it to every listener of the tenant. What most listeners send
/// of it is the same text, written once by the first that needs it ([`SharedEvent::text`]).
#[derive(Debug)]
pub struct SharedEvent {
    event: InboxEvent,
    text: OnceLock<String>,
}

impl SharedEvent {
    pub fn new(event: InboxEvent) -> SharedEvent {
        SharedEvent {
            event,
            text: OnceLock::new(),
        }
    }

    /// The event's text for listeners that all receive the same: `write` runs once.
    pub fn text(&self, write: impl FnOnce(&InboxEvent) -> String) -> &str {
        self.text.get_or_init(|| write(&self.event))
    }
}

impl Deref for SharedEvent {
    type Target = InboxEvent;

    fn deref(&self) -> &InboxEvent {
        &self.event
    }
}

type Channels = Mutex<HashMap<String, broadcast::Sender<Arc<SharedEvent>>>>;

#[derive(Default, Clone)]
pub struct Hub {
    tenants: Arc<Channels>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.tenants.lock().map(|m| m.len()).unwrap_or(0);
        f.debug_struct("Hub").field("tenants", &n).finish()
    }
}

impl Hub {
    /// Listen to the tenant's events. Every event committed after this returns is received
    /// (unless the listener falls more than the backlog behind: then it gets `Lagged`).
    pub async fn subscribe(
        &self,
        db: &TenantDb,
    ) -> InboxResult<broadcast::Receiver<Arc<SharedEvent>>> {
        let tenant = db.tenant_id().to_string();
        if let Some(tx) = self.tenants.lock().expect("hub poisoned").get(&tenant) {
            return Ok(tx.subscribe());
        }
        let mut live = db.live_events().await?;
        let (tx, rx) = broadcast::channel(BACKLOG);
        {
            let mut tenants = self.tenants.lock().expect("hub poisoned");
            // Another socket started it meanwhile: use that one.
            if let Some(existing) = tenants.get(&tenant) {
                let rx = existing.subscribe();
                drop(tenants);
                tokio::spawn(live.kill());
                return Ok(rx);
            }
            tenants.insert(tenant.clone(), tx.clone());
        }
        let tenants = self.tenants.clone();
        tokio::spawn(async move {
            let mut idle_since: Option<tokio::time::Instant> = None;
            loop {
                let next = tokio::time::timeout(Duration::from_secs(5), live.next()).await;
                match next {
                    Ok(Some(Ok(event))) => {
                        let _ = tx.send(Arc::new(SharedEvent::new(event)));
                    }
                    Ok(Some(Err(e))) => {
                        tracing::warn!(tenant = %tenant, error = %e, "unreadable inbox event");
                    }
                    Ok(None) => {
                        tracing::warn!(tenant = %tenant, "inbox live query ended");
                        break;
                    }
                    Err(_) => {}
                }
                if tx.receiver_count() == 0 {
                    let since = *idle_since.get_or_insert_with(tokio::time::Instant::now);
                    // Checked again under the lock `subscribe` takes, so a socket arriving
                    // now either keeps the query alive or finds it gone and starts another.
                    if since.elapsed() >= LINGER && forget(&tenants, &tenant, &tx, true) {
                        break;
                    }
                } else {
                    idle_since = None;
                }
            }
            forget(&tenants, &tenant, &tx, false);
            live.kill().await;
        });
        Ok(rx)
    }
}

/// Drop the tenant's channel from the map (only when it is still `tx`, and with `if_idle`
/// only while nobody listens); true when it is gone.
fn forget(
    tenants: &Channels,
    tenant: &str,
    tx: &broadcast::Sender<Arc<SharedEvent>>,
    if_idle: bool,
) -> bool {
    let mut map = tenants.lock().expect("hub poisoned");
    if if_idle && tx.receiver_count() > 0 {
        return false;
    }
    if map.get(tenant).is_some_and(|t| t.same_channel(tx)) {
        map.remove(tenant);
    }
    true
}
