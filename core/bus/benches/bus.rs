//! Job bus benchmarks, printed as tables: throughput (publish + consume + ack, persistent),
//! latency publish → handler start at a steady 1k jobs/s, and a 3-step chain of durable jobs.
//! Backends: embedded on `mem://`, embedded on `surrealkv://` (on disk), RabbitMQ.
//! `BENCH_ONLY=throughput|latency|chain` runs one part; `BENCH_JOBS` sets the job count.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use serde_json::json;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;
use tucan_bus::{
    BusMetrics, BusOptions, DeadLetters, EmbeddedBus, Handlers, Job, JobBus, JobError, JobHandler,
    Lane, NewJob, RabbitBus, RabbitOptions, Worker, WorkerOptions,
};
use tucan_store::{Store, StoreOptions};

fn micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_micros() as u64
}

struct Backend {
    name: &'static str,
    bus: Arc<dyn JobBus>,
    cleanup: Option<RabbitBus>,
    _dir: Option<std::path::PathBuf>,
}

async fn backends() -> Vec<Backend> {
    let mut out = Vec::new();
    let opts = BusOptions::default();
    let mem = Store::memory().await.unwrap();
    out.push(Backend {
        name: "embedded mem://",
        bus: Arc::new(EmbeddedBus::new(mem.jobs(), opts.clone(), Arc::default())),
        cleanup: None,
        _dir: None,
    });
    let dir = std::env::temp_dir().join(format!("tucan-bench-{}", tucan_model::ids::new_id()));
    let disk = Store::connect(&StoreOptions {
        url: format!("surrealkv://{}", dir.display()),
        namespace: "tucan".into(),
        username: None,
        password: None,
        max_queries: None,
    })
    .await
    .unwrap();
    disk.migrate().await.unwrap();
    out.push(Backend {
        name: "embedded surrealkv://",
        bus: Arc::new(EmbeddedBus::new(disk.jobs(), opts.clone(), Arc::default())),
        cleanup: None,
        _dir: Some(dir),
    });
    let url =
        std::env::var("TUCAN_TEST_AMQP").unwrap_or_else(|_| "amqp://127.0.0.1:5672/%2f".into());
    match RabbitBus::connect(
        RabbitOptions {
            url,
            prefix: format!("bench-{}", tucan_model::ids::new_id()),
            connection_name: "tucan-bench".into(),
        },
        opts,
        Arc::new(BusMetrics::default()),
        DeadLetters::new(mem.jobs()),
    )
    .await
    {
        Ok(rabbit) => out.push(Backend {
            name: "rabbitmq",
            bus: Arc::new(rabbit.clone()),
            cleanup: Some(rabbit),
            _dir: None,
        }),
        Err(e) => eprintln!("RabbitMQ not available, skipped: {e}"),
    }
    out
}

/// Counts completions; records publish → start latency when the payload carries `sent_us`.
#[derive(Default)]
struct Probe {
    done: AtomicU64,
    latencies: Mutex<Vec<u64>>,
}

#[async_trait]
impl JobHandler for Probe {
    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        if let Some(sent) = job.payload.get("sent_us").and_then(|v| v.as_u64()) {
            self.latencies
                .lock()
                .await
                .push(micros().saturating_sub(sent));
        }
        self.done.fetch_add(1, Relaxed);
        Ok(())
    }
}

fn start_worker(
    bus: &Arc<dyn JobBus>,
    handlers: Handlers,
    concurrency: usize,
) -> (CancellationToken, tokio::task::JoinHandle<()>) {
    let stop = CancellationToken::new();
    let worker = Worker::new(
        bus.clone(),
        handlers,
        WorkerOptions {
            lanes: vec![(Lane::Flow, concurrency)],
            ..WorkerOptions::default()
        },
    );
    (stop.clone(), tokio::spawn(worker.run(stop)))
}

async fn wait_done(counter: &AtomicU64, n: u64) {
    while counter.load(Relaxed) < n {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i] as f64 / 1000.0
}

/// N jobs published by 32 concurrent publishers (single publishes), consumed and acked.
async fn throughput(b: &Backend, n: u64) -> f64 {
    let probe = Arc::new(Probe::default());
    let mut handlers = Handlers::default();
    handlers.register("bench.noop", probe.clone());
    let (stop, worker) = start_worker(&b.bus, handlers, 64);
    let start = Instant::now();
    let publishers = 32;
    let mut tasks = Vec::new();
    for p in 0..publishers {
        let bus = b.bus.clone();
        tasks.push(tokio::spawn(async move {
            for i in (p..n).step_by(publishers as usize) {
                bus.publish(NewJob::new(Lane::Flow, "bench.noop", json!({ "i": i })))
                    .await
                    .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    wait_done(&probe.done, n).await;
    let rate = n as f64 / start.elapsed().as_secs_f64();
    stop.cancel();
    worker.await.unwrap();
    rate
}

/// A steady `rate` jobs/s for `secs`; latency publish call → handler start.
async fn latency(b: &Backend, rate: u64, secs: u64) -> (f64, f64, f64) {
    let probe = Arc::new(Probe::default());
    let mut handlers = Handlers::default();
    handlers.register("bench.noop", probe.clone());
    let (stop, worker) = start_worker(&b.bus, handlers, 64);
    let total = rate * secs;
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    for _ in 0..total {
        tick.tick().await;
        let bus = b.bus.clone();
        tokio::spawn(async move {
            bus.publish(NewJob::new(
                Lane::Flow,
                "bench.noop",
                json!({ "sent_us": micros() }),
            ))
            .await
            .unwrap();
        });
    }
    wait_done(&probe.done, total).await;
    stop.cancel();
    worker.await.unwrap();
    let mut l = probe.latencies.lock().await.clone();
    l.sort_unstable();
    (
        percentile(&l, 0.5),
        percentile(&l, 0.99),
        percentile(&l, 1.0),
    )
}

/// Each step publishes the next one (a durable continuation) until step 3.
struct Chain {
    bus: Arc<dyn JobBus>,
    done: AtomicU64,
    latencies: Mutex<Vec<u64>>,
}

#[async_trait]
impl JobHandler for Chain {
    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        let step = job.payload["step"].as_u64().unwrap_or(1);
        let started = job.payload["started_us"].as_u64().unwrap_or(0);
        if step < 3 {
            let next = NewJob::new(
                Lane::Flow,
                "bench.step",
                json!({ "step": step + 1, "started_us": started }),
            )
            .key(format!("{}:{}", job.idempotency_key(), step + 1));
            self.bus
                .publish(next)
                .await
                .map_err(|e| JobError::Retry(e.to_string()))?;
        } else {
            self.latencies
                .lock()
                .await
                .push(micros().saturating_sub(started));
            self.done.fetch_add(1, Relaxed);
        }
        Ok(())
    }
}

async fn chain(b: &Backend, runs: u64) -> (f64, f64, f64) {
    let chain = Arc::new(Chain {
        bus: b.bus.clone(),
        done: AtomicU64::new(0),
        latencies: Mutex::new(Vec::new()),
    });
    let mut handlers = Handlers::default();
    handlers.register("bench.step", chain.clone());
    let (stop, worker) = start_worker(&b.bus, handlers, 64);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for p in 0..16u64 {
        let bus = b.bus.clone();
        tasks.push(tokio::spawn(async move {
            for _ in (p..runs).step_by(16) {
                bus.publish(NewJob::new(
                    Lane::Flow,
                    "bench.step",
                    json!({ "step": 1, "started_us": micros() }),
                ))
                .await
                .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    wait_done(&chain.done, runs).await;
    let rate = runs as f64 / start.elapsed().as_secs_f64();
    stop.cancel();
    worker.await.unwrap();
    let mut l = chain.latencies.lock().await.clone();
    l.sort_unstable();
    (rate, percentile(&l, 0.5), percentile(&l, 0.99))
}

#[tokio::main]
async fn main() {
    // A silent subscriber, as the binary has one: with none at all, tracing's `log` bridge
    // has every disabled span of SurrealDB's key-value layer format its keys anyway.
    tracing::subscriber::set_global_default(tracing::subscriber::NoSubscriber::default())
        .expect("no other subscriber");
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let n: u64 = std::env::var("BENCH_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let backends = backends().await;
    if only.is_empty() || only == "throughput" {
        println!("\n## Throughput: {n} jobs, 32 publishers, 64 handler slots, persistent\n");
        println!("| backend | jobs/s |\n|---|---:|");
        for b in &backends {
            let rate = throughput(b, n).await;
            println!("| {} | {rate:.0} |", b.name);
        }
    }
    if only.is_empty() || only == "latency" {
        println!("\n## Latency publish → handler start at 1,000 jobs/s for 5 s\n");
        println!("| backend | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|");
        for b in &backends {
            let (p50, p99, max) = latency(b, 1000, 5).await;
            println!("| {} | {p50:.2} | {p99:.2} | {max:.2} |", b.name);
        }
    }
    if only.is_empty() || only == "chain" {
        let runs = n / 4;
        println!("\n## 3-step chain of durable jobs: {runs} runs, 16 starters\n");
        println!("| backend | runs/s | p50 ms | p99 ms |\n|---|---:|---:|---:|");
        for b in &backends {
            let (rate, p50, p99) = chain(b, runs).await;
            println!("| {} | {rate:.0} | {p50:.2} | {p99:.2} |", b.name);
        }
    }
    for b in backends {
        if let Some(r) = b.cleanup {
            let _ = r.delete_topology().await;
            r.close().await;
        }
        if let Some(dir) = b._dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
