//! What every inbound message needs of its company but that changes rarely: the stored
//! settings with the business hours and time zone, and the list of published flows. Each is
//! kept a few seconds per company; a change made in this process drops it at once, other
//! processes see it within the time it is kept.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tucan_model::hours::Schedule;
use tucan_store::{Store, StoreResult, TenantDb};

/// How long a company's settings are kept before they are read again.
const SETTINGS_TTL: Duration = Duration::from_secs(5);
/// How long a company's list of published flows is kept.
const PUBLISHED_TTL: Duration = Duration::from_secs(2);
/// Companies kept at most; past it the cache starts over.
const MAX_TENANTS: usize = 10_000;

/// A company's settings as stored, with the business hours decoded and its time zone.
#[derive(Debug, Clone)]
pub struct TenantSettings {
    pub stored: BTreeMap<String, Value>,
    pub business_hours: Option<Schedule>,
    pub timezone: String,
}

/// `(flow id, published version)` of every published flow.
pub(crate) type Published = Arc<Vec<(String, u32)>>;

struct Timed<T> {
    map: Mutex<HashMap<String, (Instant, T)>>,
    ttl: Duration,
}

impl<T: Clone> Timed<T> {
    fn new(ttl: Duration) -> Self {
        Timed {
            map: Mutex::default(),
            ttl,
        }
    }

    fn get(&self, tenant: &str) -> Option<T> {
        let map = self.map.lock().expect("facts cache poisoned");
        map.get(tenant)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, v)| v.clone())
    }

    fn put(&self, tenant: &str, value: T) {
        let mut map = self.map.lock().expect("facts cache poisoned");
        if map.len() >= MAX_TENANTS {
            map.clear();
        }
        map.insert(tenant.to_string(), (Instant::now(), value));
    }

    fn forget(&self, tenant: &str) {
        self.map
            .lock()
            .expect("facts cache poisoned")
            .remove(tenant);
    }
}

pub(crate) struct TenantFacts {
    settings: Timed<Arc<TenantSettings>>,
    published: Timed<Published>,
}

impl Default for TenantFacts {
    fn default() -> Self {
        TenantFacts {
            settings: Timed::new(SETTINGS_TTL),
            published: Timed::new(PUBLISHED_TTL),
        }
    }
}

impl TenantFacts {
    pub(crate) async fn settings(
        &self,
        store: &Store,
        db: &TenantDb,
    ) -> StoreResult<Arc<TenantSettings>> {
        if let Some(hit) = self.settings.get(db.tenant_id()) {
            return Ok(hit);
        }
        let stored = db.stored_settings().await?;
        let business_hours = stored
            .get("business_hours")
            .and_then(|v| serde_json::from_value::<Schedule>(v.clone()).ok())
            .filter(|s| !s.is_unset() || !s.holidays.is_empty());
        let timezone = store.platform().get_tenant(db.tenant_id()).await?.timezone;
        let settings = Arc::new(TenantSettings {
            stored,
            business_hours,
            timezone,
        });
        self.settings.put(db.tenant_id(), settings.clone());
        Ok(settings)
    }

    pub(crate) fn forget_settings(&self, tenant: &str) {
        self.settings.forget(tenant);
    }

    pub(crate) async fn published(&self, db: &TenantDb) -> StoreResult<Published> {
        if let Some(hit) = self.published.get(db.tenant_id()) {
            return Ok(hit);
        }
        let flows = Arc::new(db.published_flows().await?);
        self.published.put(db.tenant_id(), flows.clone());
        Ok(flows)
    }

    pub(crate) fn forget_published(&self, tenant: &str) {
        self.published.forget(tenant);
    }
}
