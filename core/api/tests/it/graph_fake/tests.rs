//! The fake's own check: it answers as the Graph API does.

use super::*;

#[tokio::test]
async fn the_fake_speaks_graph() {
    let fake = GraphFake::start("tok", "1001").await;
    let http = reqwest::Client::new();
    let messages = format!("{}/v21.0/1001/messages", fake.base);
    let text = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+5511988887777",
        "type": "text",
        "text": {"body": "oi"},
    });

    // No or a wrong token.
    let r = http.post(&messages).json(&text).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = http
        .post(&messages)
        .bearer_auth("nope")
        .json(&text)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], 190);
    assert_eq!(e["error"]["type"], "OAuthException");

    // Sent.
    let r = http
        .post(&messages)
        .bearer_auth("tok")
        .json(&text)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let ok: Value = r.json().await.unwrap();
    assert_eq!(ok["contacts"][0]["wa_id"], "5511988887777");
    assert_eq!(ok["contacts"][0]["input"], "+5511988887777");
    let sent = fake.wait_sent(1, Duration::from_secs(2)).await;
    assert_eq!(sent[0].kind, "text");
    assert_eq!(sent[0].to, "+5511988887777");
    assert_eq!(sent[0].body, text);
    assert_eq!(ok["messages"][0]["id"], sent[0].id.as_str());

    // Malformed, another number, an unknown version-less path.
    let bad = json!({"messaging_product": "whatsapp", "to": "1", "type": "image", "image": {}});
    let r = http
        .post(&messages)
        .bearer_auth("tok")
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], 100);
    assert_eq!(e["error"]["message"], "(#100) Invalid parameter");
    let r = http
        .post(format!("{}/v21.0/999/messages", fake.base))
        .bearer_auth("tok")
        .json(&text)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["type"], "GraphMethodException");

    // Armed failures, then success again; a read receipt does not use them up.
    fake.fail_next(1, 429, 130429, None, "Rate limit hit");
    let read =
        json!({"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.in1"});
    let r = http
        .post(&messages)
        .bearer_auth("tok")
        .json(&read)
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"success": true}));
    assert_eq!(fake.marked_read(), vec!["wamid.in1".to_string()]);
    let r = http
        .post(&messages)
        .bearer_auth("tok")
        .json(&text)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], 130429);
    assert_eq!(e["error"]["error_data"]["messaging_product"], "whatsapp");
    assert!(e["error"].get("error_subcode").is_none());
    assert_eq!(fake.sent().len(), 1);
    let r = http
        .post(format!("{}/v19.0/1001/messages", fake.base))
        .bearer_auth("tok")
        .json(&text)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(fake.sent().len(), 2);

    // Media: metadata and download.
    fake.add_media("555", "image/png", b"png bytes".to_vec());
    let r = http
        .get(format!("{}/v21.0/555", fake.base))
        .bearer_auth("tok")
        .send()
        .await
        .unwrap();
    let meta: Value = r.json().await.unwrap();
    assert_eq!(meta["mime_type"], "image/png");
    assert_eq!(meta["file_size"], 9);
    assert_eq!(meta["sha256"], hex::encode(Sha256::digest(b"png bytes")));
    let url = meta["url"].as_str().unwrap();
    assert_eq!(http.get(url).send().await.unwrap().status().as_u16(), 401);
    let r = http.get(url).bearer_auth("tok").send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"png bytes");
    let r = http
        .get(format!("{}/v21.0/556", fake.base))
        .bearer_auth("tok")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);

    // Upload.
    let boundary = "----fakeboundary";
    let mut form = Vec::new();
    for (name, value) in [("messaging_product", "whatsapp"), ("type", "audio/ogg")] {
        form.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    form.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.ogg\"\r\nContent-Type: audio/ogg\r\n\r\n"
        )
        .as_bytes(),
    );
    form.extend_from_slice(b"OggS\x00voice");
    form.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = http
        .post(format!("{}/v21.0/1001/media", fake.base))
        .bearer_auth("tok")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        fake.uploads(),
        vec![(
            id.clone(),
            "audio/ogg".to_string(),
            b"OggS\x00voice".to_vec()
        )]
    );
    let r = http
        .get(format!("{}/v21.0/{id}", fake.base))
        .bearer_auth("tok")
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["file_size"], 10);

    // The phone number.
    let r = http
        .get(format!(
            "{}/v21.0/1001?fields=verified_name,display_phone_number",
            fake.base
        ))
        .bearer_auth("tok")
        .send()
        .await
        .unwrap();
    let number: Value = r.json().await.unwrap();
    assert_eq!(number["verified_name"], "Loja Teste");
    assert_eq!(number["id"], "1001");
}
