//! What a Cloud API number says outside free conversation: the 24-hour window and the
//! approved templates that get past it, with the templates the platform cannot send yet.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use super::{APP_SECRET, NUMBER_ID, TOKEN, cloud_connection, post_webhook, until};
use crate::graph_fake::{GraphFake, signature, text_message, webhook_body};
use crate::harness::{TestApp, assert_error};

#[tokio::test]
async fn a_customer_who_has_not_written_in_24_hours_gets_no_free_text() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let fake = GraphFake::start(TOKEN, NUMBER_ID).await;
    let conn = cloud_connection(&app, &t, &fake).await;
    // A conversation the company starts: the customer has not written on this number.
    let (_, contact) = app
        .post(
            "/api/contacts",
            &t.admin_token,
            json!({ "name": "Bia", "phone": "+5511912345678" }),
        )
        .await;
    let ticket_id = tucan_model::ids::new_id();
    let db = app.store.tenant(&t.id).await.unwrap();
    db.import_tickets(&[json!({
        "id": ticket_id, "contact_id": contact["id"], "contact_name": "Bia",
        "contact_phone": "+5511912345678", "connection_id": conn["id"], "status": "open",
        "activity": tucan_model::ids::new_id(), "tags": [],
    })])
    .await
    .unwrap();
    let refused = app
        .post(
            &format!("/api/tickets/{ticket_id}/messages"),
            &t.admin_token,
            json!({ "body": "Oi Bia!" }),
        )
        .await;
    assert_error(&refused, 409, "WINDOW_CLOSED");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(fake.sent().is_empty());

    // An approved template reaches her: the account's templates synced from Meta, then one
    // sent with its variables.
    fake.add_template(
        "pedido_pronto",
        "pt_BR",
        "APPROVED",
        "Olá {{1}}, seu pedido {{2}} está pronto.",
    );
    fake.add_template("promo", "pt_BR", "REJECTED", "Oferta!");
    fake.add_raw_template(json!({
        "name": "boleto", "language": "pt_BR", "status": "APPROVED", "category": "UTILITY",
        "components": [
            { "type": "HEADER", "format": "DOCUMENT" },
            { "type": "BODY", "text": "Seu boleto de {{1}}" }
        ],
        "id": "77",
    }));
    let conn_id = conn["id"].as_str().unwrap();
    let (status, synced) = app
        .post(
            &format!("/api/connections/{conn_id}/templates/sync"),
            &t.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{synced}");
    assert_eq!(synced.as_array().unwrap().len(), 3, "{synced}");
    let ready = synced
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "pedido_pronto")
        .unwrap();
    assert_eq!(ready["variables"], 2);
    let template_path = format!("/api/tickets/{ticket_id}/template");
    let wrong = app
        .post(
            &template_path,
            &t.admin_token,
            json!({ "name": "pedido_pronto", "language": "pt_BR", "variables": ["Bia"] }),
        )
        .await;
    assert_error(&wrong, 400, "INVALID_FIELD");
    let rejected = app
        .post(
            &template_path,
            &t.admin_token,
            json!({ "name": "promo", "language": "pt_BR" }),
        )
        .await;
    assert_error(&rejected, 400, "INVALID_FIELD");
    // A header with a file is beyond what the platform sends: refused up front, not by Meta.
    let with_file = app
        .post(
            &template_path,
            &t.admin_token,
            json!({ "name": "boleto", "language": "pt_BR", "variables": ["maio"] }),
        )
        .await;
    assert_error(&with_file, 400, "INVALID_FIELD");
    assert!(
        with_file.1["message"]
            .as_str()
            .unwrap()
            .contains("header with a file"),
        "{}",
        with_file.1
    );
    let (status, sent) = app
        .post(
            &template_path,
            &t.admin_token,
            json!({ "name": "pedido_pronto", "language": "pt_BR", "variables": ["Bia", "1234"] }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(sent["body"], "Olá Bia, seu pedido 1234 está pronto.");
    let out = fake.wait_sent(1, Duration::from_secs(10)).await;
    assert_eq!(out[0].kind, "template");
    assert_eq!(out[0].to, "5511912345678");
    let template = &out[0].body["template"];
    assert_eq!(template["name"], "pedido_pronto");
    assert_eq!(template["language"]["code"], "pt_BR");
    assert_eq!(template["components"][0]["parameters"][1]["text"], "1234");

    // Once she writes, the window is open for 24 hours.
    let hello = webhook_body(
        NUMBER_ID,
        text_message("5511912345678", "Bia", "wamid.b1", "Oi"),
    );
    let sig = signature(APP_SECRET, hello.as_bytes());
    let path = format!(
        "/api/hooks/whatsapp/{}/{}",
        t.id,
        conn["id"].as_str().unwrap()
    );
    assert_eq!(
        post_webhook(&app, &path, &hello, Some(&sig)).await,
        StatusCode::OK
    );
    let page = until(&app, "/api/tickets", &t.admin_token, |p| {
        p["items"]
            .as_array()
            .is_some_and(|i| i.iter().any(|t| t["last_message"] == "Oi"))
    })
    .await;
    let open = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["last_message"] == "Oi")
        .unwrap();
    let (status, body) = app
        .post(
            &format!("/api/tickets/{}/messages", open["id"].as_str().unwrap()),
            &t.admin_token,
            json!({ "body": "Oi Bia!" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    fake.wait_sent(2, Duration::from_secs(10)).await;
}

#[tokio::test]
async fn a_campaign_on_a_cloud_api_number_sends_its_template_where_the_window_is_closed() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let fake = GraphFake::start(TOKEN, NUMBER_ID).await;
    let conn = cloud_connection(&app, &t, &fake).await;
    let conn_id = conn["id"].as_str().unwrap().to_string();
    fake.add_template(
        "novidades",
        "pt_BR",
        "APPROVED",
        "Olá {{1}}, temos novidades.",
    );
    app.post(
        &format!("/api/connections/{conn_id}/templates/sync"),
        &t.admin_token,
        json!({}),
    )
    .await;
    // Caio wrote an hour ago: his window is open. Bia and Duda never wrote.
    let body = webhook_body(
        NUMBER_ID,
        text_message("5511912340001", "Caio", "wamid.caio1", "oi"),
    );
    let hook = format!("/api/hooks/whatsapp/{}/{conn_id}", t.id);
    let sig = signature(APP_SECRET, body.as_bytes());
    assert_eq!(
        post_webhook(&app, &hook, &body, Some(&sig)).await,
        StatusCode::OK
    );
    until(&app, "/api/tickets", &t.admin_token, |p| {
        p["items"].as_array().is_some_and(|i| i.len() == 1)
    })
    .await;
    let (_, list) = app
        .post(
            "/api/lists",
            &t.admin_token,
            json!({ "name": "Clientes", "kind": "static" }),
        )
        .await;
    let list_id = list["id"].as_str().unwrap().to_string();
    let csv = "name,phone\nCaio,+5511912340001\nBia,+5511912340002\nDuda,+5511912340003\n";
    let resp = app
        .http
        .post(format!("{}/api/lists/{list_id}/import", app.base))
        .bearer_auth(&t.admin_token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    until(
        &app,
        &format!("/api/lists/{list_id}"),
        &t.admin_token,
        |l| l["size"] == 3,
    )
    .await;

    // A template the number does not have is refused up front.
    let campaign = |template: serde_json::Value| {
        json!({
            "name": "Novidades", "list_id": list_id, "connection_ids": [conn_id],
            "content": { "kind": "message", "variants": ["Oi {{contact.name}}, novidades!"], "template": template },
            "per_minute": 600
        })
    };
    let unknown = app
        .post(
            "/api/campaigns",
            &t.admin_token,
            campaign(json!({ "name": "sumiu", "language": "pt_BR", "variables": ["x"] })),
        )
        .await;
    assert_error(&unknown, 400, "INVALID_FIELD");
    let (status, draft) = app
        .post(
            "/api/campaigns",
            &t.admin_token,
            campaign(json!({ "name": "novidades", "language": "pt_BR", "variables": ["{{contact.name}}"] })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let id = draft["id"].as_str().unwrap();
    app.post(
        &format!("/api/campaigns/{id}/start"),
        &t.admin_token,
        json!({}),
    )
    .await;
    let out = fake.wait_sent(3, Duration::from_secs(15)).await;
    let to = |n: &str| {
        out.iter()
            .find(|m| m.to == n)
            .unwrap_or_else(|| panic!("{n}: {out:?}"))
    };
    assert_eq!(to("5511912340001").kind, "text");
    assert_eq!(
        to("5511912340001").body["text"]["body"],
        "Oi Caio, novidades!"
    );
    for (phone, name) in [("5511912340002", "Bia"), ("5511912340003", "Duda")] {
        let m = to(phone);
        assert_eq!(m.kind, "template", "{m:?}");
        assert_eq!(m.body["template"]["name"], "novidades");
        assert_eq!(
            m.body["template"]["components"][0]["parameters"][0]["text"],
            name
        );
    }
    let done = until(&app, &format!("/api/campaigns/{id}"), &t.admin_token, |c| {
        c["status"] == "completed"
    })
    .await;
    assert_eq!(done["counts"]["failed"], 0, "{done}");

    // Without a template the closed windows fail, each with its reason.
    let mut plain = campaign(json!(null));
    plain["content"].as_object_mut().unwrap().remove("template");
    plain["name"] = json!("Sem modelo");
    let (_, draft) = app.post("/api/campaigns", &t.admin_token, plain).await;
    let id = draft["id"].as_str().unwrap();
    app.post(
        &format!("/api/campaigns/{id}/start"),
        &t.admin_token,
        json!({}),
    )
    .await;
    let done = until(&app, &format!("/api/campaigns/{id}"), &t.admin_token, |c| {
        c["status"] == "completed"
    })
    .await;
    assert_eq!(done["counts"]["failed"], 2, "{done}");
    let (_, failed) = app
        .get(
            &format!("/api/campaigns/{id}/recipients?status=failed"),
            &t.admin_token,
        )
        .await;
    assert!(
        failed["items"][0]["error"].as_str().unwrap().contains("24"),
        "{failed}"
    );
}
