//! Campaigns: a list's contacts reached over one or more numbers, inside a weekly window, at
//! the pace set for each number (never above the number's own), each recipient followed from
//! queued to read or replied. A campaign moves in turns (the `campaign.turn` job on the
//! `campaigns` lane, every second while it sends, on a durable timer): a turn plans the next
//! page of the list into recipients, claims what each number's pace allows now and sends it.
//! Claims and cursors are in the store, and each recipient's message has the recipient as its
//! dedupe key, so a restart or a crashed worker loses nothing and sends nothing twice.

mod pace;
mod turn;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};
use serde_json::json;
use tucan_bus::{BusError, Handlers, JobBus, Lane, NewJob, Timers};
use tucan_inbox::{Inbox, InboxError};
use tucan_model::ErrorCode;
use tucan_model::Problem;
use tucan_model::campaign::{
    Campaign, CampaignPatch, CampaignStatus, CampaignUsage, CampaignView, ContentKind, NewCampaign,
    check_name,
};
use tucan_model::ids::new_id;
use tucan_model::tenancy::LimitKind;
use tucan_model::ticket::ChannelKind;
use tucan_runtime::FlowRuntime;
use tucan_store::{Store, StoreError, TenantDb};

pub use turn::TURN_KIND;

#[derive(Debug, thiserror::Error)]
pub enum CampaignError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Inbox(#[from] InboxError),
    #[error("job bus: {0}")]
    Bus(#[from] BusError),
    /// A value of the request is not acceptable.
    #[error(transparent)]
    Invalid(#[from] Problem),
}

pub type CampaignResult<T> = Result<T, CampaignError>;

/// The campaigns of a process.
pub struct Campaigns {
    pub(crate) store: Store,
    pub(crate) timers: Timers,
    pub(crate) inbox: Arc<Inbox>,
    pub(crate) runtime: Arc<FlowRuntime>,
    /// When each campaign's progress was last announced (`tenant:campaign`).
    pub(crate) announced: std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>,
    /// How far the campaigns' clock runs ahead of the real one (ms): windows, start times
    /// and pace read it; tests move it to cross a window without waiting.
    clock_offset_ms: AtomicI64,
}

impl std::fmt::Debug for Campaigns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Campaigns").finish_non_exhaustive()
    }
}

fn invalid(field: &str, message: &str) -> CampaignError {
    CampaignError::Invalid(Problem::invalid_field(field, message))
}

impl Campaigns {
    pub fn new(
        store: Store,
        bus: Arc<dyn JobBus>,
        inbox: Arc<Inbox>,
        runtime: Arc<FlowRuntime>,
    ) -> Arc<Campaigns> {
        let timers = Timers::new(store.jobs(), bus.clone());
        Arc::new(Campaigns {
            store,
            timers,
            inbox,
            runtime,
            announced: Default::default(),
            clock_offset_ms: AtomicI64::new(0),
        })
    }

    /// The time as campaigns see it.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::milliseconds(self.clock_offset_ms.load(Ordering::Relaxed))
    }

    /// Move the campaigns' clock `ms` ahead (a test's way to reach a window's next opening).
    pub fn advance_clock(&self, ms: i64) {
        self.clock_offset_ms.fetch_add(ms, Ordering::Relaxed);
    }

    /// Take the campaign's next turn now rather than when it was armed (after the clock
    /// moved; a turn of a campaign that does not send does nothing).
    pub async fn wake(&self, db: &TenantDb, id: &str) -> CampaignResult<()> {
        self.arm(db, id, self.now().timestamp_millis()).await
    }

    /// This month's campaign recipients against the plan's limit.
    pub async fn usage(&self, db: &TenantDb) -> CampaignResult<CampaignUsage> {
        let settings = self.runtime.settings_of(db).await?;
        let tz: chrono_tz::Tz = settings.timezone.parse().unwrap_or(chrono_tz::Tz::UTC);
        let month = self.now().with_timezone(&tz).format("%Y-%m").to_string();
        let tenant = self.store.platform().get_tenant(db.tenant_id()).await?;
        let plan = self.store.platform().get_plan(&tenant.plan_id).await?;
        Ok(CampaignUsage {
            used: db.campaign_usage(&month).await?,
            limit: u64::from(plan.limits.get(LimitKind::CampaignRecipients)),
            month,
        })
    }

    /// Register the turn job.
    pub fn register(self: &Arc<Self>, handlers: &mut Handlers) {
        handlers.register(TURN_KIND, Arc::new(turn::TurnJob(self.clone())));
    }

    /// A campaign with its recipients' counts.
    pub async fn view(&self, db: &TenantDb, id: &str) -> CampaignResult<CampaignView> {
        let campaign = db.get_campaign(id).await?;
        let mut counts = db.campaign_counts(id).await?;
        // The list's contacts not planned into recipients yet are pending too.
        let progress = db.campaign_progress(id).await?;
        if !progress.plan_done
            && let Some(audience) = progress.audience
        {
            counts.add(
                tucan_model::campaign::RecipientStatus::Pending,
                audience.saturating_sub(progress.planned),
            );
        }
        Ok(CampaignView { campaign, counts })
    }

    /// The references of a campaign exist: its list, its numbers, its flow or file.
    async fn check_refs(&self, db: &TenantDb, c: &Campaign) -> CampaignResult<()> {
        c.content.check()?;
        if db.get_contact_list(&c.list_id).await.is_err() {
            return Err(invalid("list_id", "no such list"));
        }
        if c.connection_ids.is_empty() {
            return Err(invalid("connection_ids", "a campaign needs a number"));
        }
        for id in &c.connection_ids {
            if db.get_connection(id).await.is_err() {
                return Err(invalid("connection_ids", &format!("no number {id}")));
            }
        }
        if let Some(t) = &c.content.template {
            let mut cloud = 0;
            for id in &c.connection_ids {
                let conn = db.get_connection(id).await?;
                if conn.kind == ChannelKind::CloudApi {
                    cloud += 1;
                    self.inbox
                        .approved_template(db, &conn, t)
                        .await
                        .map_err(|e| invalid("content", &format!("{}: {e}", conn.name)))?;
                }
            }
            if cloud == 0 {
                return Err(invalid(
                    "content",
                    "a template is only sent by Cloud API numbers, and the campaign has none",
                ));
            }
        }
        let mut unique = c.connection_ids.clone();
        unique.sort();
        unique.dedup();
        if unique.len() != c.connection_ids.len() {
            return Err(invalid("connection_ids", "a number is listed twice"));
        }
        if let Some(flow) = &c.content.flow_id
            && c.content.kind == ContentKind::Flow
            && db.get_flow(flow).await.is_err()
        {
            return Err(invalid("content", "no such flow"));
        }
        if let Some(media) = &c.content.media_id
            && db.get_media(media).await.is_err()
        {
            return Err(invalid("content", "no such file"));
        }
        if let Some(w) = &c.window {
            w.check().map_err(|why| invalid("window", &why))?;
        }
        Ok(())
    }

    /// A new campaign, as a draft.
    pub async fn create(&self, db: &TenantDb, new: &NewCampaign) -> CampaignResult<Campaign> {
        let c = Campaign {
            id: new_id(),
            name: check_name(&new.name)?,
            list_id: new.list_id.clone(),
            connection_ids: new.connection_ids.clone(),
            content: new.content.clone(),
            per_minute: new.per_minute,
            start_at: new.start_at,
            window: new.window.clone().filter(|w| !w.is_unset()),
            status: CampaignStatus::Draft,
            flow_version: None,
            error: None,
            created_at: Utc::now(),
            started_at: None,
            finished_at: None,
        };
        self.check_refs(db, &c).await?;
        Ok(db.create_campaign(&c).await?)
    }

    /// Change a draft.
    pub async fn update(
        &self,
        db: &TenantDb,
        id: &str,
        p: &CampaignPatch,
    ) -> CampaignResult<Campaign> {
        let mut c = db.get_campaign(id).await?;
        if c.status != CampaignStatus::Draft {
            return Err(CampaignError::Invalid(Problem::new(
                tucan_model::ErrorCode::CampaignState,
                "only a draft can be changed",
            )));
        }
        if let Some(v) = &p.name {
            c.name = check_name(v)?;
        }
        if let Some(v) = &p.list_id {
            c.list_id = v.clone();
        }
        if let Some(v) = &p.connection_ids {
            c.connection_ids = v.clone();
        }
        if let Some(v) = &p.content {
            c.content = v.clone();
        }
        if let Some(v) = p.per_minute {
            c.per_minute = v;
        }
        if p.start_at.is_some() {
            c.start_at = p.start_at;
        }
        if let Some(w) = &p.window {
            c.window = Some(w.clone()).filter(|w| !w.is_unset());
        }
        self.check_refs(db, &c).await?;
        Ok(db.save_draft_campaign(&c).await?)
    }

    /// Start a draft: a flow campaign pins the flow's published version; it sends from now
    /// or from its start time.
    pub async fn start(&self, db: &TenantDb, id: &str) -> CampaignResult<Campaign> {
        let c = db.get_campaign(id).await?;
        self.check_refs(db, &c).await?;
        let version = match (&c.content.kind, &c.content.flow_id) {
            (ContentKind::Flow, Some(flow)) => {
                let row = db.get_flow(flow).await?;
                match row.published_version {
                    Some(v) => Some(v),
                    None => return Err(invalid("content", "the flow is not published")),
                }
            }
            _ => None,
        };
        let usage = self.usage(db).await?;
        if usage.used >= usage.limit {
            return Err(used_up(&usage));
        }
        let now = self.now();
        let later = c.start_at.is_some_and(|at| at > now);
        let to = if later {
            CampaignStatus::Scheduled
        } else {
            CampaignStatus::Running
        };
        let audience = db.get_contact_list(&c.list_id).await?.size;
        let c = db
            .move_campaign(
                id,
                &[CampaignStatus::Draft],
                to,
                &[
                    ("flow_version", json!(version)),
                    ("started_at", json!(now)),
                    ("audience", json!(audience)),
                ],
            )
            .await?;
        let at = c.start_at.filter(|_| later).unwrap_or(now);
        self.arm(db, id, at.timestamp_millis()).await?;
        Ok(c)
    }

    pub async fn pause(&self, db: &TenantDb, id: &str) -> CampaignResult<Campaign> {
        use CampaignStatus::*;
        let c = db
            .move_campaign(id, &[Scheduled, Running, Waiting], Paused, &[])
            .await?;
        self.timers.cancel(&timer_name(db.tenant_id(), id)).await?;
        Ok(c)
    }

    /// Go on from where a pause left off (a campaign paused by the plan's monthly limit only
    /// once the month has room again).
    pub async fn resume(&self, db: &TenantDb, id: &str) -> CampaignResult<Campaign> {
        let usage = self.usage(db).await?;
        if usage.used >= usage.limit {
            return Err(used_up(&usage));
        }
        let c = db
            .move_campaign(
                id,
                &[CampaignStatus::Paused],
                CampaignStatus::Running,
                &[("error", serde_json::Value::Null)],
            )
            .await?;
        self.arm(db, id, self.now().timestamp_millis()).await?;
        Ok(c)
    }

    /// Stop for good; recipients not reached stay `pending` in the report.
    pub async fn cancel(&self, db: &TenantDb, id: &str) -> CampaignResult<Campaign> {
        use CampaignStatus::*;
        let c = db
            .move_campaign(
                id,
                &[Scheduled, Running, Waiting, Paused],
                Cancelled,
                &[("finished_at", json!(Utc::now()))],
            )
            .await?;
        self.timers.cancel(&timer_name(db.tenant_id(), id)).await?;
        Ok(c)
    }

    /// The campaign's next turn at `at_ms` on the campaigns' clock (one pending turn per
    /// campaign).
    pub(crate) async fn arm(&self, db: &TenantDb, id: &str, at_ms: i64) -> CampaignResult<()> {
        let job = NewJob::new(Lane::Campaigns, TURN_KIND, json!({ "campaign_id": id }))
            .tenant(db.tenant_id())
            .max_attempts(5);
        let real_ms = at_ms - self.clock_offset_ms.load(Ordering::Relaxed);
        self.timers
            .schedule(&timer_name(db.tenant_id(), id), real_ms, &job)
            .await?;
        Ok(())
    }
}

/// The plan's monthly campaign recipients are used up.
pub(crate) fn used_up(u: &CampaignUsage) -> CampaignError {
    CampaignError::Invalid(Problem::new(
        ErrorCode::PlanLimitReached,
        format!(
            "the plan allows {} campaign recipients a month and {} used them; wait for next month or upgrade the plan",
            u.limit, u.month
        ),
    ))
}

fn timer_name(tenant: &str, campaign_id: &str) -> String {
    format!("campaign:{tenant}:{campaign_id}")
}
