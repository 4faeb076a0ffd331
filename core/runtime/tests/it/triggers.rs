//! Triggers: messages (answering a waiting run first; one active run per contact and flow;
//! outside business hours) and schedule ticks.

use std::time::Duration;

use serde_json::json;
use tucan_engine::MessageEvent;
use tucan_model::ErrorCode;
use tucan_runtime::{RunContact, RuntimeOptions, TriggerEvent};

use crate::runs::{ask_flow, code, manual};
use crate::support::Rig;

#[tokio::test]
async fn one_active_run_per_contact_and_flow_and_a_message_resumes_the_waiting_run() {
    let rig = Rig::new(RuntimeOptions::default()).await;
    let mut doc = ask_flow();
    doc["nodes"][0] = json!({ "id": "start", "type": "trigger.message_received", "config": { "keywords": ["lead"] } });
    let flow = rig.publish("lead", doc).await;
    let contact = rig.contact("Ana", "+5511987654321").await;
    let ev = |text: &str| MessageEvent {
        connection_id: "c1".into(),
        text: text.into(),
        first_of_ticket: false,
        outside_business_hours: false,
    };
    // A message that matches no trigger starts nothing.
    assert!(
        rig.runtime
            .on_message(&rig.db, &contact, None, &ev("hello"))
            .await
            .unwrap()
            .is_empty()
    );
    let started = rig
        .runtime
        .on_message(&rig.db, &contact, None, &ev("LEAD"))
        .await
        .unwrap();
    assert_eq!(started.len(), 1);
    let run = rig.db.get_run(&started[0]).await.unwrap();
    assert_eq!(
        (run.status.as_str(), run.trigger.as_str()),
        ("waiting", "message")
    );

    // Starting the flow again for the contact is refused while the run is active.
    let mut again = manual(&flow, RunContact::Stored(contact.clone()));
    again.event = Some(TriggerEvent::Message(ev("lead")));
    assert_eq!(
        code(rig.runtime.start(&rig.db, again).await.unwrap_err()),
        ErrorCode::RunActive
    );

    // The next message answers the waiting run instead of starting another.
    let moved = rig
        .runtime
        .on_message(&rig.db, &contact, None, &ev("lead"))
        .await
        .unwrap();
    assert_eq!(moved, started);
    let moved = rig
        .runtime
        .on_message(&rig.db, &contact, None, &ev("a@b.co"))
        .await
        .unwrap();
    assert_eq!(moved, started);
    let run = rig.db.get_run(&started[0]).await.unwrap();
    assert_eq!(run.status, "completed");
    let all = rig
        .db
        .list_runs(&tucan_store::RunQuery {
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 1);

    // Once it ended, the trigger starts a new run.
    let next = rig
        .runtime
        .on_message(&rig.db, &contact, None, &ev("lead"))
        .await
        .unwrap();
    assert_eq!(next.len(), 1);
    assert_ne!(next, started);
}

#[tokio::test]
async fn a_schedule_trigger_ticks_once_per_due_time_and_arms_the_next() {
    let rig = Rig::new(RuntimeOptions::default()).await;
    let doc = json!({
        "nodes": [
            { "id": "daily", "type": "trigger.schedule", "config": { "cron": "0 9 * * *", "timezone": "America/Sao_Paulo" } },
            { "id": "tag", "type": "logic.set_variable", "config": { "name": "ticked", "value": "yes" } }
        ],
        "edges": [{ "id": "e1", "source": "daily", "target": "tag" }]
    });
    let flow = rig.publish("daily", doc).await;
    assert_eq!(rig.runtime.arm_schedules(&rig.db, &flow).await.unwrap(), 1);
    let name = format!("sched:{}:{flow}:daily", rig.db.tenant_id());
    assert!(rig.runtime.timers().exists(&name).await.unwrap());

    // Fire this tick now, twice (a redelivery): one run, and the timer is armed again.
    let due_ms = tucan_bus::now_ms();
    let job = tucan_bus::NewJob::new(
        tucan_bus::Lane::Flow,
        tucan_runtime::SCHEDULE_KIND,
        json!({ "flow_id": flow, "node": "daily", "due_ms": due_ms }),
    )
    .tenant(rig.db.tenant_id());
    for n in 0..2 {
        rig.runtime
            .timers()
            .schedule(&format!("now-{n}"), due_ms, &job)
            .await
            .unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while rig
            .runtime
            .timers()
            .exists(&format!("now-{n}"))
            .await
            .unwrap()
        {
            assert!(std::time::Instant::now() < deadline, "timer did not fire");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let runs = rig
        .db
        .list_runs(&tucan_store::RunQuery {
            flow_id: Some(flow.clone()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(runs.len(), 1, "one run per tick");
    assert_eq!(
        (runs[0].trigger.as_str(), runs[0].status.as_str()),
        ("schedule", "completed")
    );
    assert!(
        runs[0].state.contains("\"ticked\":\"yes\""),
        "{}",
        runs[0].state
    );
    assert!(
        rig.runtime.timers().exists(&name).await.unwrap(),
        "next tick armed"
    );
}

#[tokio::test]
async fn an_outside_hours_trigger_fires_only_when_the_company_is_closed() {
    let rig = Rig::new(RuntimeOptions::default()).await;
    let doc = json!({
        "nodes": [
            { "id": "start", "type": "trigger.message_received", "config": { "outside_business_hours": true } },
            { "id": "sorry", "type": "messaging.send_text", "config": { "text": "We are closed" } }
        ],
        "edges": [{ "id": "e", "source": "start", "target": "sorry" }]
    });
    rig.publish("after hours", doc).await;
    let contact = rig.contact("Ana", "+5511987654321").await;
    let ev = MessageEvent {
        connection_id: "c1".into(),
        text: "hi".into(),
        first_of_ticket: true,
        outside_business_hours: false,
    };
    // No schedule set up: always open, nothing starts.
    assert!(
        rig.runtime
            .on_message(&rig.db, &contact, None, &ev)
            .await
            .unwrap()
            .is_empty()
    );
    // Open all week, but today (and tomorrow, for a test running at midnight) are holidays:
    // closed now, so the flow starts.
    let today = chrono::Utc::now().date_naive();
    let all_day = json!(["00:00-24:00"]);
    let mut hours = std::collections::BTreeMap::new();
    hours.insert(
        "business_hours".to_string(),
        json!({
            "timezone": "UTC",
            "week": { "mon": all_day, "tue": all_day, "wed": all_day, "thu": all_day, "fri": all_day, "sat": all_day, "sun": all_day },
            "holidays": [today, today.succ_opt().unwrap()]
        }),
    );
    rig.db.put_settings(&hours).await.unwrap();
    rig.runtime.forget_settings(rig.db.tenant_id());
    let started = rig
        .runtime
        .on_message(&rig.db, &contact, None, &ev)
        .await
        .unwrap();
    assert_eq!(started.len(), 1);
    assert_eq!(rig.sent(&started[0]).await, ["We are closed"]);
}
