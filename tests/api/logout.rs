//! `GET /logout` and `POST /logout`: only a POST logs out; it removes the
//! cookie, ends the session for good and leaves a one-time notice.

use reqwest::{Method, StatusCode};

use crate::helpers::*;

crate::stories!(
    get_logout_shows_a_button_that_posts_and_does_not_log_out,
    post_logout_redirects_to_login_and_removes_the_cookie,
    the_logged_out_notice_is_shown_once,
    a_copy_of_the_cookie_taken_before_logout_no_longer_works,
    logging_out_when_anonymous_is_harmless,
);

const NOTICE: &str = "You have been logged out";

async fn get_logout_shows_a_button_that_posts_and_does_not_log_out(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;

    let response = app.get_html("/logout").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        set_cookies(&response, "session").is_empty(),
        "a GET touched the session"
    );
    let html = body_text(response).await.to_ascii_lowercase();
    let form = html
        .match_indices("<form")
        .map(|(i, _)| &html[i..i + html[i..].find('>').unwrap()])
        .find(|tag| tag.contains("action=\"/logout\""))
        .expect("a form that sends /logout");
    assert!(form.contains("method=\"post\""), "{form}");

    assert_eq!(app.get("/logout").await.status(), StatusCode::OK);
    assert_eq!(
        app.whoami().await.as_deref(),
        Some("alice"),
        "a GET logged out"
    );
}

async fn post_logout_redirects_to_login_and_removes_the_cookie(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;

    let response = send_html(app.request(Method::POST, "/logout")).await;
    assert_redirect(&response, "/login");
    assert_session_cleared(&response);
    assert_eq!(app.whoami().await, None);
    let response = app.get_html("/dashboard").await;
    assert_redirect(&response, "/login?next=%2Fdashboard");
}

async fn the_logged_out_notice_is_shown_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;
    assert_redirect(&app.logout().await, "/login");

    let first = body_text(app.get_html("/login").await).await;
    assert_eq!(
        first.matches(NOTICE).count(),
        1,
        "the notice once on the next page"
    );
    assert!(
        input_value(&first, "username").is_some(),
        "it is the login page"
    );
    let second = body_text(app.get_html("/login").await).await;
    assert!(!second.contains(NOTICE), "the notice came back");
}

async fn a_copy_of_the_cookie_taken_before_logout_no_longer_works(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;
    let copy = app.copy();
    assert_eq!(copy.whoami().await.as_deref(), Some("alice"));

    assert_redirect(&app.logout().await, "/login");
    assert_eq!(
        copy.whoami().await,
        None,
        "the copied cookie outlived logout"
    );
    let response = send_html(copy.request(Method::GET, "/dashboard")).await;
    assert_redirect(&response, "/login?next=%2Fdashboard");
}

async fn logging_out_when_anonymous_is_harmless(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.logout().await;
    assert_redirect(&response, "/login");
    assert!(
        set_cookies(&response, "session")
            .iter()
            .all(|c| c.starts_with("session=;")),
        "no new session"
    );

    let page = app.get_html("/logout").await;
    assert_eq!(page.status(), StatusCode::OK);
    let response = TestClient::with_cookie(&app.address, "session=garbage")
        .request(Method::POST, "/logout")
        .send()
        .await
        .unwrap();
    assert_redirect(&response, "/login");
    assert_eq!(app.whoami().await, None);
}
