//! One turn of a campaign: its window and start time checked, the next page of its list
//! planned, what each number's pace allows now claimed and sent, stalled claims sent again,
//! and the next turn armed (or the campaign completed).

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};
use tucan_bus::{Job, JobError, JobHandler};
use tucan_inbox::CampaignSend;
use tucan_model::campaign::{
    Campaign, CampaignRecipient, CampaignStatus, ContentKind, RecipientStatus,
};
use tucan_runtime::{RunContact, RunSource, RuntimeError, StartRun, TriggerEvent};
use tucan_store::{Claim, Lane, NewRecipient, RecipientOutcome, StoreError, TenantDb};

use crate::{CampaignResult, Campaigns, pace, used_up};

pub const TURN_KIND: &str = "campaign.turn";

/// Contacts planned into recipients in one turn.
const PLAN_PAGE: u32 = 500;

/// The most messages one number sends in one turn.
const MAX_PER_TURN: usize = 200;

/// How often a sending campaign takes a turn.
const TURN_EVERY: Duration = Duration::from_secs(1);

/// A claimed recipient whose message never started is sent again after this long.
const STALL_SECS: u64 = 30;

/// A recipient whose message is still on its way after this long has its send job published
/// again (longer than a send's claim, so a live worker is never raced).
const STALL_SENDING_SECS: u64 = 180;

#[derive(Deserialize)]
struct TurnPayload {
    campaign_id: String,
}

impl Campaigns {
    async fn turn(&self, db: &TenantDb, id: &str) -> CampaignResult<()> {
        use CampaignStatus::*;
        let c = match db.get_campaign(id).await {
            Ok(c) => c,
            Err(StoreError::NotFound(_)) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        if !matches!(c.status, Scheduled | Running | Waiting) {
            return Ok(());
        }
        let now = self.now();
        if c.status == Scheduled
            && let Some(at) = c.start_at.filter(|at| *at > now)
        {
            return self.arm(db, id, at.timestamp_millis()).await;
        }
        let settings = self.runtime.settings_of(db).await?;
        if let Some(window) = &c.window
            && !window.is_open(now, &settings.timezone)
        {
            if c.status != Waiting {
                db.move_campaign(id, &[Scheduled, Running], Waiting, &[])
                    .await?;
            }
            let next = window
                .opens_after(now, &settings.timezone)
                .map(|t| t.timestamp_millis())
                .unwrap_or(now.timestamp_millis() + 60_000);
            return self.arm(db, id, next).await;
        }
        if c.status != Running {
            db.move_campaign(id, &[Scheduled, Waiting], Running, &[])
                .await?;
        }
        // Plan only what the numbers can claim soon: a page or two ahead of the furthest
        // cursor, never the whole list at once.
        let mut progress = db.campaign_progress(id).await?;
        let ahead = PLAN_PAGE as u64 + (MAX_PER_TURN * c.connection_ids.len()) as u64 * 2;
        for _ in 0..4 {
            let frontier = progress.lanes.values().map(|l| l.cursor).max().unwrap_or(0);
            if progress.plan_done || progress.planned >= frontier + ahead {
                break;
            }
            self.plan(db, &c, &progress).await?;
            progress = db.campaign_progress(id).await?;
        }
        for r in db
            .stalled_recipients(id, STALL_SECS, STALL_SENDING_SECS)
            .await?
        {
            self.reach(db, &c, r).await;
        }
        let n = c.connection_ids.len() as u64;
        let now_ms = now.timestamp_millis();
        let usage = self.usage(db).await?;
        let mut room = usage.limit.saturating_sub(usage.used);
        let mut out_of_room = false;
        let mut slots: Vec<(i64, CampaignRecipient)> = Vec::new();
        let mut lanes_done = true;
        for (i, conn_id) in c.connection_ids.iter().enumerate() {
            let lane = progress.lanes.get(conn_id).copied().unwrap_or(Lane {
                cursor: i as u64,
                next_at: now_ms,
            });
            if lane.cursor < progress.planned || !progress.plan_done {
                lanes_done = false;
            }
            let per_minute = match db.get_connection(conn_id).await {
                Ok(conn) => c.per_minute.min(conn.messages_per_minute.max(1)),
                Err(StoreError::NotFound(_)) => c.per_minute,
                Err(e) => return Err(e.into()),
            };
            // The slots up to the next turn, each sent at its time.
            let horizon = now_ms + TURN_EVERY.as_millis() as i64;
            let (due, base) = pace::due(lane.next_at, horizon, per_minute, MAX_PER_TURN);
            let mut seqs: Vec<u64> = (0..due as u64)
                .map(|k| lane.cursor + k * n)
                .take_while(|s| *s < progress.planned)
                .collect();
            if seqs.len() as u64 > room {
                out_of_room = true;
                seqs.truncate(room as usize);
            }
            let Some(last) = seqs.last() else {
                continue;
            };
            let claimed = db
                .claim_recipients(&Claim {
                    campaign_id: id,
                    connection_id: conn_id,
                    expected: lane.cursor,
                    first: i as u64,
                    seqs: &seqs,
                    cursor: last + n,
                    base,
                    interval_ms: pace::interval_ms(per_minute),
                    month: &usage.month,
                    month_limit: usage.limit,
                })
                .await?;
            let interval = pace::interval_ms(per_minute);
            for (k, r) in claimed.unwrap_or_default().into_iter().enumerate() {
                room = room.saturating_sub(1);
                let at = base as f64 + k as f64 * interval + pace::jitter(r.seq, interval);
                slots.push((at.round() as i64, r));
            }
        }
        slots.sort_by_key(|(at, _)| *at);
        for (at, r) in slots {
            let wait = at - self.now().timestamp_millis();
            if wait > 0 {
                tokio::time::sleep(Duration::from_millis(wait as u64)).await;
            }
            self.reach(db, &c, r).await;
        }
        if out_of_room && !lanes_done {
            db.move_campaign(
                id,
                &[Running],
                Paused,
                &[("error", json!(used_up(&usage).to_string()))],
            )
            .await?;
            self.announce(db, id, true, progress.planned).await;
            return Ok(());
        }
        // Done when every number reached the end and no recipient is still on its way.
        if lanes_done && !db.any_queued(id).await? {
            db.move_campaign(
                id,
                &[Running],
                Completed,
                &[("finished_at", json!(Utc::now()))],
            )
            .await?;
            self.announce(db, id, true, progress.planned).await;
            return Ok(());
        }
        self.announce(db, id, false, progress.planned).await;
        self.arm(db, id, now_ms + TURN_EVERY.as_millis() as i64)
            .await
    }

    /// The next page of the list into recipients, each on one of the campaign's numbers in
    /// turn.
    async fn plan(
        &self,
        db: &TenantDb,
        c: &Campaign,
        p: &tucan_store::CampaignProgress,
    ) -> CampaignResult<()> {
        let list = match db.get_contact_list(&c.list_id).await {
            Ok(l) => l,
            Err(StoreError::NotFound(_)) => {
                // The list went away: what was planned is sent, nothing more.
                db.plan_recipients(&c.id, p.planned, &[], None, true)
                    .await?;
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        };
        let (contacts, next) = db
            .list_contacts_page(&list, p.plan_after.as_deref(), PLAN_PAGE)
            .await?;
        let n = c.connection_ids.len() as u64;
        let recipients: Vec<NewRecipient> = contacts
            .into_iter()
            .enumerate()
            .map(|(k, contact)| {
                let seq = p.planned + k as u64;
                NewRecipient {
                    seq,
                    connection_id: c.connection_ids[(seq % n) as usize].clone(),
                    contact_id: contact.id,
                    name: contact.name,
                    phone: contact.phone,
                    opted_out: contact.opted_out,
                }
            })
            .collect();
        db.plan_recipients(
            &c.id,
            p.planned,
            &recipients,
            next.as_deref(),
            next.is_none(),
        )
        .await?;
        Ok(())
    }

    /// Send one claimed recipient its message (or start its run) and write what came of it.
    /// A failure is the recipient's, never the turn's.
    async fn reach(&self, db: &TenantDb, c: &Campaign, r: CampaignRecipient) {
        let outcome = self.try_reach(db, c, &r).await;
        let o = match outcome {
            Ok(o) => o,
            Err(e) => RecipientOutcome {
                status: Some(RecipientStatus::Failed),
                error: Some(e.to_string()),
                ..Default::default()
            },
        };
        if let Err(e) = db.record_recipient(&c.id, r.seq, &o).await {
            tracing::warn!(campaign = %c.id, seq = r.seq, error = %e, "recipient not recorded");
        }
    }

    async fn try_reach(
        &self,
        db: &TenantDb,
        c: &Campaign,
        r: &CampaignRecipient,
    ) -> CampaignResult<RecipientOutcome> {
        // The contact may have opted out since the campaign was planned.
        match db.get_contact(&r.contact_id).await {
            Ok(contact) if contact.opted_out => {
                return Ok(RecipientOutcome {
                    status: Some(RecipientStatus::OptedOut),
                    ..Default::default()
                });
            }
            Ok(_) => {}
            Err(StoreError::NotFound(_)) => {
                return Ok(RecipientOutcome {
                    status: Some(RecipientStatus::Failed),
                    error: Some("the contact was deleted".into()),
                    ..Default::default()
                });
            }
            Err(e) => return Err(e.into()),
        }
        match c.content.kind {
            ContentKind::Message => {
                let texts = &c.content.variants;
                let variant = if texts.is_empty() {
                    0
                } else {
                    (r.seq % texts.len() as u64) as usize
                };
                let text = texts.get(variant).map(String::as_str).unwrap_or("");
                let m = self
                    .inbox
                    .send_campaign_message(
                        db,
                        &CampaignSend {
                            campaign_id: &c.id,
                            seq: r.seq,
                            contact_id: &r.contact_id,
                            connection_id: &r.connection_id,
                            text,
                            media_id: c.content.media_id.as_deref(),
                            template: c.content.template.as_ref(),
                        },
                    )
                    .await?;
                Ok(RecipientOutcome {
                    variant: Some(variant as u32),
                    message_id: Some(m.id),
                    ..Default::default()
                })
            }
            ContentKind::Flow => {
                let (ticket, opener) = self
                    .inbox
                    .campaign_ticket(
                        db,
                        &CampaignSend {
                            campaign_id: &c.id,
                            seq: r.seq,
                            contact_id: &r.contact_id,
                            connection_id: &r.connection_id,
                            text: "",
                            media_id: None,
                            template: c.content.template.as_ref(),
                        },
                    )
                    .await?;
                let started = c.started_at.unwrap_or(c.created_at).timestamp_millis();
                let run_id =
                    tucan_runtime::tick_run_id(started, &format!("campaign:{}:{}", c.id, r.seq));
                let start = |event: Option<TriggerEvent>| StartRun {
                    flow_id: c.content.flow_id.clone().unwrap_or_default(),
                    source: RunSource::Published {
                        version: c.flow_version,
                    },
                    contact: RunContact::Stored(r.contact_id.clone()),
                    ticket_id: Some(ticket.id.clone()),
                    vars: serde_json::Map::from_iter([(
                        "campaign".to_string(),
                        json!({ "id": c.id, "name": c.name }),
                    )]),
                    event,
                    clock: None,
                    id: Some(run_id.clone()),
                    parent: None,
                };
                let result = match self
                    .runtime
                    .start(db, start(Some(TriggerEvent::Campaign)))
                    .await
                {
                    // A flow without a campaign trigger starts at its manual one.
                    Err(RuntimeError::NoTrigger(_)) => self.runtime.start(db, start(None)).await,
                    other => other,
                };
                match result {
                    Ok(_) => {}
                    // A turn that stopped after the run started: it is there already.
                    Err(_) if db.get_run(&run_id).await.is_ok() => {}
                    Err(e) => {
                        return Ok(RecipientOutcome {
                            status: Some(RecipientStatus::Failed),
                            error: Some(e.to_string()),
                            ..Default::default()
                        });
                    }
                }
                Ok(RecipientOutcome {
                    status: Some(RecipientStatus::Sent),
                    run_id: Some(run_id),
                    message_id: opener.map(|m| m.id),
                    ..Default::default()
                })
            }
        }
    }

    /// Tell the company's open apps where the campaign stands (at most every two seconds
    /// per campaign, a second more for every 5,000 recipients planned, since the counts read
    /// them all; and when it ends).
    async fn announce(&self, db: &TenantDb, id: &str, last: bool, planned: u64) {
        {
            let mut seen = self.announced.lock().expect("announce");
            let key = format!("{}:{id}", db.tenant_id());
            let every = Duration::from_secs(2 + planned / 5_000);
            if !last && seen.get(&key).is_some_and(|at| at.elapsed() < every) {
                return;
            }
            if seen.len() > 10_000 {
                seen.clear();
            }
            seen.insert(key, Instant::now());
        }
        match self.view(db, id).await {
            Ok(view) => {
                let data: Value = serde_json::to_value(&view).unwrap_or_default();
                if let Err(e) = db.append_campaign_event(&data).await {
                    tracing::warn!(campaign = id, error = %e, "campaign progress not announced");
                }
            }
            Err(e) => tracing::warn!(campaign = id, error = %e, "campaign progress not read"),
        }
    }
}

pub(crate) struct TurnJob(pub(crate) Arc<Campaigns>);

#[async_trait]
impl JobHandler for TurnJob {
    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        let tenant = job
            .tenant
            .as_deref()
            .ok_or_else(|| JobError::Fatal("a campaign turn needs a tenant".into()))?;
        let p: TurnPayload = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Fatal(format!("invalid {TURN_KIND} payload: {e}")))?;
        let db = self
            .0
            .store
            .tenant(tenant)
            .await
            .map_err(|e| JobError::Fatal(format!("dropped: {e}")))?;
        match self.0.turn(&db, &p.campaign_id).await {
            Ok(()) => Ok(()),
            Err(e) => {
                tracing::warn!(campaign = %p.campaign_id, error = %e, "campaign turn failed");
                // The turn is taken again; the cursors make that safe.
                if let Err(arm) = self
                    .0
                    .arm(&db, &p.campaign_id, self.0.now().timestamp_millis() + 5_000)
                    .await
                {
                    return Err(JobError::Retry(format!("{e}; and the next turn: {arm}")));
                }
                Ok(())
            }
        }
    }
}
