//! English and Korean: the reader's language from `Accept-Language`, or
//! from the switch on every page (remembered in the `lang` cookie); pages,
//! notices, form errors, error pages, text and JSON answers follow it, and
//! JSON error codes stay the same in every language.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

crate::stories!(
    a_korean_browser_reads_the_pages_in_korean,
    the_switch_is_on_every_page_and_remembered_in_a_cookie,
    the_switch_returns_only_to_a_page_of_this_site,
    json_errors_keep_their_code_and_translate_their_message,
    form_errors_and_notices_follow_the_language,
    error_pages_and_text_answers_follow_the_language,
    an_unknown_language_is_refused_and_changes_nothing,
);

const KOREAN: &str = "ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7";

/// `path` as a browser whose languages are `accept_language` asks for it.
async fn page_in(client: &TestClient, path: &str, accept_language: &str) -> Response {
    client
        .request(Method::GET, path)
        .header("Accept", BROWSER_ACCEPT)
        .header("Accept-Language", accept_language)
        .send()
        .await
        .unwrap()
}

fn html_lang(html: &str) -> &str {
    let start = html.find("<html lang=\"").expect("an <html lang>") + 12;
    &html[start..start + html[start..].find('"').unwrap()]
}

async fn a_korean_browser_reads_the_pages_in_korean(backend: Backend) {
    let app = TestApp::spawn(backend).await;

    let korean = page_in(&app, "/login", KOREAN).await;
    assert_eq!(korean.status(), StatusCode::OK);
    assert_eq!(header(&korean, "content-language"), Some("ko"));
    let vary = korean.headers().get_all("vary").iter();
    assert!(
        vary.filter_map(|v| v.to_str().ok())
            .any(|v| v.contains("Accept-Language")),
        "caches must know the page depends on Accept-Language"
    );
    let html = body_text(korean).await;
    assert_eq!(html_lang(&html), "ko");
    assert!(
        html.contains("<title>로그인 · session-auth</title>"),
        "{html}"
    );
    assert!(html.contains("사용자 이름") && html.contains("비밀번호를 잊으셨나요?"));
    assert!(
        !html.contains("Forgot password?"),
        "English left on the Korean page"
    );

    for english in ["en-GB,en;q=0.9", "fr-FR, de;q=0.5", ""] {
        let html = body_text(page_in(&app, "/login", english).await).await;
        assert_eq!(html_lang(&html), "en", "Accept-Language: {english:?}");
        assert!(html.contains("Forgot password?"));
    }
    // The client's own ranking decides.
    let html = body_text(page_in(&app, "/register", "en;q=0.3, ko;q=0.8").await).await;
    assert!(html.contains("계정 만들기"));
}

async fn the_switch_is_on_every_page_and_remembered_in_a_cookie(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in [
        "/login",
        "/register",
        "/password/forgot",
        "/logout",
        "/no-such-page",
    ] {
        let html = body_text(app.get_html(path).await).await;
        assert!(html.contains("action=\"/language\""), "no switch on {path}");
        assert!(
            html.contains(">한국어</button>"),
            "no Korean button on {path}"
        );
    }

    let switched = app
        .post_form_html("/language", &[("lang", "ko"), ("next", "/register")])
        .await;
    assert_redirect(&switched, "/register");
    let cookie = set_cookies(&switched, "lang");
    assert!(
        cookie.first().is_some_and(|c| c.contains("Max-Age=")),
        "the choice must outlive the browser session: {cookie:?}"
    );
    // Remembered: Korean without Accept-Language, and over an English one.
    let html = body_text(app.get_html("/register").await).await;
    assert_eq!(html_lang(&html), "ko");
    let html = body_text(page_in(&app, "/login", "en-US").await).await;
    assert_eq!(
        html_lang(&html),
        "ko",
        "the switch outranks Accept-Language"
    );

    let back = app
        .post_form_html("/language", &[("lang", "en"), ("next", "/login")])
        .await;
    assert_redirect(&back, "/login");
    let html = body_text(page_in(&app, "/login", KOREAN).await).await;
    assert_eq!(
        html_lang(&html),
        "en",
        "switching back to English is remembered too"
    );

    // Scripts can switch as well.
    let json = app.post_json("/language", &json!({ "lang": "ko" })).await;
    assert_eq!(json.status(), StatusCode::OK);
    assert_eq!(json.json::<Value>().await.unwrap(), json!({ "lang": "ko" }));
}

async fn the_switch_returns_only_to_a_page_of_this_site(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for next in [
        "https://evil.example/",
        "//evil.example/x",
        "",
        "javascript:alert(1)",
    ] {
        let switched = app
            .post_form_html("/language", &[("lang", "ko"), ("next", next)])
            .await;
        assert_redirect(&switched, "/");
    }
}

async fn json_errors_keep_their_code_and_translate_their_message(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;
    app.post_form("/logout", &[]).await;

    let attempt = |lang: &'static str| {
        app.request(Method::POST, "/login")
            .header("Accept-Language", lang)
            .json(&json!({ "username": "alice", "password": "wrong password here" }))
            .send()
    };
    let korean = attempt("ko").await.unwrap();
    assert_eq!(korean.status(), StatusCode::UNAUTHORIZED);
    let korean: Value = korean.json().await.unwrap();
    let english: Value = attempt("en").await.unwrap().json().await.unwrap();
    assert_eq!(korean["error"], "invalid_credentials");
    assert_eq!(english["error"], "invalid_credentials");
    assert_eq!(english["message"], "Invalid username or password");
    assert_eq!(
        korean["message"],
        "사용자 이름 또는 비밀번호가 올바르지 않습니다"
    );

    // Field problems too, field by field.
    let missing = app
        .request(Method::POST, "/login")
        .header("Accept-Language", "ko")
        .json(&json!({ "username": "", "password": "" }))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["error"], "validation_failed");
    assert_eq!(body["errors"]["username"][0], "사용자 이름을 입력하세요.");
}

async fn form_errors_and_notices_follow_the_language(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.post_form_html("/language", &[("lang", "ko")]).await;

    let refused = app
        .post_form_html(
            "/register",
            &[
                ("username", "a!"),
                ("password", PASSWORD),
                ("password_confirm", "something else"),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = body_text(refused).await;
    assert!(html.contains("사용자 이름은 3~32자여야 합니다."), "{html}");
    assert!(html.contains("비밀번호가 서로 다릅니다."), "{html}");

    app.register("alice").await;
    let out = app.post_form_html("/logout", &[]).await;
    assert_redirect(&out, "/login");
    let html = body_text(app.get_html("/login").await).await;
    assert!(html.contains("로그아웃되었습니다"), "{html}");

    // A notice is kept as a message, not as text: it is shown in the
    // language of the page that shows it.
    app.login("alice", PASSWORD).await;
    app.post_form_html("/logout", &[]).await;
    app.post_form_html("/language", &[("lang", "en")]).await;
    let html = body_text(app.get_html("/login").await).await;
    assert!(html.contains("You have been logged out"), "{html}");
}

async fn error_pages_and_text_answers_follow_the_language(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let missing = page_in(&app, "/no-such-page", "ko").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let html = body_text(missing).await;
    assert_eq!(html_lang(&html), "ko");
    assert!(
        html.contains("오류 404") && html.contains("홈으로 돌아가기"),
        "{html}"
    );

    // curl: one line of text, in the language asked for.
    let text = |path: &'static str| {
        app.request(Method::GET, path)
            .header("Accept-Language", "ko")
            .send()
    };
    let anonymous = text("/dashboard").await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(body_text(anonymous).await.trim(), "로그인이 필요합니다");
    app.register("alice").await;
    let welcome = body_text(text("/dashboard").await.unwrap()).await;
    assert_eq!(welcome.trim(), "alice님, 대시보드에 오신 것을 환영합니다");
    let english = body_text(app.get("/dashboard").await).await;
    assert_eq!(english.trim(), "Welcome to the dashboard, alice");
}

async fn an_unknown_language_is_refused_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for lang in ["fr", "", "ko\u{0}"] {
        let refused = app.post_form("/language", &[("lang", lang)]).await;
        assert_eq!(
            refused.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{lang:?}"
        );
        assert!(set_cookies(&refused, "lang").is_empty());
        assert!(body_text(refused).await.contains("en, ko"));
    }
    let refused = app.post_json("/language", &json!({ "lang": 7 })).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let html = body_text(app.get_html("/login").await).await;
    assert_eq!(html_lang(&html), "en");
}
