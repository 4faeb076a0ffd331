//! Runs over HTTP: every template in `flows/` replayed through the test harness (the API
//! plays the customer), manual runs with a contact, listing and filters, trace, cancel,
//! the errors, roles and tenant isolation.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, assert_error};

/// Platform lines and effects of the run added after step `after`.
fn since(run: &Value, after: u64) -> (Vec<String>, Vec<Value>) {
    let lines = run["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["from"] == "platform" && l["seq"].as_u64().unwrap() > after)
        .map(|l| l["text"].as_str().unwrap().to_string())
        .collect();
    let effects = run["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["seq"].as_u64().unwrap() > after)
        .flat_map(|s| s["effects"].as_array().unwrap().clone())
        .map(|e| {
            let mut v = e["effect"].clone();
            v.as_object_mut().unwrap().remove("key");
            v
        })
        .filter(|v| v["effect"] != "send_text" && v["effect"] != "timer")
        .collect();
    (lines, effects)
}

fn last_seq(run: &Value) -> u64 {
    run["steps"]
        .as_array()
        .unwrap()
        .last()
        .map_or(0, |s| s["seq"].as_u64().unwrap())
}

#[tokio::test]
async fn every_template_plays_its_conversation_through_the_test_harness() {
    let app = TestApp::start().await;
    let t = app.tenant("templates").await;
    // The queues the templates route to, as the company using them has.
    for name in ["Sales", "Support", "Billing"] {
        crate::inbox::queue(&app, &t, name, &[], "manual").await;
    }
    let tok = &t.admin_token;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../flows");
    let mut played = 0;
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.to_string_lossy();
            n.ends_with(".json") && !n.ends_with(".conversation.json")
        })
        .collect();
    names.sort();
    for path in names {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let script: Value = serde_json::from_str(
            &std::fs::read_to_string(path.with_extension("conversation.json")).unwrap(),
        )
        .unwrap();
        // A scripted HTTP answer needs the shop it scripts; the runtime's own tests call a
        // real server instead.
        if script["turns"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t.get("http").is_some())
        {
            continue;
        }
        if let Some(hours) = script.get("business_hours") {
            let (status, body) = app
                .patch("/api/settings", tok, json!({ "business_hours": hours }))
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        let (status, flow) = app
            .post("/api/flows", tok, json!({ "name": name, "document": doc }))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {flow}");
        let id = flow["id"].as_str().unwrap();
        let customer = json!({
            "name": script["contact"]["name"],
            "phone": "+5511900000000",
            "custom_fields": script["contact"].get("custom_fields").cloned().unwrap_or(json!({})),
        });
        let mut body = json!({ "customer": customer });
        if let Some(now) = script.get("now") {
            body["now"] = now.clone();
        }
        if let Some(vars) = script.get("vars") {
            body["vars"] = vars.clone();
        }
        let (status, mut run) = app
            .post(&format!("/api/flows/{id}/test-runs"), tok, body)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {run}");
        let run_id = run["run"]["id"].as_str().unwrap().to_string();
        assert_eq!(run["run"]["test"], true);
        let mut after = 0;
        for (i, turn) in script["turns"].as_array().unwrap().iter().enumerate() {
            if let Some(text) = turn["customer"].as_str() {
                let (status, r) = app
                    .post(
                        &format!("/api/runs/{run_id}/reply"),
                        tok,
                        json!({ "text": text }),
                    )
                    .await;
                assert_eq!(status, StatusCode::OK, "{name}, turn {i}: {r}");
                run = r;
            }
            let (lines, effects) = since(&run, after);
            let expected: Vec<String> = serde_json::from_value(turn["platform"].clone()).unwrap();
            assert_eq!(lines, expected, "{name}, turn {i}");
            assert_eq!(
                Value::Array(effects),
                turn.get("effects").cloned().unwrap_or(json!([])),
                "{name}, turn {i}"
            );
            after = last_seq(&run);
        }
        assert_eq!(run["run"]["status"], script["status"], "{name}");
        // The stored run reads back the same.
        let (_, stored) = app.get(&format!("/api/runs/{run_id}"), tok).await;
        assert_eq!(stored["transcript"], run["transcript"], "{name}");
        played += 1;
    }
    assert!(played >= 4, "templates played: {played}");
}

fn ask_flow() -> Value {
    json!({
        "nodes": [
            { "id": "start", "type": "trigger.manual" },
            { "id": "ask", "type": "messaging.ask", "config": { "question": "Hi {{contact.name}}, your city?", "variable": "city" } },
            { "id": "bye", "type": "messaging.send_text", "config": { "text": "{{vars.city}} it is" } }
        ],
        "edges": [
            { "id": "e1", "source": "start", "target": "ask" },
            { "id": "e2", "source": "ask", "source_port": "answer", "target": "bye" }
        ]
    })
}

#[tokio::test]
async fn manual_runs_list_trace_cancel_and_refuse_what_they_cannot_do() {
    let app = TestApp::start().await;
    let t = app.tenant("runs").await;
    // A number the runs talk on.
    crate::inbox::simulator(&app, &t, "+551130000010", json!({})).await;
    let tok = &t.admin_token;
    let (_, flow) = app
        .post(
            "/api/flows",
            tok,
            json!({ "name": "City", "document": ask_flow() }),
        )
        .await;
    let id = flow["id"].as_str().unwrap().to_string();
    let (_, contact) = app
        .post(
            "/api/contacts",
            tok,
            json!({ "name": "Caio", "phone": "+5511987650000" }),
        )
        .await;
    let contact_id = contact["id"].as_str().unwrap().to_string();

    // Not published yet.
    assert_error(
        &app.post(&format!("/api/flows/{id}/runs"), tok, json!({}))
            .await,
        409,
        "FLOW_NOT_PUBLISHED",
    );
    app.post(&format!("/api/flows/{id}/publish"), tok, json!({}))
        .await;
    let (status, run) = app
        .post(
            &format!("/api/flows/{id}/runs"),
            tok,
            json!({ "contact_id": contact_id, "vars": { "source": "crm" } }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{run}");
    assert_eq!(run["run"]["status"], "waiting");
    assert_eq!(run["run"]["waiting"]["for"], "reply");
    assert_eq!(run["run"]["vars"]["source"], "crm");
    assert_eq!(run["run"]["version"], 1);
    assert_eq!(run["transcript"][0]["text"], "Hi Caio, your city?");
    let run_id = run["run"]["id"].as_str().unwrap().to_string();

    // One active run per contact and flow.
    assert_error(
        &app.post(
            &format!("/api/flows/{id}/runs"),
            tok,
            json!({ "contact_id": contact_id }),
        )
        .await,
        409,
        "RUN_ACTIVE",
    );
    // A real contact's replies come through a channel, not this endpoint.
    assert_error(
        &app.post(
            &format!("/api/runs/{run_id}/reply"),
            tok,
            json!({ "text": "Recife" }),
        )
        .await,
        400,
        "INVALID_PARAM",
    );
    // Bad input.
    assert_error(
        &app.post(
            &format!("/api/flows/{id}/runs"),
            tok,
            json!({ "contact_id": "nope" }),
        )
        .await,
        404,
        "CONTACT_NOT_FOUND",
    );
    assert_error(
        &app.post(
            &format!("/api/flows/{id}/runs"),
            tok,
            json!({ "surprise": 1 }),
        )
        .await,
        400,
        "INVALID_BODY",
    );
    assert_error(
        &app.get("/api/runs?status=sleeping", tok).await,
        400,
        "INVALID_PARAM",
    );
    assert_error(
        &app.get("/api/runs?cursor=zzz", tok).await,
        400,
        "INVALID_PARAM",
    );
    assert_error(&app.get("/api/runs/zzz", tok).await, 404, "RUN_NOT_FOUND");

    // A second run for another contact, then the list and its filters.
    let (_, bia) = app
        .post(
            "/api/contacts",
            tok,
            json!({ "name": "Bia", "phone": "+5511987650001" }),
        )
        .await;
    let (_, other) = app
        .post(
            &format!("/api/flows/{id}/runs"),
            tok,
            json!({ "contact_id": bia["id"] }),
        )
        .await;
    let other_id = other["run"]["id"].as_str().unwrap().to_string();
    let (_, page) = app.get("/api/runs", tok).await;
    let ids: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [other_id.as_str(), run_id.as_str()], "newest first");
    let (_, page) = app
        .get(&format!("/api/runs?contact_id={contact_id}"), tok)
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let (_, page) = app.get("/api/runs?limit=1", tok).await;
    let cursor = page["next_cursor"].as_str().unwrap().to_string();
    let (_, page) = app
        .get(&format!("/api/runs?limit=1&cursor={cursor}"), tok)
        .await;
    assert_eq!(page["items"][0]["id"], run_id.as_str());

    // Cancel ends it; a second cancel is refused; the list filter sees it.
    let (status, cancelled) = app
        .post(&format!("/api/runs/{run_id}/cancel"), tok, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{cancelled}");
    assert_eq!(cancelled["run"]["status"], "cancelled");
    assert!(cancelled["run"]["ended_at"].is_string());
    assert_error(
        &app.post(&format!("/api/runs/{run_id}/cancel"), tok, json!({}))
            .await,
        409,
        "RUN_NOT_WAITING",
    );
    let (_, page) = app.get("/api/runs?status=cancelled", tok).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    // With the run over, the contact can start the flow again.
    let (status, again) = app
        .post(
            &format!("/api/flows/{id}/runs"),
            tok,
            json!({ "contact_id": contact_id }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let again_id = again["run"]["id"].as_str().unwrap().to_string();

    // The trace: the trigger, then the question waiting, with the start as its input.
    let (_, detail) = app.get(&format!("/api/runs/{other_id}"), tok).await;
    let steps = detail["steps"].as_array().unwrap();
    assert_eq!(steps[0]["node"], "start");
    assert_eq!(steps[0]["input"]["kind"], "start");
    assert_eq!(steps[1]["node"], "ask");
    assert_eq!(steps[1]["effects"][0]["kind"], "send_text");
    assert_eq!(steps[1]["effects"][0]["pending"], false);

    // A test run answered to the end takes no further replies.
    let (_, test) = app
        .post(&format!("/api/flows/{id}/test-runs"), tok, json!({}))
        .await;
    let test_id = test["run"]["id"].as_str().unwrap();
    assert_eq!(
        test["transcript"][0]["text"],
        "Hi Test customer, your city?"
    );
    let (_, done) = app
        .post(
            &format!("/api/runs/{test_id}/reply"),
            tok,
            json!({ "text": "Natal" }),
        )
        .await;
    assert_eq!(done["run"]["status"], "completed");
    assert_eq!(
        done["transcript"].as_array().unwrap().last().unwrap()["text"],
        "Natal it is"
    );
    assert_error(
        &app.post(
            &format!("/api/runs/{test_id}/reply"),
            tok,
            json!({ "text": "again" }),
        )
        .await,
        409,
        "RUN_NOT_WAITING",
    );
    // Deleting the flow cancels the runs still waiting in it; their records stay readable.
    let (status, _) = app.delete(&format!("/api/flows/{id}"), tok).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for waiting in [&again_id, &other_id] {
        let (_, r) = app.get(&format!("/api/runs/{waiting}"), tok).await;
        assert_eq!(r["run"]["status"], "cancelled", "{r}");
    }
    let (status, _) = app
        .post(
            "/api/flows",
            tok,
            json!({ "name": "City", "document": ask_flow() }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, page) = app.get("/api/flows", tok).await;
    let id = page[0]["id"].as_str().unwrap().to_string();
    // A message that passes no trigger of the draft.
    assert_error(
        &app.post(
            &format!("/api/flows/{id}/test-runs"),
            tok,
            json!({ "message": "hi" }),
        )
        .await,
        400,
        "INVALID_PARAM",
    );
}

#[tokio::test]
async fn runs_are_invisible_to_other_tenants_and_closed_to_agents() {
    let app = TestApp::start().await;
    let a = app.tenant("alpha").await;
    let b = app.tenant("beta").await;
    crate::inbox::simulator(&app, &a, "+551130000011", json!({})).await;
    let (_, flow) = app
        .post(
            "/api/flows",
            &a.admin_token,
            json!({ "name": "City", "document": ask_flow() }),
        )
        .await;
    let id = flow["id"].as_str().unwrap().to_string();
    app.post(
        &format!("/api/flows/{id}/publish"),
        &a.admin_token,
        json!({}),
    )
    .await;
    let (_, caio) = app
        .post(
            "/api/contacts",
            &a.admin_token,
            json!({ "name": "Caio", "phone": "+5511987650002" }),
        )
        .await;
    let (_, run) = app
        .post(
            &format!("/api/flows/{id}/runs"),
            &a.admin_token,
            json!({ "contact_id": caio["id"] }),
        )
        .await;
    let run_id = run["run"]["id"].as_str().unwrap().to_string();
    let (_, test) = app
        .post(
            &format!("/api/flows/{id}/test-runs"),
            &a.admin_token,
            json!({}),
        )
        .await;
    let test_id = test["run"]["id"].as_str().unwrap().to_string();

    let tok = &b.admin_token;
    assert_error(
        &app.get(&format!("/api/runs/{run_id}"), tok).await,
        404,
        "RUN_NOT_FOUND",
    );
    assert_error(
        &app.post(&format!("/api/runs/{run_id}/cancel"), tok, json!({}))
            .await,
        404,
        "RUN_NOT_FOUND",
    );
    assert_error(
        &app.post(
            &format!("/api/runs/{test_id}/reply"),
            tok,
            json!({ "text": "x" }),
        )
        .await,
        404,
        "RUN_NOT_FOUND",
    );
    assert_error(
        &app.post(&format!("/api/flows/{id}/runs"), tok, json!({}))
            .await,
        404,
        "FLOW_NOT_FOUND",
    );
    assert_error(
        &app.post(&format!("/api/flows/{id}/test-runs"), tok, json!({}))
            .await,
        404,
        "FLOW_NOT_FOUND",
    );
    let (_, page) = app.get("/api/runs", tok).await;
    assert_eq!(page["items"], json!([]));
    let (_, page) = app.get(&format!("/api/runs?flow_id={id}"), tok).await;
    assert_eq!(page["items"], json!([]));

    // Agents neither read nor start runs; supervisors read but do not start.
    let (_, agent) = app.user(&a, "agent").await;
    assert_error(&app.get("/api/runs", &agent).await, 403, "FORBIDDEN");
    assert_error(
        &app.post(&format!("/api/flows/{id}/runs"), &agent, json!({}))
            .await,
        403,
        "FORBIDDEN",
    );
    let (_, supervisor) = app.user(&a, "supervisor").await;
    let (status, _) = app.get(&format!("/api/runs/{run_id}"), &supervisor).await;
    assert_eq!(status, StatusCode::OK);
    assert_error(
        &app.post(
            &format!("/api/runs/{run_id}/cancel"),
            &supervisor,
            json!({}),
        )
        .await,
        403,
        "FORBIDDEN",
    );
    // Run A is untouched by all of it.
    let (_, still) = app
        .get(&format!("/api/runs/{run_id}"), &a.admin_token)
        .await;
    assert_eq!(still["run"]["status"], "waiting");
}

#[tokio::test]
async fn an_inbound_webhook_starts_its_flow_for_the_named_contact_and_nothing_else() {
    let app = TestApp::start().await;
    let a = app.tenant("hooked").await;
    let b = app.tenant("other").await;
    crate::inbox::simulator(&app, &a, "+551130000012", json!({})).await;
    let secret = "s3cret-s3cret-s3cret";
    let doc = json!({
        "nodes": [
            { "id": "hook", "type": "trigger.webhook", "config": { "secret": secret } },
            { "id": "say", "type": "messaging.send_text", "config": { "text": "Order {{vars.payload.order}} shipped, {{contact.name}}!" } },
            { "id": "manual", "type": "trigger.manual" }
        ],
        "edges": [
            { "id": "e1", "source": "hook", "target": "say" },
            { "id": "e2", "source": "manual", "target": "say" }
        ]
    });
    let (_, flow) = app
        .post(
            "/api/flows",
            &a.admin_token,
            json!({ "name": "Shipped", "document": doc }),
        )
        .await;
    let id = flow["id"].as_str().unwrap().to_string();
    let hook = |tenant: &str, node: &str| format!("{}/api/hooks/{tenant}/{id}/{node}", app.base);
    let send = |url: String, secret: Option<&str>, body: Value| {
        let mut req = app.http.post(url).json(&body);
        if let Some(s) = secret {
            req = req.header("X-Tucan-Secret", s);
        }
        async move { crate::harness::decode(req.send().await.unwrap()).await }
    };
    let body = json!({ "order": 7, "contact": { "phone": "+55 11 98888-7777", "name": "Rita" } });

    // Not published yet: there is no such webhook.
    assert_error(
        &send(hook(&a.id, "hook"), Some(secret), body.clone()).await,
        404,
        "WEBHOOK_NOT_FOUND",
    );
    app.post(
        &format!("/api/flows/{id}/publish"),
        &a.admin_token,
        json!({}),
    )
    .await;

    assert_error(
        &send(hook(&a.id, "hook"), None, body.clone()).await,
        401,
        "UNAUTHORIZED",
    );
    assert_error(
        &send(
            hook(&a.id, "hook"),
            Some("s3cret-s3cret-s3creT"),
            body.clone(),
        )
        .await,
        401,
        "UNAUTHORIZED",
    );
    // A node that is not a webhook trigger, another tenant's path, a made-up tenant.
    assert_error(
        &send(hook(&a.id, "manual"), Some(secret), body.clone()).await,
        404,
        "WEBHOOK_NOT_FOUND",
    );
    assert_error(
        &send(hook(&b.id, "hook"), Some(secret), body.clone()).await,
        404,
        "WEBHOOK_NOT_FOUND",
    );
    assert_error(
        &send(
            hook("0190f0f0f0f07000800000000000000a", "hook"),
            Some(secret),
            body.clone(),
        )
        .await,
        404,
        "WEBHOOK_NOT_FOUND",
    );
    assert_error(
        &send(
            hook(&a.id, "hook"),
            Some(secret),
            json!({ "contact": { "phone": "12" } }),
        )
        .await,
        400,
        "INVALID_PHONE",
    );

    let (status, started) = send(hook(&a.id, "hook"), Some(secret), body.clone()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    assert_eq!(started["status"], "completed");
    let run_id = started["run_id"].as_str().unwrap();
    let (_, run) = app
        .get(&format!("/api/runs/{run_id}"), &a.admin_token)
        .await;
    assert_eq!(run["run"]["trigger"], "webhook");
    assert_eq!(run["transcript"][0]["text"], "Order 7 shipped, Rita!");
    let contact_id = run["run"]["contact_id"].as_str().unwrap().to_string();

    // The same phone again finds the same contact; tenant B saw none of it.
    let (_, again) = send(hook(&a.id, "hook"), Some(secret), body).await;
    let (_, run2) = app
        .get(
            &format!("/api/runs/{}", again["run_id"].as_str().unwrap()),
            &a.admin_token,
        )
        .await;
    assert_eq!(run2["run"]["contact_id"], contact_id.as_str());
    let (_, contacts) = app.get("/api/contacts", &a.admin_token).await;
    assert_eq!(contacts["items"].as_array().unwrap().len(), 1, "{contacts}");
    let (_, theirs) = app.get("/api/runs", &b.admin_token).await;
    assert_eq!(theirs["items"], json!([]));
}
