//! One suite, both backends: order, ack, retry with backoff, dead letters and replay,
//! redelivery of unsettled jobs, release, and concurrent consumers.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio_util::sync::CancellationToken;
use tucan_bus::{Failed, Handlers, Lane, NewJob, Worker, WorkerOptions};

use crate::support::{Backend, FnHandler, Receiver, TestBus, eventually, fast_options};

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                use crate::support::Backend;

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn embedded() {
                    super::$name(Backend::Embedded).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn rabbitmq() {
                    super::$name(Backend::Rabbit).await
                }
            }
        )*
    };
}

on_both_backends!(
    delivers_in_publish_order,
    retries_with_backoff_then_dead_letters_and_replays,
    unsettled_delivery_comes_back,
    release_does_not_count_an_attempt,
    concurrent_consumers_apply_each_effect_once,
);

fn job(n: usize) -> NewJob {
    NewJob::new(Lane::Flow, "test.step", json!({ "n": n }))
}

/// One consumer taking one job at a time sees jobs in publish order.
async fn delivers_in_publish_order(backend: Backend) {
    let t = TestBus::new(backend, fast_options()).await;
    for n in 0..10 {
        t.bus.publish(job(n)).await.unwrap();
    }
    t.bus
        .publish_many((10..20).map(job).collect())
        .await
        .unwrap();
    let mut consumer = t.bus.consumer(Lane::Flow, 1).await.unwrap();
    let mut seen = Vec::new();
    for _ in 0..20 {
        let d = tokio::time::timeout(Duration::from_secs(5), consumer.next())
            .await
            .expect("a delivery")
            .unwrap();
        assert_eq!(d.job.attempt, 1);
        assert_eq!(d.job.kind, "test.step");
        seen.push(d.job.payload["n"].as_u64().unwrap());
        assert!(d.ack().await.unwrap());
    }
    assert_eq!(seen, (0..20).collect::<Vec<u64>>());
    // Nothing else is delivered: acked jobs are gone.
    assert!(
        tokio::time::timeout(Duration::from_millis(400), consumer.next())
            .await
            .is_err()
    );
    consumer.close().await;
    t.finish().await;
}

/// A failing job is delivered again after a growing, jittered wait; after its last attempt
/// it is in the dead letters; a replay delivers it again with fresh attempts and its key.
async fn retries_with_backoff_then_dead_letters_and_replays(backend: Backend) {
    let t = TestBus::new(backend, fast_options()).await;
    let id = t
        .bus
        .publish(job(1).tenant("tenant-a").key("effect-1"))
        .await
        .unwrap();
    let mut consumer = t.bus.consumer(Lane::Flow, 1).await.unwrap();
    let mut times = Vec::new();
    for attempt in 1..=3 {
        let d = tokio::time::timeout(Duration::from_secs(5), consumer.next())
            .await
            .expect("a delivery")
            .unwrap();
        times.push(Instant::now());
        assert_eq!(d.job.id, id);
        assert_eq!(d.job.attempt, attempt);
        assert_eq!(d.job.idempotency_key(), "effect-1");
        if attempt > 1 {
            assert_eq!(d.job.last_error.as_deref(), Some("boom"));
        }
        let outcome = d.fail("boom").await.unwrap();
        if attempt < 3 {
            assert!(matches!(outcome, Failed::Retried(_)), "{outcome:?}");
        } else {
            assert_eq!(outcome, Failed::DeadLettered);
        }
    }
    // Waits are at least half the backoff ceiling: 50 ms, then 100 ms.
    assert!(times[1] - times[0] >= Duration::from_millis(50));
    assert!(times[2] - times[1] >= Duration::from_millis(100));

    let dead = t.dead.clone();
    assert!(
        eventually(Duration::from_secs(5), async || dead
            .get(&id)
            .await
            .unwrap()
            .is_some())
        .await,
        "dead letter archived"
    );
    let letter = t.dead.get(&id).await.unwrap().unwrap();
    assert_eq!(letter.error, "boom");
    assert_eq!(letter.attempts, 3);
    assert_eq!(letter.tenant.as_deref(), Some("tenant-a"));
    assert_eq!(letter.payload, json!({ "n": 1 }));
    assert_eq!(
        t.dead.list(Some("tenant-a"), None, 10).await.unwrap().len(),
        1
    );
    assert!(
        t.dead
            .list(Some("tenant-b"), None, 10)
            .await
            .unwrap()
            .is_empty()
    );

    let new_id = t.dead.replay(&id, t.bus.as_ref()).await.unwrap().unwrap();
    assert!(t.dead.get(&id).await.unwrap().is_none());
    let d = tokio::time::timeout(Duration::from_secs(5), consumer.next())
        .await
        .expect("the replayed job")
        .unwrap();
    assert_eq!(d.job.id, new_id);
    assert_eq!(d.job.attempt, 1);
    assert_eq!(d.job.idempotency_key(), "effect-1");
    assert!(d.ack().await.unwrap());
    consumer.close().await;
    t.finish().await;
}

/// A delivery nobody settles (its consumer died) is delivered again.
async fn unsettled_delivery_comes_back(backend: Backend) {
    let t = TestBus::new(backend, fast_options()).await;
    let id = t.bus.publish(job(7)).await.unwrap();
    let mut first = t.bus.consumer(Lane::Flow, 1).await.unwrap();
    let lost = tokio::time::timeout(Duration::from_secs(5), first.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(lost.job.id, id);
    // The consumer goes away without settling (a crash drops everything).
    drop(lost);
    first.close().await;
    drop(first);

    let mut second = t.bus.consumer(Lane::Flow, 1).await.unwrap();
    let again = tokio::time::timeout(Duration::from_secs(5), second.next())
        .await
        .expect("redelivered")
        .unwrap();
    assert_eq!(again.job.id, id);
    assert!(again.ack().await.unwrap());
    second.close().await;
    t.finish().await;
}

/// Releasing gives the job back at once without using an attempt.
async fn release_does_not_count_an_attempt(backend: Backend) {
    let t = TestBus::new(backend, fast_options()).await;
    t.bus.publish(job(3)).await.unwrap();
    let mut consumer = t.bus.consumer(Lane::Flow, 1).await.unwrap();
    for _ in 0..4 {
        let d = tokio::time::timeout(Duration::from_secs(5), consumer.next())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.job.attempt, 1);
        assert!(d.release().await.unwrap());
    }
    let d = consumer.next().await.unwrap();
    assert!(d.ack().await.unwrap());
    consumer.close().await;
    t.finish().await;
}

/// Two workers of eight slots each share 300 jobs: every effect is applied exactly once.
async fn concurrent_consumers_apply_each_effect_once(backend: Backend) {
    let t = TestBus::new(backend, fast_options()).await;
    let receiver = Receiver::default();
    let shutdown = CancellationToken::new();
    let mut workers = Vec::new();
    for _ in 0..2 {
        let r = receiver.clone();
        let mut handlers = Handlers::default();
        handlers.register(
            "test.step",
            FnHandler::new(move |job| {
                let r = r.clone();
                async move {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    r.apply(job.idempotency_key());
                    Ok(())
                }
            }),
        );
        let worker = Worker::new(
            t.bus.clone(),
            handlers,
            WorkerOptions {
                lanes: vec![(Lane::Flow, 8)],
                ..WorkerOptions::default()
            },
        );
        workers.push(tokio::spawn(worker.run(shutdown.clone())));
    }
    t.bus
        .publish_many((0..300).map(job).collect())
        .await
        .unwrap();
    let r = receiver.clone();
    assert!(
        eventually(Duration::from_secs(20), async || r.distinct() == 300).await,
        "all effects applied: {}",
        receiver.distinct()
    );
    let metrics = Arc::clone(t.bus.metrics());
    assert!(
        eventually(Duration::from_secs(5), async || {
            metrics
                .lane(Lane::Flow)
                .completed
                .load(std::sync::atomic::Ordering::Relaxed)
                == 300
        })
        .await
    );
    assert_eq!(receiver.attempts(), 300, "no job ran twice");
    shutdown.cancel();
    for w in workers {
        w.await.unwrap();
    }
    let counts = t.bus.lane_counts(Lane::Flow).await.unwrap();
    assert_eq!((counts.ready, counts.delayed), (0, 0));
    t.finish().await;
}
