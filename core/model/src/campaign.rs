//! Campaigns: contact lists (static, or a saved filter resolved when a campaign starts) and
//! campaigns that send one message (1 to 5 variants) or one flow to every contact of a list,
//! over one or more numbers, inside a weekly window, at a pace the platform keeps, with each
//! recipient followed from queued to read.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
#[cfg(feature = "openapi")]
use poem_openapi::{Enum, Object};
use serde::{Deserialize, Serialize};

use crate::hours::Schedule;
use crate::{ErrorCode, Problem};

/// The most variants a message campaign may have.
pub const MAX_VARIANTS: usize = 5;

/// The opt-out words of a company that sets none.
pub const DEFAULT_OPT_OUT: &[&str] = &["SAIR", "PARAR", "STOP"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Enum))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum ListKind {
    /// Contacts added and removed one by one (or by import).
    Static,
    /// The contacts that match a filter when a campaign starts.
    Dynamic,
}

/// Which contacts a dynamic list holds: those with every tag and every field value given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct ListFilter {
    /// Tag ids the contact has (all of them).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default, validator(max_items = 20)))]
    pub tag_ids: Vec<String>,
    /// Custom field values the contact has (each equal).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct ContactList {
    pub id: String,
    pub name: String,
    pub kind: ListKind,
    /// A dynamic list's filter.
    pub filter: Option<ListFilter>,
    /// How many contacts it holds now.
    pub size: u64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct NewContactList {
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 100)))]
    pub name: String,
    pub kind: ListKind,
    /// Required for a dynamic list.
    pub filter: Option<ListFilter>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct ContactListPatch {
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 100)))]
    pub name: Option<String>,
    /// A dynamic list's new filter.
    pub filter: Option<ListFilter>,
}

/// Contacts to add to or take from a static list.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct ListMembers {
    #[cfg_attr(feature = "openapi", oai(validator(min_items = 1, max_items = 1000)))]
    pub contact_ids: Vec<String>,
}

/// What a campaign sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Enum))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum ContentKind {
    /// One of the variants, chosen per recipient (`{{contact.name}}`,
    /// `{{contact.custom_fields.<field>}}`).
    Message,
    /// A run of the flow's version published when the campaign starts, from its campaign
    /// trigger (or manual trigger), with `vars.campaign`; replies go to the run.
    Flow,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct CampaignContent {
    pub kind: ContentKind,
    /// `message`: 1 to 5 texts (a file's caption when `media_id` is set).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default, validator(max_items = 5)))]
    pub variants: Vec<String>,
    /// `message`: a file uploaded to `/api/media`, sent with each variant.
    #[serde(default)]
    pub media_id: Option<String>,
    /// `flow`: the flow to run.
    #[serde(default)]
    pub flow_id: Option<String>,
    /// On Cloud API numbers, the approved template sent instead when the recipient's
    /// 24-hour window is closed (its variables templated like the variants); a flow campaign
    /// sends it first and then starts the run. Without it such a recipient fails with
    /// `WINDOW_CLOSED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub template: Option<crate::ticket::TemplateUse>,
}

impl CampaignContent {
    /// Every problem of the content, for field `content`.
    pub fn check(&self) -> Result<(), Problem> {
        let bad = |m: &str| Problem::invalid_field("content", m);
        match self.kind {
            ContentKind::Message => {
                let texts = self
                    .variants
                    .iter()
                    .filter(|v| !v.trim().is_empty())
                    .count();
                if texts == 0 && self.media_id.is_none() {
                    return Err(bad("a message campaign needs a text or a file"));
                }
                if self.variants.len() > MAX_VARIANTS {
                    return Err(bad("at most 5 variants"));
                }
                if self.variants.iter().any(|v| v.chars().count() > 4096) {
                    return Err(bad("a variant is longer than 4,096 characters"));
                }
                Ok(())
            }
            ContentKind::Flow if self.flow_id.as_deref().is_none_or(str::is_empty) => {
                Err(bad("a flow campaign needs a flow_id"))
            }
            ContentKind::Flow => Ok(()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Enum))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum CampaignStatus {
    /// Being written; nothing is sent.
    Draft,
    /// Started, waiting for its start time.
    Scheduled,
    /// Sending.
    Running,
    /// Outside its window: it goes on by itself at the next opening.
    Waiting,
    /// Paused by a user.
    Paused,
    Cancelled,
    /// Every recipient was handled.
    Completed,
}

impl CampaignStatus {
    /// A status the campaign no longer leaves.
    pub fn is_final(self) -> bool {
        matches!(self, CampaignStatus::Cancelled | CampaignStatus::Completed)
    }
}

/// Where each recipient is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Enum))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum RecipientStatus {
    /// Not reached yet.
    Pending,
    /// Its turn came: the message is on its way to the number (or the flow is starting).
    Queued,
    /// The number took the message (a flow campaign: the run started).
    Sent,
    Delivered,
    Read,
    /// The customer answered after the campaign wrote.
    Replied,
    Failed,
    /// Skipped: the contact opted out.
    OptedOut,
}

/// How many recipients are in each status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct CampaignCounts {
    pub total: u64,
    pub pending: u64,
    pub queued: u64,
    pub sent: u64,
    pub delivered: u64,
    pub read: u64,
    pub replied: u64,
    pub failed: u64,
    pub opted_out: u64,
}

impl CampaignCounts {
    /// Count `n` recipients in `status`.
    pub fn add(&mut self, status: RecipientStatus, n: u64) {
        use RecipientStatus::*;
        let slot = match status {
            Pending => &mut self.pending,
            Queued => &mut self.queued,
            Sent => &mut self.sent,
            Delivered => &mut self.delivered,
            Read => &mut self.read,
            Replied => &mut self.replied,
            Failed => &mut self.failed,
            OptedOut => &mut self.opted_out,
        };
        *slot += n;
        self.total += n;
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct Campaign {
    pub id: String,
    pub name: String,
    pub list_id: String,
    /// The numbers it writes from; recipients are shared among them in turn.
    pub connection_ids: Vec<String>,
    pub content: CampaignContent,
    /// Messages a minute per number (never above the number's own limit).
    pub per_minute: u32,
    /// When to begin; at once when absent.
    pub start_at: Option<DateTime<Utc>>,
    /// The weekly window it sends in (the company's time zone unless it names one); any time
    /// when absent.
    pub window: Option<Schedule>,
    pub status: CampaignStatus,
    /// A flow campaign's pinned version, set when it starts.
    pub flow_version: Option<u32>,
    /// Why it stopped by itself (a list or a number that went away).
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// A campaign with where its recipients are.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct CampaignView {
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", oai(flatten))]
    pub campaign: Campaign,
    pub counts: CampaignCounts,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct NewCampaign {
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 100)))]
    pub name: String,
    pub list_id: String,
    #[cfg_attr(feature = "openapi", oai(validator(min_items = 1, max_items = 10)))]
    pub connection_ids: Vec<String>,
    pub content: CampaignContent,
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "1"), maximum(value = "6000")))
    )]
    pub per_minute: u32,
    pub start_at: Option<DateTime<Utc>>,
    pub window: Option<Schedule>,
}

/// A change to a draft campaign; absent fields stay.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct CampaignPatch {
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 100)))]
    pub name: Option<String>,
    pub list_id: Option<String>,
    #[cfg_attr(feature = "openapi", oai(validator(min_items = 1, max_items = 10)))]
    pub connection_ids: Option<Vec<String>>,
    pub content: Option<CampaignContent>,
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "1"), maximum(value = "6000")))
    )]
    pub per_minute: Option<u32>,
    pub start_at: Option<DateTime<Utc>>,
    /// A schedule with no intervals removes the window.
    pub window: Option<Schedule>,
}

/// A company's campaign recipients in the current month against its plan's limit.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct CampaignUsage {
    /// `YYYY-MM`, in the company's time zone.
    pub month: String,
    /// Recipients reached this month (opted-out ones are not counted).
    pub used: u64,
    pub limit: u64,
}

/// One recipient of a campaign.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct CampaignRecipient {
    /// Its place in the campaign (0, 1, …).
    pub seq: u64,
    pub contact_id: String,
    pub name: String,
    pub phone: String,
    pub connection_id: String,
    pub status: RecipientStatus,
    /// The variant it got (0-based).
    pub variant: Option<u32>,
    pub message_id: Option<String>,
    pub run_id: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct CampaignRecipientPage {
    pub items: Vec<CampaignRecipient>,
    /// Pass as `after` for the next page.
    pub next_cursor: Option<u64>,
}

/// Recipients reached in one stretch of a campaign's time, by what became of them since.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct TimelinePoint {
    /// The stretch's start.
    pub at: DateTime<Utc>,
    /// Claimed, their message on its way.
    pub queued: u64,
    pub sent: u64,
    pub delivered: u64,
    pub read: u64,
    pub replied: u64,
    pub failed: u64,
}

impl TimelinePoint {
    /// Count `n` recipients of the stretch in `status` (those never reached have none).
    pub fn add(&mut self, status: RecipientStatus, n: u64) {
        use RecipientStatus::*;
        match status {
            Queued => self.queued += n,
            Sent => self.sent += n,
            Delivered => self.delivered += n,
            Read => self.read += n,
            Replied => self.replied += n,
            Failed => self.failed += n,
            Pending | OptedOut => {}
        }
    }
}

/// A campaign's delivery over time: the recipients reached in each stretch of
/// `bucket_minutes`, oldest first, by where they stand now.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct CampaignTimeline {
    pub bucket_minutes: u32,
    pub points: Vec<TimelinePoint>,
}

impl CampaignTimeline {
    /// Minute counts `(minute, status, n)` gathered into stretches wide enough that a
    /// campaign of any length has at most `max_points`.
    pub fn from_minutes(
        minutes: &[(DateTime<Utc>, RecipientStatus, u64)],
        max_points: usize,
    ) -> Self {
        let (Some(first), Some(last)) = (
            minutes.iter().map(|m| m.0).min(),
            minutes.iter().map(|m| m.0).max(),
        ) else {
            return CampaignTimeline {
                bucket_minutes: 1,
                points: vec![],
            };
        };
        let span = (last - first).num_minutes().max(0) as u64 + 1;
        let bucket_minutes = [1u32, 2, 5, 10, 15, 30, 60, 120, 240, 720, 1440]
            .into_iter()
            .find(|b| span.div_ceil(u64::from(*b)) as usize <= max_points.max(1))
            .unwrap_or(1440);
        let width = chrono::Duration::minutes(i64::from(bucket_minutes));
        let count = span.div_ceil(u64::from(bucket_minutes)) as usize;
        let mut points: Vec<TimelinePoint> = (0..count)
            .map(|i| TimelinePoint {
                at: first + width * i as i32,
                ..Default::default()
            })
            .collect();
        for (at, status, n) in minutes {
            let i = ((*at - first).num_minutes() / i64::from(bucket_minutes)) as usize;
            if let Some(p) = points.get_mut(i) {
                p.add(*status, *n);
            }
        }
        CampaignTimeline {
            bucket_minutes,
            points,
        }
    }
}

/// Whether `text` is one of the company's opt-out words (the whole message, any case).
pub fn is_opt_out(text: &str, words: &[String]) -> bool {
    let t = text.trim();
    !t.is_empty() && words.iter().any(|w| w.trim().eq_ignore_ascii_case(t))
}

/// A campaign's name checked.
pub fn check_name(name: &str) -> Result<String, Problem> {
    let n = name.trim();
    if n.is_empty() {
        return Err(Problem::new(ErrorCode::InvalidField, "name is empty"));
    }
    Ok(n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opt_out_is_the_whole_message_in_any_case() {
        let words: Vec<String> = DEFAULT_OPT_OUT.iter().map(|w| w.to_string()).collect();
        assert!(is_opt_out(" sair ", &words));
        assert!(is_opt_out("Stop", &words));
        assert!(!is_opt_out("quero sair da fila", &words));
        assert!(!is_opt_out("", &words));
    }

    #[test]
    fn a_timeline_gathers_minutes_into_at_most_the_points_asked() {
        let t0: DateTime<Utc> = "2026-12-07T10:00:00Z".parse().unwrap();
        let m = |i: i64| t0 + chrono::Duration::minutes(i);
        let minutes = vec![
            (m(0), RecipientStatus::Delivered, 8),
            (m(0), RecipientStatus::Failed, 1),
            (m(1), RecipientStatus::Read, 5),
            (m(179), RecipientStatus::Sent, 3),
        ];
        let short = CampaignTimeline::from_minutes(&minutes[..3], 120);
        assert_eq!(short.bucket_minutes, 1);
        assert_eq!(short.points.len(), 2);
        assert_eq!((short.points[0].delivered, short.points[0].failed), (8, 1));
        let long = CampaignTimeline::from_minutes(&minutes, 120);
        assert_eq!(long.bucket_minutes, 2, "180 minutes in at most 120 points");
        assert_eq!(long.points.len(), 90);
        assert_eq!(long.points[0].read, 5);
        assert_eq!(long.points[89].sent, 3);
        assert_eq!(long.points[89].at, m(178));
        assert!(CampaignTimeline::from_minutes(&[], 120).points.is_empty());
    }

    #[test]
    fn content_needs_what_its_kind_sends() {
        let msg = |v: &[&str]| CampaignContent {
            kind: ContentKind::Message,
            variants: v.iter().map(|s| s.to_string()).collect(),
            media_id: None,
            flow_id: None,
            template: None,
        };
        assert!(msg(&["Oi {{contact.name}}"]).check().is_ok());
        assert!(msg(&["", " "]).check().is_err());
        assert!(msg(&["a", "b", "c", "d", "e", "f"]).check().is_err());
        let flow = CampaignContent {
            kind: ContentKind::Flow,
            variants: vec![],
            media_id: None,
            flow_id: None,
            template: None,
        };
        assert_eq!(flow.check().unwrap_err().field.as_deref(), Some("content"));
    }
}
