//! Dead jobs through the API: each tenant admin sees and replays only its tenant's; agents
//! see none; platform admins see all. `/metrics` speaks Prometheus.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use tokio_util::sync::CancellationToken;
use tucan_bus::{Handlers, Lane, NewJob, Worker, WorkerOptions};

use crate::harness::{TestApp, assert_error};

/// Run a worker with no handlers until the jobs published are dead-lettered.
async fn dead_letter(app: &TestApp, jobs: Vec<NewJob>) -> Vec<String> {
    let ids = app.bus.publish_many(jobs).await.unwrap();
    let stop = CancellationToken::new();
    let worker = tokio::spawn(
        Worker::new(
            app.bus.clone(),
            Handlers::default(),
            WorkerOptions {
                lanes: vec![(Lane::Webhooks, 4)],
                ..WorkerOptions::default()
            },
        )
        .run(stop.clone()),
    );
    let dead = tucan_bus::DeadLetters::new(app.store.jobs());
    for _ in 0..200 {
        if dead.count(None).await.unwrap() >= ids.len() as u64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    stop.cancel();
    worker.await.unwrap();
    ids
}

fn job(tenant: Option<&str>) -> NewJob {
    let mut job = NewJob::new(Lane::Webhooks, "webhook.unknown", json!({ "to": "x" }));
    job.tenant = tenant.map(str::to_string);
    job
}

#[tokio::test]
async fn dead_jobs_are_listed_and_replayed_per_tenant() {
    let app = TestApp::start().await;
    let a = app.tenant("jobsa").await;
    let b = app.tenant("jobsb").await;
    let ids = dead_letter(&app, vec![job(Some(&a.id)), job(Some(&b.id)), job(None)]).await;
    let (a_job, b_job) = (&ids[0], &ids[1]);

    let (status, page) = app.get("/api/jobs/dead", &a.admin_token).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], a_job.as_str());
    assert_eq!(items[0]["kind"], "webhook.unknown");
    assert_eq!(items[0]["payload"], json!({ "to": "x" }));
    assert!(items[0]["error"].as_str().unwrap().contains("no handler"));

    // B's dead job does not exist for A, whatever the verb.
    let other = format!("/api/jobs/dead/{b_job}");
    assert_error(
        &app.get(&other, &a.admin_token).await,
        404,
        "DEAD_JOB_NOT_FOUND",
    );
    assert_error(
        &app.post(&format!("{other}/replay"), &a.admin_token, json!({}))
            .await,
        404,
        "DEAD_JOB_NOT_FOUND",
    );
    assert_error(
        &app.delete(&other, &a.admin_token).await,
        404,
        "DEAD_JOB_NOT_FOUND",
    );
    // Agents do not manage jobs; platform admins see all three and filter by tenant.
    let (_, agent) = app.user(&a, "agent").await;
    assert_error(&app.get("/api/jobs/dead", &agent).await, 403, "FORBIDDEN");
    let all = app.get("/api/jobs/dead?limit=2", &app.root).await.1;
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let next = all["next_before"].as_str().unwrap();
    let rest = app
        .get(&format!("/api/jobs/dead?before={next}"), &app.root)
        .await
        .1;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert!(rest["next_before"].is_null());
    // A cursor that is empty or not an id is a bad parameter, never a 500.
    for bad in ["", "a%20b", "x'y"] {
        assert_error(
            &app.get(&format!("/api/jobs/dead?before={bad}"), &a.admin_token)
                .await,
            400,
            "INVALID_PARAM",
        );
    }
    let only_b = app
        .get(&format!("/api/jobs/dead?tenant_id={}", b.id), &app.root)
        .await
        .1;
    assert_eq!(only_b["items"][0]["id"], b_job.as_str());

    // Replay: the job is published again and leaves the dead letters.
    let (status, replayed) = app
        .post(
            &format!("/api/jobs/dead/{a_job}/replay"),
            &a.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{replayed}");
    assert!(replayed["job_id"].as_str().is_some());
    assert_eq!(app.bus.lane_counts(Lane::Webhooks).await.unwrap().ready, 1);
    assert_error(
        &app.get(&format!("/api/jobs/dead/{a_job}"), &a.admin_token)
            .await,
        404,
        "DEAD_JOB_NOT_FOUND",
    );
    // B's own admin deletes B's.
    assert_eq!(
        app.delete(&other, &b.admin_token).await.0,
        StatusCode::NO_CONTENT
    );
    assert_error(&app.get(&other, &app.root).await, 404, "DEAD_JOB_NOT_FOUND");
}

#[tokio::test]
async fn metrics_are_exposed_for_prometheus() {
    let app = TestApp::start().await;
    app.bus.publish(job(None)).await.unwrap();
    let resp = app
        .http
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.unwrap();
    assert!(
        text.contains("tucan_jobs_published_total{lane=\"webhooks\"} 1"),
        "{text}"
    );
    assert!(text.contains("tucan_queue_depth{lane=\"webhooks\",state=\"ready\"} 1"));
    assert!(text.contains("# TYPE tucan_job_wait_seconds histogram"));
}
