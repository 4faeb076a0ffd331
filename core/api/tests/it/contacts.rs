//! Contacts: E.164 phones, duplicates, search, cursor pages, tags, custom fields, CSV.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{TestApp, assert_error};

#[tokio::test]
async fn create_normalise_search_and_page() {
    let app = TestApp::start().await;
    let t = app.tenant("Contactco").await;
    let tok = &t.admin_token;
    let (status, ana) = app
        .post("/api/contacts", tok, json!({ "name": "Ana Souza", "phone": "(11) 98765-4321", "email": "Ana@Example.com", "custom_fields": { "cpf": "123" } }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{ana}");
    assert_eq!(ana["phone"], "+5511987654321");
    assert_eq!(ana["email"], "ana@example.com");
    assert_eq!(ana["custom_fields"]["cpf"], "123");

    assert_error(
        &app.post(
            "/api/contacts",
            tok,
            json!({ "name": "Dup", "phone": "+55 11 98765 4321" }),
        )
        .await,
        409,
        "CONTACT_EXISTS",
    );
    assert_error(
        &app.post(
            "/api/contacts",
            tok,
            json!({ "name": "Bad", "phone": "12ab" }),
        )
        .await,
        400,
        "INVALID_PHONE",
    );
    assert_error(
        &app.post(
            "/api/contacts",
            tok,
            json!({ "name": "Bad", "phone": "+5511900000001", "email": "nope" }),
        )
        .await,
        400,
        "INVALID_EMAIL",
    );
    assert_error(
        &app.post("/api/contacts", tok, json!({ "name": "Bad", "phone": "+5511900000001", "custom_fields": { "bad key": "x" } })).await,
        400,
        "INVALID_FIELD",
    );

    for (i, name) in ["Mariana Lima", "Marcos Dias", "Bruno Alves", "Carla Mendes"]
        .iter()
        .enumerate()
    {
        let phone = format!("+55219876500{i:02}");
        assert_eq!(
            app.post(
                "/api/contacts",
                tok,
                json!({ "name": name, "phone": phone })
            )
            .await
            .0,
            StatusCode::CREATED
        );
    }
    let found = app.get("/api/contacts?search=mar", tok).await.1;
    let names: Vec<&str> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Mariana Lima", "Marcos Dias"]);
    let by_phone = app.get("/api/contacts?search=5511", tok).await.1;
    assert_eq!(by_phone["items"].as_array().unwrap().len(), 1);
    let by_email = app.get("/api/contacts?search=ana%40example", tok).await.1;
    assert_eq!(by_email["items"][0]["name"], "Ana Souza");
    let none = app.get("/api/contacts?search=zzz", tok).await.1;
    assert!(none["items"].as_array().unwrap().is_empty());

    // Cursor pages cover every contact exactly once.
    let mut seen = Vec::new();
    let mut url = "/api/contacts?limit=2".to_string();
    loop {
        let page = app.get(&url, tok).await.1;
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => url = format!("/api/contacts?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    seen.dedup();
    assert_eq!(seen.len(), 5);
    // Search results page too, each match once.
    let mut found = Vec::new();
    let mut url = "/api/contacts?search=ma&limit=1".to_string();
    loop {
        let page = app.get(&url, tok).await.1;
        found.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["name"].as_str().unwrap().to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => url = format!("/api/contacts?search=ma&limit=1&cursor={c}"),
            None => break,
        }
    }
    found.sort();
    assert_eq!(found, ["Marcos Dias", "Mariana Lima"]);
    assert_error(
        &app.get("/api/contacts?search=ma&cursor=o-1", tok).await,
        400,
        "INVALID_PARAM",
    );
    assert_error(
        &app.get("/api/contacts?cursor=o5", tok).await,
        400,
        "INVALID_PARAM",
    );
    assert_error(
        &app.get("/api/contacts?cursor=garbage", tok).await,
        400,
        "INVALID_PARAM",
    );
    assert_error(
        &app.get("/api/contacts?limit=0", tok).await,
        400,
        "INVALID_PARAM",
    );
    assert_error(
        &app.get("/api/contacts?limit=abc", tok).await,
        400,
        "INVALID_PARAM",
    );

    // Patch: replace custom fields, remove email, retag.
    let tag = app
        .post(
            "/api/tags",
            tok,
            json!({ "name": "vip", "color": "#ff0000" }),
        )
        .await
        .1;
    let id = ana["id"].as_str().unwrap();
    let (status, patched) = app
        .patch(
            &format!("/api/contacts/{id}"),
            tok,
            json!({ "email": "", "custom_fields": { "plan": "gold" }, "tags": [tag["id"]] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert!(patched["email"].is_null());
    assert_eq!(patched["custom_fields"], json!({ "plan": "gold" }));
    assert_eq!(patched["tags"], json!([tag["id"]]));
    let tagged = app
        .get(
            &format!("/api/contacts?tag={}", tag["id"].as_str().unwrap()),
            tok,
        )
        .await
        .1;
    assert_eq!(tagged["items"].as_array().unwrap().len(), 1);
    assert_error(
        &app.patch(
            &format!("/api/contacts/{id}"),
            tok,
            json!({ "tags": ["0".repeat(32)] }),
        )
        .await,
        400,
        "INVALID_FIELD",
    );
    let not_an_id = app
        .patch(
            &format!("/api/contacts/{id}"),
            tok,
            json!({ "tags": ["x"] }),
        )
        .await;
    assert_error(&not_an_id, 400, "INVALID_FIELD");

    assert_eq!(
        app.delete(&format!("/api/contacts/{id}"), tok).await.0,
        StatusCode::NO_CONTENT
    );
    assert_error(
        &app.get(&format!("/api/contacts/{id}"), tok).await,
        404,
        "CONTACT_NOT_FOUND",
    );
}

#[tokio::test]
async fn csv_import_and_export_round_trip() {
    let app = TestApp::start().await;
    let t = app.tenant("Csvco").await;
    let tok = &t.admin_token;
    app.post("/api/tags", tok, json!({ "name": "VIP" })).await;
    app.post(
        "/api/contacts",
        tok,
        json!({ "name": "Old Name", "phone": "+5511987654321", "custom_fields": { "city": "SP" } }),
    )
    .await;

    let csv = "name,phone,email,tags,city,plan\n\
               Ana Souza,11 98765-4321,ana@x.com,VIP,Santos,gold\n\
               Bruno,+54 9 11 2345-6789,,,Buenos Aires,\n\
               Bad Phone,12,,,,\n\
               Bad Tag,+5511912345678,,Nope,,\n\
               \"Quoted, Name\",+5521998765432,q@x.com,vip;,Rio,silver\n";
    let resp = app
        .http
        .post(format!("{}/api/contacts/import", app.base))
        .bearer_auth(tok)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    let (status, report) = crate::harness::decode(resp).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["created"], 2, "{report}");
    assert_eq!(report["updated"], 1, "{report}");
    assert_eq!(report["failed"], 2, "{report}");
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(
        (errors[0]["line"].as_u64(), errors[0]["code"].as_str()),
        (Some(4), Some("INVALID_PHONE"))
    );
    assert_eq!(
        (errors[1]["line"].as_u64(), errors[1]["code"].as_str()),
        (Some(5), Some("INVALID_FIELD"))
    );

    let ana = app.get("/api/contacts?search=ana", tok).await.1["items"][0].clone();
    assert_eq!(ana["name"], "Ana Souza");
    assert_eq!(
        ana["custom_fields"],
        json!({ "city": "Santos", "plan": "gold" })
    );
    assert_eq!(ana["tags"].as_array().unwrap().len(), 1);

    let resp = app
        .http
        .get(format!("{}/api/contacts/export", app.base))
        .bearer_auth(tok)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = resp.text().await.unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("name,phone,email,tags,city,plan"));
    assert_eq!(text.lines().count(), 4);
    assert!(
        text.contains("\"Quoted, Name\",+5521998765432,q@x.com,VIP,Rio,silver"),
        "{text}"
    );

    // Re-importing the export changes nothing but counts every row as an update.
    let resp = app
        .http
        .post(format!("{}/api/contacts/import", app.base))
        .bearer_auth(tok)
        .header("content-type", "text/csv")
        .body(text.clone())
        .send()
        .await
        .unwrap();
    let report = crate::harness::decode(resp).await.1;
    assert_eq!(
        (
            report["created"].as_u64(),
            report["updated"].as_u64(),
            report["failed"].as_u64()
        ),
        (Some(0), Some(3), Some(0)),
        "{report}"
    );

    // A file without the required columns is refused as a whole.
    let resp = app
        .http
        .post(format!("{}/api/contacts/import", app.base))
        .bearer_auth(tok)
        .header("content-type", "text/csv")
        .body("nome,telefone\nA,1\n")
        .send()
        .await
        .unwrap();
    assert_error(&crate::harness::decode(resp).await, 400, "INVALID_CSV");
    // Wrong content type.
    let resp = app
        .http
        .post(format!("{}/api/contacts/import", app.base))
        .bearer_auth(tok)
        .json(&json!({ "a": 1 }))
        .send()
        .await
        .unwrap();
    assert_error(
        &crate::harness::decode(resp).await,
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    );
}
