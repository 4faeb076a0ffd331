//! Malformed requests get a 4xx with a stable code, never a 500.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{TestApp, assert_error};

async fn raw(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, serde_json::Value) {
    let resp = app
        .http
        .request(method, format!("{}{path}", app.base))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    crate::harness::decode(resp).await
}

#[tokio::test]
async fn malformed_requests_get_clear_codes() {
    let app = TestApp::start().await;
    let t = app.tenant("Strict").await;
    let tok = &t.admin_token;
    let post = reqwest::Method::POST;
    let json_ct = "application/json";

    assert_error(
        &raw(
            &app,
            post.clone(),
            "/api/contacts",
            tok,
            json_ct,
            b"{not json".to_vec(),
        )
        .await,
        400,
        "INVALID_BODY",
    );
    assert_error(
        &raw(
            &app,
            post.clone(),
            "/api/contacts",
            tok,
            json_ct,
            b"".to_vec(),
        )
        .await,
        400,
        "INVALID_BODY",
    );
    assert_error(
        &app.post(
            "/api/contacts",
            tok,
            json!({ "name": { "first": "A" }, "phone": "+5511987654321" }),
        )
        .await,
        400,
        "INVALID_BODY",
    );
    assert_error(
        &app.post(
            "/api/contacts",
            tok,
            json!({ "name": "A", "phone": ["+5511987654321"] }),
        )
        .await,
        400,
        "INVALID_BODY",
    );
    assert_error(
        &app.post(
            "/api/queues",
            tok,
            json!({ "name": "Q", "user_ids": "all" }),
        )
        .await,
        400,
        "INVALID_BODY",
    );
    let (_, agent) = app.user(&t, "agent").await;
    let me = app.get("/api/auth/me", &agent).await.1;
    let user_path = format!("/api/users/{}", me["id"].as_str().unwrap());
    assert_error(
        &app.patch(&user_path, tok, json!({ "max_tickets": "many" }))
            .await,
        400,
        "INVALID_BODY",
    );
    assert_error(
        &app.patch(&user_path, tok, json!({ "max_tickets": -1 }))
            .await,
        400,
        "INVALID_BODY",
    );
    assert_error(
        &app.patch(&user_path, tok, json!({ "role": "owner" })).await,
        400,
        "INVALID_BODY",
    );
    assert_error(
        &app.post(
            "/api/contacts",
            tok,
            json!({ "name": "A", "phone": "+5511987654321", "extra": 1 }),
        )
        .await,
        400,
        "INVALID_BODY",
    );
    assert_error(
        &app.post("/api/contacts", tok, json!([1, 2])).await,
        400,
        "INVALID_BODY",
    );
    assert_error(
        &app.post(
            "/api/contacts",
            tok,
            json!({ "name": "", "phone": "+5511987654321" }),
        )
        .await,
        400,
        "INVALID_BODY",
    );
    let blank = json!({ "name": "   ", "phone": "+5511987654321" });
    assert_error(
        &app.post("/api/contacts", tok, blank).await,
        400,
        "INVALID_FIELD",
    );
    assert_error(
        &app.post("/api/tags", tok, json!({ "name": "  " })).await,
        400,
        "INVALID_FIELD",
    );
    assert_error(
        &raw(
            &app,
            post.clone(),
            "/api/contacts",
            tok,
            "text/plain",
            b"hello".to_vec(),
        )
        .await,
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    );

    // Oversized bodies, declared or chunked.
    let big = json!({ "name": "A".repeat(100_000), "phone": "+5511987654321" })
        .to_string()
        .into_bytes();
    assert_error(
        &raw(
            &app,
            post.clone(),
            "/api/contacts",
            tok,
            json_ct,
            big.clone(),
        )
        .await,
        413,
        "BODY_TOO_LARGE",
    );
    let stream = futures_stream(big);
    let resp = app
        .http
        .post(format!("{}/api/contacts", app.base))
        .bearer_auth(tok)
        .header("content-type", json_ct)
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_error(&crate::harness::decode(resp).await, 413, "BODY_TOO_LARGE");

    // Ids that cannot exist, routes that do not exist, methods that are not allowed.
    assert_error(
        &app.get("/api/contacts/..%2F..%2Fplatform", tok).await,
        404,
        "CONTACT_NOT_FOUND",
    );
    assert_error(
        &app.get("/api/contacts/contact:1", tok).await,
        404,
        "CONTACT_NOT_FOUND",
    );
    assert_error(
        &app.get("/api/contacts/' OR 1=1 --", tok).await,
        404,
        "CONTACT_NOT_FOUND",
    );
    assert_error(&app.get("/api/nothing-here", tok).await, 404, "NOT_FOUND");
    assert_error(
        &app.call(
            reqwest::Method::PUT,
            "/api/contacts",
            Some(tok),
            Some(json!({})),
        )
        .await,
        405,
        "METHOD_NOT_ALLOWED",
    );
    // A 405 names the methods the path takes.
    for (method, path, allow) in [
        (reqwest::Method::PUT, "/api/contacts", "GET, HEAD, POST"),
        (reqwest::Method::POST, "/api/campaigns/usage", "GET, HEAD"),
        (reqwest::Method::PUT, "/api/campaigns/abc/start", "POST"),
    ] {
        let resp = app
            .http
            .request(method, format!("{}{path}", app.base))
            .bearer_auth(tok)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
        assert_eq!(resp.headers()["allow"], allow, "{path}");
    }
    let head = app
        .http
        .head(format!("{}/api/contacts", app.base))
        .bearer_auth(tok)
        .send()
        .await
        .unwrap();
    assert_eq!(
        head.status(),
        StatusCode::OK,
        "HEAD is answered where GET is"
    );

    // Search text with SurrealQL syntax is just text.
    let (status, _) = app
        .get("/api/contacts?search=%27%3B%20DELETE%20contact%3B", tok)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .get(&format!("/api/contacts?search={}", "a".repeat(500)), tok)
        .await;
    assert_eq!(status, StatusCode::OK);
}

fn futures_stream(
    bytes: Vec<u8>,
) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        bytes.chunks(8192).map(|c| Ok(c.to_vec())).collect();
    tokio_stream::iter(chunks)
}

#[tokio::test]
async fn a_simulated_file_address_is_only_ever_http_or_https() {
    let app = TestApp::start().await;
    let t = app.tenant("Strict").await;
    let (_, conn) = app
        .post(
            "/api/connections",
            &t.admin_token,
            json!({ "name": "Sim", "kind": "simulator", "phone": "+551130000555" }),
        )
        .await;
    let path = format!(
        "/api/connections/{}/simulator/messages",
        conn["id"].as_str().unwrap()
    );
    for url in [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "data:image/png;base64,AAAA",
        "ftp://example.com/a.png",
        "https://example.com/a b.png",
    ] {
        assert_error(
            &app.post(
                &path,
                &t.admin_token,
                json!({ "from": "+5511987654321", "kind": "image", "media_url": url }),
            )
            .await,
            400,
            "INVALID_BODY",
        );
    }
    let (status, body) = app
        .post(
            &path,
            &t.admin_token,
            json!({ "from": "+5511987654321", "kind": "image", "media_url": "HTTPS://example.com/a.png" }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
}
