//! Second factors (docs/contract.md, "Second factors"): TOTP set up with a
//! code, a login in two steps, recovery codes once each, wrong codes toward
//! the lock-out, turning it off; and "sudo mode" for sensitive changes.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use totp_rs::{Algorithm, Builder, Secret};

use crate::helpers::mail::MailApp;
use crate::helpers::*;

crate::stories!(
    setting_up_turns_it_on_only_after_a_right_code,
    a_login_with_totp_on_takes_two_steps_by_json_and_by_form,
    a_code_is_never_accepted_twice,
    a_recovery_code_works_once_and_the_address_is_told,
    wrong_codes_count_toward_the_lock_out_and_only_a_completed_login_resets_it,
    the_waiting_step_is_no_session,
    turning_it_off_needs_a_code_and_new_recovery_codes_replace_the_old,
    sensitive_changes_need_a_recent_login_or_a_confirmation,
);

/// The 6-digit code of `secret` (base32) at unix time `at`.
fn code(secret: &str, at: u64) -> String {
    let totp = Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(Secret::try_from_base32(secret).unwrap())
        .with_account_name("test")
        .build()
        .unwrap();
    totp.generate(at).to_string()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Turns TOTP on for `client`'s account with the current code; returns the
/// secret and the recovery codes.
pub(crate) async fn turn_on(client: &TestClient) -> (String, Vec<String>) {
    let (secret, codes, _) = turn_on_at(client).await;
    (secret, codes)
}

/// [`turn_on`], also returning the time whose code confirmed the set-up.
async fn turn_on_at(client: &TestClient) -> (String, Vec<String>, u64) {
    let response = client.post_json("/account/2fa/setup", &json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let setup: Value = response.json().await.unwrap();
    let secret = setup["secret"].as_str().unwrap().to_owned();
    let at = now();
    let confirm = json!({ "code": code(&secret, at) });
    let response = client.post_json("/account/2fa/confirm", &confirm).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let codes: Vec<String> = body["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    (secret, codes, at)
}

/// A JSON login that should stop at the second step.
async fn first_step(client: &TestClient, name: &str) {
    let response = client.login_json(name, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({ "two_factor_required": true }));
}

async fn second_step(client: &TestClient, field: &str, value: &str) -> reqwest::Response {
    client
        .post_json("/login/2fa", &json!({ field: value }))
        .await
}

async fn setting_up_turns_it_on_only_after_a_right_code(backend: Backend) {
    let app = MailApp::spawn(backend).await;
    let ann = app.new_client();
    app.register_verified(&ann, "ann", "ann@example.com").await;
    let status: Value = ann.get_json("/account/2fa").await.json().await.unwrap();
    assert_eq!(status["enabled"], false);

    // The page: a QR code as inline SVG and the secret as text, no script.
    let page = send_html(ann.request(Method::POST, "/account/2fa/setup")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = body_text(page).await;
    assert!(
        page.contains("<svg") && page.contains("Enter this secret"),
        "{page}"
    );
    assert!(!page.contains("<script"), "no script: the CSP stays strict");

    let setup: Value = ann
        .post_json("/account/2fa/setup", &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let secret = setup["secret"].as_str().unwrap();
    assert_eq!(secret.len(), 32, "160 bits in base32");
    let url = setup["otpauth_url"].as_str().unwrap();
    assert!(
        url.starts_with("otpauth://totp/session-auth:ann?") && url.contains(secret),
        "{url}"
    );

    let wrong = ann
        .post_json("/account/2fa/confirm", &json!({ "code": "000000" }))
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let status: Value = ann.get_json("/account/2fa").await.json().await.unwrap();
    assert_eq!(status["enabled"], false, "a wrong code turns nothing on");

    let right = json!({ "code": code(secret, now()) });
    let response = ann.post_json("/account/2fa/confirm", &right).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["recovery_codes"].as_array().unwrap().len(), 10);
    let status: Value = ann.get_json("/account/2fa").await.json().await.unwrap();
    assert_eq!(
        (
            status["enabled"].clone(),
            status["recovery_codes_left"].clone()
        ),
        (json!(true), json!(10))
    );
    assert_eq!(
        app.mail_to("ann@example.com").await.subject,
        "Two-factor authentication is on"
    );
    // Set up again while on: refused.
    let again = ann.post_json("/account/2fa/setup", &json!({})).await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

async fn a_login_with_totp_on_takes_two_steps_by_json_and_by_form(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("ann").await;
    let (secret, codes) = turn_on(&app).await;
    app.logout().await;

    // JSON: the password, then the code of the next step (one either side is allowed).
    let script = app.new_client();
    first_step(&script, "ann").await;
    assert_eq!(
        script.whoami().await,
        None,
        "no session before the second step"
    );
    let response = second_step(&script, "code", &code(&secret, now() + 30)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["username"], "ann");
    assert_eq!(script.whoami().await.as_deref(), Some("ann"));

    // A form: 303 to /login/2fa, `next` and "remember me" kept to the end.
    let browser = app.new_client();
    let fields = [
        ("username", "ann"),
        ("password", PASSWORD),
        ("remember", "on"),
        ("next", "/account"),
    ];
    assert_redirect(&browser.post_form("/login", &fields).await, "/login/2fa");
    let page = browser.get_html("/login/2fa").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        body_text(page)
            .await
            .contains(r#"autocomplete="one-time-code""#)
    );
    let done = browser
        .post_form("/login/2fa", &[("recovery_code", &codes[0])])
        .await;
    assert_redirect(&done, "/account");
    let cookie = set_cookies(&done, "session");
    assert!(
        cookie.iter().any(|c| c.contains("Max-Age")),
        "remembered: {cookie:?}"
    );
    assert_eq!(browser.whoami().await.as_deref(), Some("ann"));
}

async fn a_code_is_never_accepted_twice(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("ann").await;
    let (secret, _, at) = turn_on_at(&app).await;
    app.logout().await;
    // The step that confirmed the set-up counts as used.
    let client = app.new_client();
    first_step(&client, "ann").await;
    let used = second_step(&client, "code", &code(&secret, at)).await;
    assert_eq!(
        used.status(),
        StatusCode::UNAUTHORIZED,
        "the set-up's step again"
    );
    let body: Value = used.json().await.unwrap();
    assert_eq!(body["error"], "invalid_code");
    let next = code(&secret, now() + 30);
    assert_eq!(
        second_step(&client, "code", &next).await.status(),
        StatusCode::OK
    );
    let other = app.new_client();
    first_step(&other, "ann").await;
    let replay = second_step(&other, "code", &next).await;
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED, "a replayed code");
    for bad in ["", "12345", "abcdef", "1234567"] {
        let response = second_step(&other, "code", bad).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{bad:?}");
    }
}

async fn a_recovery_code_works_once_and_the_address_is_told(backend: Backend) {
    let app = MailApp::spawn(backend).await;
    let ann = app.new_client();
    app.register_verified(&ann, "ann", "ann@example.com").await;
    let (_, codes) = turn_on(&ann).await;
    app.mail_to("ann@example.com").await;
    ann.logout().await;

    let client = app.new_client();
    first_step(&client, "ann").await;
    let typed = codes[3].to_uppercase().replace('-', " ");
    assert_eq!(
        second_step(&client, "recovery_code", &typed).await.status(),
        StatusCode::OK
    );
    let told = app.mail_to("ann@example.com").await;
    assert_eq!(told.subject, "A recovery code was used");
    assert!(told.text.contains("9 unused codes left"), "{}", told.text);

    let again = app.new_client();
    first_step(&again, "ann").await;
    let reused = second_step(&again, "recovery_code", &codes[3]).await;
    assert_eq!(reused.status(), StatusCode::UNAUTHORIZED);
    let status: Value = client.get_json("/account/2fa").await.json().await.unwrap();
    assert_eq!(status["recovery_codes_left"], 9);
}

async fn wrong_codes_count_toward_the_lock_out_and_only_a_completed_login_resets_it(
    backend: Backend,
) {
    let app = TestApp::spawn_with(backend, |s| s.login_max_failures = 3).await;
    app.register("ann").await;
    let (_, codes) = turn_on(&app).await;
    app.logout().await;
    let client = app.new_client();

    // Two wrong passwords, then the right one: still two failures.
    for _ in 0..2 {
        assert_eq!(
            client.login_json("ann", "not the password").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    first_step(&client, "ann").await;
    // One wrong code makes three: the name is locked, for every step.
    assert_eq!(
        second_step(&client, "code", "000000").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let locked = second_step(&client, "recovery_code", &codes[0]).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(header(&locked, "retry-after").is_some());
    assert_eq!(
        client.login_json("ann", PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

async fn the_waiting_step_is_no_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("ann").await;
    turn_on(&app).await;
    app.logout().await;
    let browser = app.new_client();
    assert_redirect(&browser.login("ann", PASSWORD).await, "/login/2fa");
    for path in ["/dashboard", "/account", "/account/2fa"] {
        let page = browser.get_html(path).await;
        assert_eq!(page.status(), StatusCode::SEE_OTHER, "{path}");
    }
    assert_eq!(
        browser.get("/api/me").await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Without a first step there is no second.
    let stranger = app.new_client();
    assert_redirect(&stranger.get_html("/login/2fa").await, "/login");
    let response = second_step(&stranger, "code", "123456").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "login_expired");
}

async fn turning_it_off_needs_a_code_and_new_recovery_codes_replace_the_old(backend: Backend) {
    let app = MailApp::spawn(backend).await;
    let ann = app.new_client();
    app.register_verified(&ann, "ann", "ann@example.com").await;
    let (_, old) = turn_on(&ann).await;
    app.mail_to("ann@example.com").await;

    let response = ann
        .post_json("/account/2fa/recovery-codes", &json!({}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let new: Value = response.json().await.unwrap();
    let new = new["recovery_codes"][0].as_str().unwrap().to_owned();
    assert!(!old.contains(&new));

    let nothing = ann.post_json("/account/2fa/disable", &json!({})).await;
    assert_eq!(nothing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let stale = ann
        .post_json("/account/2fa/disable", &json!({ "recovery_code": old[0] }))
        .await;
    assert_eq!(
        stale.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "an old code no longer works"
    );
    let off = ann
        .post_json("/account/2fa/disable", &json!({ "recovery_code": new }))
        .await;
    assert_eq!(off.status(), StatusCode::OK);
    let status: Value = ann.get_json("/account/2fa").await.json().await.unwrap();
    assert_eq!(status["enabled"], false);
    // Two notices, sent at once (in either order): the code used, and off.
    let mut told = vec![
        app.mail_to("ann@example.com").await.subject,
        app.mail_to("ann@example.com").await.subject,
    ];
    told.sort();
    assert_eq!(
        told,
        [
            "A recovery code was used",
            "Two-factor authentication was turned off"
        ]
    );

    // The password alone logs in again.
    let client = app.new_client();
    let response = client.login_json("ann", PASSWORD).await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["username"], "ann");
}

async fn sensitive_changes_need_a_recent_login_or_a_confirmation(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.reauth_window = Duration::from_secs(3)).await;
    app.register("ann").await;
    tokio::time::sleep(Duration::from_millis(3100)).await;

    let change = password_change(PASSWORD, "a brand new passphrase, long enough");
    let json = app
        .request(Method::POST, "/account/password")
        .json(&json!({ "current_password": PASSWORD, "new_password": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(json.status(), StatusCode::FORBIDDEN);
    let body: Value = json.json().await.unwrap();
    assert_eq!(body["error"], "reauthentication_required");
    let page = send_html(app.request(Method::POST, "/account/password").form(&change)).await;
    assert_redirect(&page, "/account/confirm?next=%2Faccount");
    let page = send_html(app.request(Method::POST, "/account/2fa/setup")).await;
    assert_redirect(&page, "/account/confirm?next=%2Faccount%2F2fa");
    for path in ["/account/email", "/account/delete", "/account/2fa/disable"] {
        let response = app.post_json(path, &json!({})).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
    }
    // What is not sensitive still works.
    assert_eq!(app.get("/dashboard").await.status(), StatusCode::OK);
    assert_redirect(
        &app.post_form("/account/logout-others", &[]).await,
        "/account",
    );

    let form = body_text(app.get_html("/account/confirm?next=%2Faccount").await).await;
    assert!(form.contains(r#"name="password""#), "{form}");
    let wrong = app
        .post_form(
            "/account/confirm",
            &[("password", "nope"), ("next", "/account")],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let evil = app
        .post_form(
            "/account/confirm",
            &[("password", PASSWORD), ("next", "//evil.example")],
        )
        .await;
    assert_redirect(&evil, "/account");
    let confirmed = app
        .post_form(
            "/account/confirm",
            &[("password", PASSWORD), ("next", "/account")],
        )
        .await;
    assert_redirect(&confirmed, "/account");
    assert_redirect(
        &app.post_form("/account/password", &change).await,
        "/account",
    );
    // The confirmation, too, lasts only the window.
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let response = app.post_json("/account/email", &json!({})).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}
