//! The guard under load (bench/README.md, "Session checks under load"): many
//! sessions hammering guarded pages get no 5xx from a healthy database, and
//! database connections killed under that load (`pg_terminate_backend`, as
//! a failover or an operator would) cost no request.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use diesel::{Connection as _, PgConnection, RunQueryDsl as _};
use reqwest::StatusCode;
use session_auth::config::DatabaseUrl;

use crate::helpers::{Backend, MACHINE, PASSWORD, TestApp, TestClient, postgres_available};
use crate::stories;

const USERS: usize = 10;
const SESSIONS_PER_USER: usize = 5;
const CONNECTIONS: usize = 24;
const LOAD_FOR: Duration = Duration::from_secs(3);
/// Sessions of other users ended during the load.
const LEAVERS: u32 = 20;
const GUARDED: [&str; 3] = ["/dashboard", "/account", "/api/me"];

stories!(
    many_sessions_on_guarded_pages_get_no_server_error,
    logouts_on_the_same_instance_under_load_cost_no_request,
);

/// `USERS` users, each logged in `SESSIONS_PER_USER` times: one cookie-jar
/// client per session.
async fn sessions(app: &TestApp) -> Vec<TestClient> {
    let mut sessions = Vec::new();
    for user in 0..USERS {
        let name = format!("load{user}");
        let first = app.new_client();
        assert_eq!(first.register(&name).await.status(), StatusCode::SEE_OTHER);
        sessions.push(first);
        for _ in 1..SESSIONS_PER_USER {
            let client = app.new_client();
            assert_eq!(
                client.login(&name, PASSWORD).await.status(),
                StatusCode::SEE_OTHER
            );
            sessions.push(client);
        }
    }
    sessions
}

/// What the load saw: answers by status, and the worst time.
#[derive(Default)]
struct Tally {
    ok: usize,
    other: Vec<String>,
    slowest: Duration,
}

/// `CONNECTIONS` clients at once, each walking the sessions and the guarded
/// pages, until `stop` is set or `limit` has passed.
async fn hammer(sessions: Arc<Vec<TestClient>>, stop: Arc<AtomicBool>, limit: Duration) -> Tally {
    let started = Instant::now();
    let tasks: Vec<_> = (0..CONNECTIONS)
        .map(|lane| {
            let (sessions, stop) = (Arc::clone(&sessions), Arc::clone(&stop));
            tokio::spawn(async move {
                let mut tally = Tally::default();
                let mut n = lane;
                while !stop.load(Ordering::Relaxed) && started.elapsed() < limit {
                    let client = &sessions[n % sessions.len()];
                    let path = GUARDED[n % GUARDED.len()];
                    n += 7;
                    let asked = Instant::now();
                    match client.get(path).await.status() {
                        StatusCode::OK => tally.ok += 1,
                        other => tally.other.push(format!("{path}: {other}")),
                    }
                    tally.slowest = tally.slowest.max(asked.elapsed());
                }
                tally
            })
        })
        .collect();
    let mut total = Tally::default();
    for task in tasks {
        let tally = task.await.expect("a load task");
        total.ok += tally.ok;
        total.other.extend(tally.other);
        total.slowest = total.slowest.max(tally.slowest);
    }
    total
}

fn assert_clean(tally: &Tally) {
    assert!(
        tally.other.is_empty(),
        "{} of {} answers were not 200, e.g. {:?}",
        tally.other.len(),
        tally.ok + tally.other.len(),
        &tally.other[..tally.other.len().min(5)]
    );
    assert!(
        tally.ok >= 300,
        "only {} answers: the load did not run",
        tally.ok
    );
}

async fn many_sessions_on_guarded_pages_get_no_server_error(backend: Backend) {
    let _alone = MACHINE.lock().await;
    let app = TestApp::spawn(backend).await;
    let sessions = Arc::new(sessions(&app).await);
    let tally = hammer(sessions, Arc::default(), LOAD_FOR).await;
    assert_clean(&tally);
    assert!(
        tally.slowest < Duration::from_secs(2),
        "an answer took {:?}",
        tally.slowest
    );
}

/// Every logout voids the instance's cached answers and the look-ups in
/// flight; requests waiting for those must still get their page.
async fn logouts_on_the_same_instance_under_load_cost_no_request(backend: Backend) {
    let _alone = MACHINE.lock().await;
    let app = TestApp::spawn(backend).await;
    let sessions = Arc::new(sessions(&app).await);
    // Other people's sessions, ended one by one while the load runs.
    let mut leavers = Vec::new();
    for n in 0..LEAVERS {
        let leaver = app.new_client();
        let status = leaver.register(&format!("leaver{n}")).await.status();
        assert_eq!(status, StatusCode::SEE_OTHER);
        leavers.push(leaver);
    }
    let load = tokio::spawn(hammer(Arc::clone(&sessions), Arc::default(), LOAD_FOR));
    for leaver in &leavers {
        tokio::time::sleep(LOAD_FOR / (2 * LEAVERS)).await;
        assert_eq!(leaver.logout().await.status(), StatusCode::SEE_OTHER);
    }
    assert!(!load.is_finished(), "the logouts took longer than the load");
    let tally = load.await.expect("the load");
    assert_clean(&tally);
}

/// The test database's name, from the app's URL.
fn database_name(url: &DatabaseUrl) -> String {
    let DatabaseUrl::Postgres(url) = url else {
        panic!("a PostgreSQL story");
    };
    let path = url.split('?').next().unwrap_or_default();
    path.rsplit('/').next().unwrap_or_default().to_owned()
}

/// Ends every connection to `database` (the app's pool), as
/// `pg_terminate_backend` does on a failover; returns how many were ended.
async fn terminate_connections(database: String) -> i64 {
    tokio::task::spawn_blocking(move || {
        #[derive(diesel::QueryableByName)]
        struct Ended {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            ended: i64,
        }
        let admin_url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
        let mut admin = PgConnection::establish(&admin_url).expect("an admin connection");
        let ended: Ended = diesel::sql_query(
            "SELECT count(pg_terminate_backend(pid)) AS ended FROM pg_stat_activity \
             WHERE datname = $1 AND pid <> pg_backend_pid()",
        )
        .bind::<diesel::sql_types::Text, _>(database)
        .get_result(&mut admin)
        .expect("pg_terminate_backend");
        ended.ended
    })
    .await
    .expect("the admin task")
}

#[tokio::test]
async fn connections_killed_under_load_cost_no_request() {
    if !postgres_available() {
        return;
    }
    let _alone = MACHINE.lock().await;
    let app = TestApp::spawn(Backend::Postgres).await;
    let sessions = Arc::new(sessions(&app).await);
    let database = database_name(&app.settings.database_url);
    let stop = Arc::new(AtomicBool::new(false));
    // Stopped below, after the kills; the limit only bounds a stuck test.
    let limit = Duration::from_secs(30);
    let load = tokio::spawn(hammer(Arc::clone(&sessions), Arc::clone(&stop), limit));

    let mut ended = 0;
    let login = app.new_client();
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        ended += terminate_connections(database.clone()).await;
        // A write right after the kill (a login records itself) gets a
        // live connection too.
        assert_eq!(
            login.login("load0", PASSWORD).await.status(),
            StatusCode::SEE_OTHER,
            "a login right after the database ended the pool's connections"
        );
    }
    stop.store(true, Ordering::Relaxed);
    let tally = load.await.expect("the load");
    assert!(
        ended >= 4,
        "only {ended} connections were ended: the test killed nothing"
    );
    assert_clean(&tally);
    // And afterwards, as before.
    assert_eq!(sessions[0].get("/dashboard").await.status(), StatusCode::OK);
}
