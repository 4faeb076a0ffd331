//! A flow run waiting on a timer survives `kill -9` of the whole platform: after a restart
//! on the same data directory the timer fires and the run completes, exactly once.

use serde_json::{Value, json};

use super::*;

async fn call(
    http: &reqwest::Client,
    port: u16,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = http
        .request(method, format!("http://127.0.0.1:{port}{path}"))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_run_finishes_after_the_platform_is_killed_and_restarted() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = tucanlink(dir.path()).args(args).output().unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    run(&["migrate"]);
    run(&["admin", "create-plan", "--name", "Pro", "--users", "3"]);
    let text = run(&[
        "admin",
        "create-tenant",
        "--name",
        "Acme",
        "--plan",
        "pro",
        "--admin-email",
        "ana@acme.test",
    ]);
    let password = text
        .lines()
        .find_map(|l| l.strip_prefix("admin ana@acme.test password: "))
        .unwrap()
        .trim()
        .to_string();

    let port = free_port();
    let (first, _) = serve(dir.path(), port);
    let http = reqwest::Client::new();
    let sign_in = |password: String| {
        let http = http.clone();
        async move {
            let login: Value = http
                .post(format!("http://127.0.0.1:{port}/api/auth/login"))
                .json(&json!({ "email": "ana@acme.test", "password": password }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            login["access_token"].as_str().unwrap().to_string()
        }
    };
    // The printed password signs in once, to choose the admin's own.
    let given = sign_in(password.clone()).await;
    let own = "Ana's own password 123".to_string();
    let (status, body) = call(
        &http,
        port,
        &given,
        reqwest::Method::POST,
        "/api/auth/password",
        Some(json!({ "current_password": password, "new_password": own })),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let token = sign_in(own).await;
    let doc = json!({
        "nodes": [
            { "id": "start", "type": "trigger.manual" },
            { "id": "wait", "type": "logic.wait", "config": { "seconds": 3 } },
            { "id": "done", "type": "messaging.send_text", "config": { "text": "three seconds later" } }
        ],
        "edges": [
            { "id": "a", "source": "start", "target": "wait" },
            { "id": "b", "source": "wait", "target": "done" }
        ]
    });
    let post = reqwest::Method::POST;
    let (status, flow) = call(
        &http,
        port,
        &token,
        post.clone(),
        "/api/flows",
        Some(json!({ "name": "Later", "document": doc })),
    )
    .await;
    assert_eq!(status, 201, "{flow}");
    let id = flow["id"].as_str().unwrap().to_string();
    call(
        &http,
        port,
        &token,
        post.clone(),
        &format!("/api/flows/{id}/publish"),
        Some(json!({})),
    )
    .await;
    // The customer it talks to, on the company's number.
    let (status, conn) = call(
        &http,
        port,
        &token,
        post.clone(),
        "/api/connections",
        Some(json!({ "name": "Loja", "kind": "simulator", "phone": "+551130000020" })),
    )
    .await;
    assert_eq!(status, 201, "{conn}");
    let (status, contact) = call(
        &http,
        port,
        &token,
        post.clone(),
        "/api/contacts",
        Some(json!({ "name": "Ana", "phone": "+5511987654321" })),
    )
    .await;
    assert_eq!(status, 201, "{contact}");
    let (status, started) = call(
        &http,
        port,
        &token,
        post,
        &format!("/api/flows/{id}/runs"),
        Some(json!({ "contact_id": contact["id"] })),
    )
    .await;
    assert_eq!(status, 201, "{started}");
    assert_eq!(started["run"]["status"], "waiting");
    let run_id = started["run"]["id"].as_str().unwrap().to_string();

    // No goodbye: the process dies with the run waiting on its timer.
    let mut first = first;
    first.kill().unwrap();
    first.wait().unwrap();

    let (second, _) = serve(dir.path(), port);
    let start = Instant::now();
    let run = loop {
        let (_, run) = call(
            &http,
            port,
            &token,
            reqwest::Method::GET,
            &format!("/api/runs/{run_id}"),
            None,
        )
        .await;
        if run["run"]["status"] == "completed" {
            break run;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "run never finished: {run}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let said: Vec<&str> = run["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["text"].as_str().unwrap())
        .collect();
    assert_eq!(said, ["three seconds later"], "the message once");
    stop(second);
}
