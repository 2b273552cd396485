//! Brute force: a per-username lock-out kept in the database (existing names
//! or not, the same answer) and a per-address limit that a forged
//! `X-Forwarded-For` cannot dodge.

use reqwest::{Method, Response, StatusCode};

use session_auth::client_ip::TrustedProxies;

use crate::helpers::*;

crate::stories!(
    unknown_name_and_wrong_password_get_the_same_answer,
    the_name_is_locked_after_max_failures_even_for_the_right_password,
    an_unknown_name_is_locked_exactly_like_an_existing_one,
    case_variants_of_a_name_share_one_failure_count,
    a_success_before_the_limit_resets_the_count,
    a_lock_out_holds_on_another_instance_of_the_same_database,
    the_address_limit_refuses_further_attempts_and_ignores_forged_forwarding,
    behind_a_trusted_proxy_each_forwarded_address_has_its_own_limit,
    registrations_count_toward_the_address_limit,
);

const WRONG: &str = "not the password at all";

/// Status, `Retry-After` and body of an answer, to compare two answers.
async fn answer(response: Response) -> (StatusCode, Option<String>, String) {
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, retry_after, response.text().await.unwrap())
}

/// A form login from a fresh browser, optionally with `X-Forwarded-For`.
async fn attempt(
    app: &TestApp,
    username: &str,
    password: &str,
    forwarded: Option<&str>,
) -> Response {
    let client = app.new_client();
    let mut request = client
        .request(Method::POST, "/login")
        .form(&[("username", username), ("password", password)]);
    if let Some(address) = forwarded {
        request = request.header("x-forwarded-for", address);
    }
    request.send().await.unwrap()
}

async fn fail(app: &TestApp, username: &str, times: usize) {
    for _ in 0..times {
        let status = attempt(app, username, WRONG, None).await.status();
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{username}");
    }
}

async fn unknown_name_and_wrong_password_get_the_same_answer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;

    let wrong_password = attempt(&app, "alice", WRONG, None).await;
    let unknown_name = attempt(&app, "mallory", WRONG, None).await;

    let names = |r: &Response| {
        let mut names: Vec<String> = r.headers().keys().map(|k| k.to_string()).collect();
        names.sort();
        names
    };
    assert_eq!(names(&wrong_password), names(&unknown_name));
    let (wrong_password, unknown_name) = (answer(wrong_password).await, answer(unknown_name).await);
    assert_eq!(wrong_password.0, StatusCode::UNAUTHORIZED);
    assert!(wrong_password.2.contains("Invalid username or password"));
    assert_eq!(wrong_password, unknown_name);
}

async fn the_name_is_locked_after_max_failures_even_for_the_right_password(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.login_max_failures = 3).await;
    app.register("alice").await;

    fail(&app, "alice", 3).await;
    let (status, retry_after, _) = answer(attempt(&app, "alice", PASSWORD, None).await).await;

    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry_after.as_deref(), Some("60"));
    let browser = app
        .post_form_html("/login", &[("username", "alice"), ("password", PASSWORD)])
        .await;
    let json = app
        .post_json(
            "/login",
            &serde_json::json!({ "username": "alice", "password": PASSWORD }),
        )
        .await;
    for response in [browser, json] {
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(response.headers().contains_key("retry-after"));
        assert!(set_cookies(&response, "session").is_empty());
    }
}

async fn an_unknown_name_is_locked_exactly_like_an_existing_one(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.login_max_failures = 3).await;
    app.register("alice").await;

    fail(&app, "alice", 3).await;
    fail(&app, "mallory", 3).await;
    let existing = answer(attempt(&app, "alice", PASSWORD, None).await).await;
    let unknown = answer(attempt(&app, "mallory", PASSWORD, None).await).await;

    assert_eq!(existing.0, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(existing, unknown);
}

async fn case_variants_of_a_name_share_one_failure_count(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.login_max_failures = 3).await;
    app.register("Alice").await;

    fail(&app, "Alice", 1).await;
    fail(&app, "alice", 1).await;
    fail(&app, "ALICE", 1).await;

    let status = attempt(&app, "alice", PASSWORD, None).await.status();
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

async fn a_success_before_the_limit_resets_the_count(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.login_max_failures = 3).await;
    app.register("alice").await;

    fail(&app, "alice", 2).await;
    assert_redirect(&attempt(&app, "alice", PASSWORD, None).await, "/dashboard");
    fail(&app, "alice", 2).await;

    assert_redirect(&attempt(&app, "alice", PASSWORD, None).await, "/dashboard");
}

async fn a_lock_out_holds_on_another_instance_of_the_same_database(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.login_max_failures = 3).await;
    app.register("alice").await;
    let sibling = app.spawn_sibling(|_| {}).await;

    fail(&app, "alice", 3).await;

    let status = attempt(&sibling, "alice", PASSWORD, None).await.status();
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

async fn the_address_limit_refuses_further_attempts_and_ignores_forged_forwarding(
    backend: Backend,
) {
    let app = TestApp::spawn_with(backend, |s| s.login_ip_limit = 5).await;

    for i in 0..5 {
        let status = attempt(&app, &format!("user{i}"), WRONG, None)
            .await
            .status();
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {}", i + 1);
    }
    let (status, retry_after, _) = answer(attempt(&app, "user5", WRONG, None).await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = retry_after.expect("Retry-After").parse().unwrap();
    assert!(
        (1..=60).contains(&retry_after),
        "Retry-After: {retry_after}"
    );

    let forged = attempt(&app, "user6", WRONG, Some("1.2.3.4"))
        .await
        .status();
    assert_eq!(
        forged,
        StatusCode::TOO_MANY_REQUESTS,
        "X-Forwarded-For from an untrusted peer"
    );
}

async fn behind_a_trusted_proxy_each_forwarded_address_has_its_own_limit(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.login_ip_limit = 5;
        s.trusted_proxies = TrustedProxies::parse("127.0.0.1").unwrap();
    })
    .await;

    for i in 0..5 {
        let status = attempt(&app, &format!("user{i}"), WRONG, Some("1.2.3.4"))
            .await
            .status();
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {}", i + 1);
    }
    let status = attempt(&app, "user5", WRONG, Some("1.2.3.4"))
        .await
        .status();
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);

    let status = attempt(&app, "user6", WRONG, Some("5.6.7.8"))
        .await
        .status();
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "another client behind the proxy"
    );
}

async fn registrations_count_toward_the_address_limit(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.login_ip_limit = 5).await;

    for name in ["alice", "bob", "carol", "dave", "erin"] {
        assert_redirect(&app.register(name).await, "/dashboard");
    }

    let (status, retry_after, _) = answer(app.register("frank").await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after.is_some());
    let status = attempt(&app, "alice", PASSWORD, None).await.status();
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}
