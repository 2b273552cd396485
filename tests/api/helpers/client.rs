//! [`TestClient`]: one browser or script talking to one app. It keeps its
//! own cookie jar (or always sends one copied cookie), follows no redirects,
//! and gives up on any request after [`REQUEST_TIMEOUT`], so a hanging
//! server fails the test instead of hanging it.

use std::sync::Arc;
use std::time::Duration;

use reqwest::cookie::{CookieStore as _, Jar};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode, redirect};
use serde_json::{Value, json};

use crate::support::PASSWORD;

/// The Accept header Chromium sends for a page.
pub const BROWSER_ACCEPT: &str =
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

/// No request of these tests may hang longer than this.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// Where a client's cookies come from.
#[derive(Clone)]
enum Cookies {
    /// Its own jar, as a browser has: it keeps what the app sets.
    Jar(Arc<Jar>),
    /// One `Cookie` header, copied from elsewhere and always sent as it is.
    Copied(String),
}

/// A browser (or a script replaying a copied cookie) and the app it talks to.
#[derive(Clone)]
pub struct TestClient {
    http: Client,
    cookies: Cookies,
    /// `http://127.0.0.1:PORT` of the app.
    pub address: String,
}

impl TestClient {
    /// A new browser for the app at `address`, with an empty cookie jar.
    pub fn new(address: &str) -> Self {
        let jar = Arc::new(Jar::default());
        let http = Client::builder().cookie_provider(jar.clone());
        Self::finish(http, Cookies::Jar(jar), address)
    }

    /// A new browser that introduces itself as `user_agent`, with an empty cookie jar.
    pub fn with_user_agent(address: &str, user_agent: &str) -> Self {
        let jar = Arc::new(Jar::default());
        let http = Client::builder()
            .cookie_provider(jar.clone())
            .user_agent(user_agent.to_owned());
        Self::finish(http, Cookies::Jar(jar), address)
    }

    /// A script without a jar that always sends `cookie` (a copied `Cookie`
    /// header) to the app at `address`, whatever the app answers.
    pub fn with_cookie(address: &str, cookie: &str) -> Self {
        let mut headers = HeaderMap::new();
        let value = HeaderValue::from_str(cookie).expect("cookie header");
        headers.insert("cookie", value);
        let http = Client::builder().default_headers(headers);
        Self::finish(http, Cookies::Copied(cookie.to_owned()), address)
    }

    fn finish(builder: reqwest::ClientBuilder, cookies: Cookies, address: &str) -> Self {
        let http = builder
            .redirect(redirect::Policy::none())
            .timeout(REQUEST_TIMEOUT)
            .build()
            .expect("HTTP client");
        Self {
            http,
            cookies,
            address: address.to_owned(),
        }
    }

    /// A copy of the cookies this client holds now, replayed by a script
    /// (see [`TestClient::with_cookie`]).
    pub fn copy(&self) -> Self {
        let cookie = self.cookie_header().expect("a cookie to copy");
        Self::with_cookie(&self.address, &cookie)
    }

    /// This same client (same cookies) talking to the app at `address`, as
    /// a browser does with another port of the same host.
    pub fn at(&self, address: &str) -> Self {
        Self {
            address: address.to_owned(),
            ..self.clone()
        }
    }

    /// `path` → `http://127.0.0.1:PORT/path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A request to `path`, to finish and send.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, self.url(path))
    }

    /// The `Cookie` header this client would send (to copy it elsewhere).
    pub fn cookie_header(&self) -> Option<String> {
        match &self.cookies {
            Cookies::Jar(jar) => jar
                .cookies(&self.address.parse().expect("url"))
                .and_then(|v| v.to_str().ok().map(str::to_owned)),
            Cookies::Copied(cookie) => Some(cookie.clone()),
        }
    }

    /// The value of one cookie this client would send.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookie_header()?
            .split("; ")
            .filter_map(|pair| pair.split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_owned())
    }

    /// GET as a script would (no `Accept: text/html`).
    pub async fn get(&self, path: &str) -> Response {
        send(self.request(Method::GET, path)).await
    }

    /// GET as a browser would (`Accept: text/html`).
    pub async fn get_html(&self, path: &str) -> Response {
        send_html(self.request(Method::GET, path)).await
    }

    /// GET with `Accept: application/json`.
    pub async fn get_json(&self, path: &str) -> Response {
        let request = self.request(Method::GET, path);
        send(request.header("accept", "application/json")).await
    }

    /// A form post as curl sends it.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        send(self.request(Method::POST, path).form(fields)).await
    }

    /// A form post as a browser sends it.
    pub async fn post_form_html(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        send_html(self.request(Method::POST, path).form(fields)).await
    }

    /// A JSON post.
    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        send(self.request(Method::POST, path).json(body)).await
    }

    /// A raw post with any content type and body bytes.
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Response {
        let request = self.request(Method::POST, path);
        send(request.header("content-type", content_type).body(body)).await
    }

    /// Registers `username` with [`PASSWORD`] (a form post, as curl sends
    /// it); a successful registration stays logged in.
    pub async fn register(&self, username: &str) -> Response {
        self.register_with(username, PASSWORD).await
    }

    /// Registers `username` with `password` (a form post).
    pub async fn register_with(&self, username: &str, password: &str) -> Response {
        let fields = [
            ("username", username),
            ("password", password),
            ("password_confirm", password),
        ];
        self.post_form("/register", &fields).await
    }

    /// Logs in with a form post.
    pub async fn login(&self, username: &str, password: &str) -> Response {
        let fields = [("username", username), ("password", password)];
        self.post_form("/login", &fields).await
    }

    /// Logs in with a form post that ticks "remember me".
    pub async fn login_remembered(&self, username: &str, password: &str) -> Response {
        let fields = [
            ("username", username),
            ("password", password),
            ("remember", "on"),
        ];
        self.post_form("/login", &fields).await
    }

    /// Logs in as a JSON client does (a JSON body).
    pub async fn login_json(&self, username: &str, password: &str) -> Response {
        let body = json!({"username": username, "password": password});
        self.post_json("/login", &body).await
    }

    /// Logs out (POST).
    pub async fn logout(&self) -> Response {
        send(self.request(Method::POST, "/logout")).await
    }

    /// `GET /api/me`: the logged-in user's name, or `None` when anonymous.
    pub async fn whoami(&self) -> Option<String> {
        let response = self.get("/api/me").await;
        match response.status() {
            StatusCode::OK => {
                let body: Value = response.json().await.expect("JSON");
                body["username"].as_str().map(str::to_owned)
            }
            StatusCode::UNAUTHORIZED => None,
            other => panic!("GET /api/me answered {other}"),
        }
    }
}

/// Sends `request`; a transport error fails the test.
pub async fn send(request: RequestBuilder) -> Response {
    request
        .send()
        .await
        .unwrap_or_else(|e| panic!("no answer: {e}"))
}

/// Sends `request` as a browser would (`Accept: text/html`).
pub async fn send_html(request: RequestBuilder) -> Response {
    send(request.header("accept", BROWSER_ACCEPT)).await
}

/// The fields of the password change form: `current`, then `new` twice.
pub fn password_change<'a>(current: &'a str, new: &'a str) -> [(&'a str, &'a str); 3] {
    [
        ("current_password", current),
        ("new_password", new),
        ("new_password_confirm", new),
    ]
}
