//! "Forgot password?": the link goes by SMTP to a verified address only, the
//! answer is the same whether or not an account matches, and the link works
//! once, for its lifetime, for the password it was sent for.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::mail::MailApp;
use crate::helpers::*;

crate::stories!(
    the_whole_reset_story_through_smtp,
    a_reset_by_json_answers_204_and_keeps_the_rules,
    the_answer_is_the_same_whether_or_not_an_account_matches,
    asking_takes_the_same_time_whether_or_not_an_account_matches,
    only_a_verified_address_gets_a_link,
    unknown_tampered_used_and_expired_links_are_refused_with_a_way_back,
    another_password_change_kills_the_link,
    three_links_an_hour_at_most,
    asking_counts_toward_the_address_limit,
    a_forged_host_never_changes_a_link,
    a_reset_clears_the_lock_out,
    a_failed_send_is_tried_again,
    an_unreachable_mail_server_changes_no_answer,
);

const NEW_PASSWORD: &str = "a brand new passphrase, long enough";

/// The reset form's fields.
fn new_password(password: &str) -> [(&str, &str); 2] {
    [
        ("new_password", password),
        ("new_password_confirm", password),
    ]
}

async fn the_whole_reset_story_through_smtp(backend: Backend) {
    let app = MailApp::spawn(backend).await;
    let laptop = app.new_client();
    app.register_verified(&laptop, "ann", "ann@example.com")
        .await;
    let phone = app.new_client();
    assert_redirect(&phone.login("ann", PASSWORD).await, "/dashboard");

    // A browser asks on the form and is told the same thing anyone is told.
    let browser = app.new_client();
    let page = body_text(browser.get_html("/login").await).await;
    assert!(page.contains(r#"href="/password/forgot""#), "{page}");
    let asked = send_html(
        browser
            .request(reqwest::Method::POST, "/password/forgot")
            .form(&[("login", "ann")]),
    )
    .await;
    assert_redirect(&asked, "/login");
    let notice = body_text(browser.get_html("/login").await).await;
    assert!(
        notice.contains("If an account matches, we have sent a link"),
        "{notice}"
    );

    // The mail: multipart, machine headers, a link built from PUBLIC_URL.
    let mail = app.mail_to("ann@example.com").await;
    assert_eq!(mail.subject, "Reset your password");
    assert!(
        mail.header("Message-ID")
            .is_some_and(|id| id.contains("@localhost>"))
    );
    assert!(mail.header("Date").is_some());
    assert_eq!(mail.header("Auto-Submitted"), Some("auto-generated"));
    assert!(
        mail.html
            .as_deref()
            .is_some_and(|h| h.contains("Choose a new password"))
    );
    assert!(mail.text.contains("30 minutes"), "{}", mail.text);
    let token = app.token_in(&mail, "/password/reset");

    // Opening the link moves the token out of the address bar.
    let opened = send_html(browser.request(
        reqwest::Method::GET,
        &format!("/password/reset?token={token}"),
    ))
    .await;
    assert_redirect(&opened, "/password/reset");
    let cookie = set_cookies(&opened, "reset");
    assert_eq!(cookie.len(), 1, "{:?}", opened.headers());
    assert!(cookie[0].contains("HttpOnly") && cookie[0].contains("Path=/password/reset"));
    assert!(
        !cookie[0].contains(&token),
        "the cookie is sealed: {}",
        cookie[0]
    );
    let form = browser.get_html("/password/reset").await;
    assert_eq!(form.status(), StatusCode::OK);
    let form = body_text(form).await;
    assert!(
        form.contains("Choose a new password") && form.contains("ann"),
        "{form}"
    );
    assert!(!form.contains(&token), "the token is not on the page");

    // A weak password is refused on the form; the link still works after.
    let weak = send_html(
        browser
            .request(reqwest::Method::POST, "/password/reset")
            .form(&new_password("password")),
    )
    .await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let done = send_html(
        browser
            .request(reqwest::Method::POST, "/password/reset")
            .form(&new_password(NEW_PASSWORD)),
    )
    .await;
    assert_redirect(&done, "/login");
    let page = body_text(browser.get_html("/login").await).await;
    assert!(
        page.contains("Password changed; log in with your new password"),
        "{page}"
    );

    // Every session ended; the old password is gone; the new one works.
    assert_eq!(laptop.whoami().await, None, "the first session ended");
    assert_eq!(phone.whoami().await, None, "the second session ended");
    assert_eq!(
        browser.login("ann", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_redirect(&browser.login("ann", NEW_PASSWORD).await, "/dashboard");
    assert_eq!(browser.whoami().await.as_deref(), Some("ann"));

    // And the address is told.
    let notice = app.mail_to("ann@example.com").await;
    assert_eq!(notice.subject, "Your password was reset");
}

async fn a_reset_by_json_answers_204_and_keeps_the_rules(backend: Backend) {
    let app = MailApp::spawn(backend).await;
    app.register_verified(&app.new_client(), "ann", "ann@example.com")
        .await;
    let token = app.reset_token("ann@example.com", "ann@example.com").await;
    let client = app.new_client();

    let weak = client
        .post_json(
            "/password/reset",
            &json!({ "token": token, "new_password": "ann12345" }),
        )
        .await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = weak.json().await.unwrap();
    assert_eq!(body["error"], "validation_failed");
    assert!(body["errors"]["new_password"].is_array(), "{body}");

    let mismatch =
        json!({ "token": token, "new_password": NEW_PASSWORD, "new_password_confirm": "other" });
    let response = client.post_json("/password/reset", &mismatch).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let good = json!({ "token": token, "new_password": NEW_PASSWORD });
    let response = client.post_json("/password/reset", &good).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        client.login_json("ann", NEW_PASSWORD).await.status(),
        StatusCode::OK
    );

    let again = client.post_json("/password/reset", &good).await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["error"], "invalid_token");
    assert_eq!(body["message"], "This link has already been used.");
}

/// Status, the names of the headers and cookies set, and the body.
async fn shape(response: reqwest::Response) -> (StatusCode, Vec<String>, String) {
    let status = response.status();
    let mut names: Vec<String> = response
        .headers()
        .iter()
        // The date and each answer's own request id differ whatever it answers.
        .filter(|(name, _)| !matches!(name.as_str(), "date" | "x-request-id"))
        .map(|(name, value)| match name.as_str() {
            // A cookie's value is sealed afresh each time: compare its name and attributes.
            "set-cookie" => {
                let v = value.to_str().unwrap_or_default();
                let (pair, attributes) = v.split_once(';').unwrap_or((v, ""));
                format!(
                    "set-cookie: {}={attributes}",
                    pair.split('=').next().unwrap_or_default()
                )
            }
            other => format!("{other}: {}", value.to_str().unwrap_or_default()),
        })
        .collect();
    names.sort();
    (status, names, response.text().await.unwrap())
}

async fn the_answer_is_the_same_whether_or_not_an_account_matches(backend: Backend) {
    let app = MailApp::spawn(backend).await;
    app.register_verified(&app.new_client(), "ann", "ann@example.com")
        .await;
    let unverified = json!({ "username": "bob", "password": PASSWORD, "email": "bob@example.com" });
    app.new_client().post_json("/register", &unverified).await;

    for login in [
        "ann",
        "ann@example.com",
        "ANN@Example.COM",
        "bob",
        "nobody",
        "nobody@example.com",
    ] {
        let json = app
            .new_client()
            .post_json("/password/forgot", &json!({ "login": login }))
            .await;
        let form = app
            .new_client()
            .post_form("/password/forgot", &[("login", login)])
            .await;
        let page = send_html(
            app.new_client()
                .request(reqwest::Method::POST, "/password/forgot")
                .form(&[("login", login)]),
        )
        .await;
        let answers = (shape(json).await, shape(form).await, shape(page).await);
        assert_eq!(answers.0.0, StatusCode::ACCEPTED, "{login}");
        assert_eq!(answers.2.0, StatusCode::SEE_OTHER, "{login}");
        let reference = app
            .new_client()
            .post_json("/password/forgot", &json!({ "login": "nobody-at-all" }))
            .await;
        assert_eq!(
            answers.0,
            shape(reference).await,
            "JSON answer for {login:?}"
        );
        let reference = send_html(
            app.new_client()
                .request(reqwest::Method::POST, "/password/forgot")
                .form(&[("login", "nobody-at-all")]),
        )
        .await;
        assert_eq!(
            answers.2,
            shape(reference).await,
            "form answer for {login:?}"
        );
    }
    // An empty field is the one thing said differently: it is about the form.
    let empty = app
        .new_client()
        .post_json("/password/forgot", &json!({ "login": " " }))
        .await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

async fn asking_takes_the_same_time_whether_or_not_an_account_matches(backend: Backend) {
    let _alone = MACHINE.lock().await;
    let app = MailApp::spawn(backend).await;
    app.register_verified(&app.new_client(), "ann", "ann@example.com")
        .await;
    let client = app.new_client();
    let timed = |login: &'static str| {
        let client = client.clone();
        async move {
            let started = Instant::now();
            let response = client
                .post_json("/password/forgot", &json!({ "login": login }))
                .await;
            assert_eq!(response.status(), StatusCode::ACCEPTED);
            started.elapsed()
        }
    };
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let mut rounds = Vec::new();
    for _ in 0..3 {
        let (mut known, mut unknown) = (Vec::new(), Vec::new());
        for _ in 0..25 {
            known.push(timed("ann@example.com").await);
            unknown.push(timed("nobody@example.com").await);
        }
        let (known, unknown) = (median(known), median(unknown));
        let (fast, slow) = if known < unknown {
            (known, unknown)
        } else {
            (unknown, known)
        };
        // Both answers come after one read; a write or a send on one path
        // only would show here. A millisecond absorbs scheduling noise.
        if slow <= fast.mul_f64(1.25) + Duration::from_millis(1) {
            return;
        }
        rounds.push(format!("known {known:?}, unknown {unknown:?}"));
    }
    panic!("asking for a link takes longer for an account that exists: {rounds:#?}");
}

async fn only_a_verified_address_gets_a_link(backend: Backend) {
    let app = MailApp::spawn(backend).await;
    let body = json!({ "username": "bob", "password": PASSWORD, "email": "bob@example.com" });
    app.new_client().post_json("/register", &body).await;
    let verification = app.mail_to("bob@example.com").await;
    assert_eq!(verification.subject, "Confirm your email address");
    for login in ["bob", "bob@example.com"] {
        let response = app
            .new_client()
            .post_json("/password/forgot", &json!({ "login": login }))
            .await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
    }
    app.assert_no_mail_to("bob@example.com").await;
}

/// `GET /password/reset?token=…` as a browser opens it.
async fn open_link(client: &TestClient, token: &str) -> reqwest::Response {
    send_html(client.request(
        reqwest::Method::GET,
        &format!("/password/reset?token={token}"),
    ))
    .await
}

async fn assert_refused_link(response: reqwest::Response, message: &str) {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let page = body_text(response).await;
    assert!(page.contains(message), "{message:?} missing:\n{page}");
    assert!(
        page.contains(r#"href="/password/forgot""#),
        "a way to ask again:\n{page}"
    );
}

async fn unknown_tampered_used_and_expired_links_are_refused_with_a_way_back(backend: Backend) {
    let app = MailApp::spawn_with(backend, |s| s.password_reset_ttl = Duration::from_secs(2)).await;
    app.register_verified(&app.new_client(), "ann", "ann@example.com")
        .await;
    let token = app.reset_token("ann", "ann@example.com").await;
    let client = app.new_client();

    let not_valid = "This link is not valid";
    for bad in ["", "abc", &token[..token.len() - 1]] {
        assert_refused_link(open_link(&client, bad).await, not_valid).await;
    }
    let mut tampered: Vec<char> = token.chars().collect();
    tampered[5] = if tampered[5] == 'A' { 'B' } else { 'A' };
    let tampered: String = tampered.into_iter().collect();
    assert_refused_link(open_link(&client, &tampered).await, not_valid).await;
    let unknown = json!({ "token": tampered, "new_password": NEW_PASSWORD });
    let response = client.post_json("/password/reset", &unknown).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    // The form without a link behind it.
    assert_refused_link(client.get_html("/password/reset").await, not_valid).await;

    let used = json!({ "token": token, "new_password": NEW_PASSWORD });
    assert_eq!(
        client.post_json("/password/reset", &used).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_refused_link(open_link(&client, &token).await, "already been used").await;
    assert_eq!(
        app.mail_to("ann@example.com").await.subject,
        "Your password was reset"
    );

    let late = app.reset_token("ann", "ann@example.com").await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_refused_link(open_link(&client, &late).await, "expired").await;
    let late = json!({ "token": late, "new_password": "yet another passphrase" });
    assert_eq!(
        client.post_json("/password/reset", &late).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        client.login_json("ann", NEW_PASSWORD).await.status(),
        StatusCode::OK
    );
}

async fn another_password_change_kills_the_link(backend: Backend) {
    let app = MailApp::spawn(backend).await;
    let ann = app.new_client();
    app.register_verified(&ann, "ann", "ann@example.com").await;
    let token = app.reset_token("ann", "ann@example.com").await;
    let response = ann
        .post_form(
            "/account/password",
            &password_change(PASSWORD, NEW_PASSWORD),
        )
        .await;
    assert_redirect(&response, "/account");
    let notice = app.mail_to("ann@example.com").await;
    assert_eq!(notice.subject, "Your password was changed");

    let stale = json!({ "token": token, "new_password": "an attacker's passphrase" });
    let response = app.new_client().post_json("/password/reset", &stale).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        app.new_client()
            .login_json("ann", NEW_PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
}

async fn three_links_an_hour_at_most(backend: Backend) {
    let app = MailApp::spawn(backend).await;
    app.register_verified(&app.new_client(), "ann", "ann@example.com")
        .await;
    for _ in 0..3 {
        app.reset_token("ann", "ann@example.com").await;
    }
    let response = app
        .new_client()
        .post_json("/password/forgot", &json!({ "login": "ann" }))
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED, "the same answer");
    app.assert_no_mail_to("ann@example.com").await;
}

async fn asking_counts_toward_the_address_limit(backend: Backend) {
    let app = MailApp::spawn_with(backend, |s| s.login_ip_limit = 3).await;
    let client = app.new_client();
    for _ in 0..3 {
        let response = client
            .post_json("/password/forgot", &json!({ "login": "nobody" }))
            .await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
    }
    let response = client
        .post_json("/password/forgot", &json!({ "login": "nobody" }))
        .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(header(&response, "retry-after").is_some());
    // The login shares the limit.
    assert_eq!(
        client.login("nobody", PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

async fn a_forged_host_never_changes_a_link(backend: Backend) {
    let app = MailApp::spawn_with(backend, |s| {
        // Even a trusted proxy's forwarded host does not choose links.
        s.trusted_proxies = session_auth::client_ip::TrustedProxies::parse("127.0.0.1").unwrap();
    })
    .await;
    app.register_verified(&app.new_client(), "ann", "ann@example.com")
        .await;
    let response = app
        .new_client()
        .request(reqwest::Method::POST, "/password/forgot")
        .header("host", "evil.example")
        .header("x-forwarded-host", "evil.example")
        .header("x-forwarded-proto", "https")
        .header("forwarded", "host=evil.example;proto=https")
        .json(&json!({ "login": "ann" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let mail = app.mail_to("ann@example.com").await;
    assert!(
        !mail.raw.contains("evil.example") && !mail.text.contains("evil"),
        "{}",
        mail.text
    );
    app.token_in(&mail, "/password/reset");
}

async fn a_reset_clears_the_lock_out(backend: Backend) {
    let app = MailApp::spawn(backend).await;
    app.register_verified(&app.new_client(), "ann", "ann@example.com")
        .await;
    let client = app.new_client();
    for _ in 0..5 {
        client.login_json("ann", "wrong password entirely").await;
    }
    assert_eq!(
        client.login_json("ann", PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let token = app.reset_token("ann", "ann@example.com").await;
    let reset = json!({ "token": token, "new_password": NEW_PASSWORD });
    assert_eq!(
        client.post_json("/password/reset", &reset).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        client.login_json("ann", NEW_PASSWORD).await.status(),
        StatusCode::OK
    );
}

async fn a_failed_send_is_tried_again(backend: Backend) {
    let app = MailApp::spawn(backend).await;
    app.register_verified(&app.new_client(), "ann", "ann@example.com")
        .await;
    app.sink.fail_next(2);
    let token = app.reset_token("ann", "ann@example.com").await;
    assert_eq!(
        app.sink.refused(),
        2,
        "two tries were refused before this one"
    );
    let reset = json!({ "token": token, "new_password": NEW_PASSWORD });
    let response = app.new_client().post_json("/password/reset", &reset).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

async fn an_unreachable_mail_server_changes_no_answer(backend: Backend) {
    let dead = format!("smtp://127.0.0.1:{}", crate::support::free_port());
    let app = TestApp::spawn_with(backend, |s| {
        s.mail_transport = session_auth::config::MailTransport::parse(&dead).unwrap();
    })
    .await;
    let client = app.new_client();
    let body = json!({ "username": "ann", "password": PASSWORD, "email": "ann@example.com" });
    assert_eq!(
        client.post_json("/register", &body).await.status(),
        StatusCode::CREATED
    );
    for _ in 0..2 {
        for login in ["ann", "nobody"] {
            let response = client
                .post_json("/password/forgot", &json!({ "login": login }))
                .await;
            assert_eq!(response.status(), StatusCode::ACCEPTED, "{login}");
        }
        let response = client.post_form("/account/email/resend", &[]).await;
        assert!(response.status().is_redirection(), "{}", response.status());
    }
    assert_eq!(client.whoami().await.as_deref(), Some("ann"));
}
