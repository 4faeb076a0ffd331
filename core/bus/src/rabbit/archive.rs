//! The dead-letter archiver: copies messages from the broker's dead queue into the store's
//! archive, acking each only once it is stored.

use std::time::Duration;

use futures_util::StreamExt;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicQosOptions};
use lapin::types::FieldTable;
use tucan_model::ids::new_id;
use tucan_store::DeadJob;

use super::{Inner, broker};
use crate::bus::BusResult;
use crate::job::now_ms;

/// Move dead letters from the broker's dead queue into the store's archive, acking each
/// only once it is stored. Messages that were rejected as unreadable are kept raw.
pub(super) async fn archive_dead_letters(inner: std::sync::Weak<Inner>) {
    loop {
        let Some(strong) = inner.upgrade() else {
            return;
        };
        let stop = strong.stop.clone();
        let result = tokio::select! {
            r = archive_once(&strong) => r,
            _ = stop.cancelled() => return,
        };
        drop(strong);
        if let Err(e) = result {
            tracing::warn!(error = %e, "dead-letter archiver restarting");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn archive_once(inner: &Inner) -> BusResult<()> {
    let link = inner.link().await?;
    let ch = link.connection.create_channel().await.map_err(broker)?;
    ch.basic_qos(50, BasicQosOptions::default())
        .await
        .map_err(broker)?;
    let mut stream = ch
        .basic_consume(
            inner.dead_queue().into(),
            format!("archiver-{}", new_id()).into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(broker)?;
    while let Some(delivery) = stream.next().await {
        let delivery = delivery.map_err(broker)?;
        let dead = serde_json::from_slice::<DeadJob>(&delivery.data).unwrap_or_else(|_| DeadJob {
            id: new_id(),
            tenant: None,
            lane: "unknown".into(),
            kind: "unknown".into(),
            body: String::from_utf8_lossy(&delivery.data).into_owned(),
            attempts: 0,
            error: "unreadable message rejected by a consumer".into(),
            failed_at: now_ms(),
        });
        inner.dead.archive(&dead).await?;
        delivery
            .acker
            .ack(BasicAckOptions::default())
            .await
            .map_err(broker)?;
    }
    Ok(())
}
