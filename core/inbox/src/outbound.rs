//! Outgoing messages: each one is a `message.send` job on the messages lane (keyed by the
//! message id, so a redelivery sends nothing twice once the message left `pending`), paced
//! per connection, handed to the connection's channel; the message goes `sent` with the
//! channel's id, or `failed` with the reason.

use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::Utc;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tucan_bus::{Handlers, Job, JobError, JobHandler, Lane, NewJob};
use tucan_model::ticket::{ChannelKind, Message, MessageStatus};
use tucan_store::{StoreError, TenantDb};

use crate::Inbox;
use crate::error::{InboxError, InboxResult};
use crate::schedules::SCHEDULED_KIND;
use tucan_channels::{ChannelError, IncomingFile, Outgoing};

pub const SEND_KIND: &str = "message.send";
/// Longest pacing wait a send job sleeps; a longer one becomes a timer.
const MAX_INLINE_WAIT: Duration = Duration::from_secs(2);

enum Delivery {
    Done,
    Deferred,
}

/// How long a worker's claim on a message it hands to its channel lasts (past the channel's
/// own time limit, so a claim only runs out for a worker that crashed).
const SEND_CLAIM_SECS: u64 = 120;

pub(crate) fn register(inbox: &Arc<Inbox>, handlers: &mut Handlers) {
    handlers.register(SEND_KIND, Arc::new(SendJob(inbox.clone())));
    handlers.register(
        SCHEDULED_KIND,
        Arc::new(crate::schedules::ScheduledJob(inbox.clone())),
    );
}

/// The payload of a `message.send` job.
#[derive(Debug, Serialize, Deserialize)]
struct SendPayload {
    message_id: String,
    /// The job came back at its paced slot (see [`Inbox::deliver`]).
    #[serde(default)]
    paced: bool,
}

/// The payload of `job`, or a fatal error naming the job's kind: a redelivery cannot mend it.
fn payload<T: DeserializeOwned>(job: &Job) -> Result<T, JobError> {
    serde_json::from_value(job.payload.clone())
        .map_err(|e| JobError::Fatal(format!("invalid {} payload: {e}", job.kind)))
}

/// A payload as a job carries it.
fn to_payload<T: Serialize>(p: &T) -> serde_json::Value {
    serde_json::to_value(p).expect("job payloads are plain data")
}

fn retry_or_drop<E: Into<InboxError>>(e: E) -> JobError {
    let e = e.into();
    if e.is_not_found() {
        JobError::Fatal(format!("dropped: {e}"))
    } else {
        JobError::Retry(e.to_string())
    }
}

impl Inbox {
    /// Publish the send job of a pending outgoing message.
    pub(crate) async fn queue_send(&self, db: &TenantDb, message: &Message) -> InboxResult<()> {
        if message.status != MessageStatus::Pending {
            return Ok(());
        }
        let job = NewJob::new(
            Lane::Messages,
            SEND_KIND,
            to_payload(&SendPayload {
                message_id: message.id.clone(),
                paced: false,
            }),
        )
        .tenant(db.tenant_id())
        .key(format!("send:{}", message.id))
        .max_attempts(6);
        self.bus.publish(job).await?;
        Ok(())
    }

    /// The send job of `message_id`. Under the ticket's turn, older messages of the ticket
    /// still pending go first, so the customer reads them in the order they were written,
    /// whichever job a worker happens to pick up first.
    async fn send_now(&self, db: &TenantDb, job: &Job, p: &SendPayload) -> Result<(), JobError> {
        let (message_id, paced) = (p.message_id.as_str(), p.paced);
        let m = db.get_message(message_id).await.map_err(retry_or_drop)?;
        if paced {
            self.deferred
                .lock()
                .expect("deferred poisoned")
                .remove(message_id);
        }
        if m.status != MessageStatus::Pending {
            return Ok(());
        }
        let _turn = self.ticket_turn(&m.ticket_id).await;
        let earlier = db
            .pending_before(&m.ticket_id, &m.id, 50)
            .await
            .map_err(retry_or_drop)?;
        for e in earlier {
            if self.is_deferred(&e.id) {
                continue;
            }
            match self.deliver(db, &e.id, false, None).await? {
                Delivery::Done => {}
                // Later messages wait for their own slot, after this one's.
                Delivery::Deferred => break,
            }
        }
        self.deliver(db, message_id, paced, Some(job)).await?;
        Ok(())
    }

    fn is_deferred(&self, id: &str) -> bool {
        self.deferred
            .lock()
            .expect("deferred poisoned")
            .contains(id)
    }

    /// Hand one message to its channel once its paced slot comes: a wait of up to
    /// [`MAX_INLINE_WAIT`] is slept here, a longer one becomes a durable timer that brings the
    /// job back at its slot, so a busy connection never holds a worker of the lane.
    async fn deliver(
        &self,
        db: &TenantDb,
        message_id: &str,
        paced: bool,
        job: Option<&Job>,
    ) -> Result<Delivery, JobError> {
        let m = db.get_message(message_id).await.map_err(retry_or_drop)?;
        if m.status != MessageStatus::Pending {
            return Ok(Delivery::Done);
        }
        let fail = |why: String| async move {
            let changed = db
                .set_message_status(message_id, MessageStatus::Failed, None, Some(&why))
                .await
                .map_err(retry_or_drop)?;
            if let Some(m) = changed {
                self.announce_status(db, &m).await;
            }
            Ok(Delivery::Done)
        };
        let ticket = db.get_ticket(&m.ticket_id).await.map_err(retry_or_drop)?;
        let conn = match db.get_connection(&ticket.connection_id).await {
            Ok(c) => c,
            Err(StoreError::NotFound(_)) => {
                return fail("the connection was removed".into()).await;
            }
            Err(e) => return Err(JobError::Retry(e.to_string())),
        };
        if !paced {
            let wait = self
                .pacer
                .reserve(&conn.id, conn.messages_per_minute, Instant::now());
            if wait > MAX_INLINE_WAIT {
                self.defer(db, message_id, wait).await?;
                return Ok(Delivery::Deferred);
            }
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
        }
        let quoted = match &m.quoted_id {
            Some(q) => db.get_message(q).await.ok().and_then(|q| q.channel_id),
            None => None,
        };
        let media_url = m.media.as_ref().and_then(|media| {
            media
                .url
                .clone()
                .or_else(|| media.id.as_ref().map(|id| format!("/api/media/{id}")))
        });
        // A channel that uploads files (the Cloud API) gets the bytes of one the platform holds.
        let stored = m.media.as_ref().and_then(|x| x.id.clone());
        let file = match (&stored, conn.kind) {
            (Some(id), ChannelKind::CloudApi) => match db.get_media(id).await {
                Ok(row) => match self.read_media(&row).await {
                    Ok(bytes) => Some(IncomingFile {
                        bytes,
                        filename: row.filename,
                    }),
                    Err(e) => return fail(format!("the file is gone: {e}")).await,
                },
                Err(e) if e.refusal().is_some() => return fail("the file is gone".into()).await,
                Err(e) => return Err(retry_or_drop(e)),
            },
            _ => None,
        };
        let out = Outgoing {
            to: ticket.contact_phone.clone(),
            kind: m.kind,
            body: m.body.clone(),
            media_url,
            file,
            mime: m.media.as_ref().map(|x| x.mime.clone()),
            filename: m.media.as_ref().and_then(|x| x.filename.clone()),
            quoted,
            template: m.template.clone(),
            choices: m.choices.clone(),
            key: m.id.clone(),
        };
        let channel = match self.channel_for(db, &conn).await {
            Ok(c) => c,
            Err(e @ InboxError::Store(_)) if e.refusal().is_none() => {
                return Err(JobError::Retry(e.to_string()));
            }
            Err(e) => return fail(format!("the connection's channel cannot open: {e}")).await,
        };
        // One worker at a time hands a message to its channel; another finding it claimed
        // comes back when the claim has run out (sent by then, or left by a worker that
        // died: then it goes, once, since channels take a message's key once). Waiting for
        // the claim never uses up the job's attempts.
        if !db
            .claim_send(message_id, SEND_CLAIM_SECS)
            .await
            .map_err(retry_or_drop)?
        {
            let Some(until) = db
                .send_claim_until(message_id)
                .await
                .map_err(retry_or_drop)?
            else {
                return Ok(Delivery::Done);
            };
            let wait = (until - Utc::now()).to_std().unwrap_or_default() + Duration::from_secs(1);
            self.defer(db, message_id, wait).await?;
            return Ok(Delivery::Deferred);
        }
        match channel.send(&out).await {
            Ok(channel_id) => {
                let changed = db
                    .set_message_status(message_id, MessageStatus::Sent, Some(&channel_id), None)
                    .await
                    .map_err(retry_or_drop)?;
                if let Some(m) = changed {
                    self.announce_status(db, &m).await;
                }
                Ok(Delivery::Done)
            }
            Err(ChannelError::Rejected(why)) => fail(why).await,
            Err(ChannelError::Unavailable(why)) => match job {
                Some(job) if job.attempt >= job.max_attempts => {
                    fail(format!("gave up after {} attempts: {why}", job.attempt)).await
                }
                // An earlier message keeps its own job and its own count of attempts.
                _ => {
                    if let Err(e) = db.release_send(message_id).await {
                        tracing::warn!(message = message_id, error = %e, "send claim kept until it runs out");
                    }
                    Err(JobError::Retry(why))
                }
            },
        }
    }

    /// Bring the message's send job back after `wait`, already paced.
    async fn defer(&self, db: &TenantDb, message_id: &str, wait: Duration) -> Result<(), JobError> {
        let name = format!("paced:{}:{message_id}", db.tenant_id());
        let job = NewJob::new(
            Lane::Messages,
            SEND_KIND,
            to_payload(&SendPayload {
                message_id: message_id.to_string(),
                paced: true,
            }),
        )
        .tenant(db.tenant_id())
        .key(format!("send:{message_id}"))
        .max_attempts(6);
        let due = Utc::now().timestamp_millis() + wait.as_millis() as i64;
        self.runtime
            .timers()
            .schedule(&name, due, &job)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        self.deferred
            .lock()
            .expect("deferred poisoned")
            .insert(message_id.to_string());
        Ok(())
    }

    /// The turn of one ticket's sends in this process (striped locks: tickets that share a
    /// stripe wait for each other, which is rare with 64 stripes and harmless).
    async fn ticket_turn(&self, ticket_id: &str) -> tokio::sync::MutexGuard<'_, ()> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        ticket_id.hash(&mut h);
        let i = (h.finish() % self.ticket_turns.len() as u64) as usize;
        self.ticket_turns[i].lock().await
    }
}

struct SendJob(Arc<Inbox>);

#[async_trait]
impl JobHandler for SendJob {
    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        let tenant = job
            .tenant
            .as_deref()
            .ok_or_else(|| JobError::Fatal("a send job needs a tenant".into()))?;
        let p: SendPayload = payload(job)?;
        let db = self.0.store.tenant(tenant).await.map_err(retry_or_drop)?;
        self.0.send_now(&db, job, &p).await
    }
}
