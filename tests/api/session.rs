//! The session's life: a fresh one at login, and its end for good at logout,
//! at a password change and at "log out other sessions", copies included.

use std::collections::HashMap;

use actix_web::cookie::{Cookie, CookieJar, Key};
use reqwest::{Method, StatusCode};

use crate::helpers::*;

crate::stories!(
    a_copy_of_the_cookie_taken_before_logout_is_anonymous_afterwards,
    changing_the_password_keeps_this_browser_and_ends_every_other_session,
    logging_out_other_sessions_keeps_this_browser_and_ends_the_others,
    login_drops_everything_planted_in_the_anonymous_session,
    logging_in_as_bob_over_alices_session_yields_bob_on_a_new_session,
    logout_and_password_change_on_one_instance_hold_on_another,
);

const NEW_PASSWORD: &str = "purple elephants dance quietly";

async fn a_copy_of_the_cookie_taken_before_logout_is_anonymous_afterwards(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;
    let copy = app.cookie_header().expect("a session cookie");
    let copied = TestClient::with_cookie(&app.address, &copy);
    assert_eq!(copied.whoami().await.as_deref(), Some("alice"));

    assert_redirect(&app.logout().await, "/login");

    assert_eq!(app.whoami().await, None);
    let response = copied.get("/api/me").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_session_cleared(&response);
}

/// Logs alice in on a second browser and keeps a copy of the first one's
/// cookie; returns (second browser, copy).
async fn alice_on_two_browsers(app: &TestApp) -> (TestClient, TestClient) {
    app.register("alice").await;
    let copy = app.copy();
    let other = app.new_client();
    assert_redirect(&other.login("alice", PASSWORD).await, "/dashboard");
    for client in [&copy, &other] {
        assert_eq!(client.whoami().await.as_deref(), Some("alice"));
    }
    (other, copy)
}

/// Changes this browser's password from [`PASSWORD`] to [`NEW_PASSWORD`] (a form post).
async fn change_to_new_password(app: &TestApp) -> reqwest::Response {
    app.post_form(
        "/account/password",
        &password_change(PASSWORD, NEW_PASSWORD),
    )
    .await
}

async fn changing_the_password_keeps_this_browser_and_ends_every_other_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (other, copy) = alice_on_two_browsers(&app).await;

    let response = change_to_new_password(&app).await;
    assert_redirect(&response, "/account");
    assert_session_cookie(&response);

    assert_eq!(app.whoami().await.as_deref(), Some("alice"));
    assert_eq!(other.whoami().await, None, "second browser");
    assert_eq!(copy.whoami().await, None, "old copy");
}

async fn logging_out_other_sessions_keeps_this_browser_and_ends_the_others(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (other, copy) = alice_on_two_browsers(&app).await;

    let response = app.post_form("/account/logout-others", &[]).await;
    assert_redirect(&response, "/account");
    assert_session_cookie(&response);

    assert_eq!(app.whoami().await.as_deref(), Some("alice"));
    assert_eq!(other.whoami().await, None, "second browser");
    assert_eq!(copy.whoami().await, None, "old copy");
    // The password is unchanged: the other browser may simply log in again.
    assert_redirect(&other.login("alice", PASSWORD).await, "/dashboard");
}

/// Seals `entries` into a session cookie as actix-session does (values are
/// JSON texts); returns the `Cookie` header.
fn seal(key: &Key, entries: &[(&str, serde_json::Value)]) -> String {
    let state: HashMap<String, String> = entries
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.to_string()))
        .collect();
    let mut jar = CookieJar::new();
    jar.private_mut(key).add(Cookie::new(
        "session",
        serde_json::to_string(&state).unwrap(),
    ));
    jar.get("session").unwrap().encoded().to_string()
}

/// Opens a `session=…` pair with `key`: the session's entries.
fn open(key: &Key, pair: &str) -> HashMap<String, String> {
    let mut jar = CookieJar::new();
    jar.add_original(Cookie::parse_encoded(pair.to_owned()).unwrap());
    let plain = jar
        .private(key)
        .get("session")
        .expect("sealed with the key");
    serde_json::from_str(plain.value()).unwrap()
}

async fn login_drops_everything_planted_in_the_anonymous_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;
    let key = &app.settings.secret_key.0;
    let planted = seal(key, &[("planted", serde_json::json!("attacker's value"))]);
    assert!(open(key, &planted).contains_key("planted"));

    let response = TestClient::with_cookie(&app.address, &planted)
        .request(Method::POST, "/login")
        .form(&[("username", "alice"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_redirect(&response, "/dashboard");
    let issued = set_cookie_pair(&response, "session").expect("a new session cookie");

    assert_ne!(issued, planted);
    let entries = open(key, &issued);
    assert!(
        !entries.contains_key("planted"),
        "the pre-login value survived the login: {:?}",
        entries.keys()
    );
    assert_eq!(
        TestClient::with_cookie(&app.address, &issued)
            .whoami()
            .await
            .as_deref(),
        Some("alice")
    );
}

async fn logging_in_as_bob_over_alices_session_yields_bob_on_a_new_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let bob = app.new_client();
    bob.request(Method::POST, "/register")
        .form(&[("username", "bob"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    app.register("alice").await;
    let alices = app.cookie("session").expect("alice's cookie");

    assert_redirect(&app.login("bob", PASSWORD).await, "/dashboard");

    assert_eq!(app.whoami().await.as_deref(), Some("bob"));
    let bobs = app.cookie("session").expect("bob's cookie");
    let key = &app.settings.secret_key.0;
    let session_id = |value: &str| {
        let auth = open(key, &format!("session={value}"))["auth"].clone();
        serde_json::from_str::<serde_json::Value>(&auth).unwrap()["s"].clone()
    };
    assert_ne!(session_id(&alices), session_id(&bobs), "a new session id");
}

async fn logout_and_password_change_on_one_instance_hold_on_another(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sibling = app.spawn_sibling(|_| {}).await;
    let (other, copy) = alice_on_two_browsers(&app).await;
    let on_sibling = |client: &TestClient| client.at(&sibling.address);
    assert_eq!(on_sibling(&copy).whoami().await.as_deref(), Some("alice"));
    assert_eq!(on_sibling(&other).whoami().await.as_deref(), Some("alice"));

    app.logout().await;
    // At once on the instance that made the change, within a second on the other.
    assert_eq!(copy.whoami().await, None, "logged out here");
    assert_anonymous_within_a_second(&copy, &sibling.address, "logged out on the first instance")
        .await;

    assert_redirect(&app.login("alice", PASSWORD).await, "/dashboard");
    let response = change_to_new_password(&app).await;
    assert_redirect(&response, "/account");
    assert_eq!(other.whoami().await, None, "password changed here");
    assert_anonymous_within_a_second(
        &other,
        &sibling.address,
        "password changed on the first instance",
    )
    .await;
    let this_browser = app.copy();
    assert_eq!(
        on_sibling(&this_browser).whoami().await.as_deref(),
        Some("alice")
    );
}

/// Each instance reuses a database answer for at most half a second (the
/// the contract allows a second): poll `/api/me` on `address` until it is anonymous.
async fn assert_anonymous_within_a_second(client: &TestClient, address: &str, what: &str) {
    let client = client.at(address);
    let start = std::time::Instant::now();
    while client.whoami().await.is_some() {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(1),
            "{what}: still logged in after 1 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}
