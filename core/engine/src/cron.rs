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

/// The bits of one field, from `min` to `max` inclusive.
fn field(text: &str, min: u32, max: u32, names: &[&str], name_base: u32) -> Result<u64, String> {
    let value = |t: &str| -> Result<u32, String> {
        let lower = t.to_ascii_lowercase();
        if let Some(i) = names.iter().position(|n| *n == lower) {
            return Ok(i as u32 + name_base);
        }
        let n: u32 = t.parse().map_err(|_| format!("'{t}' is not a number"))?;
        if n < min || n > max {
            return Err(format!("{n} is outside {min}-{max}"));
        }
        Ok(n)
    };
    let mut bits = 0u64;
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => {
                let s: u32 = s.parse().map_err(|_| format!("'{s}' is not a step"))?;
                if s == 0 || s > max {
                    return Err(format!("a step is 1 to {max}"));
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
            return Err(format!("'{range}' runs backwards"));
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
    pub fn parse(text: &str) -> Result<Cron, String> {
        let parts: Vec<&str> = text.split_whitespace().collect();
        let [m, h, dom, mon, dow] = parts.as_slice() else {
            return Err("a cron expression has five fields: minute hour day month weekday".into());
        };
        let mut weekdays = field(dow, 0, 7, &DAYS, 0)?;
        if weekdays & (1 << 7) != 0 {
            weekdays |= 1;
        }
        Ok(Cron {
            minutes: field(m, 0, 59, &[], 0)?,
            hours: field(h, 0, 23, &[], 0)? as u32,
            days: field(dom, 1, 31, &[], 0)? as u32,
            months: field(mon, 1, 12, &MONTHS, 1)? as u16,
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
            let e = Cron::parse(text).unwrap_err();
            assert!(e.contains(why), "{text}: {e}");
        }
    }
}
