//! The simulator channel: a connection of kind `simulator` behaves as a WhatsApp number
//! whose customers are played through the API. What the platform sends lands on the
//! simulated phone (`sim_message`, streamed to the phone page) and is reported delivered a
//! moment later, as WhatsApp would; the customer reading it sends read receipts.

use std::sync::Weak;
use std::time::Duration;

use async_trait::async_trait;
use tucan_model::ticket::{ChatState, MessageStatus};
use tucan_store::{SimWrite, Store};

use crate::channel::{Channel, ChannelError, ChannelEvent, ChannelSink, Outgoing};

pub struct Simulator {
    pub(crate) store: Store,
    pub(crate) tenant: String,
    pub(crate) connection_id: String,
    pub(crate) sink: Weak<dyn ChannelSink>,
    /// How long after a send the phone reports it delivered.
    pub(crate) receipt_delay: Duration,
}

#[async_trait]
impl Channel for Simulator {
    async fn connect(&self) -> Result<(), ChannelError> {
        Ok(())
    }

    async fn disconnect(&self) -> Result<(), ChannelError> {
        Ok(())
    }

    async fn send(&self, msg: &Outgoing) -> Result<String, ChannelError> {
        let unavailable = |e: tucan_store::StoreError| ChannelError::Unavailable(e.to_string());
        let db = self.store.tenant(&self.tenant).await.map_err(unavailable)?;
        // Sending twice with one key puts one message on the phone.
        let id = format!("sim-{}", msg.key);
        let sent = db
            .sim_record(&SimWrite {
                connection_id: &self.connection_id,
                phone: &msg.to,
                direction: "out",
                kind: msg.kind,
                body: &msg.body,
                media_url: msg.media_url.as_deref(),
                quoted: msg.quoted.as_deref(),
                id: Some(&id),
            })
            .await
            .map_err(unavailable)?;
        if let Some(sink) = self.sink.upgrade() {
            let (tenant, connection) = (self.tenant.clone(), self.connection_id.clone());
            let delay = self.receipt_delay;
            let channel_id = sent.id.clone();
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                sink.channel_event(
                    &tenant,
                    &connection,
                    ChannelEvent::Receipt {
                        channel_id,
                        status: MessageStatus::Delivered,
                    },
                )
                .await;
            });
        }
        Ok(sent.id)
    }

    async fn typing(&self, to: &str, state: ChatState) -> Result<(), ChannelError> {
        let unavailable = |e: tucan_store::StoreError| ChannelError::Unavailable(e.to_string());
        let db = self.store.tenant(&self.tenant).await.map_err(unavailable)?;
        let data = serde_json::json!({ "phone": to, "typing": state });
        db.append_sim_event(&self.connection_id, &data)
            .await
            .map_err(unavailable)
    }
}
