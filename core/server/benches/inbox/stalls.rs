//! Where part 1's slow messages came from: clocks that note late ticks while a part runs,
//! and a summary of the slowest 1% (how long before and after their event row, and when
//! they were due).

use std::sync::Arc;
use std::time::{Duration, Instant};

/// Two clocks that tick every millisecond while a part runs and note when a tick came late
/// (≥ 5 ms): one a thread of its own (late when the machine's cores are all busy), one a
/// task on the runtime (late also when the runtime's workers are busy or blocked).
pub(crate) struct StallProbes {
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<Vec<(f64, f64)>>,
    task: tokio::task::JoinHandle<Vec<(f64, f64)>>,
}

impl StallProbes {
    const LATE_MS: f64 = 5.0;

    pub(crate) fn start(start: Instant) -> StallProbes {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let thread = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut late = Vec::new();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let t = Instant::now();
                    std::thread::sleep(Duration::from_millis(1));
                    let ms = t.elapsed().as_secs_f64() * 1000.0 - 1.0;
                    if ms >= Self::LATE_MS {
                        late.push((t.duration_since(start).as_secs_f64(), ms));
                    }
                }
                late
            })
        };
        let task = {
            let stop = stop.clone();
            tokio::spawn(async move {
                let mut late = Vec::new();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let t = Instant::now();
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    let ms = t.elapsed().as_secs_f64() * 1000.0 - 1.0;
                    if ms >= Self::LATE_MS {
                        late.push((t.duration_since(start).as_secs_f64(), ms));
                    }
                }
                late
            })
        };
        StallProbes { stop, thread, task }
    }

    pub(crate) async fn finish(self) -> String {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let thread = self.thread.join().unwrap_or_default();
        let task = self.task.await.unwrap_or_default();
        let show = |late: &[(f64, f64)]| {
            let worst: Vec<String> = late
                .iter()
                .filter(|(_, ms)| *ms >= 10.0)
                .map(|(at, ms)| format!("{at:.2} s +{ms:.0}"))
                .collect();
            format!("{} late, ≥10 ms at [{}]", late.len(), worst.join(", "))
        };
        format!(
            "late ticks (≥ {} ms): thread {}; runtime task {}",
            Self::LATE_MS,
            show(&thread),
            show(&task)
        )
    }
}

/// One message of part 1 as its socket saw it.
#[derive(Clone, Copy)]
pub(crate) struct Arrival {
    /// When it was due, in seconds from the part's start.
    pub(crate) due_s: f64,
    /// Scheduled time → socket, ms.
    pub(crate) total: f64,
    /// Event row → socket, ms.
    pub(crate) row_ms: Option<f64>,
}

/// Where the slowest 1% of a part's messages spent their time, and when they were due: a
/// tail made of one stall is due within a few tens of ms, a tail of load spread all over.
pub(crate) fn tail_summary(rate: u32, mut arrivals: Vec<Arrival>) -> String {
    arrivals.sort_by(|a, b| b.total.total_cmp(&a.total));
    let n = (arrivals.len() / 100).max(1).min(arrivals.len());
    let tail = &arrivals[..n];
    if tail.is_empty() {
        return String::new();
    }
    let mean = |f: &dyn Fn(&Arrival) -> f64| tail.iter().map(f).sum::<f64>() / n as f64;
    let before_row = mean(&|a| a.total - a.row_ms.unwrap_or(0.0));
    let after_row = mean(&|a| a.row_ms.unwrap_or(0.0));
    let mut dues: Vec<f64> = tail.iter().map(|a| a.due_s).collect();
    dues.sort_by(f64::total_cmp);
    // Bursts: runs of tail messages due within 100 ms of each other.
    let mut bursts = Vec::new();
    let mut from = dues[0];
    let mut last = dues[0];
    let mut count = 1;
    for &d in &dues[1..] {
        if d - last > 0.1 {
            bursts.push(format!("{from:.2}–{last:.2} s ({count})"));
            from = d;
            count = 0;
        }
        last = d;
        count += 1;
    }
    bursts.push(format!("{from:.2}–{last:.2} s ({count})"));
    format!(
        "\nslowest {n} at {rate}/s: mean {before_row:.2} ms due → event row, {after_row:.2} ms event row → socket; due at {}\n",
        bursts.join(", ")
    )
}
