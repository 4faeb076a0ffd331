//! Workers: unknown kinds and panics, graceful shutdown, and lanes that do not starve.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio_util::sync::CancellationToken;
use tucan_bus::{Handlers, JobError, Lane, NewJob, Worker, WorkerOptions};

use crate::support::{Backend, FnHandler, TestBus, eventually, fast_options};

fn start(
    t: &TestBus,
    handlers: Handlers,
    lanes: Vec<(Lane, usize)>,
    grace: Duration,
) -> (CancellationToken, tokio::task::JoinHandle<()>) {
    let shutdown = CancellationToken::new();
    let worker = Worker::new(
        t.bus.clone(),
        handlers,
        WorkerOptions {
            lanes,
            grace,
            keep_alive: Duration::from_millis(300),
        },
    );
    (shutdown.clone(), tokio::spawn(worker.run(shutdown)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_kinds_and_fatal_errors_go_to_the_dead_letters_and_panics_retry() {
    let t = TestBus::new(Backend::Embedded, fast_options()).await;
    let panics = Arc::new(AtomicU32::new(0));
    let p = panics.clone();
    let mut handlers = Handlers::default();
    handlers
        .register(
            "test.fatal",
            FnHandler::new(|_| async { Err(JobError::Fatal("bad payload".into())) }),
        )
        .register(
            "test.panic",
            FnHandler::new(move |job| {
                let p = p.clone();
                async move {
                    if job.attempt == 1 {
                        p.fetch_add(1, Relaxed);
                        panic!("handler bug");
                    }
                    Ok(())
                }
            }),
        );
    let (stop, worker) = start(
        &t,
        handlers,
        vec![(Lane::System, 2)],
        Duration::from_secs(1),
    );
    let unknown = t
        .bus
        .publish(NewJob::new(Lane::System, "test.nobody", json!({})))
        .await
        .unwrap();
    let fatal = t
        .bus
        .publish(NewJob::new(Lane::System, "test.fatal", json!({})))
        .await
        .unwrap();
    t.bus
        .publish(NewJob::new(Lane::System, "test.panic", json!({})))
        .await
        .unwrap();
    let dead = t.dead.clone();
    assert!(
        eventually(Duration::from_secs(5), async || dead
            .count(None)
            .await
            .unwrap()
            == 2)
        .await
    );
    let letter = t.dead.get(&unknown).await.unwrap().unwrap();
    assert!(letter.error.contains("no handler"), "{}", letter.error);
    assert_eq!(
        letter.attempts, 1,
        "a fatal error does not use more attempts"
    );
    assert_eq!(
        t.dead.get(&fatal).await.unwrap().unwrap().error,
        "bad payload"
    );

    let m = Arc::clone(t.bus.metrics());
    assert!(
        eventually(Duration::from_secs(5), async || m
            .lane(Lane::System)
            .completed
            .load(Relaxed)
            == 1)
        .await,
        "the panicking job succeeded on its second attempt"
    );
    assert_eq!(panics.load(Relaxed), 1);
    assert_eq!(m.lane(Lane::System).retried.load(Relaxed), 1);
    assert_eq!(m.lane(Lane::System).dead_lettered.load(Relaxed), 2);
    stop.cancel();
    worker.await.unwrap();
}

/// On shutdown a running job finishes within the grace period and is acked; one that runs
/// past it is given back without using an attempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_or_gives_back_jobs_in_hand() {
    for (grace, expect_done) in [
        (Duration::from_secs(3), true),
        (Duration::from_millis(100), false),
    ] {
        let t = TestBus::new(Backend::Embedded, fast_options()).await;
        let started = Arc::new(AtomicU32::new(0));
        let s = started.clone();
        let mut handlers = Handlers::default();
        handlers.register(
            "test.slow",
            FnHandler::new(move |_| {
                let s = s.clone();
                async move {
                    s.fetch_add(1, Relaxed);
                    tokio::time::sleep(Duration::from_millis(800)).await;
                    Ok(())
                }
            }),
        );
        let (stop, worker) = start(&t, handlers, vec![(Lane::Flow, 1)], grace);
        t.bus
            .publish(NewJob::new(Lane::Flow, "test.slow", json!({})))
            .await
            .unwrap();
        let s = started.clone();
        assert!(eventually(Duration::from_secs(5), async || s.load(Relaxed) == 1).await);
        stop.cancel();
        worker.await.unwrap();
        let counts = t.bus.lane_counts(Lane::Flow).await.unwrap();
        if expect_done {
            assert_eq!((counts.ready, counts.leased), (0, 0), "finished and acked");
        } else {
            assert_eq!((counts.ready, counts.leased), (1, 0), "given back at once");
            let mut c = t.bus.consumer(Lane::Flow, 1).await.unwrap();
            let d = c.next().await.unwrap();
            assert_eq!(d.job.attempt, 1, "the interrupted delivery did not count");
        }
    }
}

/// A flood in the campaigns lane does not delay the messages lane.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooded_lane_does_not_starve_another() {
    for backend in [Backend::Embedded, Backend::Rabbit] {
        let t = TestBus::new(backend, fast_options()).await;
        let mut handlers = Handlers::default();
        handlers
            .register(
                "campaign.send",
                FnHandler::new(|_| async {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    Ok(())
                }),
            )
            .register("message.send", FnHandler::new(|_| async { Ok(()) }));
        let (stop, worker) = start(
            &t,
            handlers,
            vec![(Lane::Campaigns, 2), (Lane::Messages, 2)],
            Duration::from_secs(1),
        );
        t.bus
            .publish_many(
                (0..2000)
                    .map(|n| NewJob::new(Lane::Campaigns, "campaign.send", json!({ "n": n })))
                    .collect(),
            )
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let sent = Instant::now();
        t.bus
            .publish(NewJob::new(Lane::Messages, "message.send", json!({})))
            .await
            .unwrap();
        let m = Arc::clone(t.bus.metrics());
        assert!(
            eventually(Duration::from_secs(2), async || m
                .lane(Lane::Messages)
                .completed
                .load(Relaxed)
                == 1)
            .await,
            "{backend:?}: the reply waited behind the campaign"
        );
        assert!(
            sent.elapsed() < Duration::from_secs(1),
            "{backend:?}: {:?}",
            sent.elapsed()
        );
        let backlog = t.bus.lane_counts(Lane::Campaigns).await.unwrap();
        assert!(
            backlog.ready > 1000,
            "{backend:?}: the campaign was still queued: {backlog:?}"
        );
        stop.cancel();
        worker.await.unwrap();
        t.finish().await;
    }
}
