//! The shared harness: spawn the app on a random port against a fresh
//! database, talk to it with a cookie-jar client that does not follow redirects.

#![allow(dead_code)]

use std::sync::Arc;

use diesel::{Connection as _, PgConnection, RunQueryDsl as _};
use reqwest::cookie::{CookieStore as _, Jar};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Client, Response, StatusCode, redirect};
use serde_json::Value;
use session_auth::config::{DatabaseUrl, Settings};
use session_auth::startup::Application;

/// A password every story may use for its users.
pub const PASSWORD: &str = "correct horse battery staple";

/// Which database a story runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named story (an `async fn(Backend)`) once per backend.
#[macro_export]
macro_rules! stories {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    if $crate::helpers::postgres_available() {
                        super::$name($crate::helpers::Backend::Postgres).await;
                    }
                }
            )*
        }
    };
}

/// Whether PostgreSQL stories run: with `TEST_DATABASE_URL`. Without it they
/// are skipped with a note, except under `CI=true`, where that is a failure.
pub fn postgres_available() -> bool {
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        return true;
    }
    assert!(
        std::env::var("CI").map_or(true, |v| v != "true"),
        "CI=true but TEST_DATABASE_URL is not set: PostgreSQL tests must run in CI"
    );
    eprintln!(
        "SKIPPED (PostgreSQL): set TEST_DATABASE_URL=postgres://… to run this story on PostgreSQL"
    );
    false
}

/// A fresh database that is removed when dropped.
pub enum TestDb {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// Creates an empty database for `backend`; returns it with its URL.
    pub fn create(backend: Backend) -> (Self, DatabaseUrl) {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = DatabaseUrl::Sqlite(dir.path().join("test.db"));
                (Self::Sqlite(dir), url)
            }
            Backend::Postgres => {
                let admin_url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
                let name = format!("test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = PgConnection::establish(&admin_url)
                    .unwrap_or_else(|e| panic!("connecting to TEST_DATABASE_URL: {e}"));
                diesel::sql_query(format!(r#"CREATE DATABASE "{name}""#))
                    .execute(&mut admin)
                    .expect("CREATE DATABASE");
                let url = with_database(&admin_url, &name);
                (
                    Self::Postgres { admin_url, name },
                    DatabaseUrl::Postgres(url),
                )
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Self::Postgres { admin_url, name } = self
            && let Ok(mut admin) = PgConnection::establish(admin_url)
        {
            let _ = diesel::sql_query(format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#))
                .execute(&mut admin);
        }
    }
}

/// `postgres://u@h:p/admin?x` → `postgres://u@h:p/name?x`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..path_start]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// A running app and a browser-like client (cookie jar, no redirects followed).
pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub backend: Backend,
    pub settings: Settings,
    pub client: Client,
    pub jar: Arc<Jar>,
    /// Shared with sibling instances; the database goes when the last one does.
    db: Arc<TestDb>,
}

impl TestApp {
    /// The app with test settings on a fresh database.
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    /// The app with settings adjusted by `configure`.
    pub async fn spawn_with(backend: Backend, configure: impl FnOnce(&mut Settings)) -> Self {
        let (db, url) = tokio::task::spawn_blocking(move || TestDb::create(backend))
            .await
            .expect("creating the test database");
        let mut settings = Settings::for_tests(url);
        configure(&mut settings);
        Self::start(backend, settings, Arc::new(db)).await
    }

    /// A second instance on this app's database, as behind a load balancer:
    /// it starts from this app's settings (same key), adjusted by `configure`.
    pub async fn spawn_sibling(&self, configure: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = self.settings.clone();
        configure(&mut settings);
        Self::start(self.backend, settings, self.db.clone()).await
    }

    async fn start(backend: Backend, settings: Settings, db: Arc<TestDb>) -> Self {
        let app = Application::build(settings.clone())
            .await
            .expect("building the app");
        let port = app.port();
        tokio::spawn(app.run_until_stopped());
        let (client, jar) = new_client();
        Self {
            address: format!("http://127.0.0.1:{port}"),
            port,
            backend,
            settings,
            client,
            jar,
            db,
        }
    }

    /// `path` → `http://127.0.0.1:PORT/path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A second, independent browser (its own cookie jar).
    pub fn new_client(&self) -> (Client, Arc<Jar>) {
        new_client()
    }

    /// The `Cookie` header this client would send (to copy a cookie elsewhere).
    pub fn cookie_header(&self) -> Option<String> {
        cookie_header(&self.jar, &self.address)
    }

    /// The value of one cookie in this client's jar.
    pub fn cookie(&self, name: &str) -> Option<String> {
        cookie_value(&self.jar, &self.address, name)
    }

    /// GET as a script would (no `Accept: text/html`).
    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// GET as a browser would (`Accept: text/html`).
    pub async fn get_html(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .header("accept", BROWSER_ACCEPT)
            .send()
            .await
            .expect("GET")
    }

    /// GET with `Accept: application/json`.
    pub async fn get_json(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .header("accept", "application/json")
            .send()
            .await
            .expect("GET")
    }

    /// A form post as curl sends it.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .expect("POST")
    }

    /// A form post as a browser sends it.
    pub async fn post_form_html(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(path))
            .header("accept", BROWSER_ACCEPT)
            .form(fields)
            .send()
            .await
            .expect("POST")
    }

    /// A JSON post.
    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("POST")
    }

    /// A raw post with any content type and body bytes.
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Response {
        self.client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("POST")
    }

    /// Registers `username` with [`PASSWORD`] (form post) and stays logged in.
    pub async fn register(&self, username: &str) -> Response {
        self.post_form(
            "/register",
            &[
                ("username", username),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await
    }

    /// Logs in with a form post.
    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.post_form("/login", &[("username", username), ("password", password)])
            .await
    }

    /// Logs another browser (`client`, from [`TestApp::new_client`]) in with a form post.
    pub async fn login_with(&self, client: &Client, username: &str, password: &str) -> Response {
        client
            .post(self.url("/login"))
            .form(&[("username", username), ("password", password)])
            .send()
            .await
            .expect("POST /login")
    }

    /// Logs out (POST).
    pub async fn logout(&self) -> Response {
        self.client
            .post(self.url("/logout"))
            .send()
            .await
            .expect("POST /logout")
    }

    /// `GET /api/me`: the logged-in user's name, or `None` when anonymous.
    pub async fn whoami(&self) -> Option<String> {
        whoami(&self.client, &self.address).await
    }
}

/// The Accept header Chromium sends for a page.
pub const BROWSER_ACCEPT: &str =
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

/// A client with its own cookie jar that does not follow redirects.
pub fn new_client() -> (Client, Arc<Jar>) {
    let jar = Arc::new(Jar::default());
    let client = Client::builder()
        .cookie_provider(jar.clone())
        .redirect(redirect::Policy::none())
        .build()
        .expect("HTTP client");
    (client, jar)
}

/// A client without a jar that always sends `cookie` (a copied cookie).
pub fn client_with_cookie(cookie: &str) -> Client {
    let mut headers = HeaderMap::new();
    headers.insert(
        "cookie",
        HeaderValue::from_str(cookie).expect("cookie header"),
    );
    Client::builder()
        .default_headers(headers)
        .redirect(redirect::Policy::none())
        .build()
        .expect("HTTP client")
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

/// Asserts a 303 to `location`.
#[track_caller]
pub fn assert_redirect(response: &Response, location: &str) {
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "expected 303 to {location}"
    );
    assert_eq!(
        response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some(location),
        "redirect target"
    );
}

/// The `Set-Cookie` headers of `response` for cookie `name`.
pub fn set_cookies<'a>(response: &'a Response, name: &str) -> Vec<&'a str> {
    let prefix = format!("{name}=");
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter(|v| v.starts_with(&prefix))
        .collect()
}

/// Asserts the response sets a (non-empty) session cookie with the SPEC's attributes.
#[track_caller]
pub fn assert_session_cookie(response: &Response) {
    let cookies = set_cookies(response, "session");
    assert_eq!(
        cookies.len(),
        1,
        "exactly one session Set-Cookie: {cookies:?}"
    );
    let cookie = cookies[0];
    assert!(
        !cookie.starts_with("session=;"),
        "a session cookie, not a removal: {cookie}"
    );
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    assert!(!cookie.contains("Domain"), "no Domain attribute: {cookie}");
}

/// Asserts the response removes the session cookie.
#[track_caller]
pub fn assert_session_cleared(response: &Response) {
    let cookies = set_cookies(response, "session");
    assert_eq!(
        cookies.len(),
        1,
        "exactly one session Set-Cookie (curl ignores a removal followed by a set): {cookies:?}"
    );
    assert!(
        cookies[0].starts_with("session=;") && cookies[0].contains("Max-Age=0"),
        "a removal cookie: {}",
        cookies[0]
    );
}

/// The body of `response` as text.
pub async fn body_text(response: Response) -> String {
    response.text().await.expect("response body")
}

/// The value of header `name`, when present and readable.
pub fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

/// What a form in `html` would send for its input named `name` (entities
/// decoded): `Some("")` for an input without a value, `None` without such an input.
pub fn input_value(html: &str, name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\"");
    html.match_indices("<input").find_map(|(start, _)| {
        let tag = &html[start..start + html[start..].find('>')?];
        tag.contains(&needle).then(|| {
            tag.split_once(" value=\"")
                .and_then(|(_, rest)| rest.split_once('"'))
                .map_or_else(String::new, |(value, _)| unescape_html(value))
        })
    })
}

/// Decodes the entities Tera's HTML escaping produces.
pub fn unescape_html(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2F;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The `name=value` pair a response sets for cookie `name` (to send it as a
/// `Cookie` header), if it sets one.
pub fn set_cookie_pair(response: &Response, name: &str) -> Option<String> {
    set_cookies(response, name)
        .first()
        .map(|c| c.split(';').next().unwrap_or_default().to_owned())
}
