//! The pace of one number of a campaign, kept in the store so it survives restarts: the
//! earliest time its next message may go (`next_at`, ms). Each message moves it on by the
//! interval the rate gives; a number that was idle (paused, outside the window) starts again
//! from now with at most a few seconds of credit, never with a burst of the messages it did
//! not send meanwhile.

/// The credit a number keeps when its turns come late: a turn every second keeps the rate
/// exactly as long as turns are never this late.
const CREDIT_MS: f64 = 3_000.0;

/// How many messages may go at `now_ms`, and from where the pace counts them.
pub(crate) fn due(next_at: i64, now_ms: i64, per_minute: u32, max: usize) -> (usize, i64) {
    let interval = interval_ms(per_minute);
    // An idle number starts from now, with a little credit.
    let base = (next_at as f64).max(now_ms as f64 - interval.max(CREDIT_MS));
    if base > now_ms as f64 {
        return (0, next_at);
    }
    let n = ((now_ms as f64 - base) / interval).floor() as usize + 1;
    (n.min(max), base.round() as i64)
}

pub(crate) fn interval_ms(per_minute: u32) -> f64 {
    60_000.0 / f64::from(per_minute.max(1))
}

/// How late after its slot a recipient's message goes: up to a third of the interval (at
/// most two seconds), different for each recipient, so a number never writes on an exact
/// beat; the rate stays the one set, since slots never move.
pub(crate) fn jitter(seq: u64, interval_ms: f64) -> f64 {
    // A well-mixed hash of the place (splitmix64), read as a fraction.
    let mut z = seq.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    let fraction = (z >> 11) as f64 / (1u64 << 53) as f64;
    fraction * (interval_ms / 3.0).min(2_000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `base` moved on by `sent` messages.
    fn after(base: i64, sent: usize, per_minute: u32) -> i64 {
        (base as f64 + sent as f64 * interval_ms(per_minute)).round() as i64
    }

    /// Turns every `step` ms for `secs` seconds: how many went, and how many a perfect pace
    /// would have sent by the last turn.
    fn run(per_minute: u32, step: i64, secs: i64) -> (usize, usize) {
        let mut next = 0;
        let mut sent = 0;
        let mut now = 0;
        let mut last = 0;
        while now < secs * 1000 {
            let (n, base) = due(next, now, per_minute, 1000);
            sent += n;
            next = after(base, n, per_minute);
            last = now;
            now += step;
        }
        let ideal = (last as f64 / interval_ms(per_minute)).floor() as usize + 1;
        (sent, ideal)
    }

    #[test]
    fn the_rate_set_is_the_rate_kept_whatever_the_turns() {
        for step in [100, 250, 1000, 1700, 2900] {
            // 600 a minute and 7 a minute for ten minutes: what a perfect pace sends by the
            // last turn, to the message.
            for per_minute in [600, 7] {
                let (sent, ideal) = run(per_minute, step, 600);
                assert!(
                    sent.abs_diff(ideal) <= 1,
                    "{per_minute}/min, step {step}: {sent} of {ideal}"
                );
            }
        }
    }

    #[test]
    fn jitter_stays_inside_a_third_of_the_interval_and_varies() {
        let values: Vec<f64> = (0..1000).map(|s| jitter(s, 100.0)).collect();
        assert!(values.iter().all(|j| (0.0..100.0 / 3.0).contains(j)));
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        assert!((mean - 100.0 / 6.0).abs() < 2.0, "mean {mean}");
        assert!(jitter(1, 600_000.0) < 2_000.0);
    }

    #[test]
    fn an_idle_number_does_not_burst() {
        let (n, base) = due(0, 3_600_000, 60, 1000);
        assert_eq!(n, 4, "three seconds of credit and the message due now");
        assert_eq!(after(base, n, 60), 3_601_000);
    }
}
