//! An unreadable session cookie (garbage, tampered, truncated, sealed by
//! another instance's key) makes the request anonymous and is cleared;
//! it never causes a 5xx.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

crate::stories!(an_unreadable_session_cookie_makes_the_request_anonymous_and_is_cleared);

async fn an_unreadable_session_cookie_makes_the_request_anonymous_and_is_cleared(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;
    let real = app.cookie("session").expect("a session cookie");
    let other = TestApp::spawn(backend).await;
    other.register("alice").await;
    let foreign = other
        .cookie("session")
        .expect("a cookie of another instance");

    let middle = real.len() / 2;
    let flipped_char = if &real[middle..=middle] == "A" {
        "B"
    } else {
        "A"
    };
    let flipped = format!("{}{flipped_char}{}", &real[..middle], &real[middle + 1..]);
    let cases = [
        "garbage".to_owned(),
        flipped,
        real[..real.len() - 4].to_owned(),
        real[..middle].to_owned(),
        format!("{real}AAAA"),
        foreign,
        "%ZZ%".to_owned(),
        // Percent-decodes to bytes that are not UTF-8: actix's cookie
        // parser drops it, but the browser still holds it.
        format!("%AF{real}"),
    ];
    for value in &cases {
        let client = TestClient::with_cookie(&app.address, &format!("session={value}"));
        let response = client.get("/api/me").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{value}");
        assert_session_cleared(&response);
        assert_eq!(
            response.json::<Value>().await.unwrap(),
            json!({ "error": "unauthorized", "message": "Unauthorized" })
        );

        let response = send_html(client.request(Method::GET, "/dashboard")).await;
        assert_redirect(&response, "/login?next=%2Fdashboard");
        assert_session_cleared(&response);

        let response = send_html(client.request(Method::GET, "/login")).await;
        assert_eq!(response.status(), StatusCode::OK, "{value}");
        assert_session_cleared(&response);
    }
    for header in [
        "session",
        "session=",
        "session=a; session=b",
        "session=\"quoted\"",
        "=; ;;",
    ] {
        let response = TestClient::with_cookie(&app.address, header)
            .request(Method::GET, "/api/me")
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "Cookie: {header}"
        );
    }
    assert_eq!(
        app.whoami().await.as_deref(),
        Some("alice"),
        "the real cookie still works"
    );
}
