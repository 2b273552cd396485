//! Mail in the reader's language: a reset link asked for by a client that
//! reads Korean (`Accept-Language`), or a registration after the language
//! switch (the `lang` cookie), arrives in Korean — subject, text and HTML —
//! while the same request in English still gets the English mail.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::mail::{Mail, MailApp};
use crate::helpers::*;

crate::stories!(
    a_reset_link_asked_for_in_korean_arrives_in_korean,
    registering_after_the_switch_to_korean_mails_the_link_in_korean,
);

/// `mail` is titled `subject`, says it is written in `lang` (header and
/// `<html lang>`), and its text part holds each of `words`.
fn assert_mail(mail: &Mail, lang: &str, subject: &str, words: &[&str]) {
    assert_eq!(mail.subject, subject);
    assert_eq!(mail.header("Content-Language"), Some(lang), "{}", mail.raw);
    let html = mail.html.as_deref().unwrap_or_default();
    assert!(html.contains(&format!(r#"<html lang="{lang}">"#)), "{html}");
    for words in words {
        let text = &mail.text;
        assert!(text.contains(words), "{words:?} missing:\n{text}");
    }
}

/// A new client that reads `accept_language` asks for a reset link for ann.
async fn ask_reset(app: &MailApp, accept_language: &str) {
    let asked = send(
        app.new_client()
            .request(Method::POST, "/password/forgot")
            .header("Accept-Language", accept_language)
            .json(&json!({ "login": "ann" })),
    )
    .await;
    assert_eq!(asked.status(), StatusCode::ACCEPTED, "{accept_language}");
}

/// `client` registers `username` with the address `username@example.com`;
/// the mail that arrives there.
async fn register(app: &MailApp, client: &TestClient, username: &str) -> Mail {
    let email = format!("{username}@example.com");
    let body = json!({ "username": username, "password": PASSWORD, "email": email });
    let registered = client.post_json("/register", &body).await;
    assert_eq!(registered.status(), StatusCode::CREATED);
    app.mail_to(&email).await
}

async fn a_reset_link_asked_for_in_korean_arrives_in_korean(backend: Backend) {
    let app = MailApp::spawn(backend).await;
    app.register_verified(&app.new_client(), "ann", "ann@example.com")
        .await;

    ask_reset(&app, "ko-KR,ko;q=0.9,en;q=0.5").await;
    let mail = app.mail_to("ann@example.com").await;
    let words = [
        "ann님, 안녕하세요.",
        "비밀번호 재설정을",
        "30분 동안 한 번만",
    ];
    assert_mail(&mail, "ko", "비밀번호를 재설정하세요", &words);
    assert!(!mail.text.contains("minutes"), "{}", mail.text);
    let html = mail.html.clone().unwrap_or_default();
    assert!(html.contains("새 비밀번호 정하기"), "{html}");
    // The link in the Korean mail works as any.
    let token = app.token_in(&mail, "/password/reset");
    let opened = app
        .get_html(&format!("/password/reset?token={token}"))
        .await;
    assert_redirect(&opened, "/password/reset");

    // The same request in English gets the English mail.
    ask_reset(&app, "en-US,en;q=0.9").await;
    let mail = app.mail_to("ann@example.com").await;
    let words = ["Hello ann,", "for 30 minutes"];
    assert_mail(&mail, "en", "Reset your password", &words);
}

async fn registering_after_the_switch_to_korean_mails_the_link_in_korean(backend: Backend) {
    let app = MailApp::spawn(backend).await;
    let korean = app.new_client();
    let chosen = korean
        .post_json("/language", &json!({ "lang": "ko" }))
        .await;
    assert_eq!(chosen.status(), StatusCode::OK);
    assert_eq!(korean.cookie("lang").as_deref(), Some("ko"));
    let mail = register(&app, &korean, "min").await;
    let words = [
        "min님, 안녕하세요.",
        "본인의 주소인지 확인하세요",
        "24시간 동안",
        "자동으로 보낸 메일입니다",
    ];
    assert_mail(&mail, "ko", "이메일 주소를 확인하세요", &words);
    let token = app.token_in(&mail, "/email/verify");
    let verified = korean
        .get_json(&format!("/email/verify?token={token}"))
        .await;
    assert_eq!(verified.status(), StatusCode::OK);

    // Without the switch, the same registration mails in English.
    let mail = register(&app, &app.new_client(), "bob").await;
    let words = ["Hello bob,", "The link works once and for 24 hours."];
    assert_mail(&mail, "en", "Confirm your email address", &words);
}
