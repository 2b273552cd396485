//! Idle, absolute and "remember me" limits, enforced by the server from the
//! times sealed in the cookie: a copy replayed after its time is anonymous.
//! Settings use timeouts of a few seconds to keep the stories short.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::time::sleep;

use crate::helpers::*;

crate::stories!(
    an_unused_copy_dies_at_the_idle_timeout_while_an_active_browser_stays,
    an_active_session_still_ends_at_the_absolute_timeout,
    remember_me_sets_a_persistent_cookie_for_the_remember_duration,
    a_login_without_remember_me_is_a_browser_session_cookie,
    a_remembered_session_outlives_the_idle_timeout_but_not_its_duration,
    a_remembered_cookie_keeps_its_lifetime_when_it_is_reissued,
);

const fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

async fn an_unused_copy_dies_at_the_idle_timeout_while_an_active_browser_stays(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.idle_timeout = secs(3)).await;
    app.register("alice").await;
    let copy = app.copy();
    assert_eq!(copy.whoami().await.as_deref(), Some("alice"));

    // Times are sealed in whole seconds, so the idle timeout leaves between
    // 2 and 3 s of real idleness. The browser makes five requests 0.8 s
    // apart (4 s in all); the copy stays unused.
    for i in 0..5 {
        sleep(Duration::from_millis(800)).await;
        assert_eq!(app.whoami().await.as_deref(), Some("alice"), "request {i}");
    }

    let response = copy.get("/api/me").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "the idle copy");
    assert_session_cleared(&response);
}

async fn an_active_session_still_ends_at_the_absolute_timeout(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.idle_timeout = secs(3);
        s.absolute_timeout = secs(4);
    })
    .await;
    app.register("alice").await;
    let logged_in = Instant::now();

    let mut last_copy = app.cookie_header().unwrap();
    let ended = loop {
        sleep(Duration::from_millis(500)).await;
        let elapsed = logged_in.elapsed();
        if app.whoami().await.is_none() {
            break elapsed;
        }
        last_copy = app.cookie_header().unwrap();
        assert!(elapsed < secs(5), "still logged in after {elapsed:?}");
    };

    // Times are whole seconds: the end comes 3 to 4 s after the login (the
    // bound leaves room for slow requests under load).
    assert!(
        ended >= Duration::from_millis(2500),
        "ended after only {ended:?}"
    );
    let replayed = TestClient::with_cookie(&app.address, &last_copy);
    assert_eq!(replayed.whoami().await, None, "a re-issued copy");
}

/// The `Max-Age` of the one session `Set-Cookie` of `response`, if any.
fn max_age(response: &reqwest::Response) -> Option<i64> {
    let cookies = set_cookies(response, "session");
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    cookies[0]
        .split(';')
        .filter_map(|a| a.trim().strip_prefix("Max-Age="))
        .map(|v| v.parse().unwrap())
        .next()
}

async fn remember_me_sets_a_persistent_cookie_for_the_remember_duration(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;
    let remember = app.settings.remember_me_duration.as_secs() as i64;

    let response = app.login_remembered("alice", PASSWORD).await;

    assert_session_cookie(&response);
    let max_age = max_age(&response).expect("a Max-Age");
    assert!(
        (remember - 5..=remember).contains(&max_age),
        "Max-Age={max_age}"
    );
    assert!(set_cookies(&response, "session")[0].contains("Expires="));
}

async fn a_login_without_remember_me_is_a_browser_session_cookie(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;

    let response = app.login("alice", PASSWORD).await;

    assert_session_cookie(&response);
    assert_eq!(max_age(&response), None);
    assert!(!set_cookies(&response, "session")[0].contains("Expires="));
}

async fn a_remembered_session_outlives_the_idle_timeout_but_not_its_duration(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.idle_timeout = secs(1);
        s.absolute_timeout = secs(2);
        s.remember_me_duration = secs(5);
    })
    .await;
    app.register("alice").await;
    let response = app.login_remembered("alice", PASSWORD).await;
    let logged_in = Instant::now();
    assert!(matches!(max_age(&response), Some(4 | 5)));
    let copy = app.copy();

    // Idle for longer than both the idle and the absolute timeout (the
    // remember duration leaves room for slow requests under load).
    sleep(Duration::from_millis(2500)).await;
    assert_eq!(copy.whoami().await.as_deref(), Some("alice"));

    sleep(secs(5).saturating_sub(logged_in.elapsed()) + Duration::from_millis(500)).await;
    assert_eq!(copy.whoami().await, None);
    assert_eq!(app.whoami().await, None);
}

async fn a_remembered_cookie_keeps_its_lifetime_when_it_is_reissued(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;
    let remember = app.settings.remember_me_duration.as_secs() as i64;
    app.login_remembered("alice", PASSWORD).await;

    // "Log out other sessions" re-seals this browser's cookie.
    let response = app.post_form("/account/logout-others", &[]).await;

    assert_redirect(&response, "/account");
    let max_age = max_age(&response).expect("still a persistent cookie");
    assert!(
        (remember - 5..=remember).contains(&max_age),
        "Max-Age={max_age}"
    );
}
