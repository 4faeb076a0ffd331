use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use serde_json::json;
use tokio_util::sync::CancellationToken;
use tucan_bus::{
    Backoff, BusOptions, EmbeddedBus, Handlers, JobBus, Lane, Timers, Worker, WorkerOptions,
};
use tucan_channels::{Channel, ChannelError, Incoming, Outgoing};
use tucan_engine::Registry;
use tucan_inbox::{Actor, Inbox, InboxOptions, TicketAction};
use tucan_model::ids::new_id;
use tucan_model::ticket::{
    ChannelKind, Connection, MessageKind, MessageStatus, NewConnection, TicketStatus,
};
use tucan_runtime::{FlowRuntime, RuntimeOptions, RuntimeParts};
use tucan_store::{OutgoingWrite, TenantDb};

pub(crate) struct Rig {
    pub(crate) db: TenantDb,
    pub(crate) inbox: Arc<Inbox>,
    pub(crate) conn: Connection,
    stop: CancellationToken,
}

impl Drop for Rig {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

pub(crate) async fn rig() -> Rig {
    let store = tucan_testkit::memory_store().await;
    let db = tucan_testkit::tenant(&store).await;
    let bus: Arc<dyn JobBus> = Arc::new(EmbeddedBus::new(
        store.jobs(),
        BusOptions {
            backoff: Backoff {
                base: Duration::from_millis(20),
                max: Duration::from_millis(50),
            },
            max_attempts: 3,
            visibility_timeout: Duration::from_secs(5),
            poll_interval: Duration::from_millis(20),
        },
        Arc::default(),
    ));
    let timers = Timers::new(store.jobs(), bus.clone());
    let inbox = Inbox::new(
        store.clone(),
        bus.clone(),
        |desk| {
            FlowRuntime::new(
                RuntimeParts {
                    store: store.clone(),
                    bus: bus.clone(),
                    timers,
                    registry: Arc::new(Registry::builtin()),
                    desk,
                    plugins: None,
                },
                RuntimeOptions::default(),
            )
        },
        InboxOptions::default(),
    );
    let runtime = inbox.runtime().clone();
    let mut handlers = Handlers::default();
    runtime.register(&mut handlers);
    inbox.register(&mut handlers);
    let worker = Worker::new(
        bus,
        handlers,
        WorkerOptions {
            lanes: vec![(Lane::Flow, 2), (Lane::Messages, 4)],
            grace: Duration::from_secs(1),
            keep_alive: Duration::from_secs(2),
        },
    );
    let stop = CancellationToken::new();
    let s = stop.clone();
    tokio::spawn(async move { worker.run(s).await });
    let timers = runtime.timers().clone();
    let s = stop.clone();
    tokio::spawn(async move { timers.run(s).await });
    let conn = db
        .create_connection(&NewConnection {
            name: "Main".into(),
            kind: ChannelKind::Simulator,
            phone: "+551130000001".into(),
            default_flow_id: None,
            default_queue_id: None,
            greeting: String::new(),
            farewell: String::new(),
            messages_per_minute: Some(600),
            cloud_api: None,
        })
        .await
        .unwrap();
    Rig {
        db,
        inbox,
        conn,
        stop,
    }
}

pub(crate) fn text(from: &str, body: &str) -> Incoming {
    Incoming {
        channel_id: new_id(),
        from: from.into(),
        push_name: None,
        kind: MessageKind::Text,
        body: body.into(),
        media_url: None,
        mime: None,
        quoted: None,
        file: None,
        group: None,
        choice: None,
    }
}

async fn status_of(db: &TenantDb, id: &str, want: MessageStatus) -> tucan_model::ticket::Message {
    for _ in 0..100 {
        let m = db.get_message(id).await.unwrap();
        if m.status == want {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    panic!(
        "message {id} never became {want:?}: {:?}",
        db.get_message(id).await.unwrap()
    );
}

/// A channel that refuses or fails as told, counting its attempts.
struct Flaky {
    refuse: bool,
    attempts: AtomicUsize,
}

#[async_trait]
impl Channel for Flaky {
    async fn connect(&self) -> Result<(), ChannelError> {
        Ok(())
    }
    async fn disconnect(&self) -> Result<(), ChannelError> {
        Ok(())
    }
    async fn send(&self, _: &Outgoing) -> Result<String, ChannelError> {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        if self.refuse {
            Err(ChannelError::Rejected(
                "the number is not on WhatsApp".into(),
            ))
        } else {
            Err(ChannelError::Unavailable("phone offline".into()))
        }
    }
}

#[tokio::test]
async fn refused_and_undeliverable_messages_fail_with_their_reason() {
    let r = rig().await;
    let out = r
        .inbox
        .receive(&r.db, &r.conn, text("5511987650001", "oi"))
        .await
        .unwrap();
    let refusing = Arc::new(Flaky {
        refuse: true,
        attempts: AtomicUsize::new(0),
    });
    r.inbox
        .attach_channel(r.db.tenant_id(), &r.conn.id, refusing.clone());
    let admin = r.db.users().list().await.unwrap();
    let user = admin.first().map(|u| u.id.clone()).unwrap_or_else(new_id);
    let msg = tucan_model::ticket::NewMessage {
        body: "olá".into(),
        media_id: None,
        quoted_id: None,
        sign: None,
    };
    let m = r
        .inbox
        .send_agent_message(&r.db, &out.ticket.id, &user, &msg)
        .await
        .unwrap();
    let failed = status_of(&r.db, &m.id, MessageStatus::Failed).await;
    assert_eq!(
        failed.error.as_deref(),
        Some("the number is not on WhatsApp")
    );
    assert_eq!(
        refusing.attempts.load(Ordering::SeqCst),
        1,
        "a refusal is not retried"
    );

    let offline = Arc::new(Flaky {
        refuse: false,
        attempts: AtomicUsize::new(0),
    });
    r.inbox
        .attach_channel(r.db.tenant_id(), &r.conn.id, offline.clone());
    let m = r
        .inbox
        .send_agent_message(&r.db, &out.ticket.id, &user, &msg)
        .await
        .unwrap();
    let failed = status_of(&r.db, &m.id, MessageStatus::Failed).await;
    assert!(failed.error.unwrap().contains("gave up after 6 attempts"));
    assert_eq!(offline.attempts.load(Ordering::SeqCst), 6);
}

#[tokio::test]
async fn statuses_only_move_forward_and_a_keyed_write_happens_once() {
    let r = rig().await;
    let out = r
        .inbox
        .receive(&r.db, &r.conn, text("5511987650002", "oi"))
        .await
        .unwrap();
    let write = OutgoingWrite {
        ticket_id: out.ticket.id.clone(),
        body: "from a flow".into(),
        dedupe_key: Some("run1:3:send".into()),
        allow_closed: true,
        ..Default::default()
    };
    let a = r.db.create_outgoing(&write).await.unwrap();
    let b = r.db.create_outgoing(&write).await.unwrap();
    assert_eq!(a.id, b.id);
    let page = r.db.list_messages(&out.ticket.id, None, 50).await.unwrap();
    assert_eq!(page.items.len(), 2, "the customer's and one outgoing");

    let db = &r.db;
    assert!(
        db.set_message_status(&a.id, MessageStatus::Read, Some("x1"), None)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        db.set_message_status(&a.id, MessageStatus::Delivered, None, None)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        db.set_message_status(&a.id, MessageStatus::Failed, None, Some("late"))
            .await
            .unwrap()
            .is_none()
    );
    let m = db.get_message(&a.id).await.unwrap();
    assert_eq!(
        (m.status, m.channel_id.as_deref()),
        (MessageStatus::Read, Some("x1"))
    );
}

#[tokio::test]
async fn without_a_reopen_window_a_message_after_close_opens_a_new_ticket() {
    let r = rig().await;
    let mut settings = std::collections::BTreeMap::new();
    settings.insert("ticket_reopen_window_minutes".to_string(), json!(0));
    r.db.put_settings(&settings).await.unwrap();
    let first = r
        .inbox
        .receive(&r.db, &r.conn, text("5511987650003", "oi"))
        .await
        .unwrap();
    assert!(first.opened);
    let closed = r
        .inbox
        .act(
            &r.db,
            &first.ticket.id,
            &Actor::system(),
            TicketAction::Close,
        )
        .await
        .unwrap();
    assert_eq!(closed.status, TicketStatus::Closed);
    let again = r
        .inbox
        .receive(&r.db, &r.conn, text("+5511987650003", "voltei"))
        .await
        .unwrap();
    assert!(again.opened && !again.reopened);
    assert_ne!(again.ticket.id, first.ticket.id);
    assert_eq!(
        again.ticket.contact_id, first.ticket.contact_id,
        "the same contact"
    );
    // Reopening the old one now would give the contact two live tickets on the number.
    let err = r
        .inbox
        .act(
            &r.db,
            &first.ticket.id,
            &Actor::system(),
            TicketAction::Reopen,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("another ticket"), "{err}");
}

#[tokio::test]
async fn a_cancelled_scheduled_message_never_leaves() {
    let r = rig().await;
    let out = r
        .inbox
        .receive(&r.db, &r.conn, text("5511987650004", "oi"))
        .await
        .unwrap();
    let user = new_id();
    let at = Utc::now() + chrono::Duration::milliseconds(400);
    let keep = r
        .inbox
        .schedule_on_ticket(&r.db, &out.ticket.id, &user, "fica", at)
        .await
        .unwrap();
    let drop = r
        .inbox
        .schedule_on_ticket(&r.db, &out.ticket.id, &user, "cancelada", at)
        .await
        .unwrap();
    r.inbox.cancel_scheduled(&r.db, &drop.id).await.unwrap();
    assert!(
        r.inbox.cancel_scheduled(&r.db, &drop.id).await.is_err(),
        "cancelled once"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let sent = r.db.get_scheduled(&keep.id).await.unwrap();
    assert_eq!(sent.status, tucan_model::schedule::ScheduleStatus::Sent);
    status_of(
        &r.db,
        sent.message_id.as_deref().unwrap(),
        MessageStatus::Delivered,
    )
    .await;
    let bodies: Vec<String> =
        r.db.list_messages(&out.ticket.id, None, 50)
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|m| m.body)
            .collect();
    assert_eq!(bodies, ["oi", "fica"]);
}

/// A channel that keeps what it was asked to send, and when.
#[derive(Default)]
struct Recorder {
    sent: std::sync::Mutex<Vec<(String, std::time::Instant)>>,
}

#[async_trait]
impl Channel for Recorder {
    async fn connect(&self) -> Result<(), ChannelError> {
        Ok(())
    }
    async fn disconnect(&self) -> Result<(), ChannelError> {
        Ok(())
    }
    async fn send(&self, out: &Outgoing) -> Result<String, ChannelError> {
        let mut sent = self.sent.lock().unwrap();
        sent.push((out.body.clone(), std::time::Instant::now()));
        Ok(new_id())
    }
}

#[tokio::test]
async fn a_paced_backlog_leaves_in_the_order_it_was_written() {
    let r = rig().await;
    // 30 a minute: a burst of five, then one every two seconds.
    let conn =
        r.db.create_connection(&NewConnection {
            name: "Slow".into(),
            kind: ChannelKind::Simulator,
            phone: "+551130000002".into(),
            default_flow_id: None,
            default_queue_id: None,
            greeting: String::new(),
            farewell: String::new(),
            messages_per_minute: Some(30),
            cloud_api: None,
        })
        .await
        .unwrap();
    let out = r
        .inbox
        .receive(&r.db, &conn, text("5511987650009", "oi"))
        .await
        .unwrap();
    let recorder = Arc::new(Recorder::default());
    r.inbox
        .attach_channel(r.db.tenant_id(), &conn.id, recorder.clone());
    let user = new_id();
    let started = std::time::Instant::now();
    let mut ids = Vec::new();
    for i in 1..=8 {
        let msg = tucan_model::ticket::NewMessage {
            body: format!("parte {i}"),
            media_id: None,
            quoted_id: None,
            sign: None,
        };
        let m = r
            .inbox
            .send_agent_message(&r.db, &out.ticket.id, &user, &msg)
            .await
            .unwrap();
        ids.push(m.id);
    }
    let last = ids.last().unwrap().clone();
    for _ in 0..400 {
        if r.db.get_message(&last).await.unwrap().status == MessageStatus::Sent {
            break;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    for id in &ids {
        assert_eq!(
            r.db.get_message(id).await.unwrap().status,
            MessageStatus::Sent
        );
    }
    let sent = recorder.sent.lock().unwrap().clone();
    let bodies: Vec<&str> = sent.iter().map(|(b, _)| b.as_str()).collect();
    let wanted: Vec<String> = (1..=8).map(|i| format!("parte {i}")).collect();
    assert_eq!(bodies, wanted, "sent once each, in the order written");
    // The burst goes at once; the last three wait their two-second slots.
    assert!(sent[4].1.duration_since(started) < Duration::from_millis(1500));
    assert!(sent[7].1.duration_since(started) >= Duration::from_millis(5500));
    assert!(sent[7].1.duration_since(started) < Duration::from_secs(9));
}

#[tokio::test]
async fn resuming_reads_what_follows_the_cursor_and_pruning_drops_only_older_events() {
    let r = rig().await;
    // More than one prune chunk of old events.
    for _ in 0..1050 {
        r.db.append_access_event().await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(3)).await;
    let cut = Utc::now();
    tokio::time::sleep(Duration::from_millis(3)).await;
    for _ in 0..3 {
        r.db.append_access_event().await.unwrap();
    }
    let all = r.db.events_after("0", 5000).await.unwrap().events;
    let ids: Vec<&str> = all.iter().map(|e| e.id.as_str()).collect();
    assert!(ids.len() >= 1053);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in id order");

    // A client that saw the 100th event gets the next ones, as many as asked for.
    let next = r.db.events_after(ids[99], 50).await.unwrap();
    assert!(next.more, "a full page: more may follow");
    let next: Vec<&str> = next.events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(next, ids[100..150]);
    let tail = r.db.events_after(ids[ids.len() - 3], 50).await.unwrap();
    assert!(!tail.more, "the last page says so");
    assert_eq!(tail.events.len(), 2);
    let last = r.db.events_after(ids[ids.len() - 1], 50).await.unwrap();
    assert!(
        last.events.is_empty() && !last.more,
        "nothing after the newest"
    );

    let pruned = r.db.prune_events(cut).await.unwrap();
    assert!(pruned >= 1050, "pruned {pruned}");
    let left = r.db.events_after("0", 5000).await.unwrap().events;
    let left: Vec<&str> = left.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        left,
        ids[ids.len() - 3..],
        "only the events after the cut stay"
    );
    assert_eq!(r.db.prune_events(cut).await.unwrap(), 0);
}
