//! Scaling out (docs/contract.md, "Scaling out"): two app processes on two ports sharing
//! one PostgreSQL database and one `SECRET_KEY`, as behind a load balancer.
//! A cookie from one is honoured by the other; logouts, password changes
//! and lock-outs take effect on both ("within one second on the others").

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use session_auth::config::{DatabaseUrl, SecretKey};

use crate::helpers::{
    Backend, PASSWORD, TestClient, TestDb, assert_redirect, body_text, password_change,
    postgres_available,
};
use crate::process::{Service, database_url_var};

/// docs/contract.md: a change takes effect "within one second on the others".
const PROPAGATION_LIMIT: Duration = Duration::from_secs(1);

const NEW_PASSWORD: &str = "a completely different lighthouse";

/// Two instances on one database and one key.
struct Pair {
    a: Service,
    b: Service,
    _db: TestDb,
    _dirs: [tempfile::TempDir; 2],
}

/// The settings both instances share.
fn shared_vars(url: &DatabaseUrl) -> Vec<(String, String)> {
    [
        ("DATABASE_URL", database_url_var(url)),
        ("SECRET_KEY", SecretKey::generate_base64()),
        ("LOGIN_IP_LIMIT", "0".to_owned()),
        ("LOGIN_MAX_FAILURES", "3".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

fn start(dir: &tempfile::TempDir, vars: &[(String, String)]) -> Service {
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    Service::start_debug(dir.path(), &vars)
}

/// A is started (and migrates) first, then B.
fn start_pair() -> Pair {
    let (db, url) = TestDb::create(Backend::Postgres);
    let vars = shared_vars(&url);
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let a = start(&dirs[0], &vars);
    let b = start(&dirs[1], &vars);
    Pair {
        a,
        b,
        _db: db,
        _dirs: dirs,
    }
}

/// `client` logs in on `server`: the status of the answer.
async fn login(server: &Service, client: &TestClient, name: &str, password: &str) -> StatusCode {
    let on_server = client.at(&server.address);
    on_server.login(name, password).await.status()
}

/// Polls `GET /api/me` on `server` until `client` is anonymous; `Err` if it
/// is still logged in after [`PROPAGATION_LIMIT`].
async fn anonymous_within_limit(server: &Service, client: &TestClient) -> Result<Duration, String> {
    let client = client.at(&server.address);
    let started = Instant::now();
    loop {
        match client.whoami().await {
            None => return Ok(started.elapsed()),
            Some(name) if started.elapsed() > PROPAGATION_LIMIT => {
                return Err(format!(
                    "still logged in as {name} {PROPAGATION_LIMIT:?} later"
                ));
            }
            Some(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

#[tokio::test]
async fn a_cookie_from_one_instance_is_honoured_by_the_other() {
    if !postgres_available() {
        return;
    }
    let pair = start_pair();
    let client = pair.a.user("alice").await;

    let cookie = client.cookie_header().expect("a session cookie from A");
    let copy = TestClient::with_cookie(&pair.b.address, &cookie);
    assert_eq!(copy.whoami().await.as_deref(), Some("alice"));
    let dashboard = copy.get("/dashboard").await;
    assert_eq!(dashboard.status(), StatusCode::OK);
    assert!(
        body_text(dashboard)
            .await
            .contains("Welcome to the dashboard, alice")
    );

    // And the other way round: a login made on B works on A.
    let other = pair.b.client();
    assert_eq!(
        login(&pair.b, &other, "alice", PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    let cookie = other.cookie_header().expect("a session cookie from B");
    let copy = TestClient::with_cookie(&pair.a.address, &cookie);
    assert_eq!(copy.whoami().await.as_deref(), Some("alice"));
}

#[tokio::test]
async fn a_logout_on_one_instance_ends_the_session_on_the_other() {
    if !postgres_available() {
        return;
    }
    let pair = start_pair();
    let client = pair.a.user("alice").await;
    let copy = client.copy();
    assert_eq!(
        copy.at(&pair.b.address).whoami().await.as_deref(),
        Some("alice")
    );

    let response = client.logout().await;
    assert_redirect(&response, "/login");

    assert_eq!(
        copy.whoami().await,
        None,
        "the copy is dead at once on A, which logged out"
    );
    let took = anonymous_within_limit(&pair.b, &copy)
        .await
        .unwrap_or_else(|e| panic!("the copy of the cookie on B after logout on A: {e}"));
    eprintln!("logout on A reached B after {took:?}");
}

#[tokio::test]
async fn a_password_change_on_one_instance_ends_older_sessions_on_the_other() {
    if !postgres_available() {
        return;
    }
    let pair = start_pair();
    // One browser registered on A; a second one logs in on B.
    let on_a = pair.a.user("alice").await;
    let on_b = pair.b.client();
    assert_eq!(
        login(&pair.b, &on_b, "alice", PASSWORD).await,
        StatusCode::SEE_OTHER
    );

    let response = on_b
        .request(Method::POST, "/account/password")
        .form(&password_change(PASSWORD, NEW_PASSWORD))
        .send()
        .await
        .expect("POST /account/password on B");
    assert_redirect(&response, "/account");

    let took = anonymous_within_limit(&pair.a, &on_a)
        .await
        .unwrap_or_else(|e| panic!("the browser on A after a password change on B: {e}"));
    eprintln!("password change on B reached A after {took:?}");

    // The session that changed the password stays, on both instances.
    assert_eq!(on_b.whoami().await.as_deref(), Some("alice"));
    let copy = on_b.copy();
    assert_eq!(
        copy.at(&pair.a.address).whoami().await.as_deref(),
        Some("alice")
    );

    // And A checks the new password.
    let fresh = pair.a.client();
    assert_eq!(
        login(&pair.a, &fresh, "alice", PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login(&pair.a, &fresh, "alice", NEW_PASSWORD).await,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn failed_logins_count_across_instances() {
    if !postgres_available() {
        return;
    }
    let pair = start_pair();
    let client = pair.a.user("alice").await;

    // LOGIN_MAX_FAILURES=3: two failures on A and one on B lock the name.
    let attacker = pair.a.client();
    for (server, name) in [(&pair.a, "A"), (&pair.a, "A"), (&pair.b, "B")] {
        assert_eq!(
            login(server, &attacker, "alice", "wrong password").await,
            StatusCode::UNAUTHORIZED,
            "a failed login on {name}"
        );
    }
    // Now even the right password is refused, on either instance.
    for (server, name) in [(&pair.a, "A"), (&pair.b, "B")] {
        let response = client.at(&server.address).login("alice", PASSWORD).await;
        assert_eq!(
            response.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "the login on {name} after 3 failures across both"
        );
        assert!(
            response.headers().contains_key("retry-after"),
            "Retry-After on {name}"
        );
    }
}

/// Two replicas of a deployment start at the same moment on an empty
/// database: both migrate it, and both must come up.
#[tokio::test]
async fn two_instances_starting_together_on_an_empty_database_both_come_up() {
    if !postgres_available() {
        return;
    }
    let (_db, url) = TestDb::create(Backend::Postgres);
    let vars = shared_vars(&url);
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| start(&dirs[0], &vars));
        let b = s.spawn(|| start(&dirs[1], &vars));
        (a.join(), b.join())
    });
    let (a, b) = (
        a.unwrap_or_else(|_| panic!("instance A did not come up (see above)")),
        b.unwrap_or_else(|_| panic!("instance B did not come up (see above)")),
    );
    let client = a.user("alice").await;
    assert_eq!(
        client.at(&b.address).whoami().await.as_deref(),
        Some("alice")
    );
}
