//! One JSON error shape for every JSON error, ours or actix's:
//! `{"error": code, "message": text}`, plus `"errors": {field: [..]}` when
//! fields are at fault; and one answer format per request, for success and
//! error alike.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

crate::stories!(
    every_json_error_has_the_same_shape,
    a_json_body_is_answered_in_json_whatever_accept_says,
);

/// Asserts `body` is the one error shape with `code`.
fn assert_error_shape(body: &Value, code: &str, what: &str) {
    let object = body.as_object().unwrap_or_else(|| panic!("{what}: {body}"));
    assert_eq!(body["error"], code, "{what}: {body}");
    assert!(body["message"].is_string(), "{what}: {body}");
    let extra: Vec<_> = object
        .keys()
        .filter(|k| !["error", "message", "errors"].contains(&k.as_str()))
        .collect();
    assert!(extra.is_empty(), "{what}: {body}");
    if let Some(errors) = object.get("errors") {
        assert!(
            errors.as_object().unwrap().values().all(Value::is_array),
            "{what}: {body}"
        );
    }
}

async fn every_json_error_has_the_same_shape(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;
    let anonymous = app.new_client();
    let json_type = "application/json";
    let cases = [
        (
            "GET /api/me",
            anonymous.request(Method::GET, "/api/me"),
            "unauthorized",
        ),
        (
            "GET /dashboard",
            anonymous.request(Method::GET, "/dashboard"),
            "unauthorized",
        ),
        (
            "GET /no/such",
            anonymous.request(Method::GET, "/no/such"),
            "not_found",
        ),
        (
            "DELETE /login",
            anonymous.request(Method::DELETE, "/login"),
            "method_not_allowed",
        ),
        (
            "malformed JSON",
            anonymous
                .request(Method::POST, "/login")
                .header("content-type", json_type)
                .body("{"),
            "bad_request",
        ),
        (
            "17 KiB",
            anonymous
                .request(Method::POST, "/login")
                .header("content-type", json_type)
                .body(" ".repeat(17 * 1024)),
            "payload_too_large",
        ),
        (
            "empty registration",
            anonymous
                .request(Method::POST, "/register")
                .json(&json!({})),
            "validation_failed",
        ),
        (
            "taken name",
            anonymous
                .request(Method::POST, "/register")
                .json(&json!({ "username": "alice", "password": PASSWORD })),
            "username_taken",
        ),
        (
            "wrong password",
            anonymous
                .request(Method::POST, "/login")
                .json(&json!({ "username": "alice", "password": "wrong password" })),
            "invalid_credentials",
        ),
        (
            "cross-site",
            anonymous
                .request(Method::POST, "/login")
                .header("sec-fetch-site", "cross-site")
                .json(&json!({})),
            "forbidden",
        ),
    ];
    for (what, request, code) in cases {
        let response = request.header("accept", json_type).send().await.unwrap();
        assert!(response.status().is_client_error(), "{what}");
        assert!(
            header(&response, "content-type")
                .unwrap_or_default()
                .starts_with(json_type),
            "{what}"
        );
        let body: Value = response.json().await.unwrap();
        assert_error_shape(&body, code, what);
    }
}

async fn a_json_body_is_answered_in_json_whatever_accept_says(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.new_client();
    let register = |body: Value| {
        client
            .request(Method::POST, "/register")
            .header("accept", BROWSER_ACCEPT)
            .json(&body)
    };
    let refused = register(json!({ "username": "alice" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = refused.json().await.expect("a JSON error");
    assert_error_shape(&body, "validation_failed", "registration");

    let created = register(json!({ "username": "alice", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let body: Value = created.json().await.expect("a JSON success");
    assert_eq!(body["username"], "alice");
}
