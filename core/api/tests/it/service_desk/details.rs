//! Inbox details: who wrote a ticket's last line, a flow's hold on a ticket and an agent
//! taking over from it knowingly, filters by number and date, and a queue's own auto-close.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, TestTenant, assert_error};
use crate::inbox::{customer_says, eventually, queue, simulator};

/// Publish a flow that asks every new conversation a question and waits for the answer.
async fn asking_flow(app: &TestApp, t: &TestTenant) {
    let doc = json!({
        "nodes": [
            { "id": "start", "type": "trigger.message_received" },
            { "id": "ask", "type": "messaging.ask", "config": { "question": "Qual o seu pedido?", "variable": "order" } },
            { "id": "bye", "type": "messaging.send_text", "config": { "text": "Anotado: {{vars.order}}" } }
        ],
        "edges": [
            { "id": "e1", "source": "start", "target": "ask" },
            { "id": "e2", "source": "ask", "source_port": "answer", "target": "bye" }
        ]
    });
    app.publish_flow(t, "Pedido", doc).await;
}

/// A customer of `from` writes "oi" on `conn`; returns their ticket's id.
async fn opens(app: &TestApp, t: &TestTenant, conn: &str, from: &str) -> String {
    customer_says(app, t, conn, json!({ "from": from, "text": "oi" })).await["ticket_id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn ticket(app: &TestApp, t: &TestTenant, id: &str) -> Value {
    app.get(&format!("/api/tickets/{id}"), &t.admin_token)
        .await
        .1
}

#[tokio::test]
async fn a_ticket_a_flow_talks_on_is_marked_and_an_agent_takes_it_over_knowingly() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let conn = simulator(&app, &t, "+551130000041", json!({})).await;
    asking_flow(&app, &t).await;
    let (agent, agent_tok) = app.user(&t, "agent").await;

    let said = customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "5511944440001", "text": "oi" }),
    )
    .await;
    let id = said["ticket_id"].as_str().unwrap().to_string();
    let held = eventually(&app, &format!("/api/tickets/{id}"), &t.admin_token, |t| {
        t["bot_run_id"].is_string()
    })
    .await;
    assert_eq!(held["last_message_by"], "bot", "{held}");
    assert_eq!(held["last_message"], "Qual o seu pedido?");
    let run = held["bot_run_id"].as_str().unwrap().to_string();

    // Accepting by accident is refused; knowingly, the agent takes over and the flow stops.
    let accept = format!("/api/tickets/{id}/accept");
    assert_error(
        &app.post(&accept, &agent_tok, json!({})).await,
        409,
        "FLOW_TALKING",
    );
    let (status, taken) = app
        .post(&format!("{accept}?take_over=true"), &agent_tok, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{taken}");
    assert_eq!(taken["user_id"], agent.as_str());
    assert!(taken["bot_run_id"].is_null(), "{taken}");
    let stopped = eventually(&app, &format!("/api/runs/{run}"), &t.admin_token, |r| {
        r["run"]["status"] == "cancelled"
    })
    .await;
    assert_eq!(stopped["run"]["status"], "cancelled");
    // The customer's answer now reaches the agent only.
    customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "5511944440001", "text": "pedido 42" }),
    )
    .await;
    let after = eventually(&app, &format!("/api/tickets/{id}"), &t.admin_token, |t| {
        t["last_message"] == "pedido 42"
    })
    .await;
    assert_eq!(after["last_message_by"], "customer");
    let (status, sent) = app
        .post(
            &format!("/api/tickets/{id}/messages"),
            &agent_tok,
            json!({ "body": "Já vejo o pedido 42" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(ticket(&app, &t, &id).await["last_message_by"], "agent");
    let (_, chat) = app
        .get(
            &format!("/api/connections/{conn}/simulator/chats/5511944440001"),
            &t.admin_token,
        )
        .await;
    assert!(
        chat.as_array().unwrap().iter().all(|m| !m["body"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Anotado")),
        "{chat}"
    );

    // A flow that ends lets go of the ticket by itself.
    let said = customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "5511944440002", "text": "olá" }),
    )
    .await;
    let other = said["ticket_id"].as_str().unwrap().to_string();
    eventually(
        &app,
        &format!("/api/tickets/{other}"),
        &t.admin_token,
        |t| t["bot_run_id"].is_string(),
    )
    .await;
    customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "5511944440002", "text": "pedido 7" }),
    )
    .await;
    let released = eventually(
        &app,
        &format!("/api/tickets/{other}"),
        &t.admin_token,
        |t| t["bot_run_id"].is_null() && t["last_message"] == "Anotado: pedido 7",
    )
    .await;
    assert_eq!(released["last_message_by"], "bot");
    let (status, _) = app
        .post(
            &format!("/api/tickets/{other}/accept"),
            &agent_tok,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // Writing on a ticket a flow holds takes it over too: the flow stops.
    let third = opens(&app, &t, &conn, "5511944440003").await;
    let held = eventually(
        &app,
        &format!("/api/tickets/{third}"),
        &t.admin_token,
        |t| t["bot_run_id"].is_string(),
    )
    .await;
    let run = held["bot_run_id"].as_str().unwrap().to_string();
    let (status, _) = app
        .post(
            &format!("/api/tickets/{third}/messages"),
            &t.admin_token,
            json!({ "body": "Deixa comigo" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(ticket(&app, &t, &third).await["bot_run_id"].is_null());
    eventually(&app, &format!("/api/runs/{run}"), &t.admin_token, |r| {
        r["run"]["status"] == "cancelled"
    })
    .await;
}

#[tokio::test]
async fn tickets_filter_by_number_and_opening_date() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let one = simulator(&app, &t, "+551130000042", json!({})).await;
    let two = simulator(&app, &t, "+551130000043", json!({})).await;
    let before = chrono::Utc::now();
    for (conn, from) in [(&one, "5511944440011"), (&two, "5511944440012")] {
        customer_says(&app, &t, conn, json!({ "from": from, "text": "oi" })).await;
    }
    let after = chrono::Utc::now() + chrono::Duration::seconds(1);
    let count = |path: String| {
        let app = &app;
        let token = t.admin_token.clone();
        async move {
            let (status, page) = app.get(&path, &token).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            page["items"].as_array().unwrap().len()
        }
    };
    assert_eq!(count(format!("/api/tickets?connection_id={one}")).await, 1);
    assert_eq!(count(format!("/api/tickets?connection_id={two}")).await, 1);
    let at =
        |d: chrono::DateTime<chrono::Utc>| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let since = format!("/api/tickets?since={}", at(before));
    assert_eq!(count(since).await, 2);
    assert_eq!(count(format!("/api/tickets?since={}", at(after))).await, 0);
    assert_eq!(count(format!("/api/tickets?until={}", at(before))).await, 0);
    assert_error(
        &app.get("/api/tickets?since=yesterday", &t.admin_token)
            .await,
        400,
        "INVALID_PARAM",
    );
}

#[tokio::test]
async fn a_queue_closes_its_quiet_tickets_on_its_own_terms() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let calm = queue(&app, &t, "Calma", &[], "manual").await;
    let timer = |ticket: &str| format!("autoclose:{}:{ticket}", t.id);
    // The company closes nothing; the queue closes its pending tickets after 30 minutes.
    let (status, q) = app
        .patch(
            &format!("/api/queues/{calm}"),
            &t.admin_token,
            json!({ "auto_close": { "pending_minutes": 30 } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{q}");
    assert_eq!(q["auto_close"]["pending_minutes"], 30);
    let conn = simulator(
        &app,
        &t,
        "+551130000044",
        json!({ "default_queue_id": calm }),
    )
    .await;
    let plain = simulator(&app, &t, "+551130000045", json!({})).await;
    let in_queue = opens(&app, &t, &conn, "5511944440021").await;
    let outside = opens(&app, &t, &plain, "5511944440022").await;
    let jobs = app.store.jobs();
    assert!(jobs.timer_exists(&timer(&in_queue)).await.unwrap());
    assert!(!jobs.timer_exists(&timer(&outside)).await.unwrap());

    // The other way round: the company closes after an hour, the queue never.
    super::settings(&app, &t, json!({ "auto_close_pending_minutes": 60 })).await;
    let (status, _) = app
        .patch(
            &format!("/api/queues/{calm}"),
            &t.admin_token,
            json!({ "auto_close": { "pending_minutes": 0 } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let in_queue = opens(&app, &t, &conn, "5511944440023").await;
    let outside = opens(&app, &t, &plain, "5511944440024").await;
    assert!(!jobs.timer_exists(&timer(&in_queue)).await.unwrap());
    assert!(jobs.timer_exists(&timer(&outside)).await.unwrap());
    // No limits of its own: the company's apply again.
    let (_, q) = app
        .patch(
            &format!("/api/queues/{calm}"),
            &t.admin_token,
            json!({ "auto_close": {} }),
        )
        .await;
    assert!(q["auto_close"].is_null(), "{q}");
}

#[tokio::test]
async fn a_run_without_a_conversation_writes_from_the_number_its_flow_names() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let first = simulator(&app, &t, "+551130000046", json!({})).await;
    let named = simulator(&app, &t, "+551130000047", json!({})).await;
    let doc = json!({
        "nodes": [
            { "id": "hook", "type": "trigger.webhook", "config": { "secret": "s3cret-s3cret-s3cret" } },
            { "id": "say", "type": "messaging.send_text", "config": { "text": "Seu pedido saiu" } }
        ],
        "edges": [{ "id": "e", "source": "hook", "target": "say" }],
        "settings": { "connection_id": named }
    });
    let id = app.publish_flow(&t, "Aviso", doc).await;
    // The customer wrote to the first number before; the flow still writes from its own.
    customer_says(
        &app,
        &t,
        &first,
        json!({ "from": "5511944440031", "text": "oi" }),
    )
    .await;
    let resp = app
        .http
        .post(format!("{}/api/hooks/{}/{id}/hook", app.base, t.id))
        .header("X-Tucan-Secret", "s3cret-s3cret-s3cret")
        .json(&json!({ "contact": { "phone": "+5511944440031" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let chat = eventually(
        &app,
        &format!("/api/connections/{named}/simulator/chats/5511944440031"),
        &t.admin_token,
        |c| c.as_array().is_some_and(|m| !m.is_empty()),
    )
    .await;
    assert_eq!(chat[0]["body"], "Seu pedido saiu", "{chat}");
}

#[tokio::test]
async fn a_mentioned_agent_hears_of_the_note_live() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let conn = simulator(&app, &t, "+551130000048", json!({})).await;
    let (carla, carla_tok) = app.user(&t, "agent").await;
    let (_, other_tok) = app.user(&t, "agent").await;
    let (status, _) = app
        .patch(
            &format!("/api/users/{carla}"),
            &t.admin_token,
            json!({ "name": "Carla Souza" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut hers = crate::inbox::socket(&app, &carla_tok).await;
    let mut theirs = crate::inbox::socket(&app, &other_tok).await;
    for ws in [&mut hers, &mut theirs] {
        crate::inbox::subscribe(
            ws,
            json!({ "type": "subscribe", "id": "m", "view": "mentions" }),
        )
        .await;
    }
    let ticket = opens(&app, &t, &conn, "5511944440041").await;
    // In a queue Carla does not serve: she cannot open it until a note mentions her.
    let others = queue(&app, &t, "Outros", &[], "manual").await;
    let (status, _) = app
        .post(
            &format!("/api/tickets/{ticket}/transfer"),
            &t.admin_token,
            json!({ "queue_id": others }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let path = format!("/api/tickets/{ticket}");
    assert_error(&app.get(&path, &carla_tok).await, 404, "TICKET_NOT_FOUND");
    let (status, note) = app
        .post(
            &format!("/api/tickets/{ticket}/notes"),
            &t.admin_token,
            json!({ "body": "@carla pode ver este cliente?" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{note}");
    let heard = crate::inbox::wait_event(&mut hers, "the note that mentions Carla", |e| {
        e["kind"] == "message" && e["data"]["id"] == note["id"]
    })
    .await;
    assert_eq!(heard["ticket_id"], ticket.as_str());
    let (status, seen) = app.get(&path, &carla_tok).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    let others = crate::inbox::drain(&mut theirs, std::time::Duration::from_millis(500)).await;
    assert!(others.is_empty(), "{others:?}");
}
