//! Sign-in attempt limits: a sliding window of recent attempts per key (an account's email,
//! a client IP). In memory, per process; a multi-node install divides the budget per node.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most `max` events per `window` for each key.
#[derive(Debug)]
pub struct RateLimiter {
    max: usize,
    window: Duration,
    events: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl RateLimiter {
    pub fn new(max: usize, window: Duration) -> Self {
        Self {
            max,
            window,
            events: Mutex::new(HashMap::new()),
        }
    }

    /// True when `key` has used its budget in the current window.
    pub fn is_limited(&self, key: &str) -> bool {
        let now = Instant::now();
        let mut events = self.events.lock().expect("limiter poisoned");
        match events.get_mut(key) {
            Some(q) => {
                while q
                    .front()
                    .is_some_and(|t| now.duration_since(*t) > self.window)
                {
                    q.pop_front();
                }
                q.len() >= self.max
            }
            None => false,
        }
    }

    /// How long until `key` has room again (zero when it has now).
    pub fn retry_in(&self, key: &str) -> Duration {
        let now = Instant::now();
        let events = self.events.lock().expect("limiter poisoned");
        match events.get(key) {
            Some(q) if q.len() >= self.max => q
                .iter()
                .rev()
                .nth(self.max - 1)
                .map(|t| self.window.saturating_sub(now.duration_since(*t)))
                .unwrap_or_default(),
            _ => Duration::ZERO,
        }
    }

    /// Count one event for `key`.
    pub fn record(&self, key: &str) {
        let now = Instant::now();
        let mut events = self.events.lock().expect("limiter poisoned");
        if events.len() > 100_000 {
            // Bound memory under a spray of distinct keys: drop keys whose window has passed.
            events.retain(|_, q| {
                q.back()
                    .is_some_and(|t| now.duration_since(*t) <= self.window)
            });
        }
        events.entry(key.to_string()).or_default().push_back(now);
    }

    /// Count one event for `key` unless it already had `max` in the window; false when it
    /// had (the event is refused and not counted).
    pub fn take(&self, key: &str, max: usize) -> bool {
        let now = Instant::now();
        let mut events = self.events.lock().expect("limiter poisoned");
        let q = events.entry(key.to_string()).or_default();
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t) > self.window)
        {
            q.pop_front();
        }
        if q.len() >= max {
            return false;
        }
        q.push_back(now);
        true
    }

    /// Forget `key` (after a successful sign-in).
    pub fn clear(&self, key: &str) {
        self.events.lock().expect("limiter poisoned").remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_within_window() {
        let l = RateLimiter::new(2, Duration::from_secs(60));
        assert!(!l.is_limited("a"));
        l.record("a");
        l.record("a");
        assert!(l.is_limited("a"));
        assert!(!l.is_limited("b"));
        l.clear("a");
        assert!(!l.is_limited("a"));
    }

    #[test]
    fn window_slides() {
        let l = RateLimiter::new(1, Duration::from_millis(20));
        l.record("a");
        assert!(l.is_limited("a"));
        std::thread::sleep(Duration::from_millis(30));
        assert!(!l.is_limited("a"));
    }

    #[test]
    fn a_limited_key_says_when_it_has_room_again() {
        let l = RateLimiter::new(2, Duration::from_secs(60));
        assert_eq!(l.retry_in("a"), Duration::ZERO);
        l.record("a");
        assert_eq!(l.retry_in("a"), Duration::ZERO);
        l.record("a");
        let wait = l.retry_in("a");
        assert!(
            wait > Duration::from_secs(59) && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
    }
}
