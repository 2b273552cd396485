//! `GET /login` and `POST /login` when they succeed: the form, where a
//! login leads (never off the site), JSON logins and a fresh session each time.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

crate::stories!(
    the_login_form_asks_for_name_password_and_remember_and_carries_next,
    the_login_form_drops_a_next_that_leads_off_the_site,
    a_form_login_lands_on_the_dashboard_or_on_a_local_next,
    a_form_login_never_follows_a_next_that_leaves_the_site,
    a_json_login_answers_the_user_and_its_cookie_works_for_the_api,
    login_ignores_the_case_of_the_username_and_shows_the_name_as_registered,
    every_login_issues_a_new_session_cookie,
    remember_me_makes_the_cookie_outlive_the_browser_session,
);

const HOSTILE_NEXT: &[&str] = &[
    "//evil.example",
    "/\\evil.example",
    "https://evil.example",
    "/%2F/evil.example",
    "javascript:alert(1)",
    "%0d%0a//evil",
    "\r\n//evil.example",
];

/// An app where alice has registered and logged out again.
pub(super) async fn app_with_alice(backend: Backend) -> TestApp {
    let app = TestApp::spawn(backend).await;
    assert_redirect(&app.register("alice").await, "/dashboard");
    assert_redirect(&app.logout().await, "/login");
    app
}

async fn the_login_form_asks_for_name_password_and_remember_and_carries_next(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.get_html("/login?next=%2Fdashboard%3Ftab%3D1").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        header(&response, "content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let html = body_text(response).await;
    for field in ["username", "password", "remember"] {
        assert!(input_value(&html, field).is_some(), "no {field} field");
    }
    assert_eq!(
        input_value(&html, "next").as_deref(),
        Some("/dashboard?tab=1")
    );
}

async fn the_login_form_drops_a_next_that_leads_off_the_site(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for next in HOSTILE_NEXT {
        let response = app
            .request(Method::GET, "/login")
            .query(&[("next", next)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "next={next:?}");
        let html = body_text(response).await;
        assert_eq!(
            input_value(&html, "next").as_deref(),
            Some(""),
            "next={next:?} kept"
        );
    }
}

async fn a_form_login_lands_on_the_dashboard_or_on_a_local_next(backend: Backend) {
    let app = app_with_alice(backend).await;
    let response = app.login("alice", PASSWORD).await;
    assert_redirect(&response, "/dashboard");
    assert_session_cookie(&response);

    let fields = [
        ("username", "alice"),
        ("password", PASSWORD),
        ("next", "/dashboard?tab=1"),
    ];
    assert_redirect(&app.post_form("/login", &fields).await, "/dashboard?tab=1");
    assert_eq!(app.whoami().await.as_deref(), Some("alice"));
}

async fn a_form_login_never_follows_a_next_that_leaves_the_site(backend: Backend) {
    let app = app_with_alice(backend).await;
    for next in HOSTILE_NEXT {
        let fields = [
            ("username", "alice"),
            ("password", PASSWORD),
            ("next", next),
        ];
        let response = app.post_form_html("/login", &fields).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "next={next:?}");
        assert_eq!(
            header(&response, "location"),
            Some("/dashboard"),
            "next={next:?}"
        );
    }
}

async fn a_json_login_answers_the_user_and_its_cookie_works_for_the_api(backend: Backend) {
    let app = app_with_alice(backend).await;
    let body = json!({ "username": "alice", "password": PASSWORD, "next": "/dashboard?tab=1" });
    let response = app.post_json("/login", &body).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_session_cookie(&response);
    let user: Value = response.json().await.unwrap();
    assert!(user["id"].is_i64(), "id: {user}");
    assert_eq!(user["username"], "alice");

    let me: Value = app.get("/api/me").await.json().await.unwrap();
    assert_eq!(
        (&me["id"], &me["username"]),
        (&user["id"], &user["username"])
    );
}

async fn login_ignores_the_case_of_the_username_and_shows_the_name_as_registered(backend: Backend) {
    let app = app_with_alice(backend).await;
    assert_redirect(&app.login("ALICE", PASSWORD).await, "/dashboard");
    assert_eq!(app.whoami().await.as_deref(), Some("alice"));

    assert_redirect(&app.register("Bob").await, "/dashboard");
    app.logout().await;
    assert_redirect(&app.login("bob", PASSWORD).await, "/dashboard");
    assert_eq!(app.whoami().await.as_deref(), Some("Bob"));
}

async fn every_login_issues_a_new_session_cookie(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("bob").await;
    app.logout().await;
    app.register("alice").await;
    let before = app.cookie("session").expect("a session after registering");

    assert_redirect(&app.login("alice", PASSWORD).await, "/dashboard");
    let after = app.cookie("session").expect("a session after logging in");
    assert_ne!(before, after, "the same session cookie survived a login");

    let response = app.login("bob", PASSWORD).await;
    assert_session_cookie(&response);
    assert_eq!(app.whoami().await.as_deref(), Some("bob"));
}

async fn remember_me_makes_the_cookie_outlive_the_browser_session(backend: Backend) {
    let app = app_with_alice(backend).await;
    let plain = app.login("alice", PASSWORD).await;
    let cookie = set_cookies(&plain, "session")[0].to_ascii_lowercase();
    assert!(
        !cookie.contains("max-age") && !cookie.contains("expires"),
        "{cookie}"
    );

    let remembered = app.login_remembered("alice", PASSWORD).await;
    assert_session_cookie(&remembered);
    let cookie = set_cookies(&remembered, "session")[0].to_ascii_lowercase();
    let max_age: u64 = cookie
        .split("; ")
        .find_map(|attribute| attribute.strip_prefix("max-age="))
        .unwrap_or_else(|| panic!("a persistent cookie: {cookie}"))
        .parse()
        .unwrap();
    let thirty_days = 30 * 24 * 3600;
    assert!(
        (thirty_days - 60..=thirty_days).contains(&max_age),
        "Max-Age={max_age}"
    );
}
