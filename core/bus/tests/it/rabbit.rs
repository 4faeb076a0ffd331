//! RabbitMQ specifics: the broker closes our connection mid-run; nothing is lost and the
//! worker carries on after reconnecting.

use std::process::Command;
use std::time::Duration;

use serde_json::json;
use tokio_util::sync::CancellationToken;
use tucan_bus::{Handlers, Lane, NewJob, Worker, WorkerOptions};

use crate::support::{Backend, FnHandler, Receiver, TestBus, eventually, fast_options};

/// Close, from the broker's side, every connection whose client named itself `name`;
/// returns how many were closed.
fn close_connections_named(name: &str) -> usize {
    let out = Command::new("rabbitmqctl")
        .args(["-q", "list_connections", "pid", "client_properties"])
        .output()
        .expect("rabbitmqctl runs");
    let listing = String::from_utf8_lossy(&out.stdout);
    let pids: Vec<String> = listing
        .lines()
        .filter(|l| l.contains(name))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    for pid in &pids {
        let status = Command::new("rabbitmqctl")
            .args(["-q", "close_connection", pid, "test: dropped by the broker"])
            .status()
            .expect("rabbitmqctl runs");
        assert!(status.success());
    }
    pids.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_survives_the_broker_closing_its_connection() {
    let t = TestBus::new(Backend::Rabbit, fast_options()).await;
    let receiver = Receiver::default();
    let r = receiver.clone();
    let mut handlers = Handlers::default();
    handlers.register(
        "test.effect",
        FnHandler::new(move |job| {
            let r = r.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(5)).await;
                r.apply(job.idempotency_key());
                Ok(())
            }
        }),
    );
    let stop = CancellationToken::new();
    let worker = tokio::spawn(
        Worker::new(
            t.bus.clone(),
            handlers,
            WorkerOptions {
                lanes: vec![(Lane::Flow, 4)],
                ..WorkerOptions::default()
            },
        )
        .run(stop.clone()),
    );
    let jobs = |from: usize| {
        (from..from + 150)
            .map(|n| NewJob::new(Lane::Flow, "test.effect", json!({ "n": n })).key(format!("k{n}")))
            .collect::<Vec<_>>()
    };
    t.bus.publish_many(jobs(0)).await.unwrap();
    let r = receiver.clone();
    assert!(eventually(Duration::from_secs(10), async || r.distinct() >= 20).await);

    let closed = close_connections_named(&t.connection_name);
    assert!(closed >= 1, "found our connection in the broker's list");

    // Publishing reconnects; consumers resubscribe; unacked deliveries come back.
    t.bus.publish_many(jobs(150)).await.unwrap();
    let r = receiver.clone();
    assert!(
        eventually(Duration::from_secs(30), async || r.distinct() == 300).await,
        "every job done after the drop: {}",
        receiver.distinct()
    );
    stop.cancel();
    worker.await.unwrap();
    t.finish().await;
}
