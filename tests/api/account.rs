//! The account page: its facts, changing the password and deleting the
//! account, each guarded by the current password.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::*;

crate::stories!(
    the_account_page_shows_the_name_creation_time_and_last_login,
    an_anonymous_browser_is_sent_from_the_account_page_to_login,
    a_wrong_current_password_changes_nothing,
    a_weak_or_mismatched_new_password_is_refused_listing_every_problem,
    a_changed_password_is_confirmed_once_and_replaces_the_old_one,
    deleting_with_a_wrong_password_deletes_nothing,
    deleting_the_account_ends_its_sessions_for_good,
    bad_input_to_the_account_routes_is_a_client_error,
);

const NEW_PASSWORD: &str = "purple elephants dance quietly";

/// `POST /account/password` as a JSON client (`Accept: application/json`, form body).
async fn change_password(
    app: &TestApp,
    current: &str,
    new: &str,
    confirm: &str,
) -> reqwest::Response {
    app.request(Method::POST, "/account/password")
        .header("accept", "application/json")
        .form(&[
            ("current_password", current),
            ("new_password", new),
            ("new_password_confirm", confirm),
        ])
        .send()
        .await
        .unwrap()
}

/// Whether a fresh browser can log in as `username` with `password`.
async fn can_log_in(app: &TestApp, username: &str, password: &str) -> bool {
    let client = app.new_client();
    match client.login(username, password).await.status() {
        StatusCode::SEE_OTHER => true,
        StatusCode::UNAUTHORIZED => false,
        other => panic!("login answered {other}"),
    }
}

async fn the_account_page_shows_the_name_creation_time_and_last_login(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;
    for _ in 0..2 {
        app.logout().await;
        assert_redirect(&app.login("alice", PASSWORD).await, "/dashboard");
    }
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();

    let response = app.get_html("/account").await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert!(page.contains("alice"));
    assert!(page.contains("Account created") && page.contains("Last login"));
    assert!(
        page.matches(&today).count() >= 2,
        "creation and last login dates: {page}"
    );
    assert!(!page.contains("never"), "{page}");

    let facts: Value = app.get_json("/account").await.json().await.unwrap();
    assert_eq!(facts["username"], "alice");
    for field in ["created_at", "last_login_at"] {
        let when = facts[field]
            .as_str()
            .unwrap_or_else(|| panic!("{field}: {facts}"));
        assert!(when.starts_with(&today), "{field}: {when}");
    }
}

async fn an_anonymous_browser_is_sent_from_the_account_page_to_login(backend: Backend) {
    let app = TestApp::spawn(backend).await;

    assert_redirect(&app.get_html("/account").await, "/login?next=%2Faccount");
    assert_eq!(app.get("/account").await.status(), StatusCode::UNAUTHORIZED);
    let response = app
        .post_form("/account/delete", &[("password", PASSWORD)])
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

async fn a_wrong_current_password_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;

    let response = change_password(&app, "not my password", NEW_PASSWORD, NEW_PASSWORD).await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert!(body["errors"]["current_password"].is_array(), "{body}");
    assert!(can_log_in(&app, "alice", PASSWORD).await);
    assert!(!can_log_in(&app, "alice", NEW_PASSWORD).await);
    assert_eq!(app.whoami().await.as_deref(), Some("alice"));
}

async fn a_weak_or_mismatched_new_password_is_refused_listing_every_problem(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;

    let response = change_password(&app, PASSWORD, "password", "passw0rd").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert!(body["errors"]["new_password"].is_array(), "{body}");
    assert!(body["errors"]["new_password_confirm"].is_array(), "{body}");

    let too_long = "purple elephants dance quietly ".repeat(3);
    let response = change_password(&app, PASSWORD, &too_long, &too_long).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("at most 72 bytes"));

    let response = app
        .post_form_html(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "alice-secret-2024"),
                ("new_password_confirm", "something else"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert!(page.contains("must not contain the username"), "{page}");
    assert!(page.contains("do not match"), "{page}");

    assert!(can_log_in(&app, "alice", PASSWORD).await);
}

async fn a_changed_password_is_confirmed_once_and_replaces_the_old_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;

    let response = app
        .post_form_html(
            "/account/password",
            &password_change(PASSWORD, NEW_PASSWORD),
        )
        .await;
    assert_redirect(&response, "/account");

    let first = app.get_html("/account").await.text().await.unwrap();
    assert!(first.contains("Password changed"), "{first}");
    let second = app.get_html("/account").await.text().await.unwrap();
    assert!(!second.contains("Password changed"), "shown once");

    assert!(can_log_in(&app, "alice", NEW_PASSWORD).await);
    assert!(!can_log_in(&app, "alice", PASSWORD).await);
}

async fn deleting_with_a_wrong_password_deletes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;

    for password in ["", "not my password"] {
        let response = app
            .post_form_html("/account/delete", &[("password", password)])
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{password:?}"
        );
    }

    assert_eq!(app.whoami().await.as_deref(), Some("alice"));
    assert!(can_log_in(&app, "alice", PASSWORD).await);
}

async fn deleting_the_account_ends_its_sessions_for_good(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;
    let other = app.new_client();
    other.login("alice", PASSWORD).await;
    let copies = [app.copy(), other.copy()];

    let response = app
        .post_form_html("/account/delete", &[("password", PASSWORD)])
        .await;
    assert_redirect(&response, "/login");
    assert_session_cleared(&response);

    assert_eq!(app.whoami().await, None);
    assert_eq!(other.whoami().await, None, "second browser");
    assert!(
        !can_log_in(&app, "alice", PASSWORD).await,
        "the account is gone"
    );

    // A new account of the same name is another account: old cookies stay dead.
    let newcomer = app.new_client();
    let response = newcomer
        .request(Method::POST, "/register")
        .form(&[("username", "alice"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_redirect(&response, "/dashboard");
    for copy in &copies {
        assert_eq!(copy.whoami().await, None, "an old copy");
    }
}

async fn bad_input_to_the_account_routes_is_a_client_error(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;
    let huge = format!("password={}", "a".repeat(17 * 1024));
    let cases: [(&str, &str, &[u8]); 7] = [
        ("/account/password", "application/json", b"{not json"),
        ("/account/password", "application/json", b"{}"),
        ("/account/password", "text/plain", b"current_password=x"),
        (
            "/account/password",
            "application/x-www-form-urlencoded",
            b"new_password=%ff%fe",
        ),
        ("/account/delete", "application/json", b"[1, 2]"),
        ("/account/delete", "application/x-www-form-urlencoded", b""),
        (
            "/account/delete",
            "application/x-www-form-urlencoded",
            huge.as_bytes(),
        ),
    ];

    for (path, content_type, body) in cases {
        let response = app.post_raw(path, content_type, body.to_vec()).await;
        let status = response.status();
        assert!(status.is_client_error(), "{path} {content_type}: {status}");
    }
    for path in [
        "/account/password",
        "/account/delete",
        "/account/logout-others",
    ] {
        assert_eq!(
            app.get(path).await.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "GET {path}"
        );
    }
    assert_eq!(
        app.whoami().await.as_deref(),
        Some("alice"),
        "nothing was deleted"
    );
}
