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

/// An answer read off the wire: the status and the whole text (head and body).
#[derive(Debug)]
pub struct RawAnswer {
    pub status: u16,
    pub text: String,
}

/// Sends `method path` with `headers` and `body` in chunked transfer
/// encoding (no `Content-Length`, as a client streaming its upload does)
/// over a connection of its own, to the app at `address`.
pub async fn send_chunked(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> RawAnswer {
    use std::io::{Read as _, Write as _};
    let host = address.trim_start_matches("http://").to_owned();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n"
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let label = format!("{method} {path}");
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&host).expect("connecting");
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .expect("read timeout");
        let mut request = head.into_bytes();
        for chunk in body.chunks(4096) {
            request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            request.extend_from_slice(chunk);
            request.extend_from_slice(b"\r\n");
        }
        request.extend_from_slice(b"0\r\n\r\n");
        // The server may answer (and close) before it has read everything.
        let _ = stream.write_all(&request);
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        let text = String::from_utf8_lossy(&answer).into_owned();
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no HTTP answer to {label}: {text:?}"));
        RawAnswer { status, text }
    })
    .await
    .expect("the chunked request")
}
