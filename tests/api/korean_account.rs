//! The account area in Korean: a user who chose Korean (the switch's
//! cookie) or whose browser asks for it (`Accept-Language`) reads the
//! account, sessions, activity and two-factor pages in Korean, the device
//! and event names included; without either, the same pages are English.
//! The JSON keeps its data (kinds, methods) as they are.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::*;
use crate::two_factor::turn_on;

crate::stories!(
    the_korean_switch_turns_the_account_pages_korean_and_english_stays_without_it,
    a_browser_asking_for_korean_reads_the_account_area_in_korean,
);

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

/// What each page must say, in Korean and in English.
const PAGES: [(&str, &[&str], &[&str]); 4] = [
    (
        "/account",
        &[
            "내 계정",
            "계정 생성일",
            "마지막 로그인",
            "비밀번호 변경",
            "계정 삭제",
        ],
        &[
            "Your account",
            "Account created",
            "Last login",
            "Change password",
        ],
    ),
    (
        "/account/sessions",
        &[
            "내 세션",
            "Linux의 Firefox",
            "현재 세션",
            "비밀번호",
            "이 세션 로그아웃",
        ],
        &[
            "Your sessions",
            "Firefox on Linux",
            "this session",
            "Log out this session",
        ],
    ),
    (
        "/account/activity",
        &[
            "보안 활동",
            "계정 생성",
            "Linux의 Firefox",
            "세션은 로그아웃하세요",
        ],
        &["Security activity", "Account created", "Firefox on Linux"],
    ),
    (
        "/account/2fa",
        &[
            "2단계 인증",
            "켜짐",
            "사용하지 않은 복구 코드가 10개 남아 있습니다.",
        ],
        &[
            "Two-factor authentication",
            "10 unused recovery codes left.",
        ],
    ),
];

/// `path` as `client`'s browser sees it (optionally with `Accept-Language`).
async fn page(client: &TestClient, path: &str, accept_language: Option<&str>) -> String {
    let mut request = client.request(Method::GET, path);
    if let Some(lang) = accept_language {
        request = request.header("accept-language", lang);
    }
    let response = send_html(request).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.text().await.unwrap()
}

/// Every page of [`PAGES`] for `client`: Korean when `korean`, else English.
async fn pages_read(client: &TestClient, accept_language: Option<&str>, korean: bool) {
    for (path, ko, en) in PAGES {
        let html = page(client, path, accept_language).await;
        let (lang, wanted, unwanted) = if korean {
            ("ko", ko, en)
        } else {
            ("en", en, ko)
        };
        assert!(
            html.contains(&format!(r#"<html lang="{lang}">"#)),
            "{path}: {html}"
        );
        for text in wanted {
            assert!(html.contains(text), "{path} lacks {text:?}: {html}");
        }
        for text in unwanted {
            assert!(!html.contains(text), "{path} shows {text:?}: {html}");
        }
    }
}

/// alice on Firefox, logged in (her registration), with two-factor
/// authentication on: every page of [`PAGES`] has something to say.
async fn alice(app: &TestApp) -> TestClient {
    let firefox = TestClient::with_user_agent(&app.address, FIREFOX);
    assert_redirect(&firefox.register("alice").await, "/dashboard");
    turn_on(&firefox).await;
    firefox
}

async fn the_korean_switch_turns_the_account_pages_korean_and_english_stays_without_it(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let firefox = alice(&app).await;
    pages_read(&firefox, None, false).await;

    let switched = firefox
        .post_form_html("/language", &[("lang", "ko"), ("next", "/account")])
        .await;
    assert_redirect(&switched, "/account");
    assert_eq!(firefox.cookie("lang").as_deref(), Some("ko"));
    pages_read(&firefox, None, true).await;
    // The cookie outranks what the browser asks for.
    pages_read(&firefox, Some("en-US,en;q=0.9"), true).await;

    let back = firefox
        .post_form_html("/language", &[("lang", "en"), ("next", "/account")])
        .await;
    assert_redirect(&back, "/account");
    pages_read(&firefox, None, false).await;
}

async fn a_browser_asking_for_korean_reads_the_account_area_in_korean(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let firefox = alice(&app).await;
    pages_read(&firefox, Some("ko-KR,ko;q=0.9,en;q=0.5"), true).await;
    pages_read(&firefox, Some("fr-FR"), false).await;

    // JSON: the human words in Korean, the data as stored.
    let request = firefox.request(Method::GET, "/api/sessions");
    let sessions: Value = send(request.header("accept-language", "ko"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sessions[0]["label"], "Linux의 Firefox", "{sessions}");
    assert_eq!(sessions[0]["method"], "password", "{sessions}");
    for (lang, description) in [("ko", "계정 생성"), ("en", "Account created")] {
        let events = events(&firefox, lang).await;
        let created = events.iter().find(|e| e["kind"] == "account_created");
        let created = created.unwrap_or_else(|| panic!("no account_created: {events:?}"));
        assert_eq!(created["description"], description, "{created}");
        let login = events.iter().find(|e| e["kind"] == "login_succeeded");
        let login = login.unwrap_or_else(|| panic!("no login_succeeded: {events:?}"));
        assert_eq!(login["method"], "password", "{login}");
        assert_eq!(
            login["detail"], "Firefox on Linux",
            "stored, not translated: {login}"
        );
    }
}

/// `client`'s security events as JSON, asked for in `accept_language`.
async fn events(client: &TestClient, accept_language: &str) -> Vec<Value> {
    let request = client
        .request(Method::GET, "/account/activity")
        .header("accept", "application/json")
        .header("accept-language", accept_language);
    let body: Value = send(request).await.json().await.unwrap();
    body["events"].as_array().unwrap().clone()
}
