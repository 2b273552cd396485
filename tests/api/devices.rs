//! Devices and history (docs/contract.md, "Devices and history"): the
//! sessions page and API, ending one session from another (at once here,
//! within a second on another instance), the addresses recorded, and the
//! security activity page.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use session_auth::client_ip::TrustedProxies;

use crate::helpers::mail::MailApp;
use crate::helpers::*;

crate::stories!(
    the_sessions_page_lists_each_browser_with_its_label_and_marks_this_one,
    ending_a_session_from_another_logs_it_out_at_once,
    another_users_session_is_not_found,
    ending_this_session_is_a_logout,
    an_ended_session_is_logged_out_within_a_second_on_another_instance,
    a_forged_forwarded_address_from_an_untrusted_peer_is_never_recorded,
    log_out_all_other_sessions_empties_the_list_but_this_one,
    the_activity_page_shows_each_event_once,
    last_seen_is_refreshed_when_the_cookie_is_resealed,
);

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/// `GET /api/sessions` as `client`.
async fn sessions(client: &TestClient) -> Vec<Value> {
    let response = client.get("/api/sessions").await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json::<Vec<Value>>().await.unwrap()
}

/// The id of the session labelled `label` in `client`'s list.
async fn id_of(client: &TestClient, label: &str) -> String {
    let list = sessions(client).await;
    let found = list.iter().find(|s| s["label"] == label);
    found.unwrap_or_else(|| panic!("no {label:?} session in {list:#?}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn delete(client: &TestClient, id: &str) -> reqwest::Response {
    send(client.request(Method::DELETE, &format!("/api/sessions/{id}"))).await
}

/// The kinds of `client`'s security events, newest first.
async fn event_kinds(client: &TestClient) -> Vec<String> {
    let response = client.get_json("/account/activity").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// Two browsers of alice: Firefox on Linux and Chrome on Windows, both logged in.
async fn alice_on_two_browsers(app: &TestApp) -> (TestClient, TestClient) {
    let firefox = TestClient::with_user_agent(&app.address, FIREFOX);
    let chrome = TestClient::with_user_agent(&app.address, CHROME);
    assert_redirect(&firefox.register("alice").await, "/dashboard");
    assert_eq!(
        chrome.login_json("alice", PASSWORD).await.status(),
        StatusCode::OK
    );
    (firefox, chrome)
}

async fn the_sessions_page_lists_each_browser_with_its_label_and_marks_this_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (firefox, chrome) = alice_on_two_browsers(&app).await;

    let list = sessions(&firefox).await;
    assert_eq!(list.len(), 2, "{list:#?}");
    assert_eq!(list[0]["label"], "Firefox on Linux", "this session first");
    assert_eq!(list[0]["current"], true);
    assert_eq!(list[1]["label"], "Chrome on Windows");
    assert_eq!(list[1]["current"], false);
    for session in &list {
        assert_eq!(session["method"], "password");
        assert_eq!(session["address"], "127.0.0.1");
        for time in ["created_at", "last_seen_at", "expires_at"] {
            let value = session[time].as_str().unwrap();
            assert!(
                chrono::DateTime::parse_from_rfc3339(value).is_ok(),
                "{time}: {value}"
            );
        }
    }
    assert_eq!(list[1]["user_agent"], CHROME);
    // Seen from Chrome, Chrome is this one.
    let theirs = sessions(&chrome).await;
    assert_eq!(theirs[0]["label"], "Chrome on Windows");
    assert_eq!(theirs[0]["current"], true);

    let page = firefox.get_html("/account/sessions").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(header(&page, "cache-control"), Some("no-store"));
    let html = body_text(page).await;
    assert!(html.contains("Firefox on Linux") && html.contains("Chrome on Windows"));
    assert_eq!(html.matches("this session</span>").count(), 1, "{html}");
    assert_eq!(html.matches("Log out this session").count(), 2);
    assert!(html.contains("Log out all other sessions"));
    assert!(
        body_text(firefox.get_html("/account").await)
            .await
            .contains("href=\"/account/sessions\""),
        "the account page links to it"
    );
    // Anonymous: the login page (browser) or 401.
    assert_redirect(
        &app.new_client().get_html("/account/sessions").await,
        "/login?next=%2Faccount%2Fsessions",
    );
    assert_eq!(
        app.new_client().get("/api/sessions").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn ending_a_session_from_another_logs_it_out_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (firefox, chrome) = alice_on_two_browsers(&app).await;
    // A copy of Chrome's cookie (a thief's) dies with it.
    let stolen = chrome.copy();
    let id = id_of(&firefox, "Chrome on Windows").await;

    let ended = delete(&firefox, &id).await;
    assert_eq!(ended.status(), StatusCode::NO_CONTENT);
    assert_eq!(chrome.whoami().await, None, "at once on this instance");
    assert_eq!(stolen.whoami().await, None);
    assert_eq!(firefox.whoami().await.as_deref(), Some("alice"));
    let left = sessions(&firefox).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["current"], true);
    assert_eq!(
        delete(&firefox, &id).await.status(),
        StatusCode::NOT_FOUND,
        "ended already"
    );

    // The page's button: back to the list, told.
    chrome.login_json("alice", PASSWORD).await;
    let id = id_of(&firefox, "Chrome on Windows").await;
    let form = send_html(
        firefox
            .request(Method::POST, &format!("/account/sessions/{id}/logout"))
            .form(&[("x", "")]),
    )
    .await;
    assert_redirect(&form, "/account/sessions");
    let page = body_text(firefox.get_html("/account/sessions").await).await;
    assert!(page.contains("Logged out: Chrome on Windows"), "{page}");
    assert!(!page.contains("<td class=\"session-label\">Chrome on Windows"));
    assert_eq!(chrome.whoami().await, None);
}

async fn another_users_session_is_not_found(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.new_client();
    let bob = app.new_client();
    alice.register("alice").await;
    bob.register("bob").await;
    let bobs = sessions(&bob).await[0]["id"].as_str().unwrap().to_owned();

    let response = delete(&alice, &bobs).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "not_found");
    let form = alice
        .post_form(&format!("/account/sessions/{bobs}/logout"), &[])
        .await;
    assert_eq!(form.status(), StatusCode::NOT_FOUND);
    assert_eq!(bob.whoami().await.as_deref(), Some("bob"), "untouched");
    for odd in ["nope", "%00", "a%2Fb", &"x".repeat(5000)] {
        let status = delete(&alice, odd).await.status();
        assert_eq!(status, StatusCode::NOT_FOUND, "{odd:?}");
    }
    assert_eq!(
        app.new_client()
            .request(Method::DELETE, &format!("/api/sessions/{bobs}"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn ending_this_session_is_a_logout(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (firefox, chrome) = alice_on_two_browsers(&app).await;
    let copy = firefox.copy();
    let own = id_of(&firefox, "Firefox on Linux").await;
    let response = delete(&firefox, &own).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(firefox.whoami().await, None);
    assert_eq!(copy.whoami().await, None, "revoked, not just forgotten");
    assert_eq!(chrome.whoami().await.as_deref(), Some("alice"));

    // The page's button on this session: like "Log out".
    let own = id_of(&chrome, "Chrome on Windows").await;
    let form = chrome
        .post_form_html(&format!("/account/sessions/{own}/logout"), &[])
        .await;
    assert_redirect(&form, "/login");
    assert_eq!(chrome.whoami().await, None);
    let page = body_text(chrome.get_html("/login").await).await;
    assert!(page.contains("You have been logged out"));
}

async fn an_ended_session_is_logged_out_within_a_second_on_another_instance(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sibling = app.spawn_sibling(|_| {}).await;
    let (firefox, chrome) = alice_on_two_browsers(&app).await;
    let chrome_there = chrome.at(&sibling.address);
    assert_eq!(chrome_there.whoami().await.as_deref(), Some("alice"));
    let id = id_of(&firefox, "Chrome on Windows").await;

    let ended_at = Instant::now();
    assert_eq!(delete(&firefox, &id).await.status(), StatusCode::NO_CONTENT);
    loop {
        let who = chrome_there.copy().whoami().await;
        if who.is_none() {
            break;
        }
        assert!(
            ended_at.elapsed() < Duration::from_secs(1),
            "still logged in on the other instance after a second"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn a_forged_forwarded_address_from_an_untrusted_peer_is_never_recorded(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.new_client();
    alice.register("alice").await;
    let forged = |client: &TestClient, password: &str| {
        client
            .request(Method::POST, "/login")
            .header("x-forwarded-for", "203.0.113.9")
            .header("forwarded", "for=203.0.113.9")
            .json(&json!({ "username": "alice", "password": password }))
            .send()
    };
    let other = app.new_client();
    assert_eq!(
        forged(&other, PASSWORD).await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        forged(&app.new_client(), "wrong password")
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let listed = serde_json::to_string(&sessions(&alice).await).unwrap();
    let activity = body_text(alice.get_json("/account/activity").await).await;
    let page = body_text(alice.get_html("/account/sessions").await).await;
    for shown in [&listed, &activity, &page] {
        assert!(!shown.contains("203.0.113.9"), "{shown}");
        assert!(shown.contains("127.0.0.1"), "{shown}");
    }

    // Behind a trusted proxy, the forwarded client is the address.
    let proxied = TestApp::spawn_with(backend, |s| {
        s.trusted_proxies = TrustedProxies::parse("127.0.0.1").unwrap();
    })
    .await;
    let bob = proxied.new_client();
    bob.register("bob").await;
    let via_proxy = proxied.new_client();
    let response = via_proxy
        .request(Method::POST, "/login")
        .header("x-forwarded-for", "198.51.100.7")
        .json(&json!({ "username": "bob", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let listed = sessions(&bob).await;
    assert!(
        listed.iter().any(|s| s["address"] == "198.51.100.7"),
        "{listed:#?}"
    );
}

async fn log_out_all_other_sessions_empties_the_list_but_this_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (firefox, chrome) = alice_on_two_browsers(&app).await;
    let third = app.new_client();
    third.login_json("alice", PASSWORD).await;
    assert_eq!(sessions(&firefox).await.len(), 3);
    let form = send_html(
        firefox
            .request(
                Method::POST,
                "/account/logout-others?next=/account/sessions",
            )
            .form(&[("x", "")]),
    )
    .await;
    assert_redirect(&form, "/account/sessions");
    let left = sessions(&firefox).await;
    assert_eq!(left.len(), 1, "{left:#?}");
    assert_eq!(left[0]["label"], "Firefox on Linux");
    assert_eq!(chrome.whoami().await, None);
    assert_eq!(third.whoami().await, None);
    // A password change ends the others' records too.
    chrome.login_json("alice", PASSWORD).await;
    let change = firefox
        .post_form(
            "/account/password",
            &password_change(PASSWORD, "another fine passphrase"),
        )
        .await;
    assert!(change.status().is_success() || change.status().is_redirection());
    assert_eq!(sessions(&firefox).await.len(), 1);
    // Only a local path is followed.
    let outside = send_html(
        firefox
            .request(Method::POST, "/account/logout-others?next=//evil.example")
            .form(&[("x", "")]),
    )
    .await;
    assert_redirect(&outside, "/account");
}

async fn the_activity_page_shows_each_event_once(backend: Backend) {
    let app = MailApp::spawn(backend).await;
    let alice = TestClient::with_user_agent(&app.address, FIREFOX);
    app.register_verified(&alice, "alice", "alice@example.com")
        .await;
    // Failed logins until the lock-out (LOGIN_MAX_FAILURES in the test settings).
    let max = app.settings.login_max_failures;
    let stranger = app.new_client();
    for _ in 0..max {
        stranger.login_json("alice", "wrong password").await;
    }
    let change = json!({ "email": "alice@two.example", "current_password": PASSWORD });
    assert_eq!(
        alice.post_json("/account/email", &change).await.status(),
        StatusCode::OK
    );
    let mail = app.mail_to("alice@two.example").await;
    let token = app.token_in(&mail, "/email/verify");
    let verified = alice
        .get_json(&format!("/email/verify?token={token}"))
        .await;
    assert_eq!(verified.status(), StatusCode::OK);
    let password = json!({
        "current_password": PASSWORD,
        "new_password": "a second fine passphrase",
        "new_password_confirm": "a second fine passphrase",
    });
    assert_eq!(
        alice
            .post_json("/account/password", &password)
            .await
            .status(),
        StatusCode::OK
    );
    let (_secret, codes) = crate::two_factor::turn_on(&alice).await;
    alice
        .post_json("/account/2fa/recovery-codes", &json!({}))
        .await;
    let fresh: Value = alice
        .post_json("/account/2fa/recovery-codes", &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let code = fresh["recovery_codes"][0].as_str().unwrap().to_owned();
    assert_ne!(code, codes[0]);
    let off = alice
        .post_json("/account/2fa/disable", &json!({ "recovery_code": code }))
        .await;
    assert_eq!(off.status(), StatusCode::OK);
    assert_eq!(
        alice
            .post_json("/account/logout-others", &json!({}))
            .await
            .status(),
        StatusCode::OK
    );

    let kinds = event_kinds(&alice).await;
    let count = |kind: &str| kinds.iter().filter(|k| *k == kind).count();
    let expected = [
        ("account_created", 1),
        ("login_succeeded", 1),
        ("email_verified", 2),
        ("login_failed", usize::try_from(max).unwrap()),
        ("locked_out", 1),
        ("email_changed", 1),
        ("password_changed", 1),
        ("two_factor_enabled", 1),
        ("recovery_codes_replaced", 2),
        ("two_factor_disabled", 1),
        ("sessions_ended", 1),
    ];
    for (kind, n) in expected {
        assert_eq!(count(kind), n, "{kind} in {kinds:?}");
    }
    assert_eq!(
        kinds.len(),
        expected.iter().map(|(_, n)| n).sum::<usize>(),
        "nothing else: {kinds:?}"
    );
    assert_eq!(kinds[0], "sessions_ended", "newest first");

    // A reset by link, and a logout.
    let forgot = json!({ "login": "alice" });
    let asked = app
        .new_client()
        .post_json("/password/forgot", &forgot)
        .await;
    assert_eq!(asked.status(), StatusCode::ACCEPTED);
    // The notices of the changes above come first.
    let link = format!("{}/password/reset?token=", app.public_url());
    let token = loop {
        let mail = app.mail_to("alice@two.example").await;
        if let Some(token) = mail.token(&link) {
            break token;
        }
    };
    let reset = json!({ "token": token, "new_password": "a third fine passphrase" });
    assert_eq!(
        app.new_client()
            .post_json("/password/reset", &reset)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let again = TestClient::with_user_agent(&app.address, FIREFOX);
    again.login_json("alice", "a third fine passphrase").await;
    again.logout().await;
    let relogged = TestClient::with_user_agent(&app.address, FIREFOX);
    relogged
        .login_json("alice", "a third fine passphrase")
        .await;
    let kinds = event_kinds(&relogged).await;
    assert_eq!(
        &kinds[..4],
        [
            "login_succeeded",
            "session_ended",
            "login_succeeded",
            "password_reset"
        ],
        "{kinds:?}"
    );

    // The page says it in words, with how and from where.
    let page = relogged.get_html("/account/activity").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = body_text(page).await;
    for words in [
        "Logged in",
        "Failed login",
        "Locked for a while after too many failed logins",
        "Password reset",
        "Email address changed",
        "Two-factor authentication turned on",
        "Session ended",
        "Password",
        "127.0.0.1",
        "Firefox on Linux",
    ] {
        assert!(html.contains(words), "{words:?} in {html}");
    }
}

async fn last_seen_is_refreshed_when_the_cookie_is_resealed(backend: Backend) {
    // A re-seal every tenth of the idle timeout: every second here.
    let app = TestApp::spawn_with(backend, |s| s.idle_timeout = Duration::from_secs(10)).await;
    app.register("alice").await;
    let remembered = app.new_client();
    remembered.login_remembered("alice", PASSWORD).await;
    let before = sessions(&app).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    for client in [&*app, &remembered] {
        assert_eq!(client.get("/dashboard").await.status(), StatusCode::OK);
    }
    // The record is written in the background, after the answer.
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let after = sessions(&app).await;
        let moved = after.iter().all(|s| {
            let was = before.iter().find(|b| b["id"] == s["id"]).unwrap();
            s["last_seen_at"].as_str() > was["last_seen_at"].as_str()
        });
        if moved {
            let plain = after.iter().find(|s| s["current"] == true).unwrap();
            let was = before.iter().find(|b| b["id"] == plain["id"]).unwrap();
            assert!(
                plain["expires_at"].as_str() > was["expires_at"].as_str(),
                "the idle deadline moves with it: {plain} {was}"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not refreshed: {before:#?} {after:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
