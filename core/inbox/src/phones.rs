//! The simulator's phones kept in the company's database (`sim_message`), where the phone
//! page reads them.

use async_trait::async_trait;
use tucan_channels::{ChannelError, PhoneMessage, SimPhones};
use tucan_store::{SimWrite, Store, StoreError, TenantDb};

/// The simulated phones of every company, in their databases.
pub(crate) struct StorePhones(pub(crate) Store);

fn unavailable(e: StoreError) -> ChannelError {
    ChannelError::Unavailable(e.to_string())
}

impl StorePhones {
    async fn db(&self, tenant: &str) -> Result<TenantDb, ChannelError> {
        self.0.tenant(tenant).await.map_err(unavailable)
    }
}

#[async_trait]
impl SimPhones for StorePhones {
    async fn record(&self, tenant: &str, m: &PhoneMessage<'_>) -> Result<String, ChannelError> {
        let stored = self
            .db(tenant)
            .await?
            .sim_record(&SimWrite {
                connection_id: m.connection_id,
                phone: m.phone,
                direction: if m.incoming { "in" } else { "out" },
                kind: m.kind,
                body: m.body,
                media_url: m.media_url,
                quoted: m.quoted,
                id: Some(m.id),
            })
            .await
            .map_err(unavailable)?;
        Ok(stored.id)
    }

    async fn mark_read(
        &self,
        tenant: &str,
        connection_id: &str,
        chat: &str,
    ) -> Result<Vec<String>, ChannelError> {
        self.db(tenant)
            .await?
            .sim_mark_read(connection_id, chat)
            .await
            .map_err(unavailable)
    }

    async fn show(
        &self,
        tenant: &str,
        connection_id: &str,
        data: serde_json::Value,
    ) -> Result<(), ChannelError> {
        self.db(tenant)
            .await?
            .append_sim_event(connection_id, &data)
            .await
            .map_err(unavailable)
    }
}
