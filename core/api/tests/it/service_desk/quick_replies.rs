//! Quick replies as agents use them: personal ones beside the company's (one's own wins),
//! a file that goes with the text, and the text previewed for the ticket at hand.

use reqwest::StatusCode;
use serde_json::json;

use super::phone_got;
use crate::harness::{TestApp, assert_error};
use crate::inbox::{customer_says, simulator};

async fn upload_png(app: &TestApp, token: &str) -> String {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let resp = app
        .http
        .post(format!("{}/api/media?filename=menu.png", app.base))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(png)
        .send()
        .await
        .unwrap();
    let (status, media) = crate::harness::decode(resp).await;
    assert_eq!(status, StatusCode::CREATED, "{media}");
    media["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn personal_quick_replies_files_and_previews() {
    let app = TestApp::start_with_workers().await;
    let t = app.tenant("acme").await;
    let conn = simulator(&app, &t, "+551130000051", json!({})).await;
    let (_, ana_tok) = app.user(&t, "agent").await;
    let (_, rui_tok) = app.user(&t, "agent").await;

    // The company's reply, and Ana's own under the same shortcut.
    let (status, shared) = app
        .post(
            "/api/quick-replies",
            &t.admin_token,
            json!({ "shortcut": "oi", "message": "Olá {{contact.name}}!" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{shared}");
    assert!(shared["user_id"].is_null(), "{shared}");
    let (status, own) = app
        .post(
            "/api/quick-replies",
            &ana_tok,
            json!({ "shortcut": "oi", "message": "Oi {{contact.name}}, aqui é a {{agent.name}}" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{own}");
    assert!(
        own["user_id"].is_string(),
        "an agent's reply is personal: {own}"
    );
    assert_error(
        &app.post(
            "/api/quick-replies",
            &ana_tok,
            json!({ "shortcut": "oi", "message": "de novo" }),
        )
        .await,
        409,
        "NAME_TAKEN",
    );
    // A file with a caption; a file someone else uploaded is refused.
    let menu = upload_png(&app, &ana_tok).await;
    let other_file = upload_png(&app, &rui_tok).await;
    assert_error(
        &app.post(
            "/api/quick-replies",
            &ana_tok,
            json!({ "shortcut": "cardapio", "media_id": other_file }),
        )
        .await,
        400,
        "INVALID_FIELD",
    );
    assert_error(
        &app.post(
            "/api/quick-replies",
            &ana_tok,
            json!({ "shortcut": "vazio" }),
        )
        .await,
        400,
        "INVALID_FIELD",
    );
    let (status, with_file) = app
        .post(
            "/api/quick-replies",
            &ana_tok,
            json!({ "shortcut": "cardapio", "message": "Nosso cardápio", "media_id": menu }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{with_file}");

    // Rui sees the company's only; Ana's are not his to see or change.
    let (_, his) = app.get("/api/quick-replies", &rui_tok).await;
    assert_eq!(his.as_array().unwrap().len(), 1, "{his}");
    let own_path = format!("/api/quick-replies/{}", own["id"].as_str().unwrap());
    for result in [
        app.get(&own_path, &rui_tok).await,
        app.patch(&own_path, &rui_tok, json!({ "message": "x" }))
            .await,
        app.delete(&own_path, &rui_tok).await,
    ] {
        assert_error(&result, 404, "QUICK_REPLY_NOT_FOUND");
    }
    // Nor may an agent change the company's.
    let shared_path = format!("/api/quick-replies/{}", shared["id"].as_str().unwrap());
    assert_error(
        &app.patch(&shared_path, &ana_tok, json!({ "message": "x" }))
            .await,
        403,
        "FORBIDDEN",
    );

    // A ticket: the preview fills in its customer; the shortcut sends Ana's own, and the
    // file goes with its caption.
    let ticket = customer_says(
        &app,
        &t,
        &conn,
        json!({ "from": "5511933330001", "name": "Bia", "text": "Oi" }),
    )
    .await["ticket_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _) = app
        .post(
            &format!("/api/tickets/{ticket}/accept"),
            &ana_tok,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, previews) = app
        .get(&format!("/api/quick-replies?ticket_id={ticket}"), &ana_tok)
        .await;
    assert_eq!(status, StatusCode::OK, "{previews}");
    let previews = previews.as_array().unwrap();
    assert_eq!(previews.len(), 3, "{previews:?}");
    let mine = previews.iter().find(|q| q["id"] == own["id"]).unwrap();
    assert_eq!(mine["preview"], "Oi Bia, aqui é a agent");
    for body in ["/oi", "/cardapio"] {
        let (status, sent) = app
            .post(
                &format!("/api/tickets/{ticket}/messages"),
                &ana_tok,
                json!({ "body": body }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{sent}");
    }
    assert_eq!(
        phone_got(&app, &t, &conn, "5511933330001", 2).await,
        ["Oi Bia, aqui é a agent", "Nosso cardápio"]
    );
    let (_, page) = app
        .get(&format!("/api/tickets/{ticket}/messages"), &ana_tok)
        .await;
    let last = page["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "image", "{last}");
    assert_eq!(last["media"]["id"], menu.as_str());
    // Rui cannot preview a ticket he does not see.
    assert_error(
        &app.get(&format!("/api/quick-replies?ticket_id={ticket}"), &rui_tok)
            .await,
        404,
        "TICKET_NOT_FOUND",
    );
}
