//! The supervisor's dashboard: ticket counts by status and queue, messages per day, response
//! and resolution times, and what each agent is doing, over a window of recent days.

#[cfg(feature = "openapi")]
use poem_openapi::Object;
use serde::{Deserialize, Serialize};

/// Tickets in each status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct StatusCounts {
    pub pending: u64,
    pub open: u64,
    pub closed: u64,
}

impl StatusCounts {
    /// Count `n` more tickets of `status` (`pending`, `open` or `closed`; others are ignored).
    pub fn add(&mut self, status: &str, n: u64) {
        match status {
            "pending" => self.pending += n,
            "open" => self.open += n,
            "closed" => self.closed += n,
            _ => {}
        }
    }
}

/// Tickets of one queue by status; `queue_id` is absent for tickets in no queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct QueueCounts {
    pub queue_id: Option<String>,
    pub queue_name: String,
    pub pending: u64,
    pub open: u64,
    pub closed: u64,
}

/// Messages of one day (UTC), by direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct DayCount {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub inbound: u64,
    pub outbound: u64,
}

/// Customers' ratings (1 to 5) of tickets rated in the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct Csat {
    pub ratings: u64,
    pub average: f64,
    /// Percent of ratings of 4 or 5 (customer satisfaction, CSAT).
    pub satisfied_percent: f64,
}

impl Csat {
    /// The figures of `scores`; `None` when there are none.
    pub fn of(scores: &[u8]) -> Option<Csat> {
        if scores.is_empty() {
            return None;
        }
        let n = scores.len() as f64;
        let sum: f64 = scores.iter().map(|s| f64::from(*s)).sum();
        let satisfied = scores.iter().filter(|s| **s >= 4).count() as f64;
        Some(Csat {
            ratings: scores.len() as u64,
            average: (sum / n * 100.0).round() / 100.0,
            satisfied_percent: (satisfied / n * 1000.0).round() / 10.0,
        })
    }
}

/// The ratings of one queue's tickets; `queue_id` is absent for tickets in no queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct QueueCsat {
    pub queue_id: Option<String>,
    pub queue_name: String,
    pub csat: Csat,
}

/// One agent's activity in the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct AgentActivity {
    pub user_id: String,
    pub name: String,
    pub online: bool,
    /// Tickets assigned to the agent and open now.
    pub open_tickets: u64,
    /// Tickets the agent held that were closed in the window.
    pub closed_in_period: u64,
    /// Messages the agent sent in the window.
    pub messages_sent: u64,
    /// Ratings of the agent's tickets rated in the window.
    pub csat: Option<Csat>,
}

/// The dashboard over the last `days` days. Counts by status and queue are of every ticket
/// now; the rest covers the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct Dashboard {
    pub days: u32,
    pub tickets_by_status: StatusCounts,
    pub tickets_by_queue: Vec<QueueCounts>,
    /// Every day of the window, oldest first, zeros included.
    pub messages_per_day: Vec<DayCount>,
    /// Mean time from a ticket's creation to the first message an agent sent on it, for
    /// tickets created in the window that have one.
    pub avg_first_response_secs: Option<f64>,
    /// Mean time from creation to closing, for tickets closed in the window.
    pub avg_resolution_secs: Option<f64>,
    pub agents: Vec<AgentActivity>,
    /// Every rating of the window (the company's `rating_on_close`).
    pub csat: Option<Csat>,
    pub csat_by_queue: Vec<QueueCsat>,
}

/// A colleague as every user of the company may see them: enough to transfer a ticket to
/// them and to see who is online.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct Colleague {
    pub id: String,
    pub name: String,
    pub role: crate::user::Role,
    pub online: bool,
    /// Tickets assigned to them and open now.
    pub open_tickets: u64,
}
