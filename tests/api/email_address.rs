//! The account's email address: optional at registration, verified by a
//! link before use, changed with the current password (the old address is
//! told), sent again on request.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::mail::MailApp;
use crate::helpers::*;

crate::stories!(
    an_address_given_at_registration_is_verified_by_its_link,
    the_registration_form_takes_an_address,
    a_bad_or_taken_address_is_refused_and_nothing_is_written,
    changing_the_address_needs_the_password_and_tells_the_old_one,
    a_link_for_an_address_no_longer_on_the_account_is_refused,
    the_link_can_be_sent_again_three_times_an_hour,
    an_expired_or_used_verification_link_is_refused,
    accounts_without_an_address_work_as_before,
);

async fn account(client: &TestClient) -> Value {
    let response = client.get_json("/account").await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn an_address_given_at_registration_is_verified_by_its_link(backend: Backend) {
    let app = MailApp::spawn(backend).await;
    let client = app.new_client();
    let body = json!({ "username": "ann", "password": PASSWORD, "email": " Ann@Example.com " });
    assert_eq!(
        client.post_json("/register", &body).await.status(),
        StatusCode::CREATED
    );
    let me = account(&client).await;
    assert_eq!(me["email"], "Ann@Example.com");
    assert_eq!(me["email_verified"], false);

    let mail = app.mail_to("ann@example.com").await;
    assert_eq!(mail.subject, "Confirm your email address");
    assert_eq!(mail.header("Auto-Submitted"), Some("auto-generated"));
    let token = app.token_in(&mail, "/email/verify");
    // A browser that is logged in lands on its account page, told.
    let opened = send_html(client.request(
        reqwest::Method::GET,
        &format!("/email/verify?token={token}"),
    ))
    .await;
    assert_redirect(&opened, "/account");
    let page = body_text(client.get_html("/account").await).await;
    assert!(
        page.contains("Email address verified") && page.contains("verified"),
        "{page}"
    );
    assert_eq!(account(&client).await["email_verified"], true);
}

async fn the_registration_form_takes_an_address(backend: Backend) {
    let app = MailApp::spawn(backend).await;
    let browser = app.new_client();
    let form = body_text(browser.get_html("/register").await).await;
    assert!(
        form.contains(r#"name="email""#) && form.contains(r#"type="email""#),
        "{form}"
    );
    let fields = [
        ("username", "ann"),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
        ("email", "ann@example.com"),
    ];
    assert_redirect(&browser.post_form("/register", &fields).await, "/dashboard");
    let mail = app.mail_to("ann@example.com").await;
    // Opened in another browser, not logged in: to the login page.
    let token = app.token_in(&mail, "/email/verify");
    let other = app.new_client();
    let opened = send_html(other.request(
        reqwest::Method::GET,
        &format!("/email/verify?token={token}"),
    ))
    .await;
    assert_redirect(&opened, "/login");
    assert_eq!(account(&browser).await["email_verified"], true);
}

async fn a_bad_or_taken_address_is_refused_and_nothing_is_written(backend: Backend) {
    let app = MailApp::spawn(backend).await;
    app.register_verified(&app.new_client(), "ann", "ann@example.com")
        .await;
    let client = app.new_client();

    let bad = json!({ "username": "bob", "password": PASSWORD, "email": "bob@" });
    let response = client.post_json("/register", &bad).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert!(body["errors"]["email"].is_array(), "{body}");

    let taken = json!({ "username": "bob", "password": PASSWORD, "email": "ANN@example.COM" });
    let response = client.post_json("/register", &taken).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "email_taken");
    assert!(body["errors"]["email"].is_array(), "{body}");
    // No half-written account: the name is still free.
    let fresh = json!({ "username": "bob", "password": PASSWORD });
    assert_eq!(
        client.post_json("/register", &fresh).await.status(),
        StatusCode::CREATED
    );
    let page = send_html(
        app.new_client()
            .request(reqwest::Method::POST, "/register")
            .form(&[
                ("username", "carl"),
                ("password", PASSWORD),
                ("email", "ann@example.com"),
            ]),
    )
    .await;
    assert_eq!(page.status(), StatusCode::CONFLICT);
    let page = body_text(page).await;
    assert!(
        page.contains("belongs to another account") && page.contains("carl"),
        "{page}"
    );
}

async fn changing_the_address_needs_the_password_and_tells_the_old_one(backend: Backend) {
    let app = MailApp::spawn(backend).await;
    let ann = app.new_client();
    app.register_verified(&ann, "ann", "ann@example.com").await;
    app.register_verified(&app.new_client(), "bob", "bob@example.com")
        .await;

    let wrong = [
        ("email", "ann@new.example"),
        ("current_password", "not my password"),
    ];
    let response = send_html(
        ann.request(reqwest::Method::POST, "/account/email")
            .form(&wrong),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body_text(response)
            .await
            .contains("Current password is incorrect")
    );
    let taken = [("email", "Bob@Example.com"), ("current_password", PASSWORD)];
    let response = ann
        .post_json(
            "/account/email",
            &json!({ "email": "bob@example.com", "current_password": PASSWORD }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let response = send_html(
        ann.request(reqwest::Method::POST, "/account/email")
            .form(&taken),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(account(&ann).await["email"], "ann@example.com", "unchanged");
    app.assert_no_mail_to("ann@example.com").await;

    // The same verified address again (in another case): nothing changes.
    let same = json!({ "email": "ANN@example.com", "current_password": PASSWORD });
    let response = ann.post_json("/account/email", &same).await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["message"], "That is already your verified address");
    assert_eq!(account(&ann).await["email_verified"], true);
    app.assert_no_mail_to("ann@example.com").await;

    let change = [("email", "ann@new.example"), ("current_password", PASSWORD)];
    assert_redirect(&ann.post_form("/account/email", &change).await, "/account");
    let me = account(&ann).await;
    assert_eq!(
        (me["email"].as_str(), me["email_verified"].as_bool()),
        (Some("ann@new.example"), Some(false))
    );
    let told = app.mail_to("ann@example.com").await;
    assert_eq!(told.subject, "Your email address was changed");
    assert!(
        told.text.contains("a•••@new.example") && !told.text.contains("ann@new.example"),
        "{}",
        told.text
    );
    let link = app.mail_to("ann@new.example").await;
    // Until verified, the new address gets no reset link.
    let response = app
        .new_client()
        .post_json("/password/forgot", &json!({ "login": "ann@new.example" }))
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    app.assert_no_mail_to("ann@new.example").await;
    let token = app.token_in(&link, "/email/verify");
    assert_eq!(
        ann.get_json(&format!("/email/verify?token={token}"))
            .await
            .status(),
        StatusCode::OK
    );
    app.reset_token("ann@new.example", "ann@new.example").await;

    // Removing it: the (verified) address is told, the account has none.
    let remove = json!({ "email": "", "current_password": PASSWORD });
    assert_eq!(
        ann.post_json("/account/email", &remove).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.mail_to("ann@new.example").await.subject,
        "Your email address was changed"
    );
    assert_eq!(account(&ann).await["email"], Value::Null);
}

async fn a_link_for_an_address_no_longer_on_the_account_is_refused(backend: Backend) {
    let app = MailApp::spawn(backend).await;
    let ann = app.new_client();
    let body = json!({ "username": "ann", "password": PASSWORD, "email": "ann@old.example" });
    ann.post_json("/register", &body).await;
    let first = app.mail_to("ann@old.example").await;
    let change = json!({ "email": "ann@new.example", "current_password": PASSWORD });
    assert_eq!(
        ann.post_json("/account/email", &change).await.status(),
        StatusCode::OK
    );
    app.mail_to("ann@new.example").await;
    // The unverified old address is not told (it was never proved to be hers).
    app.assert_no_mail_to("ann@old.example").await;

    let token = app.token_in(&first, "/email/verify");
    let response = ann.get_json(&format!("/email/verify?token={token}")).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let page = send_html(ann.request(
        reqwest::Method::GET,
        &format!("/email/verify?token={token}"),
    ))
    .await;
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert!(body_text(page).await.contains(r#"href="/account""#));
    assert_eq!(account(&ann).await["email_verified"], false);
}

async fn the_link_can_be_sent_again_three_times_an_hour(backend: Backend) {
    let app = MailApp::spawn(backend).await;
    let ann = app.new_client();
    let body = json!({ "username": "ann", "password": PASSWORD, "email": "ann@example.com" });
    ann.post_json("/register", &body).await;
    let first = app.mail_to("ann@example.com").await;
    let page = body_text(ann.get_html("/account").await).await;
    assert!(
        page.contains("not verified") && page.contains("Send the link again"),
        "{page}"
    );
    for _ in 0..2 {
        assert_redirect(
            &ann.post_form("/account/email/resend", &[]).await,
            "/account",
        );
        app.mail_to("ann@example.com").await;
    }
    let response = ann.post_json("/account/email/resend", &json!({})).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(header(&response, "retry-after").is_some());
    // Any of the links still verifies.
    let token = app.token_in(&first, "/email/verify");
    assert_eq!(
        ann.get_json(&format!("/email/verify?token={token}"))
            .await
            .status(),
        StatusCode::OK
    );
    let response = ann.post_json("/account/email/resend", &json!({})).await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["message"], "Your email address is already verified");
}

async fn an_expired_or_used_verification_link_is_refused(backend: Backend) {
    let app = MailApp::spawn(backend).await;
    let ann = app.new_client();
    app.register_verified(&ann, "ann", "ann@example.com").await;
    // Verified already: its link is used.
    let change = json!({ "email": "ann@two.example", "current_password": PASSWORD });
    ann.post_json("/account/email", &change).await;
    let mail = app.mail_to("ann@two.example").await;
    let token = app.token_in(&mail, "/email/verify");
    assert_eq!(
        ann.get_json(&format!("/email/verify?token={token}"))
            .await
            .status(),
        StatusCode::OK
    );
    let again = ann.get_json(&format!("/email/verify?token={token}")).await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["error"], "invalid_token");
    assert_eq!(body["message"], "This link has already been used.");
    for bad in ["", "x", "AAAA"] {
        let response = ann.get_json(&format!("/email/verify?token={bad}")).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad:?}");
    }
    let response = ann.get_json("/email/verify").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    tokio::time::sleep(Duration::from_millis(1)).await;
}

async fn accounts_without_an_address_work_as_before(backend: Backend) {
    let app = MailApp::spawn(backend).await;
    let client = app.new_client();
    assert_redirect(&client.register("plain").await, "/dashboard");
    let me = account(&client).await;
    assert_eq!(
        (me["email"].clone(), me["email_verified"].clone()),
        (Value::Null, Value::Bool(false))
    );
    let page = body_text(client.get_html("/account").await).await;
    assert!(page.contains("No address yet"), "{page}");
    let response = client.post_json("/account/email/resend", &json!({})).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.sink.all().is_empty(), "no mail at all");
}
