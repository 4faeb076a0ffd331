//! The RabbitMQ backend (lapin): a durable queue per lane, persistent messages with
//! publisher confirms, manual acks with prefetch, delayed retries through TTL wait queues
//! that dead-letter back into the lane, and a dead-letter exchange whose queue is archived
//! into the store so dead jobs are listed and replayed like the embedded backend's. The
//! connection is re-established (and the topology re-declared) whenever it drops.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions, ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;
use tucan_model::ids::new_id;
use tucan_store::{DeadJob, LaneCounts};

use crate::bus::{BusError, BusOptions, BusResult, Consumer, Delivery, JobBus, Settle};
use crate::dead::DeadLetters;
use crate::job::{Envelope, Job, Lane, NewJob, now_ms};
use crate::metrics::BusMetrics;

mod archive;

use archive::archive_dead_letters;

/// Where the broker is and how our names start.
#[derive(Debug, Clone)]
pub struct RabbitOptions {
    /// `amqp://user:pass@host:port/vhost`.
    pub url: String,
    /// Prefix of every exchange and queue, so several installs can share a broker.
    pub prefix: String,
    /// Shown in the broker's connection list.
    pub connection_name: String,
}

/// What a message body carries: the job and its delivery history.
#[derive(Debug, Serialize, Deserialize)]
struct Message {
    attempt: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_error: Option<String>,
    env: Envelope,
}

fn broker(e: impl std::fmt::Display) -> BusError {
    BusError::Broker(e.to_string())
}

/// The RabbitMQ-backed bus.
#[derive(Clone)]
pub struct RabbitBus {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for RabbitBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RabbitBus")
            .field("prefix", &self.inner.opts.prefix)
            .finish()
    }
}

struct Inner {
    opts: RabbitOptions,
    bus: BusOptions,
    metrics: Arc<BusMetrics>,
    dead: DeadLetters,
    link: Mutex<Option<Link>>,
    stop: CancellationToken,
}

/// One live connection and its confirmed publishing channel.
#[derive(Clone)]
struct Link {
    connection: Arc<Connection>,
    publisher: Channel,
}

impl Link {
    fn alive(&self) -> bool {
        self.connection.status().connected() && self.publisher.status().connected()
    }
}

impl RabbitBus {
    /// Connect, declare the topology, and start archiving dead letters into `dead`.
    pub async fn connect(
        opts: RabbitOptions,
        bus: BusOptions,
        metrics: Arc<BusMetrics>,
        dead: DeadLetters,
    ) -> BusResult<RabbitBus> {
        let inner = Arc::new(Inner {
            opts,
            bus,
            metrics,
            dead,
            link: Mutex::new(None),
            stop: CancellationToken::new(),
        });
        inner.link().await?;
        tokio::spawn(archive_dead_letters(Arc::downgrade(&inner)));
        Ok(RabbitBus { inner })
    }

    /// Stop the archiver and close the connection.
    pub async fn close(&self) {
        self.inner.stop.cancel();
        if let Some(link) = self.inner.link.lock().await.take() {
            let _ = link.connection.close(200, "closing".into()).await;
        }
    }

    /// Delete every exchange and queue under this bus's prefix (uninstall, tests).
    pub async fn delete_topology(&self) -> BusResult<()> {
        let link = self.inner.link().await?;
        let ch = link.connection.create_channel().await.map_err(broker)?;
        let mut queues = vec![self.inner.dead_queue()];
        for lane in Lane::ALL {
            queues.push(self.inner.lane_queue(lane));
            for level in self.inner.wait_levels() {
                queues.push(self.inner.wait_queue(lane, level));
            }
        }
        for q in queues {
            ch.queue_delete(q.into(), Default::default())
                .await
                .map_err(broker)?;
        }
        for ex in [self.inner.exchange(), self.inner.dead_exchange()] {
            ch.exchange_delete(ex.into(), Default::default())
                .await
                .map_err(broker)?;
        }
        Ok(())
    }

    /// The lane queue's name.
    pub fn queue_name(&self, lane: Lane) -> String {
        self.inner.lane_queue(lane)
    }
}

impl Inner {
    fn exchange(&self) -> String {
        format!("{}.jobs", self.opts.prefix)
    }

    fn dead_exchange(&self) -> String {
        format!("{}.dead", self.opts.prefix)
    }

    fn dead_queue(&self) -> String {
        format!("{}.dead", self.opts.prefix)
    }

    fn lane_queue(&self, lane: Lane) -> String {
        format!("{}.lane.{}", self.opts.prefix, lane.as_str())
    }

    /// The wait queues' delays: the backoff ceilings, each its own queue.
    fn wait_levels(&self) -> Vec<Duration> {
        let mut levels: Vec<Duration> = (1..=32).map(|a| self.bus.backoff.ceiling(a)).collect();
        levels.dedup();
        levels
    }

    fn wait_queue(&self, lane: Lane, level: Duration) -> String {
        format!(
            "{}.wait.{}.{}ms",
            self.opts.prefix,
            lane.as_str(),
            level.as_millis()
        )
    }

    /// The live link, reconnecting (with backoff, up to about a minute) when it dropped.
    async fn link(&self) -> BusResult<Link> {
        let mut slot = self.link.lock().await;
        if let Some(link) = slot.as_ref().filter(|l| l.alive()) {
            return Ok(link.clone());
        }
        let mut wait = Duration::from_millis(100);
        let mut tries = 0;
        loop {
            match self.open().await {
                Ok(link) => {
                    if tries > 0 {
                        tracing::info!(tries, "reconnected to RabbitMQ");
                    }
                    *slot = Some(link.clone());
                    return Ok(link);
                }
                Err(e) if tries < 30 => {
                    tracing::warn!(error = %e, "RabbitMQ unreachable, retrying");
                    tries += 1;
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(3));
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn open(&self) -> BusResult<Link> {
        let props = ConnectionProperties::default()
            .with_connection_name(self.opts.connection_name.clone().into());
        let connection = Connection::connect(&self.opts.url, props)
            .await
            .map_err(broker)?;
        let publisher = connection.create_channel().await.map_err(broker)?;
        self.declare(&publisher).await?;
        publisher
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(broker)?;
        Ok(Link {
            connection: Arc::new(connection),
            publisher,
        })
    }

    /// Declare every exchange and queue; declarations are idempotent.
    async fn declare(&self, ch: &Channel) -> BusResult<()> {
        let durable = ExchangeDeclareOptions {
            durable: true,
            ..Default::default()
        };
        ch.exchange_declare(
            self.exchange().into(),
            ExchangeKind::Direct,
            durable,
            FieldTable::default(),
        )
        .await
        .map_err(broker)?;
        ch.exchange_declare(
            self.dead_exchange().into(),
            ExchangeKind::Fanout,
            durable,
            FieldTable::default(),
        )
        .await
        .map_err(broker)?;
        let queue = QueueDeclareOptions {
            durable: true,
            ..Default::default()
        };
        ch.queue_declare(self.dead_queue().into(), queue, FieldTable::default())
            .await
            .map_err(broker)?;
        ch.queue_bind(
            self.dead_queue().into(),
            self.dead_exchange().into(),
            "".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(broker)?;
        for lane in Lane::ALL {
            let mut args = FieldTable::default();
            args.insert(
                "x-dead-letter-exchange".into(),
                AMQPValue::LongString(self.dead_exchange().into()),
            );
            ch.queue_declare(self.lane_queue(lane).into(), queue, args)
                .await
                .map_err(broker)?;
            ch.queue_bind(
                self.lane_queue(lane).into(),
                self.exchange().into(),
                lane.as_str().into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(broker)?;
            for level in self.wait_levels() {
                let mut args = FieldTable::default();
                args.insert(
                    "x-message-ttl".into(),
                    AMQPValue::LongLongInt(level.as_millis() as i64),
                );
                args.insert(
                    "x-dead-letter-exchange".into(),
                    AMQPValue::LongString(self.exchange().into()),
                );
                args.insert(
                    "x-dead-letter-routing-key".into(),
                    AMQPValue::LongString(lane.as_str().into()),
                );
                ch.queue_declare(self.wait_queue(lane, level).into(), queue, args)
                    .await
                    .map_err(broker)?;
            }
        }
        Ok(())
    }

    /// Publish messages and wait for the broker's confirms; a dropped connection is
    /// re-established and the unconfirmed messages sent again (at least once).
    async fn publish(
        &self,
        messages: &[(String, String, Vec<u8>, BasicProperties)],
    ) -> BusResult<()> {
        let mut tries = 0;
        loop {
            match self.try_publish(messages).await {
                Ok(()) => return Ok(()),
                Err(e) if tries < 3 => {
                    tracing::warn!(error = %e, "publish failed, retrying on a fresh link");
                    tries += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn try_publish(
        &self,
        messages: &[(String, String, Vec<u8>, BasicProperties)],
    ) -> BusResult<()> {
        let link = self.link().await?;
        let mut confirms = Vec::with_capacity(messages.len());
        for (exchange, key, body, props) in messages {
            let confirm = link
                .publisher
                .basic_publish(
                    exchange.as_str().into(),
                    key.as_str().into(),
                    BasicPublishOptions {
                        mandatory: true,
                        ..Default::default()
                    },
                    body,
                    props.clone(),
                )
                .await
                .map_err(broker)?;
            confirms.push(confirm);
        }
        for confirm in confirms {
            let confirmation = confirm.await.map_err(broker)?;
            if !confirmation.is_ack() {
                return Err(BusError::Broker("the broker refused a message".into()));
            }
            if confirmation.take_message().is_some() {
                return Err(BusError::Broker("a message had no queue to go to".into()));
            }
        }
        Ok(())
    }
}

fn persistent(id: &str) -> BasicProperties {
    BasicProperties::default()
        .with_delivery_mode(2)
        .with_content_type("application/json".into())
        .with_message_id(id.into())
}

#[async_trait]
impl JobBus for RabbitBus {
    fn backend(&self) -> &'static str {
        "rabbitmq"
    }

    async fn publish_many(&self, jobs: Vec<NewJob>) -> BusResult<Vec<String>> {
        let now = now_ms();
        let mut ids = Vec::with_capacity(jobs.len());
        let mut messages = Vec::with_capacity(jobs.len());
        for job in jobs {
            let id = new_id();
            let lane = job.lane;
            let message = Message {
                attempt: 0,
                last_error: None,
                env: Envelope {
                    id: id.clone(),
                    published_at_ms: now,
                    attempts_allowed: job.max_attempts.unwrap_or(self.inner.bus.max_attempts),
                    job,
                },
            };
            let body = serde_json::to_vec(&message).map_err(broker)?;
            messages.push((
                self.inner.exchange(),
                lane.as_str().to_string(),
                body,
                persistent(&id),
            ));
            ids.push(id);
        }
        self.inner.publish(&messages).await?;
        for (_, lane, _, _) in &messages {
            if let Some(lane) = Lane::parse(lane) {
                self.inner
                    .metrics
                    .lane(lane)
                    .published
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
        Ok(ids)
    }

    async fn consumer(&self, lane: Lane, prefetch: usize) -> BusResult<Box<dyn Consumer>> {
        let mut consumer = RabbitConsumer {
            inner: self.inner.clone(),
            lane,
            prefetch: prefetch.clamp(1, u16::MAX as usize) as u16,
            stream: None,
            closed: false,
        };
        consumer.subscribe().await?;
        Ok(Box::new(consumer))
    }

    async fn lane_counts(&self, lane: Lane) -> BusResult<LaneCounts> {
        let link = self.inner.link().await?;
        let ch = link.connection.create_channel().await.map_err(broker)?;
        let passive = QueueDeclareOptions {
            passive: true,
            ..Default::default()
        };
        let count = |name: String| {
            let ch = ch.clone();
            async move {
                ch.queue_declare(name.into(), passive, FieldTable::default())
                    .await
                    .map(|q| q.message_count() as u64)
                    .map_err(broker)
            }
        };
        let ready = count(self.inner.lane_queue(lane)).await?;
        let mut delayed = 0;
        for level in self.inner.wait_levels() {
            delayed += count(self.inner.wait_queue(lane, level)).await?;
        }
        let _ = ch.close(200, "done".into()).await;
        // Unacknowledged deliveries are not visible over AMQP; the in-flight gauge has them.
        let leased = self
            .inner
            .metrics
            .lane(lane)
            .in_flight
            .load(std::sync::atomic::Ordering::Relaxed)
            .max(0) as u64;
        Ok(LaneCounts {
            ready,
            delayed,
            leased,
        })
    }

    fn metrics(&self) -> &Arc<BusMetrics> {
        &self.inner.metrics
    }
}

struct RabbitConsumer {
    inner: Arc<Inner>,
    lane: Lane,
    prefetch: u16,
    stream: Option<(Channel, lapin::Consumer)>,
    closed: bool,
}

impl RabbitConsumer {
    async fn subscribe(&mut self) -> BusResult<()> {
        let link = self.inner.link().await?;
        let ch = link.connection.create_channel().await.map_err(broker)?;
        ch.basic_qos(self.prefetch, BasicQosOptions::default())
            .await
            .map_err(broker)?;
        let consumer = ch
            .basic_consume(
                self.inner.lane_queue(self.lane).into(),
                format!("{}-{}", self.lane.as_str(), new_id()).into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(broker)?;
        self.stream = Some((ch, consumer));
        Ok(())
    }
}

#[async_trait]
impl Consumer for RabbitConsumer {
    async fn next(&mut self) -> BusResult<Delivery> {
        loop {
            if self.closed {
                return Err(BusError::Closed);
            }
            let Some((_, stream)) = self.stream.as_mut() else {
                if let Err(e) = self.subscribe().await {
                    tracing::warn!(error = %e, lane = self.lane.as_str(), "consumer cannot subscribe yet");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                continue;
            };
            match stream.next().await {
                Some(Ok(delivery)) => {
                    let settle = RabbitSettle {
                        inner: self.inner.clone(),
                        lane: self.lane,
                        delivery: std::sync::Mutex::new(Some(delivery.acker.clone())),
                        message: delivery.data.clone(),
                    };
                    match serde_json::from_slice::<Message>(&delivery.data) {
                        Ok(m) => {
                            return Ok(Delivery {
                                job: Job::from_envelope(m.env, m.attempt + 1, m.last_error),
                                settle: Box::new(settle),
                                backoff: self.inner.bus.backoff,
                            });
                        }
                        Err(e) => {
                            // Poison: the broker routes a rejected message to the dead-letter
                            // exchange, and the archiver keeps it.
                            tracing::error!(error = %e, "unreadable message dead-lettered");
                            let _ = delivery
                                .acker
                                .nack(BasicNackOptions {
                                    requeue: false,
                                    ..Default::default()
                                })
                                .await;
                        }
                    }
                }
                Some(Err(e)) => {
                    tracing::warn!(error = %e, lane = self.lane.as_str(), "consumer lost its channel");
                    self.stream = None;
                }
                None => {
                    self.stream = None;
                }
            }
        }
    }

    async fn close(&mut self) {
        self.closed = true;
        if let Some((ch, _)) = self.stream.take() {
            // Closing the channel returns its unacknowledged deliveries to the queue.
            let _ = ch.close(200, "consumer closed".into()).await;
        }
    }
}

struct RabbitSettle {
    inner: Arc<Inner>,
    lane: Lane,
    delivery: std::sync::Mutex<Option<lapin::Acker>>,
    message: Vec<u8>,
}

impl RabbitSettle {
    fn acker(&self) -> Option<lapin::Acker> {
        self.delivery.lock().expect("acker lock").take()
    }

    /// Ack after the message's successor is safely published; false when the channel the
    /// delivery came on is gone (the broker delivers it again).
    async fn ack_acker(acker: Option<lapin::Acker>) -> bool {
        match acker {
            Some(a) => a.ack(BasicAckOptions::default()).await.is_ok(),
            None => false,
        }
    }

    fn reshaped(&self, f: impl FnOnce(&mut Message)) -> BusResult<(String, Vec<u8>)> {
        let mut m: Message = serde_json::from_slice(&self.message).map_err(broker)?;
        f(&mut m);
        let id = m.env.id.clone();
        Ok((id, serde_json::to_vec(&m).map_err(broker)?))
    }
}

#[async_trait]
impl Settle for RabbitSettle {
    async fn ack(&self) -> BusResult<bool> {
        Ok(Self::ack_acker(self.acker()).await)
    }

    async fn retry(&self, delay: Duration, error: &str) -> BusResult<bool> {
        let levels = self.inner.wait_levels();
        let level = levels
            .iter()
            .copied()
            .find(|l| *l >= delay)
            .unwrap_or_else(|| levels.last().copied().unwrap_or(delay));
        let (id, body) = self.reshaped(|m| {
            m.attempt += 1;
            m.last_error = Some(error.to_string());
        })?;
        let props =
            persistent(&id).with_expiration(delay.min(level).as_millis().to_string().into());
        self.inner
            .publish(&[(
                String::new(),
                self.inner.wait_queue(self.lane, level),
                body,
                props,
            )])
            .await?;
        Ok(Self::ack_acker(self.acker()).await)
    }

    async fn bury(&self, dead: DeadJob) -> BusResult<bool> {
        let body = serde_json::to_vec(&dead).map_err(broker)?;
        self.inner
            .publish(&[(
                self.inner.dead_exchange(),
                String::new(),
                body,
                persistent(&dead.id),
            )])
            .await?;
        Ok(Self::ack_acker(self.acker()).await)
    }

    async fn release(&self) -> BusResult<bool> {
        Ok(match self.acker() {
            Some(a) => a
                .nack(BasicNackOptions {
                    requeue: true,
                    ..Default::default()
                })
                .await
                .is_ok(),
            None => false,
        })
    }

    async fn extend(&self) -> BusResult<bool> {
        // The broker holds a delivery as long as its channel lives.
        Ok(self.delivery.lock().expect("acker lock").is_some())
    }
}
