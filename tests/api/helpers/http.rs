//! Clients as browsers and scripts are (cookie jar, no redirects followed),
//! the story requests any client sends, and what a cookie jar holds.

use std::sync::Arc;

use reqwest::cookie::{CookieStore as _, Jar};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Client, ClientBuilder, RequestBuilder, Response, StatusCode, redirect};
use serde_json::Value;

/// The Accept header Chromium sends for a page.
pub const BROWSER_ACCEPT: &str =
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

/// A client with its own cookie jar that does not follow redirects.
pub fn new_client() -> (Client, Arc<Jar>) {
    client_with_jar(Client::builder())
}

/// A client without a jar that always sends `cookie` (a copied cookie).
pub fn client_with_cookie(cookie: &str) -> Client {
    client_sending(Client::builder(), cookie)
}

/// `builder` finished as a browser: its own cookie jar, no redirects followed.
pub fn client_with_jar(builder: ClientBuilder) -> (Client, Arc<Jar>) {
    let jar = Arc::new(Jar::default());
    let client = builder
        .cookie_provider(jar.clone())
        .redirect(redirect::Policy::none())
        .build()
        .expect("HTTP client");
    (client, jar)
}

/// `builder` finished without a jar, always sending `cookie`, no redirects followed.
pub fn client_sending(builder: ClientBuilder, cookie: &str) -> Client {
    let mut headers = HeaderMap::new();
    headers.insert(
        "cookie",
        HeaderValue::from_str(cookie).expect("cookie header"),
    );
    builder
        .default_headers(headers)
        .redirect(redirect::Policy::none())
        .build()
        .expect("HTTP client")
}

/// Sends `request` as a browser would (`Accept: text/html`).
pub async fn send_html(request: RequestBuilder) -> Response {
    request
        .header("accept", BROWSER_ACCEPT)
        .send()
        .await
        .expect("request")
}

/// Registers `username` with `password` through `client` (a form post to
/// the app at `address`, as curl sends it).
pub async fn post_register(
    client: &Client,
    address: &str,
    username: &str,
    password: &str,
) -> Response {
    let fields = [
        ("username", username),
        ("password", password),
        ("password_confirm", password),
    ];
    client
        .post(format!("{address}/register"))
        .form(&fields)
        .send()
        .await
        .expect("POST /register")
}

/// Logs `client` in with a form post to the app at `address`.
pub async fn post_login(
    client: &Client,
    address: &str,
    username: &str,
    password: &str,
) -> Response {
    client
        .post(format!("{address}/login"))
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .expect("POST /login")
}

/// Logs `client` in as a JSON client does (a JSON body) at `address`.
pub async fn post_login_json(
    client: &Client,
    address: &str,
    username: &str,
    password: &str,
) -> Response {
    client
        .post(format!("{address}/login"))
        .json(&serde_json::json!({"username": username, "password": password}))
        .send()
        .await
        .expect("POST /login")
}

/// The fields of the password change form: `current`, then `new` twice.
pub fn password_change<'a>(current: &'a str, new: &'a str) -> [(&'a str, &'a str); 3] {
    [
        ("current_password", current),
        ("new_password", new),
        ("new_password_confirm", new),
    ]
}

/// The `Cookie` header `jar` would send to `address`.
pub fn cookie_header(jar: &Jar, address: &str) -> Option<String> {
    let url = address.parse().expect("url");
    jar.cookies(&url)
        .and_then(|v| v.to_str().ok().map(str::to_owned))
}

/// One cookie's value from `jar`.
pub fn cookie_value(jar: &Jar, address: &str, name: &str) -> Option<String> {
    cookie_header(jar, address)?
        .split("; ")
        .filter_map(|pair| pair.split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_owned())
}

/// `GET /api/me` with `client`: the username, or `None` when anonymous.
pub async fn whoami(client: &Client, address: &str) -> Option<String> {
    let response = client
        .get(format!("{address}/api/me"))
        .send()
        .await
        .expect("GET /api/me");
    match response.status() {
        StatusCode::OK => {
            let body: Value = response.json().await.expect("JSON");
            body["username"].as_str().map(str::to_owned)
        }
        StatusCode::UNAUTHORIZED => None,
        other => panic!("GET /api/me answered {other}"),
    }
}
