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
use tucan_engine::Registry;
use tucan_inbox::{
    Actor, Channel, ChannelError, Inbox, InboxOptions, Incoming, Outgoing, TicketAction,
};
use tucan_model::ids::new_id;
use tucan_model::tenancy::{NewPlan, PlanFeatures, PlanLimits, Tenant, TenantStatus};
use tucan_model::ticket::{
    ChannelKind, Connection, MessageKind, MessageStatus, NewConnection, TicketStatus,
};
use tucan_runtime::{FlowRuntime, RuntimeOptions};
use tucan_store::{
    InboundMemo, OutgoingWrite, QuickInbound, QuickOutcome, Store, TenantDb, TicketChange,
};

struct Rig {
    db: TenantDb,
    inbox: Arc<Inbox>,
    conn: Connection,
    stop: CancellationToken,
}

impl Drop for Rig {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn rig() -> Rig {
    let store = Store::memory().await.unwrap();
    let plan = store
        .platform()
        .create_plan(&NewPlan {
            name: format!("plan-{}", new_id()),
            limits: PlanLimits {
                users: 5,
                connections: 5,
                queues: 5,
                flows: 5,
                plugins: 0,
            },
            features: PlanFeatures {
                campaigns: false,
                plugins: false,
                api_access: true,
                webhooks: true,
            },
        })
        .await
        .unwrap();
    let tenant = Tenant {
        id: new_id(),
        name: "Acme".into(),
        plan_id: plan.id,
        status: TenantStatus::Active,
        timezone: "America/Sao_Paulo".into(),
        country: "BR".into(),
        created_at: Utc::now(),
    };
    store.platform().insert_tenant(&tenant).await.unwrap();
    store.migrate_tenant(&tenant.id).await.unwrap();
    let db = store.tenant(&tenant.id).await.unwrap();
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
    let runtime = FlowRuntime::new(
        store.clone(),
        bus.clone(),
        Timers::new(store.jobs(), bus.clone()),
        Arc::new(Registry::builtin()),
        RuntimeOptions::default(),
    );
    let inbox = Inbox::new(
        store.clone(),
        bus.clone(),
        runtime.clone(),
        InboxOptions::default(),
    );
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
            messages_per_minute: 600,
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

fn text(from: &str, body: &str) -> Incoming {
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
        .schedule_message(&r.db, &out.ticket.id, &user, "fica", at)
        .await
        .unwrap();
    let drop = r
        .inbox
        .schedule_message(&r.db, &out.ticket.id, &user, "cancelada", at)
        .await
        .unwrap();
    r.inbox.cancel_scheduled(&r.db, &drop.id).await.unwrap();
    assert!(
        r.inbox.cancel_scheduled(&r.db, &drop.id).await.is_err(),
        "cancelled once"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let sent = r.db.get_scheduled(&keep.id).await.unwrap();
    assert_eq!(sent.status, "sent");
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
            messages_per_minute: 30,
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
async fn messages_arriving_together_are_each_stored_once() {
    let r = rig().await;
    let first = r
        .inbox
        .receive(&r.db, &r.conn, text("+5511987650010", "oi"))
        .await
        .unwrap();
    assert!(first.opened);
    let quoted_channel = first.message.channel_id.clone().unwrap();
    // A burst: 20 messages of the known customer (five of them delivered twice, one quoting
    // the first), 10 of a new customer, and one from a contact still named after its number
    // who now has a name.
    r.db.create_contact(&tucan_store::ContactFields {
        name: "+5511987650012".into(),
        phone: "+5511987650012".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    let mut burst = Vec::new();
    for i in 0..20 {
        let mut m = text("+5511987650010", &format!("known {i}"));
        if i == 7 {
            m.quoted = Some(quoted_channel.clone());
        }
        if i < 5 {
            burst.push(m.clone());
        }
        burst.push(m);
    }
    for i in 0..10 {
        burst.push(text("+5511987650011", &format!("new {i}")));
    }
    let mut named = text("+5511987650012", "hello");
    named.push_name = Some("  Maria Souza ".into());
    burst.push(named);
    let tasks: Vec<_> = burst
        .into_iter()
        .map(|m| {
            let (inbox, db, conn) = (r.inbox.clone(), r.db.clone(), r.conn.clone());
            let channel_id = m.channel_id.clone();
            tokio::spawn(async move { (channel_id, inbox.receive(&db, &conn, m).await.unwrap()) })
        })
        .collect();
    let mut by_channel: std::collections::HashMap<String, Vec<_>> = Default::default();
    for t in tasks {
        let (channel_id, outcome) = t.await.unwrap();
        by_channel.entry(channel_id).or_default().push(outcome);
    }
    assert_eq!(by_channel.len(), 31);
    for (channel_id, outcomes) in &by_channel {
        let stored: Vec<_> = outcomes.iter().filter(|o| !o.duplicate).collect();
        assert_eq!(stored.len(), 1, "{channel_id} stored once");
        // A second delivery answers with the first one's message.
        for o in outcomes {
            assert_eq!(o.message.id, stored[0].message.id);
        }
    }
    // The known customer's messages went through the batched write, which also tells
    // that no run of the contact waits.
    let known_stored: Vec<_> = by_channel
        .values()
        .flatten()
        .filter(|o| !o.duplicate && o.message.body.starts_with("known "))
        .collect();
    assert_eq!(known_stored.len(), 20);
    assert!(known_stored.iter().all(|o| o.runs_waiting == Some(false)));
    let known = r.db.get_ticket(&first.ticket.id).await.unwrap();
    assert_eq!(
        known.unread, 21,
        "one unread per message, duplicates not counted"
    );
    let page = r.db.list_messages(&known.id, None, 100).await.unwrap();
    assert_eq!(page.items.len(), 21);
    let quoting = page.items.iter().find(|m| m.body == "known 7").unwrap();
    assert_eq!(
        quoting.quoted_id.as_deref(),
        Some(first.message.id.as_str())
    );
    let new_tickets: std::collections::HashSet<String> = by_channel
        .values()
        .flatten()
        .filter(|o| o.message.body.starts_with("new "))
        .map(|o| o.ticket.id.clone())
        .collect();
    assert_eq!(new_tickets.len(), 1, "the new customer has one ticket");
    let new_ticket = new_tickets.into_iter().next().unwrap();
    let page = r.db.list_messages(&new_ticket, None, 100).await.unwrap();
    assert_eq!(page.items.len(), 10);
    assert_eq!(r.db.get_ticket(&new_ticket).await.unwrap().unread, 10);
    let maria =
        r.db.find_contact_by_phone("+5511987650012")
            .await
            .unwrap()
            .unwrap();
    assert_eq!(
        maria.name, "Maria Souza",
        "a contact named after its number takes the name"
    );
    // Every stored message has its event, and the burst's events are in the stream once.
    let events = r.db.events_after("0", 500).await.unwrap();
    let message_events: std::collections::HashSet<String> = events
        .iter()
        .filter(|e| e.kind == "message")
        .filter_map(|e| e.data["id"].as_str().map(String::from))
        .collect();
    let message_event_count = events.iter().filter(|e| e.kind == "message").count();
    assert_eq!(message_events.len(), 32);
    assert_eq!(message_event_count, 32);
    // Each message's event comes right after its ticket's, under its own id.
    for (i, e) in events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == "message")
    {
        let ticket = &events[i - 1];
        assert_eq!(ticket.kind, "ticket");
        assert_eq!(ticket.ticket_id, e.ticket_id);
        assert_eq!(ticket.data["id"].as_str(), e.ticket_id.as_deref());
        assert!(ticket.id < e.id);
    }
    // The known customer's ticket events show the ticket as each message left it: that
    // message's preview and one more unread than the event before, also when several of
    // its messages were written together.
    let mut unread = 0;
    for (i, e) in events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == "message" && e.ticket_id.as_deref() == Some(known.id.as_str()))
    {
        let ticket = &events[i - 1];
        assert_eq!(ticket.data["last_message"], e.data["body"]);
        let n = ticket.data["unread"].as_u64().unwrap();
        assert_eq!(n, unread + 1, "unread counts up message by message");
        unread = n;
    }
    assert_eq!(unread, 21);
}

#[tokio::test]
async fn one_batch_writes_several_messages_of_a_ticket_in_order() {
    let r = rig().await;
    let first = r
        .inbox
        .receive(&r.db, &r.conn, text("+5511987650020", "oi"))
        .await
        .unwrap();
    let quick = |channel_id: &str, body: &str, quoted: Option<&str>| QuickInbound {
        connection_id: r.conn.id.clone(),
        channel_id: channel_id.into(),
        phone: "+5511987650020".into(),
        push_name: None,
        kind: MessageKind::Text,
        body: body.into(),
        media: None,
        media_error: None,
        quoted_channel_id: quoted.map(String::from),
    };
    // The second quotes the first, the third repeats the first, the fourth is a stranger's.
    let batch = [
        quick("b-1", "one", None),
        quick("b-2", "two", Some("b-1")),
        quick("b-1", "one", None),
        QuickInbound {
            phone: "+5511987650029".into(),
            ..quick("b-3", "who", None)
        },
    ];
    let out = r.db.record_inbound_batch(&batch).await.unwrap();
    let stored = |i: usize| match &out[i] {
        QuickOutcome::Stored(o) => o.clone(),
        other => panic!("message {i} not stored: {other:?}"),
    };
    let (one, two) = (stored(0), stored(1));
    assert_eq!(one.ticket.id, first.ticket.id);
    assert_eq!(
        two.message.quoted_id.as_deref(),
        Some(one.message.id.as_str())
    );
    assert!(matches!(&out[2], QuickOutcome::Seen(id) if *id == one.message.id));
    assert!(matches!(out[3], QuickOutcome::Declined), "unknown number");
    assert_eq!(two.ticket.unread, 3);
    assert_eq!(two.ticket.last_message, "two");
    // Each ticket event shows the ticket as its message left it.
    let events = r.db.events_after("0", 100).await.unwrap();
    let shown: Vec<(u64, String)> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            e.kind == "message"
                && e.ticket_id.as_deref() == Some(first.ticket.id.as_str())
                && e.data["direction"] == "in"
        })
        .map(|(i, _)| {
            let ticket = &events[i - 1].data;
            (
                ticket["unread"].as_u64().unwrap(),
                ticket["last_message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [(1, "oi".to_string()), (2, "one".into()), (3, "two".into())]
    );
}

#[tokio::test]
async fn a_writer_remembers_its_customers_and_notices_when_they_changed() {
    let r = rig().await;
    let phone = "+5511987650040";
    let first = r
        .inbox
        .receive(&r.db, &r.conn, text(phone, "oi"))
        .await
        .unwrap();
    let quick = |channel_id: &str| QuickInbound {
        connection_id: r.conn.id.clone(),
        channel_id: channel_id.into(),
        phone: phone.into(),
        push_name: None,
        kind: MessageKind::Text,
        body: format!("body of {channel_id}"),
        media: None,
        media_error: None,
        quoted_channel_id: None,
    };
    let stored = |out: &[QuickOutcome]| match &out[0] {
        QuickOutcome::Stored(o) => o.clone(),
        other => panic!("not stored: {other:?}"),
    };
    let mut memo = InboundMemo::default();
    // Looked up, then remembered.
    let one = stored(
        &r.db
            .record_inbound_batch_with(&[quick("r-1")], &mut memo)
            .await
            .unwrap(),
    );
    assert_eq!(one.ticket.unread, 2);
    assert_eq!(memo.len(), 1, "the customer is remembered");
    // From memory: counts on from the ticket as the last batch left it.
    let two = stored(
        &r.db
            .record_inbound_batch_with(&[quick("r-2")], &mut memo)
            .await
            .unwrap(),
    );
    assert_eq!(
        (two.ticket.id.as_str(), two.ticket.unread),
        (first.ticket.id.as_str(), 3)
    );
    // A second delivery of a message written from memory is still found out.
    let again =
        r.db.record_inbound_batch_with(&[quick("r-2")], &mut memo)
            .await
            .unwrap();
    assert!(matches!(&again[0], QuickOutcome::Seen(id) if *id == two.message.id));
    // An agent reads the ticket: what the writer remembers is stale now. The write notices,
    // looks the ticket up again and counts from what it is.
    r.db.change_ticket(&TicketChange {
        ticket_id: first.ticket.id.clone(),
        read: true,
        actor: "system".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    let three = stored(
        &r.db
            .record_inbound_batch_with(&[quick("r-3")], &mut memo)
            .await
            .unwrap(),
    );
    assert_eq!(
        three.ticket.unread, 1,
        "counted from the ticket as the agent left it"
    );
    let ticket = r.db.get_ticket(&first.ticket.id).await.unwrap();
    assert_eq!(ticket.unread, 1);
    assert_eq!(ticket.last_message, "body of r-3");
    // The ticket closes: the next message is declined, for the one-message path to open one.
    r.db.change_ticket(&TicketChange {
        ticket_id: first.ticket.id.clone(),
        status: Some(TicketStatus::Closed),
        live: tucan_store::LiveKey::Release,
        actor: "system".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    let closed =
        r.db.record_inbound_batch_with(&[quick("r-4")], &mut memo)
            .await
            .unwrap();
    assert!(matches!(closed[0], QuickOutcome::Declined), "{closed:?}");
    // Every message was stored once.
    let events = r.db.events_after("0", 100).await.unwrap();
    let bodies: Vec<&str> = events
        .iter()
        .filter(|e| e.kind == "message" && e.data["direction"] == "in")
        .filter_map(|e| e.data["body"].as_str())
        .collect();
    assert_eq!(bodies, ["oi", "body of r-1", "body of r-2", "body of r-3"]);
}
