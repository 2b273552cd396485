//! `GET /register` and `POST /register`: creating an account, every problem
//! listed at once, names unique without regard to case, and registration
//! switched off (the password rules: `password_rules.rs`).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

crate::stories!(
    the_registration_form_asks_for_name_password_and_confirmation,
    a_form_registration_logs_the_new_user_in_and_goes_to_the_dashboard,
    a_json_registration_answers_201_with_the_user,
    a_registration_lists_every_problem_at_once,
    a_name_taken_in_any_case_answers_409,
    password_confirm_is_optional_but_must_match_when_sent,
    a_browser_sees_the_form_again_with_its_name_and_the_errors,
    without_allow_registration_there_is_no_register_page,
);

/// `username`, `password` and a matching confirmation as JSON.
pub(super) fn account(username: &str, password: &str) -> Value {
    json!({ "username": username, "password": password, "password_confirm": password })
}

/// Posts `body` as JSON; expects 422 and returns the problems per field.
pub(super) async fn problems(app: &TestApp, body: &Value) -> Value {
    let response = app.post_json("/register", body).await;
    assert_eq!(
        response.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "{body}"
    );
    let answer: Value = response.json().await.unwrap();
    assert!(answer["errors"].is_object(), "{answer}");
    answer["errors"].clone()
}

async fn the_registration_form_asks_for_name_password_and_confirmation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.get_html("/register").await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = body_text(response).await;
    for field in ["username", "password", "password_confirm"] {
        assert!(input_value(&html, field).is_some(), "no {field} field");
    }
}

async fn a_form_registration_logs_the_new_user_in_and_goes_to_the_dashboard(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.register("alice").await;
    assert_redirect(&response, "/dashboard");
    assert_session_cookie(&response);
    assert_eq!(app.whoami().await.as_deref(), Some("alice"));
}

async fn a_json_registration_answers_201_with_the_user(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .post_json("/register", &account("Alice.B_c-9", PASSWORD))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_session_cookie(&response);
    let user: Value = response.json().await.unwrap();
    assert!(user["id"].is_i64(), "{user}");
    assert_eq!(user["username"], "Alice.B_c-9");

    let me: Value = app.get("/api/me").await.json().await.unwrap();
    assert_eq!(
        (&me["id"], &me["username"]),
        (&user["id"], &user["username"])
    );
}

async fn a_registration_lists_every_problem_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = json!({ "username": "a!", "password": "short", "password_confirm": "other" });
    let errors = problems(&app, &body).await;
    for field in ["username", "password", "password_confirm"] {
        assert!(errors[field].is_array(), "{field} missing: {errors}");
    }
    // The name is too short AND holds a bad character: both are said.
    assert_eq!(errors["username"].as_array().unwrap().len(), 2, "{errors}");

    let response = app
        .post_form("/register", &[("username", "a!"), ("password", "short")])
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = body_text(response).await;
    assert!(
        text.contains("3 to 32") && text.contains("at least 8"),
        "{text}"
    );
    assert_eq!(app.whoami().await, None);
}

async fn a_name_taken_in_any_case_answers_409(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_redirect(&app.register("Alice").await, "/dashboard");
    let other = app.new_client();

    for name in ["alice", "ALICE", "Alice"] {
        let response = other
            .request(Method::POST, "/register")
            .json(&account(name, PASSWORD))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CONFLICT, "{name}");
        assert!(
            set_cookies(&response, "session").is_empty(),
            "no login for {name}"
        );
        let body: Value = response.json().await.unwrap();
        assert!(
            body["message"].as_str().unwrap().contains("already taken"),
            "{body}"
        );
    }
    let form = [("username", "aLiCe"), ("password", PASSWORD)];
    let response = other
        .request(Method::POST, "/register")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(body_text(response).await.contains("already taken"));
    assert_eq!(other.whoami().await, None);
}

async fn password_confirm_is_optional_but_must_match_when_sent(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = json!({ "username": "alice", "password": PASSWORD, "password_confirm": "correct horse battery stapler" });
    let errors = problems(&app, &body).await;
    assert!(errors["password_confirm"].is_array(), "{errors}");
    assert!(
        errors.get("password").is_none() && errors.get("username").is_none(),
        "{errors}"
    );

    let body = json!({ "username": "alice", "password": PASSWORD });
    assert_eq!(
        app.post_json("/register", &body).await.status(),
        StatusCode::CREATED
    );
}

async fn a_browser_sees_the_form_again_with_its_name_and_the_errors(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fields = [
        ("username", "bob"),
        ("password", "short"),
        ("password_confirm", "shorter"),
    ];
    let response = app.post_form_html("/register", &fields).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        header(&response, "content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let html = body_text(response).await;
    assert_eq!(input_value(&html, "username").as_deref(), Some("bob"));
    assert!(
        html.contains("at least 8 characters") && html.contains("do not match"),
        "{html}"
    );

    assert_redirect(&app.register("carol").await, "/dashboard");
    let other = app.new_client();
    let fields = [("username", "Carol"), ("password", PASSWORD)];
    let response = send_html(other.request(Method::POST, "/register").form(&fields)).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let html = body_text(response).await;
    assert!(html.contains("already taken"));
    assert_eq!(input_value(&html, "username").as_deref(), Some("Carol"));
}

async fn without_allow_registration_there_is_no_register_page(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.allow_registration = false).await;
    assert_eq!(
        app.get_html("/register").await.status(),
        StatusCode::NOT_FOUND
    );
    let fields = [
        ("username", "alice"),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
    ];
    assert_eq!(
        app.post_form("/register", &fields).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post_json("/register", &account("alice", PASSWORD))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.whoami().await, None);

    let html = body_text(app.get_html("/login").await).await;
    assert!(html.contains("Log in"), "the login page still works");
    assert!(
        !html.contains("/register"),
        "a link to the closed registration"
    );
    assert!(
        app.login("alice", PASSWORD).await.status() == StatusCode::UNAUTHORIZED,
        "no account was made"
    );
}
