//! Unit tests of the batched inbound write: what each message of a batch becomes, and the rows
//! built for the chosen ones.

use tucan_model::ticket::TicketStatus;

use super::*;

fn msg(phone: &str, cid: &str, push: Option<&str>) -> QuickInbound {
    QuickInbound {
        connection_id: "conn".into(),
        channel_id: cid.into(),
        phone: phone.into(),
        push_name: push.map(String::from),
        kind: MessageKind::Text,
        body: "hi".into(),
        media: None,
        media_error: None,
        quoted_channel_id: None,
    }
}

fn found() -> Found {
    let mut f = Found::default();
    for (id, name, phone) in [
        ("ana", "Ana", "+1"),
        ("bob", "+2", "+2"),
        ("cid", "Cid", "+3"),
    ] {
        f.contacts.insert(
            phone.into(),
            FoundContact {
                id: id.into(),
                name: name.into(),
                phone: phone.into(),
            },
        );
    }
    f.live.insert(("ana".into(), "conn".into()), "t-ana".into());
    f.live.insert(("bob".into(), "conn".into()), "t-bob".into());
    for (id, contact) in [("t-ana", "ana"), ("t-bob", "bob")] {
        f.tickets.insert(
            id.into(),
            FoundTicket {
                ticket: ticket(id, contact),
                version: format!("v-{id}"),
            },
        );
    }
    f.seen.insert(("conn".into(), "old".into()), "m-old".into());
    f
}

fn ticket(id: &str, contact: &str) -> Ticket {
    let at = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
    Ticket {
        id: id.into(),
        contact_id: contact.into(),
        contact_name: "old name".into(),
        contact_phone: "+1".into(),
        connection_id: "conn".into(),
        queue_id: Some("q1".into()),
        user_id: None,
        status: TicketStatus::Pending,
        is_group: false,
        unread: 2,
        last_message: "before".into(),
        last_message_at: Some(at),
        last_message_by: None,
        bot_run_id: None,
        mentioned: Vec::new(),
        tags: Vec::new(),
        activity: "a0".into(),
        created_at: at,
        updated_at: at,
        closed_at: None,
        rating: None,
        rating_comment: None,
        campaign_rcpt: None,
    }
}

#[test]
fn rows_carry_each_ticket_as_its_message_left_it() {
    let f = found();
    let mut second = msg("+1", "a2", None);
    second.body = "second".into();
    second.quoted_channel_id = Some("a1".into());
    let batch = [msg("+1", "a1", None), second, msg("+2", "b1", None)];
    let choices = choose(&batch, &f);
    let writes: Vec<(&QuickInbound, &Choice)> = batch.iter().zip(&choices).collect();
    let now = DateTime::<Utc>::from_timestamp(1_800_000_000, 5).unwrap();
    let rows = build_rows(&writes, &f, now);

    assert_eq!(rows.expect, ["t-ana", "t-bob"], "each ticket checked once");
    assert_eq!(rows.versions["t-ana"], "v-t-ana");
    assert_eq!(rows.versions["t-bob"], "v-t-bob");
    assert_eq!(rows.owners, ["ana", "bob"]);
    assert_eq!(rows.events.len(), 3);
    let seen: Vec<(u64, &str)> = rows
        .events
        .iter()
        .map(|e| {
            (
                e["ticket"]["unread"].as_u64().unwrap(),
                e["ticket"]["last_message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(seen, [(3, "hi"), (4, "second"), (3, "hi")]);
    let first_id = choices[0].clone();
    let Choice::Write { message_id, .. } = first_id else {
        panic!("written")
    };
    assert_eq!(rows.events[1]["data"]["quoted_id"], json!(message_id));
    assert_eq!(rows.unread["t-ana"], json!(4), "the ticket ends with both");
    assert_eq!(rows.preview["t-ana"], json!("second"));
    assert_eq!(rows.name["t-ana"], json!("Ana"));
    assert_eq!(rows.written.tickets["t-ana"].unread, 4);
    assert_eq!(rows.written.tickets["t-ana"].updated_at, now);
    // Optional fields left empty are absent, as the store writes them, not null.
    let e = &rows.events[0];
    assert!(e.get("user_id").is_none() && e["ticket"].get("user_id").is_none());
    assert!(
        rows.messages[0].get("created_at").is_none(),
        "the query stamps it"
    );
    assert_eq!(rows.stamp, "2027-01-15T08:00:00.000000005Z");
    // Ticket and message events are time-ordered, message by message.
    let ids: Vec<&str> = rows
        .events
        .iter()
        .flat_map(|e| {
            [
                e["ticket_event"].as_str().unwrap(),
                e["id"].as_str().unwrap(),
            ]
        })
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
}

#[test]
fn the_common_case_is_written_and_the_rest_declined_or_seen() {
    let batch = [
        msg("+1", "a1", Some("Ana")),
        msg("+1", "old", None),
        msg("+1", "a1", None),
        msg("+2", "b1", Some("Bob")),
        msg("+2", "b2", None),
        msg("+3", "c1", None),
        msg("+9", "x1", None),
    ];
    let choices = choose(&batch, &found());
    let Choice::Write {
        message_id,
        ticket_id,
        contact_name,
        ..
    } = &choices[0]
    else {
        panic!(
            "a known contact with a live ticket is written: {:?}",
            choices[0]
        );
    };
    assert_eq!(
        (ticket_id.as_str(), contact_name.as_str()),
        ("t-ana", "Ana")
    );
    assert_eq!(choices[1], Choice::Seen("m-old".into()), "stored before");
    assert_eq!(
        choices[2],
        Choice::Seen(message_id.clone()),
        "earlier in the batch"
    );
    assert_eq!(
        choices[3],
        Choice::Declined,
        "named by number, WhatsApp gives a name"
    );
    assert!(matches!(&choices[4], Choice::Write { ticket_id, .. } if ticket_id == "t-bob"));
    assert_eq!(choices[5], Choice::Declined, "no live ticket");
    assert_eq!(choices[6], Choice::Declined, "unknown number");
}
