//! One tenant's database. Every repository method here reaches only that database.

mod ai;
mod campaigns;
mod connections;
mod contacts;
mod conversations;
mod dashboard;
mod desk;
mod events;
mod flows;
mod inbound_batch;
mod inbox;
mod keys;
mod lists;
mod messages;
mod notices;
mod plugins;
mod ratings;
mod runs;
mod schedules;
mod simulator;
mod templates;
mod tickets;
pub(crate) mod users;
mod voice;
mod webhooks;

use serde_json::json;
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

pub use ai::AiSettingsRow;
pub use campaigns::{CampaignProgress, Claim, Lane, NewRecipient, RecipientOutcome};
pub use connections::CloudSettings;
pub use contacts::{ContactFields, ContactQuery};
pub use conversations::{IdempotentCall, Opening};
pub use desk::MediaRow;
pub use events::{EventKind, EventPage, InboxEvent, LiveEvents};
pub use flows::{FlowRow, FlowVersionRow};
pub use inbound_batch::{InboundMemo, QuickInbound, QuickOutcome};
pub use lists::ListContact;
pub use messages::{InboundLookup, InboundOutcome, InboundWrite, MessagePage, OutgoingWrite};
pub use plugins::{PluginRow, PluginUpload, PluginVersionRow};
pub use runs::{EffectRow, EffectWrite, NewRun, RunQuery, RunRow, RunWrite, StepRow, StepWrite};
pub use schedules::{ScheduleClock, ScheduleEdit, ScheduleQuery, ScheduleRow, ScheduleTurn};
pub use simulator::SimWrite;
pub use tickets::{LiveKey, TicketChange, TicketPage, TicketQuery, Visibility};
pub use users::{UserRow, UserTable};
pub use webhooks::{DeliveryAttempt, EndpointSecrets};

use crate::db::count;
use crate::error::StoreResult;

/// Handle on one tenant's database.
#[derive(Clone)]
pub struct TenantDb {
    db: Surreal<Any>,
    tenant_id: String,
}

impl std::fmt::Debug for TenantDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantDb")
            .field("tenant_id", &self.tenant_id)
            .finish()
    }
}

impl TenantDb {
    pub(crate) fn new(db: Surreal<Any>, tenant_id: String) -> Self {
        Self { db, tenant_id }
    }

    pub(crate) fn raw(&self) -> &Surreal<Any> {
        &self.db
    }

    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    pub fn users(&self) -> UserTable<'_> {
        UserTable::new(&self.db, Some(self.tenant_id.clone()))
    }

    /// How many queues the tenant has (for its plan's limit).
    pub async fn count_queues(&self) -> StoreResult<u64> {
        count(&self.db, "SELECT count() FROM queue GROUP ALL", json!({})).await
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::Utc;
    use tucan_model::ErrorCode;
    use tucan_model::ids::new_id;
    use tucan_model::tenancy::{NewPlan, PlanFeatures, PlanLimits, Tenant, TenantStatus};
    use tucan_model::ticket::MessageStatus;

    use crate::{ContactFields, ContactQuery, Store, StoreError};

    pub(super) async fn tenant_store() -> (Store, super::TenantDb) {
        let store = Store::memory().await.unwrap();
        let plan = store
            .platform()
            .create_plan(&NewPlan {
                name: "basic".into(),
                limits: PlanLimits {
                    users: 2,
                    connections: 1,
                    queues: 2,
                    flows: 5,
                    plugins: 0,
                    campaign_recipients: 10_000,
                },
                features: PlanFeatures {
                    campaigns: false,
                    plugins: false,
                    api_access: true,
                    webhooks: true,
                },
            })
            .await
            .unwrap();
        let tenant = Tenant {
            id: new_id(),
            name: "Acme".into(),
            plan_id: plan.id,
            status: TenantStatus::Active,
            timezone: "America/Sao_Paulo".into(),
            country: "BR".into(),
            created_at: Utc::now(),
        };
        store.platform().insert_tenant(&tenant).await.unwrap();
        store.migrate_tenant(&tenant.id).await.unwrap();
        let db = store.tenant(&tenant.id).await.unwrap();
        (store, db)
    }

    fn contact(name: &str, phone: &str) -> ContactFields {
        ContactFields {
            name: name.into(),
            phone: phone.into(),
            email: None,
            custom_fields: BTreeMap::new(),
            tags: vec![],
            is_group: false,
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn contacts_round_trip_search_and_page() {
        let (store, db) = tenant_store().await;
        let ana = db
            .create_contact(&contact("Ana Souza", "+5511987654321"))
            .await
            .unwrap();
        db.create_contact(&contact("Mariana Lima", "+5511912345678"))
            .await
            .unwrap();
        db.create_contact(&contact("Bruno Alves", "+5521998765432"))
            .await
            .unwrap();
        let dup = db
            .create_contact(&contact("Other", "+5511987654321"))
            .await
            .unwrap_err();
        assert!(matches!(dup, StoreError::Problem(p) if p.code == ErrorCode::ContactExists));

        let found = db
            .list_contacts(&ContactQuery {
                search: Some("mar".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(found.items.len(), 1, "{found:?}");
        assert_eq!(found.items[0].name, "Mariana Lima");
        let found = db
            .list_contacts(&ContactQuery {
                search: Some("ana sou".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(
            found
                .items
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>(),
            ["Ana Souza"]
        );
        let by_phone = db
            .list_contacts(&ContactQuery {
                search: Some("5521".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(by_phone.items.len(), 1);

        let page1 = db
            .list_contacts(&ContactQuery {
                limit: 2,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(page1.items.len(), 2);
        let page2 = db
            .list_contacts(&ContactQuery {
                limit: 2,
                cursor: page1.next_cursor.clone(),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(page2.items.len(), 1);
        assert!(page2.next_cursor.is_none());

        for i in 0..30 {
            db.create_contact(&contact(
                &format!("Bulk {i}"),
                &format!("+55319876543{i:02}"),
            ))
            .await
            .unwrap();
        }
        let mut ids = Vec::new();
        let mut cursor = None;
        loop {
            let page = db
                .list_contacts(&ContactQuery {
                    limit: 7,
                    cursor,
                    ..Default::default()
                })
                .await
                .unwrap();
            ids.extend(page.items.iter().map(|c| c.id.clone()));
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(ids.len(), 33);
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(ids, sorted, "pages follow id order without gaps or repeats");

        let mut fields: ContactFields = ana.clone().into();
        fields.email = Some("ana@example.com".into());
        fields.custom_fields.insert("cpf".into(), "123".into());
        let saved = db.save_contact(&ana.id, &fields).await.unwrap();
        assert_eq!(saved.email.as_deref(), Some("ana@example.com"));
        assert_eq!(saved.created_at, ana.created_at);
        fields.email = None;
        let saved = db.save_contact(&ana.id, &fields).await.unwrap();
        assert_eq!(saved.email, None);
        assert_eq!(saved.custom_fields["cpf"], "123");

        // Migrating again applies nothing new.
        let report = store.migrate().await.unwrap();
        assert!(report.platform_applied.is_empty());
        assert_eq!(report.tenants_migrated, 1);
        assert_eq!(report.tenant_steps_applied, 0);
    }

    #[tokio::test]
    async fn tags_queues_settings() {
        let (_store, db) = tenant_store().await;
        let tag = db.create_tag("vip", "#ff0000").await.unwrap();
        assert!(db.create_tag("vip", "#00ff00").await.is_err());
        let mut fields = contact("Ana", "+5511987654321");
        fields.tags = vec![tag.id.clone()];
        let c = db.create_contact(&fields).await.unwrap();
        let tagged = db
            .list_contacts(&ContactQuery {
                tag: Some(tag.id.clone()),
                limit: 5,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(tagged.items.len(), 1);
        db.delete_tag(&tag.id).await.unwrap();
        assert!(db.get_contact(&c.id).await.unwrap().tags.is_empty());

        let q = db
            .create_queue(&tucan_model::inbox::NewQueue {
                name: "Sales".into(),
                color: "#00aa00".into(),
                greeting: "Hi!".into(),
                user_ids: vec![],
                strategy: Default::default(),
                business_hours: None,
                auto_close: None,
                bot: None,
            })
            .await
            .unwrap();
        assert_eq!(db.get_queue(&q.id).await.unwrap().name, "Sales");
        assert_eq!(db.count_queues().await.unwrap(), 1);

        let mut values = BTreeMap::new();
        values.insert("rating_on_close".to_string(), serde_json::json!(true));
        db.put_settings(&values).await.unwrap();
        assert_eq!(
            db.stored_settings().await.unwrap()["rating_on_close"],
            serde_json::json!(true)
        );
    }

    #[tokio::test]
    async fn one_worker_at_a_time_claims_a_message_to_send() {
        let (_store, db) = tenant_store().await;
        let id = new_id();
        db.import_messages(&[serde_json::json!({
            "id": id, "ticket_id": new_id(), "contact_id": new_id(), "connection_id": new_id(),
            "direction": "out", "kind": "text", "body": "Oi", "status": "pending", "mentions": [],
        })])
        .await
        .unwrap();
        assert!(db.claim_send(&id, 60).await.unwrap());
        assert!(
            !db.claim_send(&id, 60).await.unwrap(),
            "claimed by the first"
        );
        db.release_send(&id).await.unwrap();
        assert!(db.claim_send(&id, 60).await.unwrap(), "released");
        db.set_message_status(&id, MessageStatus::Sent, Some("ch-1"), None)
            .await
            .unwrap();
        db.release_send(&id).await.unwrap();
        assert!(
            !db.claim_send(&id, 60).await.unwrap(),
            "sent: nothing to claim"
        );
    }
}
