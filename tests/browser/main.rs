//! Browser tests: the stories a person walks through, in headless Chromium.
//! They run when `CHROMEDRIVER` is set (see `harness/mod.rs`); each test has its
//! own app, database, chromedriver and browser profile.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is how a test fails, and the message says where"
)]
#![allow(
    clippy::print_stderr,
    reason = "a test says on stderr why it skipped a backend or what a child process printed"
)]

use std::time::Duration;

mod harness;
#[path = "../support/mod.rs"]
mod support;

use harness::{Browser, OtherSite};
use support::PASSWORD;

#[tokio::test]
async fn registering_lands_on_the_dashboard_and_a_reload_keeps_the_login() {
    let Some(browser) = Browser::start().await else {
        return;
    };

    browser.register("alice", PASSWORD).await;
    assert!(
        browser.has("nav form.nav-form[action='/logout']").await,
        "the nav offers to log out"
    );
    browser.screenshot("dashboard").await;

    browser.reload().await;
    browser.expect_dashboard("alice").await;

    browser.finish().await;
}

#[tokio::test]
async fn the_logout_button_in_the_nav_shows_the_notice_and_the_dashboard_then_asks_to_log_in() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    browser.register("bob", PASSWORD).await;

    browser.logout().await;
    assert_eq!(browser.path().await, "/login");
    let notice = browser.wait_for_text(".flashes", "logged out").await;
    assert_eq!(notice, "You have been logged out");
    browser.screenshot("login-after-logout").await;

    browser.goto("/dashboard").await;
    browser.expect_login_page().await;
    assert_eq!(browser.path().await, "/login?next=%2Fdashboard");
    assert!(
        !browser.has(".flashes").await,
        "the notice is shown only once"
    );

    browser.finish().await;
}

#[tokio::test]
async fn an_anonymous_visit_to_the_dashboard_asks_to_log_in_and_returns_there_afterwards() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    browser.create_user("carol", PASSWORD).await;

    browser.goto("/dashboard").await;
    browser.expect_login_page().await;
    assert_eq!(browser.path().await, "/login?next=%2Fdashboard");
    assert_eq!(
        browser
            .attr("form[action='/login'] input[name=next]", "value")
            .await
            .as_deref(),
        Some("/dashboard")
    );
    browser.screenshot("login").await;

    browser.submit_login("carol", PASSWORD).await;
    browser.expect_dashboard("carol").await;

    browser.finish().await;
}

#[tokio::test]
async fn form_errors_are_shown_next_to_their_fields_and_the_username_is_kept() {
    let Some(browser) = Browser::start().await else {
        return;
    };

    browser.goto("/register").await;
    browser.fill("#username", "dave").await;
    browser.fill("#password", "short").await;
    browser.fill("#password_confirm", "different").await;
    browser
        .click_and_wait("form[action='/register'] button[type=submit]")
        .await;

    browser.wait_for(".field-error").await;
    assert_eq!(browser.path().await, "/register");
    assert_eq!(browser.text("h1").await, "Create an account");

    // Each message sits in its field's box, right after the input, and the
    // input points to it.
    let password_error = browser
        .text(".field:has(> #password) > #password-error")
        .await;
    assert!(
        password_error.contains("Password must be at least 8 characters long."),
        "{password_error:?}"
    );
    let confirm_error = browser
        .text(".field:has(> #password_confirm) > #password_confirm-error")
        .await;
    assert_eq!(confirm_error, "Passwords do not match.");
    for id in ["password", "password_confirm"] {
        let input = format!("#{id}");
        assert_eq!(
            browser.attr(&input, "aria-invalid").await.as_deref(),
            Some("true"),
            "{id} is marked invalid"
        );
        let described_by = browser
            .attr(&input, "aria-describedby")
            .await
            .unwrap_or_default();
        assert!(
            described_by
                .split_whitespace()
                .any(|d| d == format!("{id}-error")),
            "{id} is described by its error: {described_by:?}"
        );
    }

    // The username was fine: kept, and not marked.
    assert_eq!(browser.value("#username").await, "dave");
    assert_eq!(browser.attr("#username", "aria-invalid").await, None);
    assert!(!browser.has("#username-error").await);
    // Passwords are never sent back.
    assert_eq!(browser.value("#password").await, "");
    browser.screenshot("register-errors").await;

    browser.finish().await;
}

#[tokio::test]
async fn a_cross_origin_form_post_from_another_port_is_refused_and_the_user_stays_logged_in() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    const NEW_PASSWORD: &str = "an entirely different passphrase";
    browser.register("erin", PASSWORD).await;

    // The attacker's pages: same host (so the same site, and the SameSite=Lax
    // cookie IS sent with their POST), another port (so another origin). Only
    // the app's Fetch-Metadata check stands in the way. The password form
    // even knows the current password, so nothing else could stop it.
    let app = &browser.address;
    let auto_submit = |action: &str, fields: &[(&str, &str)]| {
        let inputs: String = fields
            .iter()
            .map(|(name, value)| format!(r#"<input type="hidden" name="{name}" value="{value}">"#))
            .collect();
        format!(
            r#"<!doctype html><html><head><title>Win a prize</title></head>
<body onload="document.forms[0].submit()">
<form method="post" action="{app}{action}">{inputs}</form>
</body></html>"#
        )
    };
    let attacker = OtherSite::serve(vec![
        ("/attack/logout".to_owned(), auto_submit("/logout", &[])),
        (
            "/attack/password".to_owned(),
            auto_submit(
                "/account/password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", NEW_PASSWORD),
                    ("new_password_confirm", NEW_PASSWORD),
                ],
            ),
        ),
    ]);
    assert_ne!(attacker.address, browser.address);

    for (attack, target) in [
        ("/attack/logout", "/logout"),
        ("/attack/password", "/account/password"),
    ] {
        browser.goto_url(&attacker.url(attack)).await;
        // The page posts itself away on load; the app's answer replaces it.
        browser
            .wait_for_text(".lead", "Cross-site request refused")
            .await;
        assert_eq!(browser.current_url().await, browser.url(target));
        assert_eq!(
            browser.client.title().await.expect("title"),
            "403 Forbidden · session-auth"
        );
        // Rendered text: the eyebrow is styled in capitals.
        assert_eq!(browser.text(".eyebrow").await.to_lowercase(), "error 403");
        assert_eq!(browser.text("h1").await, "Forbidden");
        if attack == "/attack/logout" {
            browser.screenshot("cross-site-refused").await;
        }

        browser.goto("/dashboard").await;
        browser.expect_dashboard("erin").await;
    }

    // The password did not change: the new one fails, the old one works.
    browser.logout().await;
    browser.submit_login("erin", NEW_PASSWORD).await;
    browser
        .wait_for_text("#login-error", "Invalid username or password")
        .await;
    browser.submit_login("erin", PASSWORD).await;
    browser.expect_dashboard("erin").await;

    drop(attacker);
    browser.finish().await;
}

#[tokio::test]
async fn a_forgotten_password_is_reset_by_mail_and_the_new_one_logs_in() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    const NEW_PASSWORD: &str = "a fresh passphrase from the mail";
    let wait = Duration::from_secs(10);
    let response = reqwest::Client::new()
        .post(browser.url("/register"))
        .json(&serde_json::json!({ "username": "frank", "password": PASSWORD, "email": "frank@example.com" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::CREATED);

    // The address is verified by its link, opened in the browser.
    let mail = browser.sink.next_mail_to("frank@example.com", wait).await;
    let verify = mail
        .link(&format!("{}/email/verify?token=", browser.public_url))
        .expect("a verification link");
    browser.goto_url(&verify).await;
    browser.expect_login_page().await;
    browser
        .wait_for_text(".flashes", "Email address verified")
        .await;

    // "Forgot password?" on the login page.
    browser.click_and_wait("a[href='/password/forgot']").await;
    assert_eq!(browser.text("h1").await, "Forgot your password?");
    browser.fill("#login", "frank").await;
    browser.screenshot("password-forgot").await;
    browser
        .click_and_wait("form[action='/password/forgot'] button[type=submit]")
        .await;
    browser.expect_login_page().await;
    browser
        .wait_for_text(".flashes", "If an account matches, we have sent a link")
        .await;

    // The link from the mail: the token leaves the address bar at once.
    let mail = browser.sink.next_mail_to("frank@example.com", wait).await;
    assert_eq!(mail.subject, "Reset your password");
    let reset = mail
        .link(&format!("{}/password/reset?token=", browser.public_url))
        .expect("a reset link");
    browser.goto_url(&reset).await;
    browser.wait_for_text("h1", "Choose a new password").await;
    assert_eq!(browser.path().await, "/password/reset");
    assert!(
        !browser.current_url().await.contains("token"),
        "the token left the address bar"
    );
    browser.fill("#new_password", NEW_PASSWORD).await;
    browser.fill("#new_password_confirm", NEW_PASSWORD).await;
    browser.screenshot("password-reset").await;
    browser
        .click_and_wait("form[action='/password/reset'] button[type=submit]")
        .await;
    browser.expect_login_page().await;
    browser
        .wait_for_text(
            ".flashes",
            "Password changed; log in with your new password",
        )
        .await;

    browser.submit_login("frank", PASSWORD).await;
    browser
        .wait_for_text("#login-error", "Invalid username or password")
        .await;
    browser.submit_login("frank", NEW_PASSWORD).await;
    browser.expect_dashboard("frank").await;
    let notice = browser.sink.next_mail_to("frank@example.com", wait).await;
    assert_eq!(notice.subject, "Your password was reset");

    browser.finish().await;
}

#[tokio::test]
async fn two_factor_authentication_is_set_up_with_the_qr_code_and_then_asked_at_login() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    browser.register("gina", PASSWORD).await;
    browser.goto("/account").await;
    browser.click_and_wait("a[href='/account/2fa']").await;
    assert_eq!(browser.text("h1").await, "Two-factor authentication");
    browser
        .click_and_wait("form[action='/account/2fa/setup'] button[type=submit]")
        .await;
    browser.wait_for(".qr svg").await;
    let secret = browser.text(".secret code").await.replace(' ', "");
    assert_eq!(secret.len(), 32, "{secret:?}");
    browser.screenshot("two-factor-setup").await;
    let totp = |at: u64| {
        totp_rs::Builder::new()
            .with_secret(totp_rs::Secret::try_from_base32(&secret).unwrap())
            .with_account_name("gina")
            .build()
            .unwrap()
            .generate(at)
            .to_string()
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    browser.fill("#code", &totp(now)).await;
    browser
        .click_and_wait("form[action='/account/2fa/confirm'] button[type=submit]")
        .await;
    browser.wait_for_text("h2", "Your recovery codes").await;
    let codes = browser.text(".codes").await;
    assert_eq!(
        codes.lines().filter(|l| !l.trim().is_empty()).count(),
        10,
        "{codes}"
    );
    browser.screenshot("two-factor-recovery-codes").await;
    browser.click_and_wait("a[href='/account/2fa']").await;
    browser
        .wait_for_text(".lead", "Logging in needs a code")
        .await;

    // Log out and in: the password, then the code of the next step.
    browser.logout().await;
    browser.submit_login("gina", PASSWORD).await;
    browser.wait_for_text("h1", "Enter your code").await;
    assert_eq!(browser.path().await, "/login/2fa");
    browser.fill("#code", &totp(now + 30)).await;
    browser
        .click_and_wait("form[action='/login/2fa'] button[type=submit]")
        .await;
    browser.expect_dashboard("gina").await;

    browser.finish().await;
}

#[tokio::test]
async fn a_session_ended_from_another_browser_is_logged_out_at_once_and_listed_as_ended() {
    let Some(laptop) = Browser::start().await else {
        return;
    };
    // The other device: its own profile (so its own cookie) and a browser
    // the session list names differently.
    const FIREFOX_ON_WINDOWS: &str =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
    let user_agent = format!("--user-agent={FIREFOX_ON_WINDOWS}");
    let other = Browser::second_on(&laptop, &[&user_agent]).await;
    laptop.register("hana", PASSWORD).await;
    other.goto("/login").await;
    other.submit_login("hana", PASSWORD).await;
    other.expect_dashboard("hana").await;

    // Two sessions, this one first and marked.
    laptop.goto("/account").await;
    laptop.click_and_wait("a[href='/account/sessions']").await;
    assert_eq!(laptop.text("h1").await, "Your sessions");
    assert_eq!(laptop.count("table.sessions tbody tr").await, 2);
    assert_eq!(laptop.count("table.sessions tr.current-session").await, 1);
    assert_eq!(laptop.count("table.sessions .badge").await, 1);
    let this = laptop.text("tr.current-session td.session-label").await;
    assert!(this.starts_with("Headless Chrome on Linux"), "{this:?}");
    assert_eq!(
        laptop
            .text("tr.current-session td.session-label .badge")
            .await,
        "this session"
    );
    let others = "table.sessions tbody tr:not(.current-session)";
    assert_eq!(
        laptop.text(&format!("{others} td.session-label")).await,
        "Firefox on Windows"
    );
    laptop.screenshot("sessions-page").await;

    // "Log out this session" on the other one: back here with a notice.
    let id = laptop
        .attr(others, "data-session")
        .await
        .expect("the row names its session");
    laptop
        .click_and_wait(&format!(
            "tr[data-session='{id}'] form[action='/account/sessions/{id}/logout'] button[type=submit]"
        ))
        .await;
    assert_eq!(laptop.path().await, "/account/sessions");
    let notice = laptop.wait_for_text(".flashes", "Logged out").await;
    assert_eq!(notice, "Logged out: Firefox on Windows");
    assert_eq!(laptop.count("table.sessions tbody tr").await, 1);
    assert_eq!(laptop.count("table.sessions tr.current-session").await, 1);

    // The other browser is logged out at once (one instance).
    other.reload().await;
    other.expect_login_page().await;
    assert_eq!(other.path().await, "/login?next=%2Fdashboard");

    // The event, with the device it ended.
    laptop.click_and_wait("a[href='/account/activity']").await;
    assert_eq!(laptop.text("h1").await, "Security activity");
    let ended = "table.activity tr[data-kind=session_ended]";
    assert_eq!(laptop.count(ended).await, 1);
    assert_eq!(
        laptop.text(&format!("{ended} .event-what")).await,
        "Session ended"
    );
    let row = laptop.text(ended).await;
    assert!(row.contains("Firefox on Windows"), "{row:?}");

    other.finish().await;
    laptop.finish().await;
}

/// The mail stories here read their mail from `support::mail`'s sink. It
/// needs no browser, so this runs without chromedriver too; it also keeps the
/// sink's API in use in this binary (see `support/mod.rs`).
#[tokio::test]
async fn the_smtp_sink_keeps_a_message_lettre_sends_after_one_refusal() {
    use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};
    use support::mail::SmtpSink;

    let sink = SmtpSink::start().await;
    assert!(sink.url().ends_with(&format!(":{}", sink.port())));
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&sink.url())
        .unwrap()
        .build();
    let link = "http://localhost:1/email/verify?token=abc123";
    let mail = Message::builder()
        .from("app@example.test".parse().unwrap())
        .to("dave@example.test".parse().unwrap())
        .subject("Verify your email")
        .body(format!("Open {link} to verify."))
        .unwrap();

    sink.fail_next(1);
    let error = transport.send(mail.clone()).await.unwrap_err();
    assert!(error.is_transient(), "{error:?}");
    transport.send(mail).await.unwrap();

    let mail = sink
        .next_mail_to("Dave@example.test", Duration::from_secs(5))
        .await;
    assert_eq!(sink.refused(), 1);
    assert_eq!(sink.all().len(), 1);
    assert_eq!(
        (mail.envelope_from.as_str(), mail.envelope_to.as_slice()),
        (
            "app@example.test",
            ["dave@example.test".to_owned()].as_slice()
        )
    );
    assert_eq!(mail.subject, "Verify your email");
    assert_eq!(mail.header("Subject"), Some("Verify your email"));
    assert!(mail.headers.len() > 3 && mail.raw.contains("\r\n\r\nOpen "));
    assert_eq!(mail.html, None);
    // The last line ends in CRLF: SMTP's "<CRLF>.<CRLF>" ends it.
    assert_eq!(mail.text, format!("Open {link} to verify.\r\n"));
    assert_eq!(mail.link("http://localhost:1/").as_deref(), Some(link));
    assert_eq!(mail.token("http://localhost:1/").as_deref(), Some("abc123"));
}

#[tokio::test]
async fn a_passkey_added_on_the_account_page_signs_in_without_a_password() {
    // WebAuthn needs a domain as relying-party id: the browser opens the
    // app at http://localhost:PORT, its PUBLIC_URL.
    let Some(browser) = Browser::start_on_localhost().await else {
        return;
    };
    let authenticator = browser.add_virtual_authenticator().await;
    browser.register("pia", PASSWORD).await;

    browser.goto("/account/passkeys").await;
    browser.wait_for("#no-passkeys").await;
    browser.add_passkey("Test laptop").await;
    let held = browser.authenticator_credentials(&authenticator).await;
    assert_eq!(
        held.len(),
        1,
        "the authenticator holds one passkey: {held:?}"
    );
    assert_eq!(
        held[0]["isResidentCredential"], true,
        "a discoverable credential: {held:?}"
    );
    browser.screenshot("passkeys").await;

    browser.logout().await;
    browser.wait_for("#passkey-login:not([hidden])").await;
    browser.click_and_wait("#passkey-login").await;
    browser.expect_dashboard("pia").await;

    // The list shows when it was last used.
    browser.goto("/account/passkeys").await;
    let row = browser.wait_for_text(".passkeys tbody tr", "UTC").await;
    assert!(!row.contains("never"), "last used is set: {row}");

    // Again: the sign counter moved on, and the passkey still works.
    browser.logout().await;
    browser.wait_for("#passkey-login:not([hidden])").await;
    browser.screenshot("login-with-passkey-button").await;
    browser.click_and_wait("#passkey-login").await;
    browser.expect_dashboard("pia").await;

    browser.finish().await;
}

#[tokio::test]
async fn after_the_reauthentication_window_a_passkey_confirms_it_is_you() {
    let Some(browser) =
        Browser::start_on_localhost_with(|s| s.reauth_window = Duration::from_secs(5)).await
    else {
        return;
    };
    browser.add_virtual_authenticator().await;
    browser.register("quinn", PASSWORD).await;
    browser.add_passkey("Laptop").await;
    tokio::time::sleep(Duration::from_millis(5100)).await;

    // Adding another is sensitive: the script is sent to the confirmation page.
    browser.goto("/account/passkeys").await;
    browser.fill("#name", "Second").await;
    browser
        .click_and_wait("#passkey-add button[type=submit]")
        .await;
    assert_eq!(
        browser.path().await,
        "/account/confirm?next=%2Faccount%2Fpasskeys"
    );
    browser.wait_for("#passkey-confirm:not([hidden])").await;
    browser.click_and_wait("#passkey-confirm").await;
    assert_eq!(browser.path().await, "/account/passkeys");

    // Confirmed: the server starts the ceremony now, and the authenticator
    // refuses to hold a second passkey of the account (excluded).
    browser.fill("#name", "Second").await;
    browser.click("#passkey-add button[type=submit]").await;
    browser
        .wait_for_text("#passkey-add-status", "already holds a passkey")
        .await;
    assert_eq!(browser.path().await, "/account/passkeys");
    browser.finish().await;
}

#[tokio::test]
async fn the_language_switch_turns_the_site_korean_and_back_and_is_remembered() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    browser.create_user("hana", PASSWORD).await;

    browser.goto("/login").await;
    browser.expect_login_page().await;
    assert_eq!(browser.attr("html", "lang").await.as_deref(), Some("en"));
    browser
        .click_and_wait("form.lang-switch button[value=ko]")
        .await;
    assert_eq!(
        browser.path().await,
        "/login",
        "the switch comes back to the page"
    );
    assert_eq!(browser.attr("html", "lang").await.as_deref(), Some("ko"));
    assert_eq!(browser.text("h1").await, "로그인");
    assert_eq!(browser.text("label[for=username]").await, "사용자 이름");
    browser.screenshot("login-ko").await;

    // A wrong password, then the right one: the error and the dashboard in Korean.
    browser.submit_login("hana", "not the password").await;
    browser
        .wait_for_text(
            "#login-error",
            "사용자 이름 또는 비밀번호가 올바르지 않습니다",
        )
        .await;
    browser.submit_login("hana", PASSWORD).await;
    let heading = browser.wait_for_text("h1", "대시보드").await;
    assert_eq!(heading, "hana님, 대시보드에 오신 것을 환영합니다");

    // Remembered across pages and a reload; switching back is one click.
    browser.reload().await;
    assert_eq!(browser.attr("html", "lang").await.as_deref(), Some("ko"));
    browser
        .click_and_wait("form.lang-switch button[value=en]")
        .await;
    assert_eq!(browser.path().await, "/dashboard");
    browser.expect_dashboard("hana").await;

    browser.finish().await;
}
