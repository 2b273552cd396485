//! Bad input never gets a 5xx: oversized, malformed, mistyped and
//! mis-encoded bodies, unknown routes and wrong methods each get their own
//! 4xx (cookies: `bad_cookies.rs`; random input: `fuzz.rs`).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

crate::stories!(
    a_body_over_16_kib_answers_413,
    every_route_refuses_a_body_over_16_kib_with_413_and_does_nothing,
    a_body_without_a_content_type_answers_like_a_wrong_content_type,
    posts_without_a_body_need_no_content_type,
    malformed_json_answers_400_saying_so,
    json_that_is_not_an_object_answers_400,
    a_wrong_content_type_answers_400,
    a_form_that_is_not_utf8_answers_400,
    missing_fields_answer_422_naming_them,
    an_unknown_route_answers_404_in_the_clients_format,
    a_wrong_method_answers_405,
);

const LIMIT: usize = 16 * 1024;

/// A form body of exactly `len` bytes.
fn form_of_len(len: usize) -> String {
    let head = "username=alice&password=";
    format!("{head}{}", "a".repeat(len - head.len()))
}

async fn a_body_over_16_kib_answers_413(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let form = "application/x-www-form-urlencoded";
    for path in ["/login", "/register"] {
        let response = app.post_raw(path, form, form_of_len(LIMIT + 1)).await;
        assert_eq!(
            response.status(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "{path} form"
        );
        assert!(body_text(response).await.contains("16 KiB"));

        let body = json!({ "username": "alice", "password": "a".repeat(LIMIT) }).to_string();
        let response = app.post_raw(path, "application/json", body).await;
        assert_eq!(
            response.status(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "{path} JSON"
        );

        let response = app.post_raw(path, form, vec![b'%'; 1024 * 1024]).await;
        assert_eq!(
            response.status(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "{path} 1 MiB"
        );
    }
    // Up to the limit a body is read: a failed login, not 413.
    let response = app.post_raw("/login", form, form_of_len(LIMIT)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

/// Every route there is with each method it answers, a wrong method, and
/// unknown paths: whether or not a route reads its body, none takes one
/// over the limit.
const EVERY_ROUTE: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/logout"),
    ("POST", "/logout"),
    ("GET", "/register"),
    ("POST", "/register"),
    ("GET", "/dashboard"),
    ("GET", "/account"),
    ("POST", "/account/password"),
    ("POST", "/account/logout-others"),
    ("POST", "/account/delete"),
    ("POST", "/account/email"),
    ("POST", "/account/email/resend"),
    ("GET", "/email/verify?token=x"),
    ("GET", "/password/forgot"),
    ("POST", "/password/forgot"),
    ("GET", "/password/reset"),
    ("POST", "/password/reset"),
    ("GET", "/login/2fa"),
    ("POST", "/login/2fa"),
    ("GET", "/account/confirm"),
    ("POST", "/account/confirm"),
    ("GET", "/account/2fa"),
    ("POST", "/account/2fa/setup"),
    ("POST", "/account/2fa/confirm"),
    ("POST", "/account/2fa/recovery-codes"),
    ("POST", "/account/2fa/disable"),
    ("GET", "/api/me"),
    ("GET", "/account/sessions"),
    ("POST", "/account/sessions/x/logout"),
    ("GET", "/account/activity"),
    ("GET", "/api/sessions"),
    ("DELETE", "/api/sessions/x"),
    ("GET", "/static/css/app.css"),
    ("GET", "/favicon.ico"),
    ("PUT", "/login"),
    ("DELETE", "/api/me"),
    ("GET", "/no/such/page"),
    ("POST", "/no/such/page"),
];

/// The outside test suite's find: `POST /logout` with 17 KiB logged out and
/// answered 303. Alice, logged in, sends 17 KiB to every route, once with a
/// `Content-Length` and once streamed (chunked, no length): each answers 413
/// saying why, and nothing happened.
async fn every_route_refuses_a_body_over_16_kib_with_413_and_does_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;
    let cookie = app.cookie_header().expect("alice's cookie");
    let form = "application/x-www-form-urlencoded";
    let body = form_of_len(LIMIT + 1);
    for (method, path) in EVERY_ROUTE {
        let response = app
            .request(Method::from_bytes(method.as_bytes()).unwrap(), path)
            .header("content-type", form)
            .body(body.clone())
            .send()
            .await
            .expect("request");
        assert_eq!(
            response.status(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "{method} {path} with Content-Length"
        );
        let text = body_text(response).await;
        assert!(text.contains("16 KiB"), "{method} {path}: {text:?}");

        let headers = [("content-type", form), ("cookie", cookie.as_str())];
        let answer = app
            .send_chunked(method, path, &headers, body.clone().into())
            .await;
        assert_eq!(answer.status, 413, "{method} {path} chunked: {answer:?}");
        assert!(
            answer.text.contains("16 KiB"),
            "{method} {path} chunked: {answer:?}"
        );
    }
    assert_eq!(
        app.whoami().await.as_deref(),
        Some("alice"),
        "a refused POST /logout logged alice out"
    );

    // The answer comes in the client's format.
    let json = app
        .request(Method::POST, "/logout")
        .header("accept", "application/json")
        .header("content-type", form)
        .body(body.clone())
        .send()
        .await
        .expect("POST /logout");
    assert_eq!(json.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let answer: Value = json.json().await.expect("a JSON answer");
    assert_eq!(answer["error"], "payload_too_large", "{answer}");
    assert!(answer["message"].as_str().unwrap().contains("16 KiB"));
    let page = send_html(app.request(Method::GET, "/dashboard").body(body.clone())).await;
    assert_eq!(page.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        header(&page, "content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(body_text(page).await.contains("16 KiB"));

    // Up to the limit a streamed body is read as any other: a failed login.
    let headers = [("content-type", form)];
    let answer = app
        .send_chunked("POST", "/login", &headers, form_of_len(LIMIT).into())
        .await;
    assert_eq!(answer.status, 401, "{answer:?}");
}

/// The outside test suite's find: with a form body but no `Content-Type`,
/// `/login` read it as a form and `/register` answered 400. A body of
/// unknown type is answered as one of a wrong type, on both.
async fn a_body_without_a_content_type_answers_like_a_wrong_content_type(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;
    app.logout().await;
    let login = format!("username=alice&password={}", PASSWORD.replace(' ', "+"));
    let register = format!(
        "username=bob&password={0}&password_confirm={0}",
        PASSWORD.replace(' ', "+")
    );
    let json = json!({"username": "bob", "password": PASSWORD}).to_string();
    for (path, body) in [
        ("/login", login.as_str()),
        ("/register", register.as_str()),
        ("/login", json.as_str()),
        ("/register", json.as_str()),
    ] {
        let wrong = app.post_raw(path, "text/plain", body.to_owned()).await;
        let wrong_status = wrong.status();
        let untyped = app
            .request(Method::POST, path)
            .body(body.to_owned())
            .send()
            .await
            .expect("POST");
        assert_eq!(untyped.status(), StatusCode::BAD_REQUEST, "{path} {body:?}");
        assert_eq!(
            untyped.status(),
            wrong_status,
            "{path}: as a wrong Content-Type"
        );
        let text = body_text(untyped).await;
        assert!(text.contains("Content-Type"), "{path}: {text:?}");
    }
    assert_eq!(
        app.whoami().await,
        None,
        "a body without a type logged someone in"
    );
    let response = app.login("bob", PASSWORD).await;
    assert_eq!(
        response.status(),
        StatusCode::UNAUTHORIZED,
        "bob was registered"
    );
}

/// `curl -X POST` sends no body and no `Content-Type`: posts that need no
/// fields work so, and the others say which fields are missing.
async fn posts_without_a_body_need_no_content_type(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;
    let bare = |path: &str| app.request(Method::POST, path).send();
    assert_redirect(&bare("/account/logout-others").await.unwrap(), "/account");
    assert_eq!(app.whoami().await.as_deref(), Some("alice"));
    for path in ["/account/password", "/account/delete"] {
        let status = bare(path).await.unwrap().status();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
    }
    assert_redirect(&bare("/logout").await.unwrap(), "/login");
    assert_eq!(app.whoami().await, None);
    for path in ["/login", "/register"] {
        let response = bare(path).await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}"
        );
        assert!(
            body_text(response).await.contains("Username is required"),
            "{path}"
        );
    }
}

async fn malformed_json_answers_400_saying_so(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in ["/login", "/register"] {
        for body in [
            "{\"username\": \"alice\",",
            "{username: alice}",
            "",
            "{\"username\": 1, \"password\": \"x\"}",
        ] {
            let response = app.post_raw(path, "application/json", body).await;
            assert_eq!(
                response.status(),
                StatusCode::BAD_REQUEST,
                "{path} {body:?}"
            );
            let answer: Value = response
                .json()
                .await
                .expect("a JSON answer to a JSON client");
            assert!(
                answer["message"].as_str().unwrap().contains("JSON"),
                "{answer}"
            );
        }
    }
}

async fn json_that_is_not_an_object_answers_400(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("alice").await;
    app.logout().await;
    let login_array = json!(["alice", PASSWORD, false, null]).to_string();
    let register_array = json!(["bob", PASSWORD, PASSWORD]).to_string();
    for (path, body) in [
        ("/login", "[]"),
        ("/login", "\"x\""),
        ("/login", "null"),
        ("/login", "42"),
        ("/login", login_array.as_str()),
        ("/register", "[]"),
        ("/register", "true"),
        ("/register", register_array.as_str()),
    ] {
        let response = app
            .post_raw(path, "application/json", body.to_owned())
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path} {body}");
    }
    assert_eq!(app.whoami().await, None, "a JSON array logged someone in");
}

async fn a_wrong_content_type_answers_400(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in ["/login", "/register"] {
        for content_type in [
            "text/plain",
            "multipart/form-data; boundary=x",
            "application/xml",
            "no-slash",
        ] {
            let response = app
                .post_raw(path, content_type, "username=alice&password=x")
                .await;
            assert_eq!(
                response.status(),
                StatusCode::BAD_REQUEST,
                "{path} {content_type}"
            );
            assert!(
                body_text(response).await.contains("Content-Type"),
                "{path} {content_type}"
            );
        }
    }
}

async fn a_form_that_is_not_utf8_answers_400(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let form = "application/x-www-form-urlencoded";
    for path in ["/login", "/register"] {
        let encoded = app
            .post_raw(path, form, "username=%FF&password=correct+horse")
            .await;
        assert_eq!(encoded.status(), StatusCode::BAD_REQUEST, "{path} %FF");
        assert!(body_text(encoded).await.contains("UTF-8"));
        let raw = app
            .post_raw(path, form, b"username=\xff\xfe&password=x".to_vec())
            .await;
        assert_eq!(raw.status(), StatusCode::BAD_REQUEST, "{path} raw bytes");
    }
}

async fn missing_fields_answer_422_naming_them(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in ["/login", "/register"] {
        let response = app.post_json(path, &json!({})).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}"
        );
        let answer: Value = response.json().await.unwrap();
        for field in ["username", "password"] {
            assert!(
                answer["errors"][field].is_array(),
                "{path}: {field} not named in {answer}"
            );
        }
        let response = app
            .post_raw(path, "application/x-www-form-urlencoded", "")
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path} empty form"
        );
        let text = body_text(response).await;
        assert!(
            text.contains("Username is required") && text.contains("Password is required"),
            "{text}"
        );
    }
}

async fn an_unknown_route_answers_404_in_the_clients_format(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.get_json("/no/such/page").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let answer: Value = response.json().await.expect("JSON");
    assert_eq!(answer["error"], "not_found");
    assert!(answer["message"].is_string(), "{answer}");

    let response = app.get_html("/no/such/page").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(
        header(&response, "content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let page = body_text(response).await;
    assert!(page.contains("Not Found"));
    // An error page does not know who is logged in, so it must not offer
    // "Log in" as if the visitor had been logged out.
    assert!(!page.contains("href=\"/login\""), "{page}");

    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(
        header(&response, "content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(
        app.post_form("/nope", &[("a", "b")]).await.status(),
        StatusCode::NOT_FOUND
    );
}

async fn a_wrong_method_answers_405(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let send = |method: Method, path: &str| app.request(method, path).send();
    for (method, path) in [
        (Method::DELETE, "/login"),
        (Method::PUT, "/register"),
        (Method::PATCH, "/logout"),
        (Method::POST, "/healthz"),
        (Method::DELETE, "/"),
    ] {
        assert_eq!(
            send(method.clone(), path).await.unwrap().status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
    }
    app.register("alice").await;
    for (method, path) in [
        (Method::PUT, "/dashboard"),
        (Method::POST, "/dashboard"),
        (Method::DELETE, "/api/me"),
        (Method::POST, "/api/sessions"),
        (Method::GET, "/api/sessions/x"),
        (Method::GET, "/account/sessions/x/logout"),
    ] {
        assert_eq!(
            send(method.clone(), path).await.unwrap().status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
    }
    assert_eq!(app.whoami().await.as_deref(), Some("alice"));
}
