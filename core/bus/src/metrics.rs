//! Job metrics per lane — published, started, completed, retried, dead-lettered, in flight,
//! and latency histograms — rendered in the Prometheus text format.

use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use tucan_store::LaneCounts;

use crate::job::Lane;

/// Upper bounds of the latency buckets, in seconds.
const BOUNDS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 60.0,
];

/// A fixed-bucket histogram of durations.
#[derive(Debug, Default)]
pub struct Histogram {
    buckets: [AtomicU64; BOUNDS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        if let Some(i) = BOUNDS.iter().position(|b| secs <= *b) {
            self.buckets[i].fetch_add(1, Relaxed);
        }
        self.count.fetch_add(1, Relaxed);
        self.sum_micros.fetch_add(d.as_micros() as u64, Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.count.load(Relaxed)
    }

    fn render(&self, out: &mut String, name: &str, lane: &str) {
        let mut cumulative = 0;
        for (bound, bucket) in BOUNDS.iter().zip(&self.buckets) {
            cumulative += bucket.load(Relaxed);
            let _ = writeln!(
                out,
                "{name}_bucket{{lane=\"{lane}\",le=\"{bound}\"}} {cumulative}"
            );
        }
        let count = self.count();
        let _ = writeln!(out, "{name}_bucket{{lane=\"{lane}\",le=\"+Inf\"}} {count}");
        let sum = self.sum_micros.load(Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum{{lane=\"{lane}\"}} {sum}");
        let _ = writeln!(out, "{name}_count{{lane=\"{lane}\"}} {count}");
    }
}

/// A counter's name, help text and how to read it from a lane.
type Counter = (&'static str, &'static str, fn(&LaneMetrics) -> u64);

/// Counters of one lane.
#[derive(Debug, Default)]
pub struct LaneMetrics {
    pub published: AtomicU64,
    pub started: AtomicU64,
    pub completed: AtomicU64,
    pub retried: AtomicU64,
    pub dead_lettered: AtomicU64,
    pub lease_lost: AtomicU64,
    pub in_flight: AtomicI64,
    /// From publish to the handler starting.
    pub wait: Histogram,
    /// Handler run time.
    pub run: Histogram,
}

/// Metrics of every lane.
#[derive(Debug, Default)]
pub struct BusMetrics {
    lanes: [LaneMetrics; Lane::ALL.len()],
}

impl BusMetrics {
    pub fn lane(&self, lane: Lane) -> &LaneMetrics {
        let i = Lane::ALL.iter().position(|l| *l == lane).unwrap_or(0);
        &self.lanes[i]
    }

    /// The Prometheus exposition: counters here plus the queue depths and dead-letter count
    /// read from the backend by the caller.
    pub fn render(&self, depths: &[(Lane, LaneCounts)], dead_letters: u64) -> String {
        let mut out = String::new();
        let counters: [Counter; 6] = [
            ("tucan_jobs_published_total", "Jobs published.", |m| {
                m.published.load(Relaxed)
            }),
            (
                "tucan_jobs_started_total",
                "Deliveries handed to a handler.",
                |m| m.started.load(Relaxed),
            ),
            ("tucan_jobs_completed_total", "Jobs acknowledged.", |m| {
                m.completed.load(Relaxed)
            }),
            (
                "tucan_jobs_retried_total",
                "Deliveries that failed and were scheduled again.",
                |m| m.retried.load(Relaxed),
            ),
            (
                "tucan_jobs_dead_lettered_total",
                "Jobs moved to the dead letters.",
                |m| m.dead_lettered.load(Relaxed),
            ),
            (
                "tucan_jobs_lease_lost_total",
                "Deliveries settled after their lease expired.",
                |m| m.lease_lost.load(Relaxed),
            ),
        ];
        for (name, help, get) in counters {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            for lane in Lane::ALL {
                let _ = writeln!(
                    out,
                    "{name}{{lane=\"{}\"}} {}",
                    lane.as_str(),
                    get(self.lane(lane))
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP tucan_jobs_in_flight Deliveries being handled now.\n# TYPE tucan_jobs_in_flight gauge"
        );
        for lane in Lane::ALL {
            let n = self.lane(lane).in_flight.load(Relaxed);
            let _ = writeln!(
                out,
                "tucan_jobs_in_flight{{lane=\"{}\"}} {n}",
                lane.as_str()
            );
        }
        let _ = writeln!(
            out,
            "# HELP tucan_queue_depth Jobs in the queue by state.\n# TYPE tucan_queue_depth gauge"
        );
        for (lane, c) in depths {
            for (state, n) in [
                ("ready", c.ready),
                ("delayed", c.delayed),
                ("leased", c.leased),
            ] {
                let _ = writeln!(
                    out,
                    "tucan_queue_depth{{lane=\"{}\",state=\"{state}\"}} {n}",
                    lane.as_str()
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP tucan_dead_letters Jobs kept in the dead letters.\n# TYPE tucan_dead_letters gauge\ntucan_dead_letters {dead_letters}"
        );
        for (name, help, pick) in [
            (
                "tucan_job_wait_seconds",
                "Time from publish to handler start.",
                0,
            ),
            ("tucan_job_run_seconds", "Handler run time.", 1),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
            for lane in Lane::ALL {
                let m = self.lane(lane);
                let h = if pick == 0 { &m.wait } else { &m.run };
                h.render(&mut out, name, lane.as_str());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_cumulative_buckets_and_depths() {
        let m = BusMetrics::default();
        m.lane(Lane::Flow).published.fetch_add(3, Relaxed);
        m.lane(Lane::Flow).wait.observe(Duration::from_micros(800));
        m.lane(Lane::Flow).wait.observe(Duration::from_millis(20));
        let text = m.render(
            &[(
                Lane::Flow,
                LaneCounts {
                    ready: 4,
                    delayed: 1,
                    leased: 2,
                },
            )],
            5,
        );
        assert!(text.contains("tucan_jobs_published_total{lane=\"flow\"} 3"));
        assert!(text.contains("tucan_job_wait_seconds_bucket{lane=\"flow\",le=\"0.001\"} 1"));
        assert!(text.contains("tucan_job_wait_seconds_bucket{lane=\"flow\",le=\"0.025\"} 2"));
        assert!(text.contains("tucan_job_wait_seconds_bucket{lane=\"flow\",le=\"+Inf\"} 2"));
        assert!(text.contains("tucan_queue_depth{lane=\"flow\",state=\"ready\"} 4"));
        assert!(text.contains("tucan_dead_letters 5"));
    }
}
