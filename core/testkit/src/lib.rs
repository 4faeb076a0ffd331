//! The fixture the workspace's tests and benchmarks share: a migrated in-memory store, and a
//! tenant on a plan of its own with its database migrated. A dev-dependency only; it panics
//! on any store error, as a test would.

use chrono::Utc;
use tucan_model::ids::new_id;
use tucan_model::tenancy::{NewPlan, Plan, PlanFeatures, PlanLimits, Tenant, TenantStatus};
use tucan_store::{Store, TenantDb};

/// A fresh in-memory store with the platform database migrated.
pub async fn memory_store() -> Store {
    Store::memory().await.unwrap()
}

/// The default plan's limits: five of each resource and no plugins.
pub fn limits() -> PlanLimits {
    PlanLimits {
        users: 5,
        connections: 5,
        queues: 5,
        flows: 5,
        plugins: 0,
        campaign_recipients: 10_000,
    }
}

/// The default plan's features: API access and webhooks, no campaigns and no plugins.
pub fn features() -> PlanFeatures {
    PlanFeatures {
        campaigns: false,
        plugins: false,
        api_access: true,
        webhooks: true,
    }
}

/// A new plan, under a name of its own, with these limits and features.
pub async fn plan(store: &Store, limits: PlanLimits, features: PlanFeatures) -> Plan {
    store
        .platform()
        .create_plan(&NewPlan {
            name: format!("plan-{}", new_id()),
            limits,
            features,
        })
        .await
        .unwrap()
}

/// An active tenant and the plan made for it. Change fields with struct update syntax:
/// `TenantSpec { limits: PlanLimits { flows: 50, ..limits() }, ..TenantSpec::default() }`.
#[derive(Debug, Clone)]
pub struct TenantSpec {
    pub name: String,
    pub timezone: String,
    pub country: String,
    pub limits: PlanLimits,
    pub features: PlanFeatures,
}

impl Default for TenantSpec {
    /// "Acme" in `America/Sao_Paulo`, `BR`, on [`limits`] and [`features`].
    fn default() -> Self {
        TenantSpec {
            name: "Acme".into(),
            timezone: "America/Sao_Paulo".into(),
            country: "BR".into(),
            limits: limits(),
            features: features(),
        }
    }
}

impl TenantSpec {
    /// Create the plan and the tenant on `store`, migrate the tenant's database, and open it.
    pub async fn create(&self, store: &Store) -> TenantDb {
        let plan_id = plan(store, self.limits.clone(), self.features.clone())
            .await
            .id;
        let tenant = Tenant {
            id: new_id(),
            name: self.name.clone(),
            plan_id,
            status: TenantStatus::Active,
            timezone: self.timezone.clone(),
            country: self.country.clone(),
            created_at: Utc::now(),
        };
        store.platform().insert_tenant(&tenant).await.unwrap();
        store.migrate_tenant(&tenant.id).await.unwrap();
        store.tenant(&tenant.id).await.unwrap()
    }
}

/// A tenant made from [`TenantSpec::default`].
pub async fn tenant(store: &Store) -> TenantDb {
    TenantSpec::default().create(store).await
}
