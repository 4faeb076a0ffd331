//! Business hours: opening intervals per weekday in a time zone, and holidays (closed all
//! day). A schedule with no intervals at all means no hours were set up: open, except on
//! its holidays.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A weekly schedule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// IANA time zone, e.g. `America/Sao_Paulo`; the tenant's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Opening intervals by weekday (`mon` … `sun`), each `"HH:MM-HH:MM"` (end up to
    /// `24:00`, after the start). A day not listed is closed.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub week: BTreeMap<String, Vec<String>>,
    /// Dates (`YYYY-MM-DD`, local) closed all day.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", oai(default, skip_serializing_if_is_empty))]
    pub holidays: Vec<NaiveDate>,
}

/// Minutes since local midnight of an interval's ends.
fn interval(text: &str) -> Result<(u32, u32), String> {
    let bad = || format!("'{text}' is not an interval like 09:00-18:00");
    let (a, b) = text.split_once('-').ok_or_else(bad)?;
    let minutes = |t: &str| -> Result<u32, String> {
        let t = t.trim();
        if t == "24:00" {
            return Ok(24 * 60);
        }
        let time = NaiveTime::parse_from_str(t, "%H:%M").map_err(|_| bad())?;
        Ok(time.hour() * 60 + time.minute())
    };
    let (from, to) = (minutes(a)?, minutes(b)?);
    if to <= from {
        return Err(format!(
            "'{text}' ends before it starts (split a night across two days)"
        ));
    }
    Ok((from, to))
}

impl Schedule {
    /// Every problem of the schedule, as text.
    pub fn check(&self) -> Result<(), String> {
        if let Some(tz) = &self.timezone {
            tz.parse::<Tz>()
                .map_err(|_| format!("unknown time zone '{tz}'"))?;
        }
        for (day, intervals) in &self.week {
            if !WEEKDAYS.contains(&day.as_str()) {
                return Err(format!("'{day}' is not one of {}", WEEKDAYS.join(", ")));
            }
            if intervals.len() > 12 {
                return Err(format!("{day}: at most 12 intervals"));
            }
            for i in intervals {
                interval(i).map_err(|e| format!("{day}: {e}"))?;
            }
        }
        if self.holidays.len() > 366 {
            return Err("at most 366 holidays".into());
        }
        Ok(())
    }

    /// Whether no opening hours were set up (then it is open except on holidays).
    pub fn is_unset(&self) -> bool {
        self.week.values().all(Vec::is_empty)
    }

    /// Neither hours nor holidays: nothing to keep.
    pub fn is_empty(&self) -> bool {
        self.is_unset() && self.holidays.is_empty()
    }

    /// Open at `at`? Times are read in the schedule's zone, else `default_tz`, else UTC.
    pub fn is_open(&self, at: DateTime<Utc>, default_tz: &str) -> bool {
        let tz: Tz = self
            .timezone
            .as_deref()
            .unwrap_or(default_tz)
            .parse()
            .unwrap_or(Tz::UTC);
        let local = at.with_timezone(&tz);
        if self.holidays.contains(&local.date_naive()) {
            return false;
        }
        if self.is_unset() {
            return true;
        }
        let day = WEEKDAYS[local.weekday().num_days_from_monday() as usize];
        let now = local.hour() * 60 + local.minute();
        self.week.get(day).is_some_and(|intervals| {
            intervals
                .iter()
                .filter_map(|i| interval(i).ok())
                .any(|(from, to)| from <= now && now < to)
        })
    }
}

impl Schedule {
    /// When it next opens after `at` (closed at `at`), to the minute, looking up to 15 days
    /// ahead; `None` when it does not open in that time (every day closed, or holidays).
    /// A closed stretch is named by the opening that ends it.
    pub fn opens_after(&self, at: DateTime<Utc>, default_tz: &str) -> Option<DateTime<Utc>> {
        let start = at.with_second(0)?.with_nanosecond(0)?;
        // Opening intervals start on whole minutes: step a quarter of an hour, then find
        // the minute.
        let quarter = chrono::Duration::minutes(15);
        let mut t = start;
        for _ in 0..(15 * 24 * 4) {
            let next = t + quarter;
            if self.is_open(next, default_tz) {
                let mut m = t + chrono::Duration::minutes(1);
                while !self.is_open(m, default_tz) {
                    m += chrono::Duration::minutes(1);
                }
                return Some(m);
            }
            t = next;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_stretch_ends_at_the_next_opening() {
        let s: Schedule = serde_json::from_value(serde_json::json!({
            "timezone": "America/Sao_Paulo",
            "week": { "mon": ["09:00-12:00", "13:30-18:00"], "tue": ["09:00-18:00"] },
        }))
        .unwrap();
        // Monday 12:10 local (15:10 UTC): opens again at 13:30 local.
        assert_eq!(
            s.opens_after(at("2026-11-30T15:10:00Z"), "UTC"),
            Some(at("2026-11-30T16:30:00Z"))
        );
        // Monday 19:00 and 23:59 local: both in the stretch ending Tuesday 09:00.
        let night = Some(at("2026-12-01T12:00:00Z"));
        assert_eq!(s.opens_after(at("2026-11-30T22:00:00Z"), "UTC"), night);
        assert_eq!(s.opens_after(at("2026-12-01T02:59:00Z"), "UTC"), night);
        // Never open: no next opening.
        let shut = Schedule {
            holidays: (0..20)
                .map(|d| NaiveDate::from_ymd_opt(2026, 12, 1).unwrap() + chrono::Days::new(d))
                .collect(),
            ..Default::default()
        };
        assert_eq!(shut.opens_after(at("2026-12-01T12:00:00Z"), "UTC"), None);
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn open_and_closed_in_the_local_zone() {
        let s: Schedule = serde_json::from_value(serde_json::json!({
            "timezone": "America/Sao_Paulo",
            "week": { "mon": ["09:00-12:00", "13:00-18:00"], "sat": ["09:00-13:00"] },
            "holidays": ["2026-12-25"]
        }))
        .unwrap();
        s.check().unwrap();
        // Monday 2026-11-30 10:00 in São Paulo is 13:00 UTC.
        assert!(s.is_open(at("2026-11-30T13:00:00Z"), "UTC"));
        // Lunch, and after hours.
        assert!(!s.is_open(at("2026-11-30T15:30:00Z"), "UTC"));
        assert!(!s.is_open(at("2026-11-30T21:00:00Z"), "UTC"));
        // Tuesday is not listed; a holiday closes a Friday.
        assert!(!s.is_open(at("2026-12-01T13:00:00Z"), "UTC"));
        assert!(!s.is_open(at("2026-12-25T13:00:00Z"), "UTC"));
        assert!(s.is_open(at("2026-11-28T12:00:00Z"), "UTC"));
        // No hours set up: open, except on its holidays.
        assert!(Schedule::default().is_open(at("2026-12-25T03:00:00Z"), "UTC"));
        let holidays_only = Schedule {
            holidays: vec![NaiveDate::from_ymd_opt(2026, 12, 25).unwrap()],
            ..Schedule::default()
        };
        assert!(!holidays_only.is_open(at("2026-12-25T03:00:00Z"), "UTC"));
        assert!(holidays_only.is_open(at("2026-12-26T03:00:00Z"), "UTC"));
    }

    #[test]
    fn bad_schedules_say_why() {
        let bad = |v: serde_json::Value| {
            serde_json::from_value::<Schedule>(v)
                .map_err(|e| e.to_string())
                .and_then(|s| s.check())
                .unwrap_err()
        };
        assert!(bad(serde_json::json!({ "timezone": "Mars/Olympus" })).contains("time zone"));
        assert!(bad(serde_json::json!({ "week": { "monday": [] } })).contains("not one of"));
        assert!(
            bad(serde_json::json!({ "week": { "mon": ["18:00-09:00"] } })).contains("ends before")
        );
        assert!(bad(serde_json::json!({ "week": { "mon": ["9-5"] } })).contains("interval"));
        assert!(bad(serde_json::json!({ "holidays": ["25/12"] })).contains("input"));
    }
}
