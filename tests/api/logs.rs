//! What the server writes to its log at `RUST_LOG=debug`: an access line
//! per request and the login outcomes, never a password, cookie or secret.

use std::time::{Duration, Instant};

use reqwest::{Response, StatusCode};

use crate::process::*;

const USERNAME: &str = "logan";
const SECRET_PASSWORD: &str = "Zq8-unique-passphrase-771";
const WRONG_PASSWORD: &str = "Wrong-unique-passphrase-993";

/// One access log line: method, path, status, and whether it has a time.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Access {
    method: String,
    path: String,
    status: u16,
}

/// Parses lines holding `"METHOD PATH HTTP/x" STATUS … TIMEms`.
fn access_lines(log: &str) -> Vec<(Access, bool)> {
    log.lines()
        .filter_map(|line| {
            let (_, rest) = line.split_once('"')?;
            let (request, after) = rest.split_once('"')?;
            let [method, path, version] = request.split_whitespace().collect::<Vec<_>>()[..] else {
                return None;
            };
            if !version.starts_with("HTTP/") {
                return None;
            }
            let mut fields = after.split_whitespace();
            let status = fields.next()?.parse().ok()?;
            let timed = fields.any(|f| {
                f.strip_suffix("ms")
                    .is_some_and(|n| n.parse::<f64>().is_ok())
            });
            Some((
                Access {
                    method: method.to_owned(),
                    path: path.to_owned(),
                    status,
                },
                timed,
            ))
        })
        .collect()
}

/// The values of every cookie `response` sets (removals have none).
fn cookie_values(response: &Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| {
            v.split(';')
                .next()?
                .split_once('=')
                .map(|(_, value)| value.to_owned())
        })
        .filter(|value| !value.is_empty())
        .collect()
}

#[tokio::test]
async fn the_log_tells_what_happened_without_leaking_secrets() {
    tells_what_happened_without_leaking_secrets("text").await;
}

/// The same story with `LOG_FORMAT=json`: every line is a JSON object, and
/// its messages say the same, leaking nothing either.
#[tokio::test]
async fn the_json_log_tells_what_happened_without_leaking_secrets() {
    tells_what_happened_without_leaking_secrets("json").await;
}

/// The messages of a `LOG_FORMAT=json` log, one per line (each line must be
/// a JSON object with a message); a text log as it is.
fn messages(log: &str, format: &str) -> String {
    if format == "text" {
        return log.to_owned();
    }
    log.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
            for field in ["time", "level", "target"] {
                assert!(value[field].is_string(), "no {field}: {line}");
            }
            value["message"].as_str().expect("a message").to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn tells_what_happened_without_leaking_secrets(format: &str) {
    let dir = tempfile::tempdir().unwrap();
    let secret = run(session_auth(dir.path(), &["generate-secret"]), "")
        .stdout
        .trim()
        .to_owned();
    let database = sqlite_in(dir.path());
    let vars = [
        ("RUST_LOG", "debug"),
        ("SECRET_KEY", secret.as_str()),
        ("DATABASE_URL", &database),
        ("LOG_FORMAT", format),
    ];
    let mut server = Service::serve(dir.path(), &vars);
    let client = server.client();
    let stranger = server.client();

    let mut expected = Vec::new();
    let mut cookies = Vec::new();
    let mut check = |response: Response, method: &str, path: &str, status: StatusCode| {
        assert_eq!(response.status(), status, "{method} {path}");
        cookies.extend(cookie_values(&response));
        expected.push(Access {
            method: method.into(),
            path: path.into(),
            status: status.as_u16(),
        });
    };

    let response = client.register_with(USERNAME, SECRET_PASSWORD).await;
    check(response, "POST", "/register", StatusCode::SEE_OTHER);
    let response = client.get("/dashboard").await;
    check(response, "GET", "/dashboard", StatusCode::OK);
    let response = client.logout().await;
    check(response, "POST", "/logout", StatusCode::SEE_OTHER);
    let response = client.login(USERNAME, SECRET_PASSWORD).await;
    check(response, "POST", "/login", StatusCode::SEE_OTHER);
    let response = client.logout().await;
    check(response, "POST", "/logout", StatusCode::SEE_OTHER);
    let response = client.login_json(USERNAME, SECRET_PASSWORD).await;
    check(response, "POST", "/login", StatusCode::OK);
    let response = stranger.login(USERNAME, WRONG_PASSWORD).await;
    check(response, "POST", "/login", StatusCode::UNAUTHORIZED);
    let response = client.get("/dashboard").await;
    check(response, "GET", "/dashboard", StatusCode::OK);
    let response = client.logout().await;
    check(response, "POST", "/logout", StatusCode::SEE_OTHER);
    assert!(cookies.len() >= 3, "session cookies were set: {cookies:?}");

    // Access lines are written as each response completes: let the last ones land.
    let requests = |log: &str| {
        access_lines(log)
            .into_iter()
            .filter(|(a, _)| a.path != "/healthz")
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while requests(&messages(&server.log(), format)) < expected.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.kill();
    let raw = server.log();
    assert!(!raw.contains(SECRET_PASSWORD) && !raw.contains(&secret));
    let log = messages(&raw, format);

    for (what, value) in [
        ("the password", SECRET_PASSWORD),
        ("the wrong password", WRONG_PASSWORD),
    ] {
        assert!(!log.contains(value), "the log shows {what}:\n{log}");
    }
    assert!(!log.contains(&secret), "the log shows SECRET_KEY:\n{log}");
    for cookie in &cookies {
        assert!(
            !log.contains(cookie.as_str()),
            "the log shows a cookie value {cookie}:\n{log}"
        );
    }

    let lines = access_lines(&log);
    assert!(
        lines.iter().all(|(_, timed)| *timed),
        "an access line lacks its time:\n{log}"
    );
    let mut logged: Vec<Access> = lines
        .into_iter()
        .map(|(a, _)| a)
        .filter(|a| a.path != "/healthz")
        .collect();
    logged.sort();
    expected.sort();
    assert_eq!(logged, expected, "one access line per request:\n{log}");

    let outcome = |what: &str| log.lines().filter(|l| l.contains(what)).collect::<Vec<_>>();
    let (succeeded, failed) = (outcome("login succeeded"), outcome("login failed"));
    assert_eq!(succeeded.len(), 2, "form and JSON logins:\n{log}");
    assert_eq!(failed.len(), 1, "the wrong password:\n{log}");
    for line in succeeded.iter().chain(&failed) {
        assert!(line.contains(USERNAME), "no username: {line}");
        assert!(line.contains("127.0.0.1"), "no client address: {line}");
    }
}

/// The tokens of the mail links never reach the log, through SMTP: the
/// access lines show `token=[hidden]`, the mail lines the kind and recipient.
#[tokio::test]
async fn the_log_never_shows_a_token_from_a_mail() {
    use crate::support::mail::SmtpSink;
    let sink = SmtpSink::start().await;
    let dir = tempfile::tempdir().unwrap();
    let database = sqlite_in(dir.path());
    let transport = sink.url();
    let vars = [
        ("RUST_LOG", "debug"),
        ("DATABASE_URL", database.as_str()),
        ("MAIL_TRANSPORT", transport.as_str()),
    ];
    let mut server = Service::serve(dir.path(), &vars);
    let client = server.client();
    let wait = Duration::from_secs(10);
    let origin = format!("http://localhost:{}", server.port);

    let body = serde_json::json!({ "username": USERNAME, "password": SECRET_PASSWORD, "email": "logan@example.com" });
    assert_eq!(
        client.post_json("/register", &body).await.status(),
        StatusCode::CREATED
    );
    let mail = sink.next_mail_to("logan@example.com", wait).await;
    let verify = mail
        .token(&format!("{origin}/email/verify?token="))
        .expect("a link");
    let response = client
        .get_json(&format!("/email/verify?token={verify}"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = serde_json::json!({ "login": USERNAME });
    assert_eq!(
        client.post_json("/password/forgot", &body).await.status(),
        StatusCode::ACCEPTED
    );
    let mail = sink.next_mail_to("logan@example.com", wait).await;
    let reset = mail
        .token(&format!("{origin}/password/reset?token="))
        .expect("a link");
    let opened = client.get(&format!("/password/reset?token={reset}")).await;
    assert_eq!(opened.status(), StatusCode::SEE_OTHER);
    let body =
        serde_json::json!({ "token": reset, "new_password": "A-new-passphrase-for-the-log" });
    assert_eq!(
        client.post_json("/password/reset", &body).await.status(),
        StatusCode::NO_CONTENT
    );
    sink.next_mail_to("logan@example.com", wait).await;

    let deadline = Instant::now() + Duration::from_secs(5);
    while !server.log().contains("kind=password_changed") && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.kill();
    let log = server.log();
    for token in [&verify, &reset] {
        assert!(
            !log.contains(token.as_str()),
            "the log shows a token:\n{log}"
        );
    }
    assert!(!log.contains("A-new-passphrase-for-the-log"), "{log}");
    assert!(log.contains("GET /email/verify?token=[hidden]"), "{log}");
    assert!(log.contains("GET /password/reset?token=[hidden]"), "{log}");
    for kind in ["verify_email", "password_reset", "password_changed"] {
        let line = format!("mail sent: kind={kind} to=\"logan@example.com\"");
        assert!(log.contains(&line), "{line} missing:\n{log}");
    }
}

/// `cargo run` (development, `MAIL_TRANSPORT` unset) prints each message on
/// standard output, link included, so a developer can follow it.
#[tokio::test]
async fn in_development_mail_is_printed_on_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    let database = sqlite_in(dir.path());
    let mut server = Service::serve(dir.path(), &[("DATABASE_URL", database.as_str())]);
    let client = server.client();
    let body = serde_json::json!({ "username": USERNAME, "password": SECRET_PASSWORD, "email": "logan@example.com" });
    assert_eq!(
        client.post_json("/register", &body).await.status(),
        StatusCode::CREATED
    );
    let link = format!("http://localhost:{}/email/verify?token=", server.port);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !server.log().contains(&link) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.kill();
    let log = server.log();
    for part in [
        "----- mail (MAIL_TRANSPORT=log) -----",
        "To: logan@example.com",
        "Subject: Confirm your email address",
        "Auto-Submitted: auto-generated",
        &link,
    ] {
        assert!(log.contains(part), "{part:?} missing:\n{log}");
    }
}

/// With `LOG_FORMAT=json`, every line a request writes carries its id, the
/// id its answer gives in `X-Request-Id`; a trusted proxy's id is kept.
#[tokio::test]
async fn json_lines_carry_the_id_of_their_request() {
    let dir = tempfile::tempdir().unwrap();
    let database = sqlite_in(dir.path());
    let vars = [
        ("RUST_LOG", "info"),
        ("DATABASE_URL", database.as_str()),
        ("LOG_FORMAT", "json"),
        ("TRUSTED_PROXIES", "127.0.0.1"),
    ];
    let mut server = Service::serve(dir.path(), &vars);
    let client = server.client();
    assert_eq!(
        client
            .register_with(USERNAME, SECRET_PASSWORD)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    client.logout().await;
    let id_of = |response: &Response| {
        response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned()
    };
    let failed = server.client().login_json(USERNAME, WRONG_PASSWORD).await;
    assert_eq!(failed.status(), StatusCode::UNAUTHORIZED);
    let failed_id = id_of(&failed);
    let passed = client.login_json(USERNAME, SECRET_PASSWORD).await;
    let passed_id = id_of(&passed);
    assert_ne!(failed_id, passed_id);
    let proxied = client
        .request(reqwest::Method::GET, "/no/such/page")
        .header("x-request-id", "edge-7f3a")
        .send()
        .await
        .unwrap();
    assert_eq!(proxied.status(), StatusCode::NOT_FOUND);
    assert_eq!(id_of(&proxied), "edge-7f3a", "kept from a trusted proxy");

    let lines_of = |log: &str, id: &str| -> Vec<serde_json::Value> {
        log.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["request_id"] == id)
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while lines_of(&server.log(), "edge-7f3a").is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.kill();
    let log = server.log();
    let said = |id: &str| -> Vec<String> {
        lines_of(&log, id)
            .iter()
            .map(|v| v["message"].as_str().unwrap().to_owned())
            .collect()
    };
    let failed_lines = said(&failed_id);
    assert!(
        failed_lines.iter().any(|m| m.starts_with("login failed")),
        "{failed_lines:?}\n{log}"
    );
    assert!(
        failed_lines
            .iter()
            .any(|m| m.contains("\"POST /login HTTP/1.1\" 401")),
        "the access line: {failed_lines:?}"
    );
    let passed_lines = said(&passed_id);
    assert!(
        passed_lines
            .iter()
            .any(|m| m.starts_with("login succeeded"))
    );
    assert!(
        passed_lines
            .iter()
            .any(|m| m.contains("\"POST /login HTTP/1.1\" 200"))
    );
    assert!(
        said("edge-7f3a")
            .iter()
            .any(|m| m.contains("GET /no/such/page"))
    );
    // Lines outside any request (start-up) have none.
    assert!(
        log.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .any(|v| v["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("listening on"))
                && v["request_id"].is_null()),
        "{log}"
    );
}
