//! One suite every channel passes: each case runs once per channel kind (the simulator, the
//! Cloud API on the fake Graph API), driven from the customer's end (`lines.rs`) and checked
//! through the REST API as an agent sees it. A case a channel cannot have (a rate limit on
//! the simulator) is listed for the kinds that have it only.

mod lines;

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::assert_error;
use lines::{CUSTOMER, CUSTOMER_NAME, Line};

/// Each case becomes a module with one test per channel kind named after it.
macro_rules! conformance {
    ($($case:ident: [$($kind:ident),+];)+) => {$(
        mod $case {$(
            #[tokio::test]
            async fn $kind() {
                super::$case(super::Line::$kind().await).await
            }
        )+}
    )+};
}

conformance! {
    customer_messages_reach_one_ticket_once: [simulator, cloud_api];
    a_forged_delivery_writes_nothing: [simulator, cloud_api];
    an_agents_reply_reaches_the_phone_and_its_status_moves_forward_only: [simulator, cloud_api];
    a_flows_menus_round_trip: [simulator, cloud_api];
    a_customer_who_has_not_written_gets_what_the_channel_allows: [simulator, cloud_api];
    a_rate_limit_is_waited_out_and_the_message_goes: [cloud_api];
    a_revoked_token_fails_the_message_and_marks_the_connection: [cloud_api];
}

/// GET `path` until `ok` holds for its body (10 s at most).
async fn until(line: &Line, path: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let start = Instant::now();
    loop {
        let (status, body) = line.app.get(path, &line.t.admin_token).await;
        if status == StatusCode::OK && ok(&body) {
            return body;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{path} never got there: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn items(page: &Value) -> &Vec<Value> {
    page["items"].as_array().unwrap()
}

/// The customer's first message opens a ticket; the admin takes it. Returns the ticket id.
async fn open_ticket(line: &Line) -> String {
    line.customer_says("in-1", "Oi, quero ver meu pedido").await;
    let page = until(line, "/api/tickets", |p| items(p).len() == 1).await;
    let id = items(&page)[0]["id"].as_str().unwrap().to_string();
    let (status, body) = line
        .app
        .post(
            &format!("/api/tickets/{id}/accept"),
            &line.t.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    id
}

/// The agent writes `text` on the ticket; returns the platform's message id.
async fn agent_says(line: &Line, ticket: &str, text: &str) -> String {
    let (status, msg) = line
        .app
        .post(
            &format!("/api/tickets/{ticket}/messages"),
            &line.t.admin_token,
            json!({ "body": text }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{msg}");
    msg["id"].as_str().unwrap().to_string()
}

/// The status of the platform's message `id` on its ticket, once `ok` holds for it.
async fn status_of(line: &Line, ticket: &str, id: &str, ok: impl Fn(&str) -> bool) -> Value {
    let page = until(line, &format!("/api/tickets/{ticket}/messages"), |p| {
        items(p)
            .iter()
            .any(|m| m["id"] == id && ok(m["status"].as_str().unwrap_or_default()))
    })
    .await;
    items(&page).iter().find(|m| m["id"] == id).unwrap().clone()
}

async fn customer_messages_reach_one_ticket_once(line: Line) {
    line.customer_says("in-1", "Oi, quero ver meu pedido").await;
    // The channel delivers the same message again (a retried webhook, a reconnect).
    line.customer_says("in-1", "Oi, quero ver meu pedido").await;
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-conformance".to_vec();
    line.customer_sends_png("in-2", &png, "o boleto").await;

    let page = until(&line, "/api/tickets", |p| {
        items(p).len() == 1 && items(p)[0]["last_message"] == "o boleto"
    })
    .await;
    let ticket = &items(&page)[0];
    assert_eq!(ticket["contact_phone"], format!("+{CUSTOMER}"));
    assert_eq!(ticket["contact_name"], CUSTOMER_NAME);
    let path = format!("/api/tickets/{}/messages", ticket["id"].as_str().unwrap());
    until(&line, &path, |p| items(p).len() >= 2).await;
    // Give a late duplicate the time to show, were it kept.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, page) = line.app.get(&path, &line.t.admin_token).await;
    let messages = items(&page);
    assert_eq!(messages.len(), 2, "{page}");
    assert_eq!(messages[0]["body"], "Oi, quero ver meu pedido");
    assert_eq!(messages[0]["direction"], "in");
    assert_eq!(messages[1]["kind"], "image");
    assert_eq!(messages[1]["body"], "o boleto");
    let media = messages[1]["media"]["id"].as_str().unwrap();
    let file = line
        .app
        .http
        .get(format!("{}/api/media/{media}", line.app.base))
        .bearer_auth(&line.t.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(
        file.headers()["content-type"].to_str().unwrap(),
        "image/png"
    );
    assert_eq!(file.bytes().await.unwrap().to_vec(), png);
}

async fn a_forged_delivery_writes_nothing(line: Line) {
    for status in line
        .forged_deliveries("Sou o banco, me passe a senha")
        .await
    {
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, tickets) = line.app.get("/api/tickets", &line.t.admin_token).await;
    assert!(items(&tickets).is_empty(), "{tickets}");
    let (_, contacts) = line.app.get("/api/contacts", &line.t.admin_token).await;
    assert!(items(&contacts).is_empty(), "{contacts}");
}

async fn an_agents_reply_reaches_the_phone_and_its_status_moves_forward_only(line: Line) {
    let ticket = open_ticket(&line).await;
    let id = agent_says(&line, &ticket, "Olá Ana, já vejo").await;
    let got = line.wait_received(1).await;
    assert_eq!(got[0].text, "Olá Ana, já vejo");
    assert_eq!(got[0].shape, "text");
    status_of(&line, &ticket, &id, |s| s == "sent" || s == "delivered").await;

    if line.can_reorder_receipts() {
        line.receipt(&got[0], "delivered").await;
    }
    status_of(&line, &ticket, &id, |s| s == "delivered").await;
    line.receipt(&got[0], "read").await;
    status_of(&line, &ticket, &id, |s| s == "read").await;
    if line.can_reorder_receipts() {
        // A late `delivered` (notifications are not ordered) moves nothing back.
        line.receipt(&got[0], "delivered").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let msg = status_of(&line, &ticket, &id, |_| true).await;
        assert_eq!(msg["status"], "read", "{msg}");
    }
}

async fn a_flows_menus_round_trip(line: Line) {
    // Two options fit buttons; five need a list where the channel has them.
    let doc = json!({
        "nodes": [
            { "id": "start", "type": "trigger.message_received" },
            { "id": "menu", "type": "messaging.menu",
              "config": { "text": "Como posso ajudar?", "options": ["Vendas", "Suporte"] } },
            { "id": "sales", "type": "messaging.send_text", "config": { "text": "Vendas aqui" } },
            { "id": "topics", "type": "messaging.menu",
              "config": { "text": "Sobre o quê?",
                          "options": ["Entrega", "Troca", "Pagamento", "Nota fiscal", "Outro"] } },
            { "id": "invoice", "type": "messaging.send_text",
              "config": { "text": "Nota fiscal: já envio" } }
        ],
        "edges": [
            { "id": "a", "source": "start", "target": "menu" },
            { "id": "b", "source": "menu", "source_port": "1", "target": "sales" },
            { "id": "c", "source": "menu", "source_port": "2", "target": "topics" },
            { "id": "d", "source": "topics", "source_port": "4", "target": "invoice" }
        ]
    });
    let token = &line.t.admin_token;
    let (status, flow) = line
        .app
        .post(
            "/api/flows",
            token,
            json!({ "name": "Menu", "document": doc }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{flow}");
    let (status, published) = line
        .app
        .post(
            &format!("/api/flows/{}/publish", flow["id"].as_str().unwrap()),
            token,
            json!({}),
        )
        .await;
    assert!(status.is_success(), "{published}");

    line.customer_says("in-1", "Oi").await;
    let got = line.wait_received(1).await;
    let menu = &got[0];
    assert!(menu.text.starts_with("Como posso ajudar?"), "{menu:?}");
    assert!(menu.shows_option(1, "Vendas"), "{menu:?}");
    assert!(menu.shows_option(2, "Suporte"), "{menu:?}");
    if line.has_window() {
        assert_eq!(menu.shape, "buttons", "{menu:?}");
    }

    line.customer_picks("in-2", menu, 2, "Suporte").await;
    let got = line.wait_received(2).await;
    let topics = &got[1];
    assert!(topics.text.starts_with("Sobre o quê?"), "{topics:?}");
    assert!(topics.shows_option(4, "Nota fiscal"), "{topics:?}");
    if line.has_window() {
        assert_eq!(topics.shape, "list", "{topics:?}");
    }

    line.customer_picks("in-3", topics, 4, "Nota fiscal").await;
    let got = line.wait_received(3).await;
    assert_eq!(got[2].text, "Nota fiscal: já envio");
}

async fn a_customer_who_has_not_written_gets_what_the_channel_allows(line: Line) {
    // A conversation the company starts: the customer never wrote on this number.
    let (status, contact) = line
        .app
        .post(
            "/api/contacts",
            &line.t.admin_token,
            json!({ "name": CUSTOMER_NAME, "phone": format!("+{CUSTOMER}") }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{contact}");
    let ticket = tucan_model::ids::new_id();
    let db = line.app.store.tenant(&line.t.id).await.unwrap();
    db.import_tickets(&[json!({
        "id": ticket, "contact_id": contact["id"], "contact_name": CUSTOMER_NAME,
        "contact_phone": format!("+{CUSTOMER}"), "connection_id": line.conn_id,
        "status": "open", "activity": tucan_model::ids::new_id(), "tags": [],
    })])
    .await
    .unwrap();
    let messages = format!("/api/tickets/{ticket}/messages");
    let free_text = line
        .app
        .post(&messages, &line.t.admin_token, json!({ "body": "Oi Ana!" }))
        .await;
    if !line.has_window() {
        // No window on this channel: free text goes.
        assert_eq!(free_text.0, StatusCode::CREATED, "{}", free_text.1);
        assert_eq!(line.wait_received(1).await[0].text, "Oi Ana!");
        return;
    }
    assert_error(&free_text, 409, "WINDOW_CLOSED");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(line.received().await.is_empty());

    // An approved template gets past the closed window.
    line.fake().add_template(
        "pedido_pronto",
        "pt_BR",
        "APPROVED",
        "Olá {{1}}, seu pedido {{2}} está pronto.",
    );
    let (status, synced) = line
        .app
        .post(
            &format!("/api/connections/{}/templates/sync", line.conn_id),
            &line.t.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{synced}");
    let (status, sent) = line
        .app
        .post(
            &format!("/api/tickets/{ticket}/template"),
            &line.t.admin_token,
            json!({ "name": "pedido_pronto", "language": "pt_BR", "variables": ["Ana", "1234"] }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let got = line.wait_received(1).await;
    assert_eq!(got[0].shape, "template", "{got:?}");
    assert_eq!(sent["body"], "Olá Ana, seu pedido 1234 está pronto.");
}

async fn a_rate_limit_is_waited_out_and_the_message_goes(line: Line) {
    let ticket = open_ticket(&line).await;
    line.fake()
        .fail_next(1, 429, 130429, None, "Rate limit hit");
    let id = agent_says(&line, &ticket, "Segue o boleto").await;
    let msg = status_of(&line, &ticket, &id, |s| s == "sent").await;
    assert!(msg["error"].is_null(), "{msg}");
    let got = line.wait_received(1).await;
    assert_eq!(got.len(), 1, "one message, not two: {got:?}");
    assert_eq!(got[0].text, "Segue o boleto");
}

async fn a_revoked_token_fails_the_message_and_marks_the_connection(line: Line) {
    let ticket = open_ticket(&line).await;
    line.fake().fail_next(
        1,
        401,
        190,
        Some(463),
        "Error validating access token: Session has expired",
    );
    let id = agent_says(&line, &ticket, "Mais alguma coisa?").await;
    let failed = status_of(&line, &ticket, &id, |s| s == "failed").await;
    assert!(
        failed["error"].as_str().unwrap().contains("access token"),
        "{failed}"
    );
    let conn = until(&line, &format!("/api/connections/{}", line.conn_id), |c| {
        c["status"] == "disconnected"
    })
    .await;
    assert_eq!(conn["status"], "disconnected");
    assert!(line.received().await.is_empty());
}
