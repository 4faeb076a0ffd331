//! Per-connection pacing of outgoing messages: a token bucket (bursts of up to ten seconds'
//! worth, at most 20) refilled at the connection's messages-per-minute. A sender reserves its
//! slot: the bucket may go below zero, so every sender learns its own time to go and a backlog
//! leaves in order, one slot after the other, instead of all waiters racing for each new token.
//! The buckets live in the process: with several worker processes each paces on its own.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
pub(crate) struct Pacer {
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Pacer {
    /// Reserve a slot for `key`: how long from `now` until the message may go (zero when a
    /// token was there), with a little jitter on waits so paced messages do not leave as a
    /// machine-gun burst.
    pub(crate) fn reserve(&self, key: &str, per_minute: u32, now: Instant) -> Duration {
        let rate = f64::from(per_minute.max(1)) / 60.0;
        let burst = (rate * 10.0).clamp(1.0, 20.0);
        let mut buckets = self.buckets.lock().expect("pacer poisoned");
        let b = buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        if now > b.at {
            b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * rate).min(burst);
            b.at = now;
        }
        b.tokens -= 1.0;
        if b.tokens >= 0.0 {
            Duration::ZERO
        } else {
            let jitter = Duration::from_millis(u64::from(rand_ms()) % 40);
            Duration::from_secs_f64(-b.tokens / rate) + jitter
        }
    }
}

fn rand_ms() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_gives_each_sender_its_own_slot() {
        let p = Pacer::default();
        let t0 = Instant::now();
        // 60/min: a burst of 10 goes at once ...
        for _ in 0..10 {
            assert_eq!(p.reserve("c", 60, t0), Duration::ZERO);
        }
        // ... then one a second, each waiter a second after the one before.
        let first = p.reserve("c", 60, t0);
        let second = p.reserve("c", 60, t0);
        assert!(first >= Duration::from_secs(1) && first < Duration::from_millis(1040));
        assert!(second >= Duration::from_secs(2) && second < Duration::from_millis(2040));
        // Time passing pays back the debt.
        assert!(p.reserve("c", 60, t0 + Duration::from_secs(3)) < Duration::from_millis(40));
        // Other connections have their own bucket.
        assert_eq!(p.reserve("d", 60, t0), Duration::ZERO);
    }
}
