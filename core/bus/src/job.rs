//! What travels on the bus: a job's description, the delivery a consumer gets, lanes, and the
//! retry policy.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Work is split in lanes, each its own queue with its own workers, so a flood in one lane
/// (a campaign sending 100k messages) cannot starve another (an agent's reply).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lane {
    /// Flow steps and resumptions.
    Flow,
    /// Outgoing messages of the inbox and of flows.
    Messages,
    /// Campaign sends.
    Campaigns,
    /// Outgoing webhooks and HTTP deliveries.
    Webhooks,
    /// Platform housekeeping.
    System,
}

impl Lane {
    pub const ALL: [Lane; 5] = [
        Lane::Flow,
        Lane::Messages,
        Lane::Campaigns,
        Lane::Webhooks,
        Lane::System,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Lane::Flow => "flow",
            Lane::Messages => "messages",
            Lane::Campaigns => "campaigns",
            Lane::Webhooks => "webhooks",
            Lane::System => "system",
        }
    }

    pub fn parse(name: &str) -> Option<Lane> {
        Lane::ALL.into_iter().find(|l| l.as_str() == name)
    }
}

/// A job to publish.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewJob {
    pub lane: Lane,
    /// Which handler runs it, e.g. `http.deliver`.
    pub kind: String,
    /// The tenant it works for; `None` for platform work.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    pub payload: Value,
    /// Idempotency key of the job's side effect; the job id when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Deliveries before the job is dead-lettered; the bus default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
}

impl NewJob {
    pub fn new(lane: Lane, kind: impl Into<String>, payload: Value) -> Self {
        NewJob {
            lane,
            kind: kind.into(),
            tenant: None,
            payload,
            key: None,
            max_attempts: None,
        }
    }

    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = Some(n.max(1));
        self
    }
}

/// What the backends store and carry: the job as published, plus its id and publish time.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Envelope {
    pub id: String,
    pub published_at_ms: i64,
    pub attempts_allowed: u32,
    #[serde(flatten)]
    pub job: NewJob,
}

/// A job as a handler sees it.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: String,
    pub lane: Lane,
    pub kind: String,
    pub tenant: Option<String>,
    pub payload: Value,
    /// This delivery's number, from 1.
    pub attempt: u32,
    pub max_attempts: u32,
    pub published_at_ms: i64,
    /// Why the previous delivery failed, when it did.
    pub last_error: Option<String>,
    key: Option<String>,
}

impl Job {
    pub(crate) fn from_envelope(env: Envelope, attempt: u32, last_error: Option<String>) -> Job {
        Job {
            id: env.id,
            lane: env.job.lane,
            kind: env.job.kind,
            tenant: env.job.tenant,
            payload: env.job.payload,
            attempt,
            max_attempts: env.attempts_allowed,
            published_at_ms: env.published_at_ms,
            last_error,
            key: env.job.key,
        }
    }

    /// The idempotency key for this job's side effect: stable across redeliveries.
    pub fn idempotency_key(&self) -> &str {
        self.key.as_deref().unwrap_or(&self.id)
    }

    /// The job as it was published, for a replay.
    pub fn to_new_job(&self) -> NewJob {
        NewJob {
            lane: self.lane,
            kind: self.kind.clone(),
            tenant: self.tenant.clone(),
            payload: self.payload.clone(),
            key: self.key.clone(),
            max_attempts: Some(self.max_attempts),
        }
    }

    /// True when a failure of this delivery would exhaust the attempts.
    pub fn is_last_attempt(&self) -> bool {
        self.attempt >= self.max_attempts
    }
}

/// Exponential backoff with jitter: attempt `n` waits a random time between half and all of
/// `base · 2^(n-1)`, capped at `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_secs(1),
            max: Duration::from_secs(300),
        }
    }
}

impl Backoff {
    /// The longest wait after delivery `attempt` failed.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 1u32 << attempt.saturating_sub(1).min(20);
        self.base.saturating_mul(factor).min(self.max)
    }

    /// The wait after delivery `attempt` failed, jittered.
    pub fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self.ceiling(attempt);
        let half = ceiling / 2;
        let spread = (ceiling - half).as_millis() as u64;
        half + Duration::from_millis(rand::thread_rng().gen_range(0..=spread))
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        let b = Backoff {
            base: Duration::from_millis(100),
            max: Duration::from_secs(1),
        };
        assert_eq!(b.ceiling(1), Duration::from_millis(100));
        assert_eq!(b.ceiling(3), Duration::from_millis(400));
        assert_eq!(b.ceiling(10), Duration::from_secs(1));
        assert_eq!(b.ceiling(u32::MAX), Duration::from_secs(1));
        for attempt in 1..8 {
            let d = b.delay(attempt);
            assert!(d >= b.ceiling(attempt) / 2 && d <= b.ceiling(attempt));
        }
    }

    #[test]
    fn lanes_round_trip_their_names() {
        for lane in Lane::ALL {
            assert_eq!(Lane::parse(lane.as_str()), Some(lane));
        }
        assert_eq!(Lane::parse("nope"), None);
    }
}
