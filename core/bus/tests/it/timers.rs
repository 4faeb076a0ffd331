//! Durable timers: fire within a second of due, once, with several scanners, after restart.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio_util::sync::CancellationToken;
use tucan_bus::{Lane, NewJob, Timers, now_ms};

use crate::support::{Backend, TestBus, fast_options};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timers_fire_on_time_once_with_two_scanners() {
    for backend in [Backend::Embedded, Backend::Rabbit] {
        let t = TestBus::new(backend, fast_options()).await;
        let timers = Timers::new(t.store.jobs(), t.bus.clone());
        let start = now_ms();
        let dues: Vec<i64> = (0..6).map(|i| start + 300 + i * 250).collect();
        for (i, due) in dues.iter().enumerate() {
            let job = NewJob::new(Lane::Flow, "flow.resume", json!({ "i": i, "due": due }));
            timers
                .schedule(&format!("run-{i}"), *due, &job)
                .await
                .unwrap();
        }
        // Moved and cancelled timers.
        let moved = NewJob::new(
            Lane::Flow,
            "flow.resume",
            json!({ "i": 99, "due": start + 600 }),
        );
        timers
            .schedule("run-moved", start + 60_000, &moved)
            .await
            .unwrap();
        timers
            .schedule("run-moved", start + 600, &moved)
            .await
            .unwrap();
        timers
            .schedule(
                "run-cancelled",
                start + 400,
                &NewJob::new(Lane::Flow, "x", json!({})),
            )
            .await
            .unwrap();
        assert!(timers.cancel("run-cancelled").await.unwrap());

        // Two scanners, as with two worker processes.
        let stop = CancellationToken::new();
        let other = Timers::new(t.store.jobs(), t.bus.clone());
        let scanners = [
            tokio::spawn({
                let timers = timers.clone();
                let stop = stop.clone();
                async move { timers.run(stop).await }
            }),
            tokio::spawn({
                let stop = stop.clone();
                async move { other.run(stop).await }
            }),
        ];
        let mut consumer = t.bus.consumer(Lane::Flow, 10).await.unwrap();
        let mut fired = Vec::new();
        while fired.len() < 7 {
            let d = tokio::time::timeout(Duration::from_secs(5), consumer.next())
                .await
                .expect("every timer fires")
                .unwrap();
            let late = now_ms() - d.job.payload["due"].as_i64().unwrap();
            assert!(
                (-50..1000).contains(&late),
                "{backend:?}: fired {late} ms from due"
            );
            fired.push(d.job.payload["i"].as_u64().unwrap());
            d.ack().await.unwrap();
        }
        fired.sort();
        assert_eq!(fired, vec![0, 1, 2, 3, 4, 5, 99]);
        // Nothing fires twice, and the cancelled timer never fires.
        assert!(
            tokio::time::timeout(Duration::from_millis(800), consumer.next())
                .await
                .is_err()
        );
        stop.cancel();
        for s in scanners {
            s.await.unwrap();
        }
        consumer.close().await;
        t.finish().await;
    }
}

/// Timers set before a restart fire after it (embedded SurrealKV on disk).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timers_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!("tucan-timers-{}", tucan_model::ids::new_id()));
    let opts = tucan_store::StoreOptions {
        url: format!("surrealkv://{}", dir.display()),
        namespace: "tucan".into(),
        username: None,
        password: None,
        max_queries: None,
    };
    let due = now_ms() + 700;
    {
        let store = tucan_store::Store::connect(&opts).await.unwrap();
        store.migrate().await.unwrap();
        let t = TestBus::on_store(Backend::Embedded, fast_options(), store).await;
        let timers = Timers::new(t.store.jobs(), t.bus.clone());
        timers
            .schedule(
                "resume-1",
                due,
                &NewJob::new(Lane::Flow, "flow.resume", json!({ "due": due })),
            )
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let store = tucan_store::Store::connect(&opts).await.unwrap();
    let t = TestBus::on_store(Backend::Embedded, fast_options(), store).await;
    let timers = Arc::new(Timers::new(t.store.jobs(), t.bus.clone()));
    let stop = CancellationToken::new();
    let scanner = tokio::spawn({
        let timers = timers.clone();
        let stop = stop.clone();
        async move { timers.run(stop).await }
    });
    let mut consumer = t.bus.consumer(Lane::Flow, 1).await.unwrap();
    let d = tokio::time::timeout(Duration::from_secs(5), consumer.next())
        .await
        .expect("the timer fired after the restart")
        .unwrap();
    assert!(now_ms() - due < 1000);
    d.ack().await.unwrap();
    stop.cancel();
    scanner.await.unwrap();
    let _ = std::fs::remove_dir_all(dir);
}
