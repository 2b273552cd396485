//! The session cookie itself: its attributes, opaque content, refusal of any
//! cookie the server cannot read, and key rotation with fallback keys.

use base64::Engine as _;
use reqwest::{Method, StatusCode};
use session_auth::config::{Environment, SecretKey};

use crate::helpers::*;

crate::stories!(
    the_session_cookie_is_http_only_lax_on_path_root_without_domain,
    production_names_the_cookie_host_session_and_marks_it_secure,
    the_cookie_content_is_opaque_and_small,
    an_unreadable_cookie_makes_the_request_anonymous_and_is_cleared,
    an_oversized_or_crowded_cookie_header_is_never_a_server_error,
    a_fallback_key_cookie_is_accepted_and_resealed_with_the_current_key,
);

async fn the_session_cookie_is_http_only_lax_on_path_root_without_domain(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;
    app.logout().await;

    let response = app.login("alice", PASSWORD).await;

    assert_session_cookie(&response);
    let cookie = set_cookies(&response, "session")[0];
    assert!(
        !cookie.contains("Secure"),
        "no Secure in development: {cookie}"
    );
}

async fn production_names_the_cookie_host_session_and_marks_it_secure(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.environment = Environment::Production;
        s.cookie_secure = true;
    })
    .await;

    let response = app.register("alice").await;

    assert_redirect(&response, "/dashboard");
    assert!(set_cookies(&response, "session").is_empty());
    let cookies = set_cookies(&response, "__Host-session");
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(
            cookies[0].contains(attribute),
            "{attribute}: {}",
            cookies[0]
        );
    }
    assert!(!cookies[0].contains("Domain"), "{}", cookies[0]);
}

async fn the_cookie_content_is_opaque_and_small(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.register("alice").await;
    let pair = set_cookie_pair(&response, "session").unwrap();
    assert!(pair.len() < 4096, "{} bytes", pair.len());

    let value = pair.trim_start_matches("session=");
    let decoded = percent_encoding::percent_decode_str(value)
        .decode_utf8()
        .unwrap();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(decoded.as_bytes())
        .expect("base64");
    for secret in [&b"alice"[..], b"uid", b"auth"] {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret),
            "{:?} readable in the cookie",
            String::from_utf8_lossy(secret)
        );
    }
}

async fn an_unreadable_cookie_makes_the_request_anonymous_and_is_cleared(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;
    let good = app.cookie("session").unwrap();
    let foreign = TestApp::spawn(backend).await;
    foreign.register("alice").await;

    let middle = good.len() / 2;
    let flip_at = (middle..good.len())
        .find(|&i| good.as_bytes()[i].is_ascii_alphabetic())
        .unwrap();
    let flipped_char = if good.as_bytes()[flip_at] == b'A' {
        "B"
    } else {
        "A"
    };
    let mut tampered = good.clone();
    tampered.replace_range(flip_at..=flip_at, flipped_char);
    let variants = [
        (
            "sealed with another key",
            foreign.cookie("session").unwrap(),
        ),
        ("one character changed", tampered),
        ("truncated", good[..middle].to_owned()),
        ("empty", String::new()),
        ("not base64", "%%%".to_owned()),
        ("plain text", "alice".to_owned()),
    ];

    for (what, value) in variants {
        let client = TestClient::with_cookie(&app.address, &format!("session={value}"));
        let response = client.get("/api/me").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{what}");
        assert_session_cleared(&response);

        let response = send_html(client.request(Method::GET, "/dashboard")).await;
        assert_redirect(&response, "/login?next=%2Fdashboard");
        assert_session_cleared(&response);
    }
    assert_eq!(
        app.whoami().await.as_deref(),
        Some("alice"),
        "the real cookie still works"
    );
}

async fn an_oversized_or_crowded_cookie_header_is_never_a_server_error(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let crowded: Vec<String> = (0..200).map(|i| format!("c{i}=v{i}")).collect();
    let headers = [
        format!("session={}", "A".repeat(8 * 1024)),
        crowded.join("; "),
        format!("session=x; session=y; {}", crowded.join("; ")),
    ];

    for header in headers {
        let response = TestClient::with_cookie(&app.address, &header)
            .request(Method::GET, "/api/me")
            .send()
            .await
            .unwrap();
        let status = response.status();
        assert!(status.is_client_error(), "{} bytes: {status}", header.len());
    }
}

async fn a_fallback_key_cookie_is_accepted_and_resealed_with_the_current_key(backend: Backend) {
    let old = TestApp::spawn(backend).await;
    old.register("alice").await;
    let sealed_with_k1 = format!("session={}", old.cookie("session").unwrap());
    let k1 = old.settings.secret_key.clone();
    let k2 = SecretKey::generate();
    let rotated = old
        .spawn_sibling(|s| {
            s.secret_key = k2.clone();
            s.secret_key_fallbacks = vec![k1];
        })
        .await;
    let k2_only = old
        .spawn_sibling(|s| {
            s.secret_key = k2;
            s.secret_key_fallbacks = Vec::new();
        })
        .await;

    // The rotated instance accepts the K1 cookie and re-seals it at once.
    let response = TestClient::with_cookie(&rotated.address, &sealed_with_k1)
        .request(Method::GET, "/api/me")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_session_cookie(&response);
    let sealed_with_k2 = set_cookie_pair(&response, "session").unwrap();
    assert_ne!(sealed_with_k2, sealed_with_k1);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["username"], "alice");

    // Once K1 is retired, only the re-sealed cookie works.
    let resealed = TestClient::with_cookie(&k2_only.address, &sealed_with_k2);
    assert_eq!(resealed.whoami().await.as_deref(), Some("alice"));
    let response = TestClient::with_cookie(&k2_only.address, &sealed_with_k1)
        .request(Method::GET, "/api/me")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_session_cleared(&response);
}
