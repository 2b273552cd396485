//! No timing oracle: an unknown name, a wrong password and an over-long
//! password cost the same bcrypt work; and bcrypt's 72-byte truncation never
//! lets a longer password in.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::helpers::*;

crate::stories!(
    unknown_names_wrong_passwords_and_overlong_passwords_take_the_same_time,
    a_password_longer_than_72_bytes_never_matches_its_first_72,
);

/// Exactly 72 bytes: bcrypt's limit.
const PASSWORD_72: &str =
    "correct horse battery staple, purple elephants dance quietly on the moon";

/// How long one failed JSON login takes.
async fn timed_failure(app: &TestApp, username: &str, password: &str) -> Duration {
    let started = Instant::now();
    let response = app
        .post_json(
            "/login",
            &serde_json::json!({ "username": username, "password": password }),
        )
        .await;
    let elapsed = started.elapsed();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{username}");
    elapsed
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Medians of interleaved failed logins: (unknown name, wrong password,
/// over-long password for an existing account).
async fn measure(app: &TestApp, round: usize) -> [Duration; 3] {
    // As long as PASSWORD: only the account's existence differs.
    let wrong = "correct horse battery stapel";
    let overlong = format!("{PASSWORD_72}!!");
    let mut samples: [Vec<Duration>; 3] = Default::default();
    for i in 0..15 {
        let unknown = format!("ghost{round}x{i:02}");
        samples[0].push(timed_failure(app, &unknown, wrong).await);
        samples[1].push(timed_failure(app, "alice", wrong).await);
        samples[2].push(timed_failure(app, "alice", &overlong).await);
    }
    samples.map(median)
}

fn within_a_quarter(a: Duration, b: Duration) -> bool {
    let (fast, slow) = if a < b { (a, b) } else { (b, a) };
    slow.as_secs_f64() <= fast.as_secs_f64() * 1.25
}

async fn unknown_names_wrong_passwords_and_overlong_passwords_take_the_same_time(backend: Backend) {
    let _alone = MACHINE.lock().await;
    let app = TestApp::spawn_with(backend, |s| {
        s.bcrypt_cost = 10;
        s.login_max_failures = 1000;
    })
    .await;
    app.register("alice").await;
    app.logout().await;
    for i in 0..3 {
        timed_failure(&app, &format!("warmup{i}"), PASSWORD).await;
        timed_failure(&app, "alice", "warming up the hasher").await;
    }

    // A real oracle shows in every round; a second round only absorbs a
    // burst of load from the tests running beside this one.
    let mut rounds = Vec::new();
    for round in 0..2 {
        let [unknown, wrong, overlong] = measure(&app, round).await;
        assert!(wrong > Duration::from_millis(5), "bcrypt ran: {wrong:?}");
        if within_a_quarter(unknown, wrong) && within_a_quarter(overlong, wrong) {
            return;
        }
        rounds.push(format!(
            "unknown name {unknown:?}, wrong password {wrong:?}, over 72 bytes {overlong:?}"
        ));
    }
    panic!("medians differ by more than 25%: {rounds:#?}");
}

async fn a_password_longer_than_72_bytes_never_matches_its_first_72(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(PASSWORD_72.len(), 72);
    let response = app
        .post_form(
            "/register",
            &[("username", "alice"), ("password", PASSWORD_72)],
        )
        .await;
    assert_redirect(&response, "/dashboard");
    app.logout().await;

    for suffix in ["x", " and beyond"] {
        let longer = format!("{PASSWORD_72}{suffix}");
        let status = app.login("alice", &longer).await.status();
        assert_eq!(status, StatusCode::UNAUTHORIZED, "72 bytes + {suffix:?}");
    }
    assert_redirect(&app.login("alice", PASSWORD_72).await, "/dashboard");
}
