//! Settings as an operator meets them: bad values stop the start with one
//! clear line, `.env` is read, the development key is kept, production seals
//! a `__Host-` cookie.

use std::path::Path;
use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::*;
use crate::process::*;
use crate::support::free_port;

/// Starts `serve` in `dir` with `vars` and asserts it stops at once with
/// status 2 and one line on stderr naming `name` and showing none of `hidden`.
#[track_caller]
fn assert_refused_in(dir: &Path, vars: &[(&str, &str)], name: &str, hidden: &[&str]) {
    let mut command = session_auth(dir, &["serve"]);
    command
        .env("DATABASE_URL", sqlite_in(dir))
        .env("PORT", free_port().to_string())
        .envs(vars.iter().copied());
    let out = run_for(command, "", Duration::from_secs(10));
    let setting = format!("{vars:?}");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{setting}: exit status 2 expected: {out:#?}"
    );
    let lines = out.stderr_lines();
    assert_eq!(
        lines.len(),
        1,
        "{setting}: exactly one line on stderr expected, got {lines:#?}"
    );
    assert!(
        lines[0].contains(name),
        "{setting}: the line should name {name}: {}",
        lines[0]
    );
    for word in ["panicked", "RUST_BACKTRACE"] {
        assert!(
            !out.stderr.contains(word),
            "{setting}: a panic trace: {}",
            out.stderr
        );
    }
    for secret in hidden {
        assert!(
            !out.stderr.contains(secret),
            "{setting}: the line shows {secret:?}: {}",
            lines[0]
        );
    }
}

/// [`assert_refused_in`] in a fresh empty directory.
#[track_caller]
fn assert_refused(vars: &[(&str, &str)], name: &str, hidden: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    assert_refused_in(dir.path(), vars, name, hidden);
}

#[test]
fn a_port_that_is_not_a_number_is_refused() {
    assert_refused(&[("PORT", "abc")], "PORT", &[]);
}

#[test]
fn a_bcrypt_cost_below_4_is_refused() {
    assert_refused(&[("BCRYPT_COST", "3")], "BCRYPT_COST", &[]);
}

#[test]
fn an_idle_timeout_that_is_not_a_duration_is_refused() {
    assert_refused(
        &[("SESSION_IDLE_TIMEOUT", "soon")],
        "SESSION_IDLE_TIMEOUT",
        &[],
    );
}

#[test]
fn production_without_a_secret_key_is_refused() {
    let origin = ("PUBLIC_URL", "https://login.example.com");
    assert_refused(&[("APP_ENV", "production"), origin], "SECRET_KEY", &[]);
}

#[test]
fn production_without_a_public_url_is_refused() {
    assert_refused(&[("APP_ENV", "production")], "PUBLIC_URL", &[]);
}

#[test]
fn production_refuses_the_log_mail_transport() {
    let vars = [
        ("APP_ENV", "production"),
        ("PUBLIC_URL", "https://login.example.com"),
        ("MAIL_TRANSPORT", "log"),
    ];
    assert_refused(&vars, "MAIL_TRANSPORT", &[]);
}

#[test]
fn a_mail_transport_is_refused_without_its_password() {
    let vars = [("MAIL_TRANSPORT", "smtp://u:hunter2@mail:25/path")];
    assert_refused(&vars, "MAIL_TRANSPORT", &["hunter2"]);
}

#[test]
fn a_short_secret_key_is_refused_without_showing_it() {
    assert_refused(&[("SECRET_KEY", "short")], "SECRET_KEY", &["short"]);
    // Valid base64, but only 24 bytes.
    let key = "dG9vLXNob3J0LXNlY3JldC1rZXktNzcx";
    assert_refused(&[("SECRET_KEY", key)], "SECRET_KEY", &[key]);
}

#[test]
fn an_unsupported_database_url_is_refused_without_its_password() {
    assert_refused(
        &[("DATABASE_URL", "mysql://u:hunter2@h/db")],
        "DATABASE_URL",
        &["hunter2"],
    );
}

#[test]
fn a_dotenv_file_in_the_working_directory_is_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "PORT=abc\n").unwrap();
    let mut command = session_auth(dir.path(), &["serve"]);
    command.env("DATABASE_URL", sqlite_in(dir.path()));
    let out = run_for(command, "", Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(2), "PORT=abc from .env: {out:#?}");
    assert!(out.stderr.contains("PORT"), "{out:#?}");
}

#[test]
fn a_real_environment_variable_wins_over_dotenv() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "PORT=abc\n").unwrap();
    // `Service::serve` sets PORT to a free port; it waits for /healthz.
    let database = sqlite_in(dir.path());
    let server = Service::serve(dir.path(), &[("DATABASE_URL", &database)]);
    assert_eq!(healthz_status(server.port), Some(200));
}

#[tokio::test]
async fn the_development_key_is_created_private_and_kept_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("data/secret_key");

    // Defaults only: SQLite under data/, a generated key under data/.
    let mut server = Service::serve(dir.path(), &[]);
    let client = server.client();
    let response = client.register("keeper").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = client.cookie_header().expect("a session cookie");
    server.kill();

    let key = std::fs::read_to_string(&key_file).expect("data/secret_key exists");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "data/secret_key mode {:o}",
            mode & 0o777
        );
    }
    assert!(
        dir.path().join("data/session-auth.db").is_file(),
        "the default database"
    );

    let server = Service::serve(dir.path(), &[]);
    assert_eq!(
        std::fs::read_to_string(&key_file).unwrap(),
        key,
        "the key is reused"
    );
    let copied = TestClient::with_cookie(&server.address, &cookie);
    assert_eq!(copied.whoami().await.as_deref(), Some("keeper"));
}

#[tokio::test]
async fn production_seals_a_secure_host_prefixed_cookie() {
    let dir = tempfile::tempdir().unwrap();
    let secret = run(session_auth(dir.path(), &["generate-secret"]), "").stdout;
    let database = sqlite_in(dir.path());
    let vars = [
        ("APP_ENV", "production"),
        ("SECRET_KEY", secret.trim()),
        ("DATABASE_URL", &database),
        ("PUBLIC_URL", "https://login.example.com"),
    ];
    let server = Service::serve(dir.path(), &vars);

    let client = server.client();
    let response = client.register("prod").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookies = set_cookies(&response, "__Host-session");
    assert_eq!(
        cookies.len(),
        1,
        "one __Host-session cookie: {:?}",
        response.headers()
    );
    for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(
            cookies[0].contains(attribute),
            "{attribute} missing: {}",
            cookies[0]
        );
    }
    assert!(
        !cookies[0].contains("Domain"),
        "a __Host- cookie has no Domain: {}",
        cookies[0]
    );
    assert!(
        set_cookies(&response, "session").is_empty(),
        "no plain `session` cookie"
    );
    assert!(
        !dir.path().join("data/secret_key").exists(),
        "no development key in production"
    );
}
