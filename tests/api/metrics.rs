//! Prometheus metrics on `METRICS_ADDR` (docs/contract.md, "Metrics"): what
//! an operator scraping them sees after a few logins and pages, that they
//! stay off the main port, and that they stop with the app.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;
use session_auth::config::{ListenAddr, MailTransport, Settings};

use crate::helpers::mail::MailApp;
use crate::helpers::*;
use crate::process::*;
use crate::support::free_port;

crate::stories!(
    a_scrape_counts_the_logins_pages_and_unknown_paths_a_user_caused,
    a_lock_out_is_counted_and_so_is_the_login_it_refuses,
    mail_sent_and_mail_given_up_are_counted_by_kind,
    with_metrics_off_there_is_no_listener_and_no_metrics_route,
);

/// Metrics on, on a free port of 127.0.0.1.
fn metrics_on(settings: &mut Settings) {
    settings.metrics_addr = Some(ListenAddr {
        host: "127.0.0.1".into(),
        port: 0,
    });
}

/// `GET /metrics` on the metrics port: its body, after checking the answer.
async fn scrape(app: &TestApp) -> String {
    let port = app.metrics_port.expect("metrics are on");
    let response = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .expect("scraping");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        header(&response, "content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    body_text(response).await
}

/// The sum of the samples of `name` whose labels include `labels` (`None`
/// when there is none).
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let mut found = None;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (series, value) = line.rsplit_once(' ').expect("a sample line");
        let (series_name, series_labels) = match series.split_once('{') {
            Some((n, rest)) => (n, rest.trim_end_matches('}')),
            None => (series, ""),
        };
        let wanted = labels.iter().all(|(k, v)| {
            series_labels
                .split(',')
                .any(|pair| pair == format!("{k}=\"{v}\""))
        });
        if series_name == name && wanted {
            *found.get_or_insert(0.0) += value.parse::<f64>().expect("a number");
        }
    }
    found
}

#[track_caller]
fn assert_sample(text: &str, name: &str, labels: &[(&str, &str)], expected: f64) {
    assert_eq!(
        sample(text, name, labels),
        Some(expected),
        "{name}{labels:?} in:\n{text}"
    );
}

async fn a_scrape_counts_the_logins_pages_and_unknown_paths_a_user_caused(backend: Backend) {
    let app = TestApp::spawn_with(backend, metrics_on).await;
    assert_redirect(&app.register("alice").await, "/dashboard");
    assert_redirect(&app.logout().await, "/login");

    assert_redirect(&app.login("alice", PASSWORD).await, "/dashboard");
    assert_redirect(&app.logout().await, "/login");
    let wrong = app.login("alice", "not the password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let unknown = app.login("nobody", PASSWORD).await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert_redirect(&app.login("alice", PASSWORD).await, "/dashboard");
    for _ in 0..3 {
        assert_eq!(app.get("/dashboard").await.status(), StatusCode::OK);
    }
    for path in ["/nope", "/wp-login.php", "/.env"] {
        assert_eq!(app.get(path).await.status(), StatusCode::NOT_FOUND);
    }
    // Never on the main port, even with metrics on.
    assert_eq!(app.get("/metrics").await.status(), StatusCode::NOT_FOUND);

    let text = scrape(&app).await;
    let logins = "session_auth_logins_total";
    let password = ("method", "password");
    assert_sample(&text, logins, &[password, ("outcome", "success")], 2.0);
    assert_sample(&text, logins, &[password, ("outcome", "failure")], 2.0);
    // Every method is there from the start, at zero.
    assert_sample(
        &text,
        logins,
        &[("method", "passkey"), ("outcome", "success")],
        0.0,
    );
    assert_sample(&text, "session_auth_lockouts_total", &[], 0.0);

    let requests = "session_auth_http_requests_total";
    let dashboard = [
        ("route", "/dashboard"),
        ("method", "GET"),
        ("status", "200"),
    ];
    assert_sample(&text, requests, &dashboard, 3.0);
    let login = [("route", "/login"), ("method", "POST")];
    assert_sample(
        &text,
        requests,
        &[login[0], login[1], ("status", "303")],
        2.0,
    );
    assert_sample(
        &text,
        requests,
        &[login[0], login[1], ("status", "401")],
        2.0,
    );
    // Three unknown paths and the main port's /metrics: one label.
    let unmatched = [("route", "unmatched"), ("method", "GET"), ("status", "404")];
    assert_sample(&text, requests, &unmatched, 4.0);
    for path in ["/nope", "wp-login", "/.env", "/metrics\""] {
        assert!(!text.contains(path), "{path} became a label:\n{text}");
    }

    let latency = "session_auth_http_request_duration_seconds";
    assert_sample(&text, &format!("{latency}_count"), &dashboard, 3.0);
    let mut all = dashboard.to_vec();
    all.push(("le", "+Inf"));
    assert_sample(&text, &format!("{latency}_bucket"), &all, 3.0);
    let mut quick = dashboard.to_vec();
    quick.push(("le", "0.0005"));
    assert!(
        sample(&text, &format!("{latency}_bucket"), &quick).is_some(),
        "{text}"
    );

    let pool = "session_auth_db_pool_connections";
    let open = sample(&text, pool, &[]).expect("the pool gauge");
    assert!(open >= 1.0, "a connection is open: {text}");
    assert!(
        sample(&text, pool, &[("state", "idle")]).is_some(),
        "{text}"
    );
    assert!(
        sample(&text, pool, &[("state", "in_use")]).is_some(),
        "{text}"
    );
    assert!(sample(&text, "session_auth_db_pool_waits_total", &[]).is_some());
    assert!(sample(&text, "session_auth_db_pool_slow_waits_total", &[]).is_some());
    assert_sample(&text, "session_auth_password_hash_queue_depth", &[], 0.0);

    // The metrics listener answers nothing else.
    let port = app.metrics_port.unwrap();
    let http = reqwest::Client::new();
    let other = http
        .get(format!("http://127.0.0.1:{port}/dashboard"))
        .send();
    assert_eq!(other.await.unwrap().status(), StatusCode::NOT_FOUND);
    let post = http.post(format!("http://127.0.0.1:{port}/metrics")).send();
    assert_eq!(post.await.unwrap().status(), StatusCode::METHOD_NOT_ALLOWED);
}

async fn a_lock_out_is_counted_and_so_is_the_login_it_refuses(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        metrics_on(s);
        s.login_max_failures = 2;
    })
    .await;
    assert_redirect(&app.register("alice").await, "/dashboard");
    assert_redirect(&app.logout().await, "/login");
    for _ in 0..2 {
        let wrong = app.login("alice", "not the password").await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    let refused = app.login("alice", PASSWORD).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);

    let text = scrape(&app).await;
    let logins = "session_auth_logins_total";
    let password = ("method", "password");
    assert_sample(&text, logins, &[password, ("outcome", "failure")], 2.0);
    assert_sample(&text, logins, &[password, ("outcome", "locked_out")], 1.0);
    assert_sample(&text, logins, &[password, ("outcome", "success")], 0.0);
    assert_sample(&text, "session_auth_lockouts_total", &[], 1.0);
}

/// Polls the metrics until `name{labels}` reaches `expected` (mail is sent
/// in the background); the last scrape.
async fn scrape_until(app: &TestApp, name: &str, labels: &[(&str, &str)], expected: f64) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let text = scrape(app).await;
        if sample(&text, name, labels) == Some(expected) || Instant::now() > deadline {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn mail_sent_and_mail_given_up_are_counted_by_kind(backend: Backend) {
    let app = MailApp::spawn_with(backend, metrics_on).await;
    let client = app.new_client();
    app.register_verified(&client, "alice", "alice@example.com")
        .await;
    let sent = "session_auth_mails_sent_total";
    let verify = [("kind", "verify_email")];
    let text = scrape_until(&app, sent, &verify, 1.0).await;
    assert_sample(&text, sent, &verify, 1.0);
    assert_eq!(
        sample(&text, "session_auth_mails_failed_total", &verify),
        None
    );

    // Nothing listens on this port: every try fails, and the mail is given up.
    let closed = format!("smtp://127.0.0.1:{}", free_port());
    let broken = TestApp::spawn_with(backend, |s| {
        metrics_on(s);
        s.mail_transport = MailTransport::parse(&closed).unwrap();
    })
    .await;
    let body = json!({ "username": "bob", "password": PASSWORD, "email": "bob@example.com" });
    let registered = broken.post_json("/register", &body).await;
    assert_eq!(registered.status(), StatusCode::CREATED);
    let failed = "session_auth_mails_failed_total";
    let text = scrape_until(&broken, failed, &verify, 1.0).await;
    assert_sample(&text, failed, &verify, 1.0);
    assert_eq!(sample(&text, sent, &verify), None);
}

async fn with_metrics_off_there_is_no_listener_and_no_metrics_route(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(app.settings.metrics_addr, None, "off by default");
    assert_eq!(app.metrics_port, None);
    assert_eq!(app.get("/metrics").await.status(), StatusCode::NOT_FOUND);
}

/// The binary as an operator runs it: the log names the metrics address,
/// the scrape works, and SIGTERM stops both listeners.
#[tokio::test]
async fn the_binary_serves_metrics_on_its_own_port_and_stops_them_with_the_app() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_in(dir.path());
    let metrics_port = free_port();
    let addr = format!("127.0.0.1:{metrics_port}");
    let mut server = Service::start_debug(
        dir.path(),
        &[("DATABASE_URL", &db), ("METRICS_ADDR", &addr)],
    );
    let log = server.log();
    assert!(
        log.contains(&format!("metrics on http://{addr}/metrics")),
        "the start names the metrics address:\n{log}"
    );
    let client = server.client();
    assert_eq!(client.get("/login").await.status(), StatusCode::OK);
    let scraped = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap();
    assert_eq!(scraped.status(), StatusCode::OK);
    let text = body_text(scraped).await;
    let login = [("route", "/login"), ("method", "GET"), ("status", "200")];
    assert_sample(&text, "session_auth_http_requests_total", &login, 1.0);

    server.signal("TERM");
    let status = server
        .wait_for_exit(Duration::from_secs(10))
        .await
        .unwrap_or_else(|| panic!("still running after SIGTERM; log:\n{}", server.log()));
    assert!(status.success(), "exit status after SIGTERM: {status}");
    assert!(
        std::net::TcpStream::connect(&addr).is_err(),
        "the metrics port is closed"
    );
}

#[test]
fn a_metrics_address_without_a_port_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = session_auth(dir.path(), &["serve"]);
    command
        .env("DATABASE_URL", sqlite_in(dir.path()))
        .env("PORT", free_port().to_string())
        .env("METRICS_ADDR", "9100");
    let out = run_for(command, "", Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(2), "{out:#?}");
    let lines = out.stderr_lines();
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(lines[0].contains("METRICS_ADDR"), "{}", lines[0]);
}
