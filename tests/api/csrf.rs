//! Cross-site request forgery, refused by Fetch Metadata with an `Origin`
//! fallback: a refused request changes nothing.

use reqwest::{Method, RequestBuilder, StatusCode};

use session_auth::client_ip::TrustedProxies;

use crate::helpers::*;

crate::stories!(
    sec_fetch_site_decides_for_a_logged_in_form_post,
    without_sec_fetch_site_the_origin_must_be_exactly_ours,
    behind_a_trusted_proxy_the_forwarded_host_is_our_origin,
    cross_site_login_and_registration_are_refused,
    a_cross_site_logout_is_refused_and_the_user_stays_logged_in,
    safe_methods_pass_whatever_the_site,
    the_refusal_is_json_for_json_clients_and_a_page_for_browsers,
);

/// Logs alice in on the app's client and on a second browser; returns the second.
async fn alice_on_two_browsers(app: &TestApp) -> TestClient {
    app.register("alice").await;
    let other = app.new_client();
    other.login("alice", PASSWORD).await;
    other
}

/// `POST /account/logout-others` from the app's client with `headers` added.
fn logout_others(app: &TestApp, headers: &[(&str, &str)]) -> RequestBuilder {
    headers.iter().fold(
        app.request(Method::POST, "/account/logout-others"),
        |request, (name, value)| request.header(*name, *value),
    )
}

async fn sec_fetch_site_decides_for_a_logged_in_form_post(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let other = alice_on_two_browsers(&app).await;

    for site in ["cross-site", "same-site"] {
        let response = logout_others(&app, &[("sec-fetch-site", site)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{site}");
        assert_eq!(
            other.whoami().await.as_deref(),
            Some("alice"),
            "a refused {site} post changed nothing"
        );
    }
    for site in ["same-origin", "none"] {
        let response = logout_others(&app, &[("sec-fetch-site", site)])
            .send()
            .await
            .unwrap();
        assert_redirect(&response, "/account");
    }
    assert_eq!(other.whoami().await, None);
    assert_eq!(app.whoami().await.as_deref(), Some("alice"));
}

async fn without_sec_fetch_site_the_origin_must_be_exactly_ours(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let other = alice_on_two_browsers(&app).await;
    let port = app.port;
    let refused = [
        "http://evil.example".to_owned(),
        "null".to_owned(),
        format!("http://127.0.0.1:{port}.evil.example"),
        format!("http://127.0.0.1:{}", port.wrapping_add(1)),
        format!("http://localhost:{port}"),
    ];

    for origin in &refused {
        let response = logout_others(&app, &[("origin", origin)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "Origin: {origin}");
    }
    assert_eq!(other.whoami().await.as_deref(), Some("alice"));

    let own = app.address.clone();
    let response = logout_others(&app, &[("origin", &own)])
        .send()
        .await
        .unwrap();
    assert_redirect(&response, "/account");
    let response = logout_others(&app, &[]).send().await.unwrap();
    assert_redirect(&response, "/account");
}

async fn behind_a_trusted_proxy_the_forwarded_host_is_our_origin(backend: Backend) {
    let proxied = TestApp::spawn_with(backend, |s| {
        s.trusted_proxies = TrustedProxies::parse("127.0.0.1").unwrap();
    })
    .await;
    let direct = TestApp::spawn(backend).await;
    let public = [
        ("x-forwarded-host", "public.example"),
        ("x-forwarded-proto", "https"),
        ("origin", "https://public.example"),
    ];

    for app in [&proxied, &direct] {
        app.register("alice").await;
    }
    let response = logout_others(&proxied, &public).send().await.unwrap();
    assert_redirect(&response, "/account");
    let evil = [
        ("x-forwarded-host", "public.example"),
        ("origin", "https://evil.example"),
    ];
    let response = logout_others(&proxied, &evil).send().await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "another origin behind the proxy"
    );
    let response = logout_others(&direct, &public).send().await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "forwarded headers from an untrusted peer are ignored"
    );
}

async fn cross_site_login_and_registration_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let form = [("username", "alice"), ("password", PASSWORD)];

    let response = app
        .request(Method::POST, "/register")
        .header("sec-fetch-site", "cross-site")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(set_cookies(&response, "session").is_empty());

    // No account was made: the name is still free.
    assert_redirect(&app.register("alice").await, "/dashboard");
    app.logout().await;

    for headers in [
        ("sec-fetch-site", "cross-site"),
        ("origin", "http://evil.example"),
    ] {
        let response = app
            .request(Method::POST, "/login")
            .header(headers.0, headers.1)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{headers:?}");
        assert!(set_cookies(&response, "session").is_empty());
    }
    assert_eq!(
        app.whoami().await,
        None,
        "the attacker's login did not happen"
    );
}

async fn a_cross_site_logout_is_refused_and_the_user_stays_logged_in(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;

    let response = app
        .request(Method::POST, "/logout")
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(set_cookies(&response, "session").is_empty());
    assert_eq!(app.whoami().await.as_deref(), Some("alice"));
}

async fn safe_methods_pass_whatever_the_site(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;

    for path in ["/dashboard", "/account", "/api/me", "/logout", "/login"] {
        let response = app
            .request(Method::GET, path)
            .header("accept", BROWSER_ACCEPT)
            .header("sec-fetch-site", "cross-site")
            .header("origin", "http://evil.example")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    }
    assert_eq!(
        app.whoami().await.as_deref(),
        Some("alice"),
        "GET /logout logs nobody out"
    );
}

async fn the_refusal_is_json_for_json_clients_and_a_page_for_browsers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let cross_site_login = |accept: &str| {
        app.request(Method::POST, "/login")
            .header("accept", accept)
            .header("sec-fetch-site", "cross-site")
            .form(&[("username", "alice"), ("password", PASSWORD)])
    };

    let response = cross_site_login("application/json").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "forbidden", "{body}");

    let response = cross_site_login(BROWSER_ACCEPT).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(response.text().await.unwrap().contains("<html"));
}
