//! Sign-in, tokens, refresh rotation and reuse detection, passwords, rate limits.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{ADMIN_EMAIL, PASSWORD, TestApp, assert_error, settings};

#[tokio::test]
async fn login_me_and_wrong_password() {
    let app = TestApp::start().await;
    let (status, me) = app.get("/api/auth/me", &app.root).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["email"], ADMIN_EMAIL);
    assert_eq!(me["role"], "platform_admin");
    assert!(me.get("password_hash").is_none());

    let wrong = app
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({ "email": ADMIN_EMAIL, "password": "nope nope nope" })),
        )
        .await;
    assert_error(&wrong, 401, "INVALID_CREDENTIALS");
    let unknown = app
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({ "email": "ghost@x.test", "password": PASSWORD })),
        )
        .await;
    assert_error(&unknown, 401, "INVALID_CREDENTIALS");
    // Email matching ignores case and surrounding space.
    app.login(" ROOT@Platform.test ", PASSWORD).await;
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let app = TestApp::start().await;
    let s1 = app.login(ADMIN_EMAIL, PASSWORD).await;
    let r1 = s1["refresh_token"].as_str().unwrap();
    let (status, s2) = app
        .call(
            Method::POST,
            "/api/auth/refresh",
            None,
            Some(json!({ "refresh_token": r1 })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{s2}");
    let r2 = s2["refresh_token"].as_str().unwrap();
    assert_ne!(r1, r2);
    let (status, _) = app
        .get("/api/auth/me", s2["access_token"].as_str().unwrap())
        .await;
    assert_eq!(status, StatusCode::OK);

    // Presenting r1 again is a reuse: refused, and r2 (same family) dies with it.
    let reused = app
        .call(
            Method::POST,
            "/api/auth/refresh",
            None,
            Some(json!({ "refresh_token": r1 })),
        )
        .await;
    assert_error(&reused, 401, "REFRESH_TOKEN_REUSED");
    let after = app
        .call(
            Method::POST,
            "/api/auth/refresh",
            None,
            Some(json!({ "refresh_token": r2 })),
        )
        .await;
    assert_error(&after, 401, "REFRESH_TOKEN_INVALID");

    // Logout ends a session.
    let s3 = app.login(ADMIN_EMAIL, PASSWORD).await;
    let (status, _) = app
        .call(
            Method::POST,
            "/api/auth/logout",
            None,
            Some(json!({ "refresh_token": s3["refresh_token"] })),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let gone = app
        .call(
            Method::POST,
            "/api/auth/refresh",
            None,
            Some(json!({ "refresh_token": s3["refresh_token"] })),
        )
        .await;
    assert_error(&gone, 401, "REFRESH_TOKEN_INVALID");
    let junk = app
        .call(
            Method::POST,
            "/api/auth/refresh",
            None,
            Some(json!({ "refresh_token": "junk" })),
        )
        .await;
    assert_error(&junk, 401, "REFRESH_TOKEN_INVALID");
}

#[tokio::test]
async fn bad_tokens_are_401_with_codes() {
    let app = TestApp::start().await;
    assert_error(
        &app.call(Method::GET, "/api/auth/me", None, None).await,
        401,
        "UNAUTHORIZED",
    );
    assert_error(
        &app.get("/api/auth/me", "not-a-jwt").await,
        401,
        "TOKEN_INVALID",
    );

    // Tampered payload: role changed, signature kept.
    let parts: Vec<&str> = app.root.split('.').collect();
    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["sub"] = json!("00000000000000000000000000000000");
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    );
    assert_error(
        &app.get("/api/auth/me", &forged).await,
        401,
        "TOKEN_INVALID",
    );

    // alg: none.
    let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    assert_error(
        &app.get("/api/auth/me", &format!("{none_header}.{}.", parts[1]))
            .await,
        401,
        "TOKEN_INVALID",
    );

    // Expired, signed with the right secret.
    let keys = tucan_api::auth::tokens::TokenKeys::new(&settings().jwt_secret, -120);
    let me = app.get("/api/auth/me", &app.root).await.1;
    let expired = keys
        .issue(
            me["id"].as_str().unwrap(),
            None,
            tucan_model::user::Role::PlatformAdmin,
        )
        .unwrap();
    assert_error(
        &app.get("/api/auth/me", &expired).await,
        401,
        "TOKEN_EXPIRED",
    );

    // Wrong audience.
    let mut c = claims.clone();
    c["sub"] = me["id"].clone();
    c["aud"] = json!("someone-else");
    let key = jsonwebtoken::EncodingKey::from_secret(&settings().jwt_secret);
    let other_aud = jsonwebtoken::encode(&jsonwebtoken::Header::default(), &c, &key).unwrap();
    assert_error(
        &app.get("/api/auth/me", &other_aud).await,
        401,
        "TOKEN_INVALID",
    );
}

#[tokio::test]
async fn password_change_and_reset_flow() {
    let app = TestApp::start().await;
    let t = app.tenant("Resetco").await;
    let (_, agent) = app.user(&t, "agent").await;
    let me = app.get("/api/auth/me", &agent).await.1;
    let email = me["email"].as_str().unwrap().to_string();
    let session = app.login(&email, PASSWORD).await;

    let wrong = app
        .post(
            "/api/auth/password",
            &agent,
            json!({ "current_password": "nope", "new_password": "another good one" }),
        )
        .await;
    assert_error(&wrong, 401, "INVALID_CREDENTIALS");
    let weak = app
        .post(
            "/api/auth/password",
            &agent,
            json!({ "current_password": PASSWORD, "new_password": "short" }),
        )
        .await;
    assert_error(&weak, 400, "INVALID_FIELD");
    let (status, _) = app
        .post(
            "/api/auth/password",
            &agent,
            json!({ "current_password": PASSWORD, "new_password": "another good one" }),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // The access token used for the change was issued moments before it, usually within the
    // same second: it is cut off too.
    assert_error(&app.get("/api/auth/me", &agent).await, 401, "TOKEN_INVALID");
    // The old refresh token no longer works; the new password does.
    let old = app
        .call(
            Method::POST,
            "/api/auth/refresh",
            None,
            Some(json!({ "refresh_token": session["refresh_token"] })),
        )
        .await;
    assert_error(&old, 401, "REFRESH_TOKEN_INVALID");
    app.login(&email, "another good one").await;

    // Forgot: same answer for known and unknown emails; only the known one gets mail.
    for e in [email.as_str(), "nobody@nowhere.test", "not an email"] {
        let (status, _) = app
            .call(
                Method::POST,
                "/api/auth/forgot",
                None,
                Some(json!({ "email": e })),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    // The mail goes out after the answer; wait for it, then make sure no second one follows.
    for _ in 0..100 {
        if !app.mailer.sent().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let mails = app.mailer.sent();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, email);
    let token = mails[0]
        .body
        .lines()
        .find_map(|l| l.strip_prefix("Reset token: "))
        .unwrap()
        .trim()
        .to_string();
    assert!(
        mails[0]
            .body
            .contains("http://tucan.test/reset-password?token=")
    );

    let bad = app
        .call(
            Method::POST,
            "/api/auth/reset",
            None,
            Some(json!({ "token": "forged", "new_password": "third password ok" })),
        )
        .await;
    assert_error(&bad, 401, "RESET_TOKEN_INVALID");
    let (status, _) = app
        .call(
            Method::POST,
            "/api/auth/reset",
            None,
            Some(json!({ "token": token, "new_password": "third password ok" })),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let again = app
        .call(
            Method::POST,
            "/api/auth/reset",
            None,
            Some(json!({ "token": token, "new_password": "fourth password ok" })),
        )
        .await;
    assert_error(&again, 401, "RESET_TOKEN_INVALID");
    app.login(&email, "third password ok").await;
}

#[tokio::test]
async fn sign_in_attempts_are_limited_per_account_and_ip() {
    let mut s = settings();
    s.login_failures_per_account = 3;
    s.login_attempts_per_ip = 7;
    let app = TestApp::start_with(s).await;
    let attempt = |pw: &'static str| {
        app.call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({ "email": ADMIN_EMAIL, "password": pw })),
        )
    };
    for _ in 0..3 {
        assert_error(
            &attempt("wrong password!").await,
            401,
            "INVALID_CREDENTIALS",
        );
    }
    // The account is locked for a while, even with the right password.
    assert_error(&attempt(PASSWORD).await, 429, "TOO_MANY_ATTEMPTS");
    // Other accounts from the same IP are limited by the IP budget.
    for _ in 0..3 {
        let r = app
            .call(
                Method::POST,
                "/api/auth/login",
                None,
                Some(json!({ "email": "x@y.test", "password": "whatever pw" })),
            )
            .await;
        assert_eq!(r.0.as_u16(), 401);
    }
    let r = app
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({ "email": "z@y.test", "password": "whatever pw" })),
        )
        .await;
    assert_error(&r, 429, "TOO_MANY_ATTEMPTS");
    // A 429 says when to try again.
    let raw = app
        .http
        .post(format!("{}/api/auth/login", app.base))
        .json(&json!({ "email": "z@y.test", "password": "whatever pw" }))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 429);
    let wait: u64 = raw.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&wait), "{wait}");
}

#[tokio::test]
async fn a_given_password_must_be_replaced_before_anything_else() {
    let app = TestApp::start().await;
    let t = app.tenant("Acme").await;
    let (user_id, _) = app.user(&t, "agent").await;
    let (status, user) = app
        .get(&format!("/api/users/{user_id}"), &t.admin_token)
        .await;
    assert_eq!(status, StatusCode::OK, "{user}");
    // An operator hands out a password (as the admin CLI and the first start do).
    let account = tucan_store::Account {
        email: user["email"].as_str().unwrap().to_string(),
        tenant_id: Some(t.id.clone()),
        user_id: user_id.clone(),
    };
    tucan_api::accounts::set_given_password(&app.store, &account, "given password 123".into())
        .await
        .unwrap();
    let session = app.login(&account.email, "given password 123").await;
    assert_eq!(session["user"]["password_must_change"], true, "{session}");
    let token = session["access_token"].as_str().unwrap().to_string();

    // Only the profile, the password change and signing out answer.
    assert_error(
        &app.get("/api/tickets", &token).await,
        403,
        "PASSWORD_CHANGE_REQUIRED",
    );
    assert_error(
        &app.get("/api/contacts", &token).await,
        403,
        "PASSWORD_CHANGE_REQUIRED",
    );
    let (status, me) = app.get("/api/auth/me", &token).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["password_must_change"], true);
    let same = app
        .post(
            "/api/auth/password",
            &token,
            json!({ "current_password": "given password 123", "new_password": "given password 123" }),
        )
        .await;
    assert_error(&same, 400, "INVALID_FIELD");
    assert_eq!(same.1["field"], "new_password");
    let (status, body) = app
        .post(
            "/api/auth/password",
            &token,
            json!({ "current_password": "given password 123", "new_password": "my own password 456" }),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    // Signed in with their own password, the user works as before.
    let session = app.login(&account.email, "my own password 456").await;
    assert_eq!(session["user"]["password_must_change"], false, "{session}");
    let token = session["access_token"].as_str().unwrap();
    let (status, body) = app.get("/api/tickets", token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn the_socket_refuses_with_the_codes_of_rest() {
    let app = TestApp::start().await;
    let t = app.tenant("Acme").await;
    let refused = |query: String| {
        let url = format!("{}/api/ws{query}", app.ws_base);
        async move {
            match tokio_tungstenite::connect_async(url).await {
                Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
                    let body: Value =
                        serde_json::from_slice(resp.body().as_deref().unwrap_or_default())
                            .unwrap_or_default();
                    (
                        resp.status().as_u16(),
                        body["code"].as_str().unwrap_or_default().to_string(),
                    )
                }
                other => panic!(
                    "the socket opened or failed otherwise: {:?}",
                    other.map(|_| ())
                ),
            }
        }
    };
    assert_eq!(refused(String::new()).await, (401, "UNAUTHORIZED".into()));
    assert_eq!(
        refused("?token=".into()).await,
        (401, "UNAUTHORIZED".into())
    );
    assert_eq!(
        refused("?token=nope".into()).await,
        (401, "TOKEN_INVALID".into())
    );
    let keys = tucan_api::auth::tokens::TokenKeys::new(&settings().jwt_secret, -120);
    let expired = keys
        .issue(&t.admin_id, Some(&t.id), tucan_model::user::Role::Admin)
        .unwrap();
    assert_eq!(
        refused(format!("?token={expired}")).await,
        (401, "TOKEN_EXPIRED".into())
    );
}
