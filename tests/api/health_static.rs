//! Probes (`/healthz`, `/readyz`), static assets with their cache headers,
//! and the security headers every answer carries.

use diesel::{Connection as _, PgConnection, RunQueryDsl as _};
use reqwest::{Method, Response, StatusCode};
use session_auth::config::DatabaseUrl;

use crate::helpers::*;

crate::stories!(
    healthz_answers_ok,
    readyz_answers_200_while_the_database_answers,
    the_stylesheet_is_served_as_css_with_cache_headers_and_revalidates_with_304,
    an_unknown_static_file_answers_404,
    every_answer_carries_the_security_headers,
);

async fn healthz_answers_ok(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_text(response).await.trim(), "ok");
}

async fn readyz_answers_200_while_the_database_answers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
}

async fn the_stylesheet_is_served_as_css_with_cache_headers_and_revalidates_with_304(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let response = app.get("/static/css/app.css").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        header(&response, "content-type")
            .unwrap()
            .starts_with("text/css")
    );
    let cache = header(&response, "cache-control")
        .expect("Cache-Control")
        .to_owned();
    assert!(cache.contains("max-age="), "{cache}");
    let etag = header(&response, "etag").expect("ETag").to_owned();
    assert!(!body_text(response).await.is_empty(), "an empty stylesheet");

    let again = app
        .request(Method::GET, "/static/css/app.css")
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header(&again, "etag"), Some(etag.as_str()));
    assert!(body_text(again).await.is_empty());

    let changed = app
        .request(Method::GET, "/static/css/app.css")
        .header("if-none-match", "\"stale\"")
        .send()
        .await
        .unwrap();
    assert_eq!(
        changed.status(),
        StatusCode::OK,
        "a stale ETag gets the file"
    );
}

async fn an_unknown_static_file_answers_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in [
        "/static/css/nope.css",
        "/static/",
        "/static/../Cargo.toml",
        "/static/%2e%2e/src/main.rs",
    ] {
        assert_eq!(
            app.get(path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

#[track_caller]
fn assert_security_headers(response: &Response, what: &str) {
    let csp =
        header(response, "content-security-policy").unwrap_or_else(|| panic!("{what}: no CSP"));
    let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
    for directive in [
        "default-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ] {
        assert!(
            directives.contains(&directive),
            "{what}: CSP lacks {directive}: {csp}"
        );
    }
    assert_eq!(
        header(response, "x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert!(
        header(response, "referrer-policy").is_some_and(|v| !v.is_empty()),
        "{what}: Referrer-Policy"
    );
    assert_eq!(header(response, "x-frame-options"), Some("DENY"), "{what}");
}

async fn every_answer_carries_the_security_headers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let send = |method: Method, path: &str, accept: &str| {
        app.request(method, path)
            .header("accept", accept.to_owned())
            .send()
    };
    let anonymous = [
        (Method::GET, "/login", BROWSER_ACCEPT),
        (Method::GET, "/static/css/app.css", "text/css"),
        (Method::GET, "/nope", BROWSER_ACCEPT),
        (Method::GET, "/nope", "application/json"),
        (Method::GET, "/api/me", "*/*"),
        (Method::GET, "/dashboard", "*/*"),
        (Method::GET, "/dashboard", BROWSER_ACCEPT),
        (Method::DELETE, "/login", "*/*"),
        (Method::GET, "/healthz", "*/*"),
    ];
    for (method, path, accept) in anonymous {
        let response = send(method.clone(), path, accept).await.unwrap();
        assert_security_headers(
            &response,
            &format!("{method} {path} ({})", response.status()),
        );
    }
    let response = app.post_raw("/login", "text/plain", "x").await;
    assert_security_headers(&response, "400 from POST /login");

    app.register("alice").await;
    for path in ["/dashboard", "/api/me", "/"] {
        let response = send(Method::GET, path, BROWSER_ACCEPT).await.unwrap();
        assert_security_headers(&response, &format!("GET {path} logged in"));
    }
    let etag = header(&app.get("/static/css/app.css").await, "etag")
        .unwrap()
        .to_owned();
    let not_modified = app
        .request(Method::GET, "/static/css/app.css")
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_security_headers(&not_modified, "304");
}

/// Runs only on PostgreSQL, where a database can vanish under a running app.
#[tokio::test]
async fn readyz_answers_503_while_the_database_is_gone_and_recovers() {
    if !postgres_available() {
        return;
    }
    let app = TestApp::spawn(Backend::Postgres).await;
    app.register("alice").await;
    let DatabaseUrl::Postgres(url) = &app.settings.database_url else {
        panic!("a PostgreSQL app");
    };
    let name = url
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let admin_url = std::env::var("TEST_DATABASE_URL").unwrap();
    let admin = move |sql: String| {
        let admin_url = admin_url.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = PgConnection::establish(&admin_url).expect("admin connection");
            diesel::sql_query(sql)
                .execute(&mut conn)
                .expect("admin statement");
        })
    };
    admin(format!(r#"DROP DATABASE "{name}" WITH (FORCE)"#))
        .await
        .unwrap();

    let response = app.get("/readyz").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let response = app.login("alice", PASSWORD).await;
    assert_eq!(
        response.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "a page that needs the database"
    );
    assert!(
        !body_text(response).await.trim().is_empty(),
        "a readable message"
    );
    assert_eq!(
        app.get("/healthz").await.status(),
        StatusCode::OK,
        "the process keeps serving"
    );

    admin(format!(r#"CREATE DATABASE "{name}""#)).await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while app.get("/readyz").await.status() != StatusCode::OK {
        assert!(
            std::time::Instant::now() < deadline,
            "/readyz did not recover"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}
