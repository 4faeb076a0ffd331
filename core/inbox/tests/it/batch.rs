//! The batched inbound write: messages arriving together, several of one ticket in one
//! batch, and a writer's memory of its customers between batches.

use tucan_model::ticket::{MessageKind, TicketStatus};
use tucan_store::{
    ContactFields, EventKind, InboundMemo, QuickInbound, QuickOutcome, TenantDb, TicketChange,
};

use super::inbox::{rig, text};

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
    let events = r.db.events_after("0", 500).await.unwrap().events;
    let message_events: std::collections::HashSet<String> = events
        .iter()
        .filter(|e| e.kind == EventKind::Message)
        .filter_map(|e| e.data["id"].as_str().map(String::from))
        .collect();
    let message_event_count = events
        .iter()
        .filter(|e| e.kind == EventKind::Message)
        .count();
    assert_eq!(message_events.len(), 32);
    assert_eq!(message_event_count, 32);
    // Each message's event comes right after its ticket's, under its own id.
    for (i, e) in events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == EventKind::Message)
    {
        let ticket = &events[i - 1];
        assert_eq!(ticket.kind, EventKind::Ticket);
        assert_eq!(ticket.ticket_id, e.ticket_id);
        assert_eq!(ticket.data["id"].as_str(), e.ticket_id.as_deref());
        assert!(ticket.id < e.id);
    }
    // The known customer's ticket events show the ticket as each message left it: that
    // message's preview and one more unread than the event before, also when several of
    // its messages were written together.
    let mut unread = 0;
    for (i, e) in events.iter().enumerate().filter(|(_, e)| {
        e.kind == EventKind::Message && e.ticket_id.as_deref() == Some(known.id.as_str())
    }) {
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
    let events = r.db.events_after("0", 100).await.unwrap().events;
    let shown: Vec<(u64, String)> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            e.kind == EventKind::Message
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

/// One message through a writer's batched write, with its memory.
async fn write(db: &TenantDb, message: QuickInbound, memo: &mut InboundMemo) -> Vec<QuickOutcome> {
    db.record_inbound_batch_with(&[message], memo)
        .await
        .unwrap()
}

/// A text from `phone` for the batched write, its body naming its channel id.
fn quick_text(connection_id: &str, phone: &str, channel_id: &str) -> QuickInbound {
    QuickInbound {
        connection_id: connection_id.into(),
        channel_id: channel_id.into(),
        phone: phone.into(),
        push_name: None,
        kind: MessageKind::Text,
        body: format!("body of {channel_id}"),
        media: None,
        media_error: None,
        quoted_channel_id: None,
    }
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
    let quick = |channel_id: &str| quick_text(&r.conn.id, phone, channel_id);
    let stored = |out: &[QuickOutcome]| match &out[0] {
        QuickOutcome::Stored(o) => o.clone(),
        other => panic!("not stored: {other:?}"),
    };
    let mut memo = InboundMemo::default();
    // Looked up, then remembered.
    let one = stored(&write(&r.db, quick("r-1"), &mut memo).await);
    assert_eq!(one.ticket.unread, 2);
    assert_eq!(memo.len(), 1, "the customer is remembered");
    // From memory: counts on from the ticket as the last batch left it.
    let two = stored(&write(&r.db, quick("r-2"), &mut memo).await);
    assert_eq!(
        (two.ticket.id.as_str(), two.ticket.unread),
        (first.ticket.id.as_str(), 3)
    );
    // A second delivery of a message written from memory is still found out.
    let again = write(&r.db, quick("r-2"), &mut memo).await;
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
    let three = stored(&write(&r.db, quick("r-3"), &mut memo).await);
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
    let closed = write(&r.db, quick("r-4"), &mut memo).await;
    assert!(matches!(closed[0], QuickOutcome::Declined), "{closed:?}");
    // Every message was stored once.
    let events = r.db.events_after("0", 100).await.unwrap().events;
    let bodies: Vec<&str> = events
        .iter()
        .filter(|e| e.kind == EventKind::Message && e.data["direction"] == "in")
        .filter_map(|e| e.data["body"].as_str())
        .collect();
    assert_eq!(bodies, ["oi", "body of r-1", "body of r-2", "body of r-3"]);
}

#[tokio::test]
async fn a_writer_notices_a_remembered_contact_renamed_or_deleted() {
    let r = rig().await;
    let phone = "+5511987650041";
    let first = r
        .inbox
        .receive(&r.db, &r.conn, text(phone, "oi"))
        .await
        .unwrap();
    let quick = |channel_id: &str| quick_text(&r.conn.id, phone, channel_id);
    let mut memo = InboundMemo::default();
    let one = write(&r.db, quick("n-1"), &mut memo).await;
    assert!(matches!(one[0], QuickOutcome::Stored(_)), "{one:?}");
    assert_eq!(memo.len(), 1, "the customer is remembered");
    // An agent renames the contact: the next message's ticket carries the new name.
    let contact = r.db.get_contact(&first.ticket.contact_id).await.unwrap();
    let mut fields = ContactFields::from(contact.clone());
    fields.name = "Ana Souza".into();
    r.db.save_contact(&contact.id, &fields).await.unwrap();
    let two = write(&r.db, quick("n-2"), &mut memo).await;
    match &two[0] {
        QuickOutcome::Stored(o) => assert_eq!(o.ticket.contact_name, "Ana Souza"),
        other => panic!("not stored: {other:?}"),
    }
    let ticket = r.db.get_ticket(&first.ticket.id).await.unwrap();
    assert_eq!(ticket.contact_name, "Ana Souza");
    // The contact is deleted: its number's next message does not go to the old ticket from
    // memory; it is declined, for the one-message path to start over.
    r.db.delete_contact(&contact.id).await.unwrap();
    let gone = write(&r.db, quick("n-3"), &mut memo).await;
    assert!(matches!(gone[0], QuickOutcome::Declined), "{gone:?}");
    let ticket = r.db.get_ticket(&first.ticket.id).await.unwrap();
    assert_eq!(ticket.last_message, "body of n-2");
}
