//! The shared harness: spawn the app on a random port against a fresh
//! database, talk to it with a cookie-jar client that does not follow redirects.

#![allow(dead_code, reason = "not every story uses each helper")]

mod database;
mod http;
mod responses;

use std::sync::Arc;

use reqwest::cookie::Jar;
use reqwest::{Client, Response};
use serde_json::Value;
use session_auth::config::Settings;
use session_auth::startup::Application;

pub use database::TestDb;
pub use http::*;
pub use responses::*;

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
        send_html(self.client.get(self.url(path))).await
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
        send_html(self.client.post(self.url(path)).form(fields)).await
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
        post_register(&self.client, &self.address, username, PASSWORD).await
    }

    /// Logs in with a form post.
    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.login_with(&self.client, username, password).await
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

    /// Logs another browser (`client`, from [`TestApp::new_client`]) in with a form post.
    pub async fn login_with(&self, client: &Client, username: &str, password: &str) -> Response {
        post_login(client, &self.address, username, password).await
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
