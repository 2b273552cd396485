//! Database outages (SPEC: "When the database is unreachable, pages that
//! need it answer 503 with a readable message, the process keeps running,
//! and it recovers by itself when the database is back"). The built binary
//! talks to PostgreSQL through a proxy the test switches off and on.

use std::net::{SocketAddr, ToSocketAddrs as _};
use std::time::{Duration, Instant};

use reqwest::{Client, RequestBuilder, StatusCode};

use crate::helpers::{BROWSER_ACCEPT, Backend, PASSWORD, TestDb, postgres_available};
use crate::process::{Service, bounded_client, bounded_client_with_cookie, database_url_var};
use crate::tcp_proxy::TcpProxy;

/// The longest a request may take to say 503 during an outage.
const ANSWER_LIMIT: Duration = Duration::from_secs(10);

/// How long the app may take to notice the database is back.
const RECOVERY_LIMIT: Duration = Duration::from_secs(15);

/// `scheme://user@host:port/db?x` → the byte range of `host:port`.
fn host_port_range(url: &str) -> std::ops::Range<usize> {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url[start..]
        .find(['/', '?'])
        .map_or(url.len(), |i| start + i);
    let host_start = url[start..end].rfind('@').map_or(start, |i| start + i + 1);
    host_start..end
}

/// Where `TEST_DATABASE_URL`'s PostgreSQL listens (must be this machine).
fn postgres_address() -> SocketAddr {
    let url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
    let host_port = &url[host_port_range(&url)];
    let host_port = if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    };
    let address = host_port
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.find(SocketAddr::is_ipv4))
        .unwrap_or_else(|| panic!("TEST_DATABASE_URL host {host_port:?} does not resolve"));
    assert!(
        address.ip().is_loopback(),
        "the outage tests proxy a PostgreSQL on 127.0.0.1 only; TEST_DATABASE_URL names {address}"
    );
    address
}

/// `url` with its host and port replaced by the proxy's.
fn through_proxy(url: &str, proxy: &TcpProxy) -> String {
    let mut url = url.to_owned();
    url.replace_range(host_port_range(&url), &format!("127.0.0.1:{}", proxy.port));
    url
}

/// A server whose database connection runs through `proxy`.
struct Setup {
    server: Service,
    proxy: TcpProxy,
    _db: TestDb,
    _dir: tempfile::TempDir,
}

fn start_behind_proxy() -> Setup {
    let (db, url) = TestDb::create(Backend::Postgres);
    let proxy = TcpProxy::start(postgres_address());
    let dir = tempfile::tempdir().unwrap();
    let database_url = through_proxy(&database_url_var(&url), &proxy);
    let server = Service::start_debug(dir.path(), &[("DATABASE_URL", &database_url)]);
    Setup {
        server,
        proxy,
        _db: db,
        _dir: dir,
    }
}

/// What one request got: its status and body, or the error (e.g. no answer
/// in time), and how long it took.
struct Outcome {
    label: String,
    result: Result<(StatusCode, String), String>,
    took: Duration,
}

impl Outcome {
    fn status(&self) -> Option<StatusCode> {
        self.result.as_ref().ok().map(|(s, _)| *s)
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.result {
            Ok((status, _)) => write!(f, "{}: {status} in {:.1?}", self.label, self.took),
            Err(e) => write!(f, "{}: no answer after {:.1?} ({e})", self.label, self.took),
        }
    }
}

/// Sends `request`, giving up after a little more than [`ANSWER_LIMIT`].
async fn timed(label: &str, request: RequestBuilder) -> Outcome {
    let started = Instant::now();
    let result = match request
        .timeout(ANSWER_LIMIT + Duration::from_secs(2))
        .send()
        .await
    {
        Ok(response) => {
            let status = response.status();
            Ok((status, response.text().await.unwrap_or_default()))
        }
        Err(e) => Err(e.to_string()),
    };
    Outcome {
        label: label.to_owned(),
        result,
        took: started.elapsed(),
    }
}

/// Retries `GET path` for up to [`RECOVERY_LIMIT`] until it answers 200;
/// `Err` with what it saw otherwise, or at once on a status but 200 or 503.
async fn until_ok(server: &Service, client: &Client, path: &str) -> Result<Duration, String> {
    let started = Instant::now();
    let mut seen = Vec::new();
    while started.elapsed() < RECOVERY_LIMIT {
        let outcome = timed(&format!("GET {path}"), client.get(server.url(path))).await;
        match outcome.status() {
            Some(StatusCode::OK) => return Ok(started.elapsed()),
            Some(StatusCode::SERVICE_UNAVAILABLE) => {}
            _ => return Err(format!("while the database came back: {outcome}")),
        }
        seen.push(outcome.to_string());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Err(format!(
        "no 200 within {RECOVERY_LIMIT:?} after the database came back: {}",
        seen.join("; ")
    ))
}

/// During the outage, every route answers as it should, and in time; the
/// requests go out together, as they would under load. Returns the problems.
async fn check_routes_during_outage(server: &Service, client: &Client) -> Vec<String> {
    let (anonymous, _jar) = bounded_client();
    let unavailable = StatusCode::SERVICE_UNAVAILABLE;
    let cases: Vec<(&str, RequestBuilder, StatusCode)> = vec![
        (
            "browser GET /dashboard",
            client
                .get(server.url("/dashboard"))
                .header("accept", BROWSER_ACCEPT),
            unavailable,
        ),
        (
            "GET /dashboard",
            client.get(server.url("/dashboard")),
            unavailable,
        ),
        (
            "GET /readyz",
            client.get(server.url("/readyz")),
            unavailable,
        ),
        (
            "GET /api/me",
            client.get(server.url("/api/me")),
            unavailable,
        ),
        (
            "POST /login",
            anonymous
                .post(server.url("/login"))
                .form(&[("username", "bob"), ("password", PASSWORD)]),
            unavailable,
        ),
        (
            "GET /healthz",
            client.get(server.url("/healthz")),
            StatusCode::OK,
        ),
        (
            "GET /login (needs no database)",
            anonymous.get(server.url("/login")),
            StatusCode::OK,
        ),
        (
            "GET /static/css/app.css (needs no database)",
            anonymous.get(server.url("/static/css/app.css")),
            StatusCode::OK,
        ),
    ];
    let (expected, requests): (Vec<_>, Vec<_>) = cases
        .into_iter()
        .map(|(label, request, status)| (status, timed(label, request)))
        .unzip();
    let outcomes = futures_util::future::join_all(requests).await;
    let mut problems = Vec::new();
    for (outcome, expected) in outcomes.iter().zip(expected) {
        eprintln!("  {outcome}");
        match &outcome.result {
            Ok((status, body)) if *status != expected => {
                problems.push(format!("{outcome}, expected {expected}: {body:?}"));
            }
            Ok((status, body))
                if *status == unavailable && outcome.label.starts_with("browser") =>
            {
                if !body.contains("temporarily unavailable") {
                    problems.push(format!("{outcome} without a readable message: {body:?}"));
                }
            }
            Ok(_) => {}
            Err(_) => problems.push(format!("{outcome}, expected {expected}")),
        }
        if outcome.took >= ANSWER_LIMIT {
            problems.push(format!("{outcome}: slower than {ANSWER_LIMIT:?}"));
        }
    }
    problems
}

/// The full story for one kind of outage: logged in, the database goes
/// away, the app says 503 and stays up, the database comes back, the same
/// login works again without a restart. Every problem is reported at the end.
async fn outage_story(outage: &str, begin: impl FnOnce(&TcpProxy)) {
    let mut setup = start_behind_proxy();
    let (client, _jar) = bounded_client();
    setup.server.register(&client, "alice").await;
    let ready = timed("GET /readyz", client.get(setup.server.url("/readyz"))).await;
    assert_eq!(
        ready.status(),
        Some(StatusCode::OK),
        "ready before the outage"
    );

    begin(&setup.proxy);
    eprintln!("{outage}:");
    let mut problems = check_routes_during_outage(&setup.server, &client).await;

    setup.proxy.restore();
    for path in ["/readyz", "/dashboard", "/api/me"] {
        match until_ok(&setup.server, &client, path).await {
            Ok(took) => eprintln!("  back: GET {path} 200 after {took:.1?}"),
            Err(e) => problems.push(format!("GET {path}: {e}")),
        }
    }
    if let Some(status) = setup.server.exit_status() {
        problems.push(format!(
            "the process exited ({status}) instead of staying up"
        ));
    }
    assert!(
        problems.is_empty(),
        "{outage}:\n- {}\nserver log:\n{}",
        problems.join("\n- "),
        setup.server.log()
    );
}

#[tokio::test]
async fn a_database_that_goes_away_gives_quick_503s_and_the_app_heals_by_itself() {
    if !postgres_available() {
        return;
    }
    outage_story("database gone (connections closed)", TcpProxy::cut).await;
}

/// A database host that hangs (or a middlebox in front of it that still
/// takes bytes but passes nothing on): connections stay open, no answer
/// comes. SPEC: `/readyz` is 200 "when the database answers, else 503".
#[tokio::test]
async fn a_database_that_stops_answering_gives_quick_503s_and_the_app_heals_by_itself() {
    if !postgres_available() {
        return;
    }
    outage_story(
        "database silent (connections open, no answers)",
        TcpProxy::stall,
    )
    .await;
}

/// SPEC: "Logging out ends it for good: a copy of the cookie taken before
/// logout no longer works either." A logout the app could not record must
/// not be confirmed as done while a copy of the cookie keeps working.
#[tokio::test]
async fn a_logout_during_an_outage_is_never_confirmed_while_a_copy_of_the_cookie_lives_on() {
    if !postgres_available() {
        return;
    }
    let setup = start_behind_proxy();
    let (client, jar) = bounded_client();
    setup.server.register(&client, "alice").await;
    let copy = crate::helpers::cookie_header(&jar, &setup.server.address).expect("a cookie");

    setup.proxy.cut();
    let logout = timed("POST /logout", client.post(setup.server.url("/logout"))).await;
    assert!(logout.took < ANSWER_LIMIT, "{logout}");
    setup.proxy.restore();
    until_ok(&setup.server, &client, "/readyz")
        .await
        .unwrap_or_else(|e| panic!("GET /readyz: {e}"));

    let copied = bounded_client_with_cookie(&copy);
    let response = copied
        .get(setup.server.url("/api/me"))
        .send()
        .await
        .expect("GET /api/me");
    assert!(
        logout.status() == Some(StatusCode::SERVICE_UNAVAILABLE)
            || response.status() == StatusCode::UNAUTHORIZED,
        "{logout} (the browser is told it is logged out), yet the copy of the cookie taken \
         before is still logged in after the database came back: GET /api/me {}",
        response.status()
    );
}
