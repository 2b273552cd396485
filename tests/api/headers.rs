//! Response headers that defend the browser: the security headers on every
//! answer, and no caching of what a logged-in user sees.

use reqwest::{Method, Response};

use crate::helpers::*;

crate::stories!(
    every_answer_carries_the_security_headers,
    pages_for_a_logged_in_user_are_never_cached_and_vary_by_cookie,
    a_request_id_from_anyone_but_a_trusted_proxy_is_replaced,
);

/// `X-Request-Id` is believed only from `TRUSTED_PROXIES`: a client could
/// otherwise write what it likes into the log. Each answer gets its own id.
async fn a_request_id_from_anyone_but_a_trusted_proxy_is_replaced(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sent = |client: &TestClient, id: &'static str| {
        let request = client
            .request(Method::GET, "/login")
            .header("x-request-id", id);
        async move {
            let response = request.send().await.unwrap();
            response.headers()["x-request-id"]
                .to_str()
                .unwrap()
                .to_owned()
        }
    };
    let made = sent(&app, "chosen-by-the-client").await;
    assert_ne!(made, "chosen-by-the-client");
    assert_eq!(made.len(), 22, "{made}");
    assert_ne!(
        sent(&app, "chosen-by-the-client").await,
        made,
        "one id per request"
    );

    let behind_proxy = TestApp::spawn_with(backend, |s| {
        s.trusted_proxies = session_auth::client_ip::TrustedProxies::parse("127.0.0.1").unwrap();
    })
    .await;
    assert_eq!(sent(&behind_proxy, "lb-1234").await, "lb-1234");
    let odd = sent(&behind_proxy, "two words").await;
    assert_ne!(
        odd, "two words",
        "an id that cannot be logged as it is is replaced"
    );
}

#[track_caller]
fn assert_security_headers(what: &str, response: &Response) {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{what}: no {name}"))
            .to_owned()
    };
    let csp = header("content-security-policy");
    for directive in [
        "default-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ] {
        assert!(
            csp.contains(directive),
            "{what}: CSP {csp:?} lacks {directive}"
        );
    }
    assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header("x-frame-options"), "DENY", "{what}");
    assert!(!header("referrer-policy").is_empty(), "{what}");
    let id = header("x-request-id");
    assert!(
        (1..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic()),
        "{what}: request id {id:?}"
    );
}

async fn every_answer_carries_the_security_headers(backend: Backend) {
    let app = TestApp::spawn(backend).await;

    assert_security_headers("login page", &app.get_html("/login").await);
    assert_security_headers("anonymous API", &app.get_json("/api/me").await);
    assert_security_headers("redirect", &app.get_html("/dashboard").await);
    assert_security_headers("not found", &app.get_html("/no-such-page").await);
    assert_security_headers("stylesheet", &app.get("/static/css/app.css").await);
    assert_security_headers("health", &app.get("/healthz").await);
    let refused = app
        .request(Method::POST, "/login")
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_security_headers("cross-site refusal", &refused);

    let response = app.register("alice").await;
    assert_security_headers("registration", &response);
    assert_security_headers("dashboard", &app.get_html("/dashboard").await);
    assert_security_headers("logout", &app.logout().await);
}

async fn pages_for_a_logged_in_user_are_never_cached_and_vary_by_cookie(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;
    let refused_change = app
        .post_form_html("/account/password", &[("current_password", "wrong")])
        .await;
    let answers = [
        ("dashboard", app.get_html("/dashboard").await),
        ("account page", app.get_html("/account").await),
        ("account JSON", app.get_json("/account").await),
        ("API", app.get_json("/api/me").await),
        ("form with errors", refused_change),
    ];

    for (what, response) in answers {
        let headers = response.headers();
        let cache_control = headers.get("cache-control").map(|v| v.to_str().unwrap());
        assert_eq!(cache_control, Some("no-store"), "{what}");
        let varies_by_cookie = headers
            .get_all("vary")
            .iter()
            .flat_map(|v| v.to_str().unwrap().split(','))
            .any(|v| v.trim().eq_ignore_ascii_case("cookie"));
        assert!(
            varies_by_cookie,
            "{what}: Vary {:?}",
            headers.get_all("vary")
        );
    }
}
