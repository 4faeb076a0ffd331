//! Five-field cron expressions (`minute hour day-of-month month day-of-week`) and their next
//! occurrence in a time zone. Fields take `*`, numbers, ranges `a-b`, steps `*/n` and
//! `a-b/n`, lists `a,b`, and names (`mon`…`sun`, `jan`…`dec`). As in classic cron, when both
//! day fields are restricted a day matching either one matches.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: u64,
    hours: u32,
    days: u32,
    months: u16,
    weekdays: u8,
    days_any: bool,
    weekdays_any: bool,
}

const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// One of the five fields of a cron expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CronField {
    Minute,
    Hour,
    DayOfMonth,
    Month,
    DayOfWeek,
}

impl CronField {
    /// The field's name, as the editor shows it.
    pub fn name(self) -> &'static str {
        match self {
            CronField::Minute => "minute",
            CronField::Hour => "hour",
            CronField::DayOfMonth => "day of month",
            CronField::Month => "month",
            CronField::DayOfWeek => "day of week",
        }
    }
}

impl std::fmt::Display for CronField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a cron expression does not parse; every variant but `FieldCount` names its field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CronError {
    /// Not exactly five whitespace-separated fields.
    #[error("a cron expression has five fields: minute hour day month weekday")]
    FieldCount { found: usize },
    /// A value that is neither a number nor one of the field's names.
    #[error("'{text}' is not a number")]
    NotANumber { field: CronField, text: String },
    /// A number outside the field's range.
    #[error("{value} is outside {min}-{max}")]
    OutOfRange {
        field: CronField,
        value: u32,
        min: u32,
        max: u32,
    },
    /// What follows `/` is not a number.
    #[error("'{text}' is not a step")]
    NotAStep { field: CronField, text: String },
    /// A step of 0, or larger than the field's maximum.
    #[error("a step is 1 to {max}")]
    StepRange {
        field: CronField,
        step: u32,
        max: u32,
    },
    /// A range `a-b` with `a` after `b`.
    #[error("'{range}' runs backwards")]
    Backwards { field: CronField, range: String },
}

impl CronError {
    /// The field at fault; `None` when the expression does not have five fields.
    pub fn field(&self) -> Option<CronField> {
        match self {
            CronError::FieldCount { .. } => None,
            CronError::NotANumber { field, .. }
            | CronError::OutOfRange { field, .. }
            | CronError::NotAStep { field, .. }
            | CronError::StepRange { field, .. }
            | CronError::Backwards { field, .. } => Some(*field),
        }
    }
}

/// The bits of one field, from `min` to `max` inclusive.
fn field(
    field: CronField,
    text: &str,
    min: u32,
    max: u32,
    names: &[&str],
    name_base: u32,
) -> Result<u64, CronError> {
    let value = |t: &str| -> Result<u32, CronError> {
        let lower = t.to_ascii_lowercase();
        if let Some(i) = names.iter().position(|n| *n == lower) {
            return Ok(i as u32 + name_base);
        }
        let n: u32 = t.parse().map_err(|_| CronError::NotANumber {
            field,
            text: t.to_string(),
        })?;
        if n < min || n > max {
            return Err(CronError::OutOfRange {
                field,
                value: n,
                min,
                max,
            });
        }
        Ok(n)
    };
    let mut bits = 0u64;
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => {
                let s: u32 = s.parse().map_err(|_| CronError::NotAStep {
                    field,
                    text: s.to_string(),
                })?;
                if s == 0 || s > max {
                    return Err(CronError::StepRange {
                        field,
                        step: s,
                        max,
                    });
                }
                (r, s)
            }
            None => (part, 1),
        };
        let (from, to) = match range {
            "*" => (min, max),
            r => match r.split_once('-') {
                Some((a, b)) => (value(a)?, value(b)?),
                None if step > 1 => (value(r)?, max),
                None => {
                    let v = value(r)?;
                    (v, v)
                }
            },
        };
        if from > to {
            return Err(CronError::Backwards {
                field,
                range: range.to_string(),
            });
        }
        let mut v = from;
        while v <= to {
            bits |= 1 << v;
            v += step;
        }
    }
    Ok(bits)
}

impl Cron {
    /// Read a five-field expression.
    pub fn parse(text: &str) -> Result<Cron, CronError> {
        let parts: Vec<&str> = text.split_whitespace().collect();
        let [m, h, dom, mon, dow] = parts.as_slice() else {
            return Err(CronError::FieldCount { found: parts.len() });
        };
        let mut weekdays = field(CronField::DayOfWeek, dow, 0, 7, &DAYS, 0)?;
        if weekdays & (1 << 7) != 0 {
            weekdays |= 1;
        }
        Ok(Cron {
            minutes: field(CronField::Minute, m, 0, 59, &[], 0)?,
            hours: field(CronField::Hour, h, 0, 23, &[], 0)? as u32,
            days: field(CronField::DayOfMonth, dom, 1, 31, &[], 0)? as u32,
            months: field(CronField::Month, mon, 1, 12, &MONTHS, 1)? as u16,
            weekdays: (weekdays & 0x7f) as u8,
            days_any: *dom == "*",
            weekdays_any: *dow == "*",
        })
    }

    fn day_matches(&self, d: NaiveDate) -> bool {
        if self.months & (1 << d.month()) == 0 {
            return false;
        }
        let by_day = self.days & (1 << d.day()) != 0;
        let by_weekday = self.weekdays & (1 << d.weekday().num_days_from_sunday()) != 0;
        match (self.days_any, self.weekdays_any) {
            (true, true) => true,
            (false, true) => by_day,
            (true, false) => by_weekday,
            (false, false) => by_day || by_weekday,
        }
    }

    /// The first time after `after` (strictly) that matches, read in `tz`; `None` if there
    /// is none within five years (e.g. `0 0 31 2 *`). Local times a daylight-saving change
    /// skips are skipped; repeated ones fire once.
    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let local = after.with_timezone(&tz).naive_local();
        let mut t: NaiveDateTime = local.with_second(0)?.with_nanosecond(0)? + Duration::minutes(1);
        let limit = local + Duration::days(5 * 366);
        while t < limit {
            if !self.day_matches(t.date()) {
                t = t.date().succ_opt()?.and_hms_opt(0, 0, 0)?;
                continue;
            }
            if self.hours & (1 << t.hour()) == 0 {
                t = t.with_minute(0)? + Duration::hours(1);
                continue;
            }
            if self.minutes & (1 << t.minute()) == 0 {
                t += Duration::minutes(1);
                continue;
            }
            match tz.from_local_datetime(&t).earliest() {
                Some(at) if at.with_timezone(&Utc) > after => return Some(at.with_timezone(&Utc)),
                _ => t += Duration::minutes(1),
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn next_occurrences_in_a_zone() {
        let sp: Tz = "America/Sao_Paulo".parse().unwrap();
        // Weekdays at 09:30 in São Paulo (UTC-3). Saturday 2026-11-28 → Monday 30th.
        let c = Cron::parse("30 9 * * mon-fri").unwrap();
        assert_eq!(
            c.next_after(utc("2026-11-28T15:00:00Z"), sp),
            Some(utc("2026-11-30T12:30:00Z"))
        );
        // Strictly after: at the exact time, the next day.
        assert_eq!(
            c.next_after(utc("2026-11-30T12:30:00Z"), sp),
            Some(utc("2026-12-01T12:30:00Z"))
        );
        // Every 15 minutes.
        let q = Cron::parse("*/15 * * * *").unwrap();
        assert_eq!(
            q.next_after(utc("2026-11-28T10:07:10Z"), Tz::UTC),
            Some(utc("2026-11-28T10:15:00Z"))
        );
        // Day of month or weekday: the 1st, or any Sunday.
        let either = Cron::parse("0 8 1 * sun").unwrap();
        assert_eq!(
            either.next_after(utc("2026-11-28T00:00:00Z"), Tz::UTC),
            Some(utc("2026-11-29T08:00:00Z"))
        );
        assert_eq!(
            either.next_after(utc("2026-11-29T09:00:00Z"), Tz::UTC),
            Some(utc("2026-12-01T08:00:00Z"))
        );
        // Never.
        assert_eq!(
            Cron::parse("0 0 31 2 *")
                .unwrap()
                .next_after(utc("2026-01-01T00:00:00Z"), Tz::UTC),
            None
        );
    }

    #[test]
    fn bad_expressions_say_why() {
        for (text, why) in [
            ("* * * *", "five fields"),
            ("60 * * * *", "outside"),
            ("*/0 * * * *", "step"),
            ("5-1 * * * *", "backwards"),
            ("* * * * funday", "not a number"),
        ] {
            let e = Cron::parse(text).unwrap_err().to_string();
            assert!(e.contains(why), "{text}: {e}");
        }
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(
            Cron::parse("* * * *"),
            Err(CronError::FieldCount { found: 4 })
        );
        assert_eq!(
            Cron::parse("0 24 * * *"),
            Err(CronError::OutOfRange {
                field: CronField::Hour,
                value: 24,
                min: 0,
                max: 23
            })
        );
        let e = Cron::parse("0 9 * * funday").unwrap_err();
        assert_eq!(e.field(), Some(CronField::DayOfWeek));
        assert_eq!(e.to_string(), "'funday' is not a number");
        let e = Cron::parse("0 9 1-31/x * *").unwrap_err();
        assert_eq!(
            e,
            CronError::NotAStep {
                field: CronField::DayOfMonth,
                text: "x".into()
            }
        );
        assert!(matches!(
            Cron::parse("0 9 * 0/13 *"),
            Err(CronError::StepRange {
                field: CronField::Month,
                step: 13,
                max: 12
            })
        ));
        assert!(matches!(
            Cron::parse("30-10 * * * *"),
            Err(CronError::Backwards {
                field: CronField::Minute,
                ..
            })
        ));
    }
}
