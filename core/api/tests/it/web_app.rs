//! The built web app is served beside the API: its files, its index for the app's own
//! routes, and never in place of an API answer.

use reqwest::StatusCode;

use crate::harness::{TestApp, settings};

#[tokio::test]
async fn the_web_app_is_served_at_the_root_and_the_api_keeps_its_paths() {
    let dir = std::env::temp_dir().join(format!("tucan-ui-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><div id=root></div>").unwrap();
    std::fs::write(dir.join("assets/app-1a2b.js"), "console.log(1)").unwrap();
    let mut s = settings();
    s.ui_dir = Some(dir.clone());
    let app = TestApp::start_with(s).await;

    for path in ["/", "/inbox", "/inbox/0193-ticket", "/flows/abc"] {
        let res = app
            .http
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.headers()["cache-control"], "no-cache", "{path}");
        assert!(res.text().await.unwrap().contains("id=root"), "{path}");
    }
    let res = app
        .http
        .get(format!("{}/assets/app-1a2b.js", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert_eq!(res.text().await.unwrap(), "console.log(1)");

    // API paths stay the API's: an unknown one is a JSON 404, not the app's index.
    let res = app
        .http
        .get(format!("{}/api/nothing-here", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(!res.text().await.unwrap().contains("id=root"));
    let res = app
        .http
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    std::fs::remove_dir_all(dir).ok();
}
