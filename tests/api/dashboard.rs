//! The login guard around `/dashboard` and `/api`, and `GET /`: who gets in,
//! what the others are told, and how a browser finds its way back.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

crate::stories!(
    dashboard_redirects_an_anonymous_browser_to_login_with_next,
    the_next_of_the_redirect_keeps_the_query,
    dashboard_answers_an_anonymous_script_with_401_unauthorized,
    dashboard_answers_an_anonymous_json_client_with_401_json,
    the_dashboard_welcomes_alice_in_text_html_and_json,
    answers_to_a_logged_in_user_are_not_cached_and_vary_by_cookie,
    home_sends_anonymous_people_to_login_and_users_to_the_dashboard,
    api_me_answers_the_user_or_exactly_unauthorized,
    after_logging_in_from_the_redirect_a_browser_lands_back_on_the_dashboard,
    an_unknown_page_under_a_guarded_path_is_404_whoever_asks,
    a_wrong_method_on_a_guarded_page_is_405_whoever_asks,
);

async fn dashboard_redirects_an_anonymous_browser_to_login_with_next(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.get_html("/dashboard").await;
    assert_redirect(&response, "/login?next=%2Fdashboard");
    assert!(
        set_cookies(&response, "session").is_empty(),
        "no session for an anonymous visit"
    );
}

async fn the_next_of_the_redirect_keeps_the_query(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.get_html("/dashboard?tab=a&b=c").await;
    assert_redirect(&response, "/login?next=%2Fdashboard%3Ftab%3Da%26b%3Dc");
}

async fn dashboard_answers_an_anonymous_script_with_401_unauthorized(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.get("/dashboard").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(
        header(&response, "content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(body_text(response).await.trim(), "Unauthorized");
}

async fn dashboard_answers_an_anonymous_json_client_with_401_json(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.get_json("/dashboard").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(body["error"], "unauthorized");
}

async fn the_dashboard_welcomes_alice_in_text_html_and_json(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;
    let welcome = "Welcome to the dashboard, alice";

    let response = app.get("/dashboard").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        header(&response, "content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(body_text(response).await.trim(), welcome);

    let response = app.get_html("/dashboard").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        header(&response, "content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(body_text(response).await.contains(welcome));

    let response = app.get_json("/dashboard").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(body["username"], "alice");
    assert!(body["id"].is_i64(), "{body}");
}

async fn answers_to_a_logged_in_user_are_not_cached_and_vary_by_cookie(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;
    for (path, accept) in [
        ("/dashboard", BROWSER_ACCEPT),
        ("/dashboard", "*/*"),
        ("/dashboard", "application/json"),
        ("/api/me", "*/*"),
    ] {
        let response = app
            .request(Method::GET, path)
            .header("accept", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path} {accept}");
        assert_eq!(
            header(&response, "cache-control"),
            Some("no-store"),
            "{path} {accept}"
        );
        let vary: Vec<_> = response
            .headers()
            .get_all("vary")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        assert!(
            vary.iter()
                .flat_map(|v| v.split(','))
                .any(|v| v.trim().eq_ignore_ascii_case("cookie")),
            "{path} {accept}: Vary {vary:?}"
        );
    }
}

async fn home_sends_anonymous_people_to_login_and_users_to_the_dashboard(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_redirect(&app.get("/").await, "/login");
    assert_redirect(&app.get_html("/").await, "/login");
    app.register("alice").await;
    assert_redirect(&app.get("/").await, "/dashboard");
    assert_redirect(&app.get_html("/").await, "/dashboard");
    app.logout().await;
    assert_redirect(&app.get_html("/").await, "/login");
}

async fn api_me_answers_the_user_or_exactly_unauthorized(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for accept in ["*/*", "application/json", BROWSER_ACCEPT] {
        let response = app
            .request(Method::GET, "/api/me")
            .header("accept", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "Accept: {accept}"
        );
        assert!(
            header(&response, "content-type")
                .unwrap()
                .starts_with("application/json")
        );
        let body: Value = response.json().await.expect("a JSON body");
        assert_eq!(
            body,
            json!({ "error": "unauthorized", "message": "Unauthorized" }),
            "Accept: {accept}"
        );
    }

    let registered: Value = app
        .post_json(
            "/register",
            &json!({ "username": "alice", "password": PASSWORD }),
        )
        .await
        .json()
        .await
        .unwrap();
    let response = app.get("/api/me").await;
    assert_eq!(response.status(), StatusCode::OK);
    let me: Value = response.json().await.unwrap();
    assert_eq!(me, json!({ "id": registered["id"], "username": "alice" }));
}

async fn after_logging_in_from_the_redirect_a_browser_lands_back_on_the_dashboard(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;
    app.logout().await;

    let response = app.get_html("/dashboard?tab=a&b=c").await;
    let login_page = header(&response, "location")
        .expect("a redirect to login")
        .to_owned();
    let html = body_text(app.get_html(&login_page).await).await;
    let next = input_value(&html, "next").expect("the form carries next");
    assert_eq!(next, "/dashboard?tab=a&b=c");

    let fields = [
        ("username", "alice"),
        ("password", PASSWORD),
        ("next", next.as_str()),
    ];
    let response = app.post_form_html("/login", &fields).await;
    assert_redirect(&response, "/dashboard?tab=a&b=c");
    let response = app.get_html("/dashboard?tab=a&b=c").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        body_text(response)
            .await
            .contains("Welcome to the dashboard, alice")
    );
}

/// Paths under the guarded prefixes that are no page at all.
const UNKNOWN_GUARDED: &[&str] = &[
    "/api/nope",
    "/api/me/nope",
    "/account/nope",
    "/account/password/nope",
    "/dashboard/nope",
];

/// The outside test suite's find: an anonymous `GET /api/nope` answered 401,
/// as if there were a page to log in for. There is none: 404, to anonymous
/// scripts, browsers and JSON clients as to alice.
async fn an_unknown_page_under_a_guarded_path_is_404_whoever_asks(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.new_client();
    alice.register("alice").await;
    for path in UNKNOWN_GUARDED {
        let get = |client: &TestClient| client.request(Method::GET, path);
        for (who, request) in [
            ("anonymous script", get(&app)),
            (
                "anonymous browser",
                get(&app).header("accept", BROWSER_ACCEPT),
            ),
            (
                "anonymous JSON client",
                get(&app).header("accept", "application/json"),
            ),
            ("anonymous POST", app.request(Method::POST, path)),
            ("alice", get(&alice)),
            (
                "alice's browser",
                get(&alice).header("accept", BROWSER_ACCEPT),
            ),
        ] {
            let response = request.send().await.expect("request");
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{who}: {path}");
        }
    }
    let answer: Value = app.get_json("/api/nope").await.json().await.expect("JSON");
    assert_eq!(answer["error"], "not_found", "{answer}");
    assert_eq!(alice.whoami().await.as_deref(), Some("alice"));
}

/// A wrong method is wrong whoever sends it: 405, not a login prompt.
async fn a_wrong_method_on_a_guarded_page_is_405_whoever_asks(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.new_client();
    alice.register("alice").await;
    let cases = [
        (Method::PUT, "/dashboard"),
        (Method::POST, "/dashboard"),
        (Method::POST, "/account"),
        (Method::GET, "/account/password"),
        (Method::GET, "/account/delete"),
        (Method::DELETE, "/api/me"),
    ];
    for (method, path) in cases {
        for (who, client) in [("anonymous", &*app), ("alice", &alice)] {
            let browser = client
                .request(method.clone(), path)
                .header("accept", BROWSER_ACCEPT);
            for request in [client.request(method.clone(), path), browser] {
                let status = request.send().await.expect("request").status();
                assert_eq!(
                    status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{who}: {method} {path}"
                );
            }
        }
    }
}
