//! Per-connection pacing of outgoing messages: a token bucket (bursts of up to ten seconds'
//! worth, at most 20) refilled at the connection's messages-per-minute, with a little jitter
//! when a sender has to wait, so a burst never leaves as a machine-gun of messages.

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
    /// Take a token for `key`, first sleeping until one is there.
    pub(crate) async fn take(&self, key: &str, per_minute: u32) {
        loop {
            let wait = self.try_take(key, per_minute, Instant::now());
            match wait {
                None => return,
                Some(d) => {
                    let jitter = Duration::from_millis(u64::from(rand_ms()) % 40);
                    tokio::time::sleep(d + jitter).await;
                }
            }
        }
    }

    /// `None` when a token was taken, else how long until there is one.
    fn try_take(&self, key: &str, per_minute: u32, now: Instant) -> Option<Duration> {
        let rate = f64::from(per_minute.max(1)) / 60.0;
        let burst = (rate * 10.0).clamp(1.0, 20.0);
        let mut buckets = self.buckets.lock().expect("pacer poisoned");
        let b = buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * rate).min(burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            None
        } else {
            Some(Duration::from_secs_f64((1.0 - b.tokens) / rate))
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
    fn bursts_then_paces() {
        let p = Pacer::default();
        let t0 = Instant::now();
        // 60/min: a burst of 10, then one a second.
        for _ in 0..10 {
            assert!(p.try_take("c", 60, t0).is_none());
        }
        let wait = p.try_take("c", 60, t0).expect("must wait");
        assert!(wait > Duration::from_millis(900) && wait <= Duration::from_secs(1));
        assert!(p.try_take("c", 60, t0 + Duration::from_secs(1)).is_none());
        // Other connections have their own bucket.
        assert!(p.try_take("d", 60, t0).is_none());
    }
}
