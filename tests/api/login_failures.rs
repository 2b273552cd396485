//! `POST /login` when it fails: one answer for every wrong credential, the
//! form shown again, missing fields, over-long passwords and the lock-out.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::login::app_with_alice;
use crate::helpers::*;

crate::stories!(
    a_wrong_password_and_an_unknown_user_get_the_same_401,
    a_browser_with_a_wrong_password_sees_the_form_again_with_the_message,
    a_login_with_missing_fields_answers_422_naming_the_field,
    a_password_over_72_bytes_is_just_a_failed_login,
    a_name_with_a_nul_byte_is_just_a_failed_login,
    repeated_failures_lock_a_name_with_429_and_retry_after,
);

/// A strong password of exactly 72 bytes.
fn password_of_72_bytes() -> String {
    "Tq7vZp3mWx9Kd2Lr8Hs5Nb4Jf6Gc1Yu0"
        .chars()
        .cycle()
        .take(72)
        .collect()
}

async fn a_wrong_password_and_an_unknown_user_get_the_same_401(backend: Backend) {
    let app = app_with_alice(backend).await;
    let answer = |response: reqwest::Response| async move {
        let mut headers = response.headers().clone();
        headers.remove("date");
        // Each answer has its own id, whatever it answers.
        headers.remove("x-request-id");
        (response.status(), headers, body_text(response).await)
    };
    let wrong = answer(app.login("alice", "not the password at all").await).await;
    let unknown = answer(app.login("nobody", "not the password at all").await).await;
    assert_eq!(wrong.0, StatusCode::UNAUTHORIZED);
    assert!(
        wrong.2.contains("Invalid username or password"),
        "{}",
        wrong.2
    );
    assert_eq!(
        wrong, unknown,
        "a wrong password and an unknown name must look alike"
    );

    let wrong = answer(
        app.post_json(
            "/login",
            &json!({"username": "alice", "password": "nope-nope"}),
        )
        .await,
    )
    .await;
    let unknown = answer(
        app.post_json(
            "/login",
            &json!({"username": "nobody", "password": "nope-nope"}),
        )
        .await,
    )
    .await;
    assert_eq!(wrong.0, StatusCode::UNAUTHORIZED);
    assert!(
        wrong.2.contains("Invalid username or password"),
        "{}",
        wrong.2
    );
    assert_eq!(wrong, unknown, "JSON answers must look alike too");
    assert_eq!(app.whoami().await, None);
}

async fn a_browser_with_a_wrong_password_sees_the_form_again_with_the_message(backend: Backend) {
    let app = app_with_alice(backend).await;
    let fields = [
        ("username", "alice"),
        ("password", "wrong password"),
        ("next", "/dashboard?tab=2"),
    ];
    let response = app.post_form_html("/login", &fields).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(
        header(&response, "content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let html = body_text(response).await;
    assert!(html.contains("Invalid username or password"));
    assert_eq!(input_value(&html, "username").as_deref(), Some("alice"));
    assert_eq!(
        input_value(&html, "password").as_deref(),
        Some(""),
        "the password is not echoed"
    );
    assert_eq!(
        input_value(&html, "next").as_deref(),
        Some("/dashboard?tab=2")
    );
    assert_eq!(app.whoami().await, None);
}

async fn a_login_with_missing_fields_answers_422_naming_the_field(backend: Backend) {
    let app = app_with_alice(backend).await;
    let response = app.post_form("/login", &[("username", "alice")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(response).await.contains("Password is required"));

    let response = app
        .post_json("/login", &json!({ "password": PASSWORD }))
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert!(body["errors"]["username"].is_array(), "{body}");
    assert!(body["errors"].get("password").is_none(), "{body}");

    let response = app
        .post_form_html("/login", &[("username", " "), ("password", "")])
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = body_text(response).await;
    assert!(html.contains("Username is required") && html.contains("Password is required"));
    assert_eq!(app.whoami().await, None);
}

async fn a_password_over_72_bytes_is_just_a_failed_login(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let exact = password_of_72_bytes();
    let body = json!({ "username": "alice", "password": exact });
    assert_eq!(
        app.post_json("/register", &body).await.status(),
        StatusCode::CREATED
    );
    app.logout().await;

    // bcrypt reads only 72 bytes: a truncating check would let these in.
    for longer in [format!("{exact}x"), format!("{exact}{}", "y".repeat(100))] {
        let response = app.login("alice", &longer).await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{} bytes",
            longer.len()
        );
        assert!(
            body_text(response)
                .await
                .contains("Invalid username or password")
        );
    }
    assert_eq!(app.whoami().await, None);
    assert_redirect(&app.login("alice", &exact).await, "/dashboard");
}

/// PostgreSQL refuses NUL in text: such a name must still be an unknown name (found by `fuzz.rs`).
async fn a_name_with_a_nul_byte_is_just_a_failed_login(backend: Backend) {
    let app = app_with_alice(backend).await;
    let response = app.login("alice\0", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "form");
    assert!(
        body_text(response)
            .await
            .contains("Invalid username or password")
    );
    let body = json!({ "username": "\0", "password": PASSWORD });
    let response = app.post_json("/login", &body).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "JSON");
    assert_eq!(app.whoami().await, None);
}

async fn repeated_failures_lock_a_name_with_429_and_retry_after(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.login_max_failures = 3).await;
    app.register("alice").await;
    app.logout().await;
    let mut bodies = Vec::new();
    for name in ["alice", "ghost"] {
        for _ in 0..3 {
            assert_eq!(
                app.login(name, "wrong password").await.status(),
                StatusCode::UNAUTHORIZED
            );
        }
        // Locked: even the right password is refused for now.
        let response = app.login(name, PASSWORD).await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS, "{name}");
        let retry_after: u64 = header(&response, "retry-after")
            .expect("Retry-After")
            .parse()
            .unwrap();
        assert!(
            (1..=60).contains(&retry_after),
            "Retry-After: {retry_after}"
        );
        bodies.push(body_text(response).await);
    }
    assert_eq!(
        bodies[0], bodies[1],
        "a locked name answers alike whether or not it exists"
    );
    assert_eq!(app.whoami().await, None);
}
