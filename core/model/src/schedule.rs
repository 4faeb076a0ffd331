//! Scheduled messages: a message to a contact (or on one ticket) sent later, once or again
//! every day, week or month in the company's time zone, through the normal outbound path.

use chrono::{DateTime, Duration, LocalResult, Months, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
#[cfg(feature = "openapi")]
use poem_openapi::{Enum, Object};
use serde::{Deserialize, Serialize};

use crate::ticket::TemplateUse;

/// How often a scheduled message goes again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Enum))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum Repeat {
    /// Once.
    #[default]
    None,
    Daily,
    Weekly,
    /// On the same day of each month (the month's last day for a day it lacks).
    Monthly,
}

/// Where a scheduled message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Enum))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum ScheduleStatus {
    /// Waiting for `send_at` (a repeating message stays here between sends).
    Scheduled,
    /// A one-off message that went, or a repeating one past its last send.
    Sent,
    Cancelled,
    /// It could not go (`last_error` says why); a repeating message only ends here when its
    /// contact or number is gone.
    Failed,
}

/// A message to send later on a ticket.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct NewScheduledMessage {
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 4096)))]
    pub body: String,
    pub send_at: DateTime<Utc>,
}

/// A message to send to a contact later, once or repeating.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct NewSchedule {
    pub contact_id: String,
    /// The number it goes from.
    pub connection_id: String,
    /// Text, or the caption of `media_id`; `{{contact.name}}` and the other variables quick
    /// replies know are filled in when it goes.
    #[cfg_attr(feature = "openapi", oai(default, validator(max_length = 4096)))]
    #[serde(default)]
    pub body: String,
    /// A file uploaded with `POST /api/media`.
    pub media_id: Option<String>,
    /// An approved template of a Cloud API number (instead of a body and a file).
    pub template: Option<TemplateUse>,
    /// The first send.
    pub send_at: DateTime<Utc>,
    #[cfg_attr(feature = "openapi", oai(default))]
    #[serde(default)]
    pub repeat: Repeat,
    /// No repeat after this moment.
    pub repeat_until: Option<DateTime<Utc>>,
}

/// A change to a scheduled message that has not gone for good. Absent fields stay.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct SchedulePatch {
    pub connection_id: Option<String>,
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 4096)))]
    pub body: Option<String>,
    /// An empty string removes the file.
    pub media_id: Option<String>,
    pub template: Option<TemplateUse>,
    /// Send the template no more (the body and file go instead).
    pub clear_template: Option<bool>,
    /// The next send.
    pub send_at: Option<DateTime<Utc>>,
    pub repeat: Option<Repeat>,
    pub repeat_until: Option<DateTime<Utc>>,
    /// Repeat with no end.
    pub clear_repeat_until: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct ScheduledMessage {
    pub id: String,
    /// Set when it was scheduled on a ticket: it goes on that ticket while it is not closed.
    pub ticket_id: Option<String>,
    pub contact_id: String,
    /// The contact's name when it was scheduled or last edited.
    #[serde(default)]
    pub contact_name: String,
    pub connection_id: String,
    pub body: String,
    pub media_id: Option<String>,
    pub template: Option<TemplateUse>,
    /// The next send (the last one once it is over).
    pub send_at: DateTime<Utc>,
    #[serde(default)]
    pub repeat: Repeat,
    pub repeat_until: Option<DateTime<Utc>>,
    pub status: ScheduleStatus,
    /// How many times it went.
    #[serde(default)]
    pub sent_count: u32,
    /// The last message it sent.
    pub message_id: Option<String>,
    /// Why the last send did not go.
    pub last_error: Option<String>,
    /// Who scheduled it.
    pub user_id: String,
    pub created_at: DateTime<Utc>,
}

/// A page of scheduled messages.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct SchedulePage {
    pub items: Vec<ScheduledMessage>,
    /// Pass as `cursor` for the next page; absent on the last one.
    pub next_cursor: Option<String>,
}

impl Repeat {
    /// The `n`-th send (0 = `first`) of a message repeating this way, at the wall-clock time
    /// of `first` in `tz`, so a daily 09:00 stays at 09:00 across daylight-saving changes and
    /// a monthly one on the 31st goes on the last day of shorter months. `None` for a
    /// one-off's later sends.
    pub fn occurrence(self, first: DateTime<Utc>, n: u32, tz: Tz) -> Option<DateTime<Utc>> {
        if n == 0 {
            return Some(first);
        }
        let local = first.with_timezone(&tz).naive_local();
        let next: NaiveDateTime = match self {
            Repeat::None => return None,
            Repeat::Daily => local.checked_add_signed(Duration::days(i64::from(n)))?,
            Repeat::Weekly => local.checked_add_signed(Duration::weeks(i64::from(n)))?,
            Repeat::Monthly => local.checked_add_months(Months::new(n))?,
        };
        Some(in_zone(next, tz))
    }
}

/// A wall-clock time in `tz` as an instant: the earlier of an ambiguous hour, and the first
/// minute after a skipped one.
fn in_zone(local: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        LocalResult::None => {
            let later = local + Duration::hours(1);
            tz.from_local_datetime(&later)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_else(|| Utc.from_utc_datetime(&local))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_one_off_goes_once() {
        let first = at("2026-03-01T12:00:00Z");
        assert_eq!(Repeat::None.occurrence(first, 0, Tz::UTC), Some(first));
        assert_eq!(Repeat::None.occurrence(first, 1, Tz::UTC), None);
    }

    #[test]
    fn daily_keeps_the_local_hour_across_a_clock_change() {
        // 09:00 in New York the day before the clocks go forward (2026-03-08).
        let tz: Tz = "America/New_York".parse().unwrap();
        let first = at("2026-03-07T14:00:00Z");
        assert_eq!(
            Repeat::Daily.occurrence(first, 1, tz),
            Some(at("2026-03-08T13:00:00Z"))
        );
        assert_eq!(
            Repeat::Weekly.occurrence(first, 1, tz),
            Some(at("2026-03-14T13:00:00Z"))
        );
    }

    #[test]
    fn monthly_on_a_long_day_uses_the_last_day_and_comes_back() {
        let tz: Tz = "America/Sao_Paulo".parse().unwrap();
        // 31 January 2026, 10:00 in São Paulo (UTC-3).
        let first = at("2026-01-31T13:00:00Z");
        assert_eq!(
            Repeat::Monthly.occurrence(first, 1, tz),
            Some(at("2026-02-28T13:00:00Z"))
        );
        assert_eq!(
            Repeat::Monthly.occurrence(first, 2, tz),
            Some(at("2026-03-31T13:00:00Z"))
        );
    }

    #[test]
    fn a_skipped_hour_moves_forward() {
        let tz: Tz = "America/New_York".parse().unwrap();
        // 02:30 does not exist on 2026-03-08 in New York; 03:30 local (07:30 UTC) does.
        let first = at("2026-03-07T07:30:00Z");
        assert_eq!(
            Repeat::Daily.occurrence(first, 1, tz),
            Some(at("2026-03-08T07:30:00Z"))
        );
    }
}
