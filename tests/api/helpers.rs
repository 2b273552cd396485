//! The shared harness: spawn the app on a random port against a fresh
//! database, talk to it with a cookie-jar client that does not follow redirects.

mod client;
mod database;
pub mod mail;
mod raw;
mod responses;

use std::ops::Deref;
use std::sync::Arc;

use session_auth::config::Settings;
use session_auth::startup::Application;

use crate::support::required;

pub use crate::support::PASSWORD;
pub use client::*;
pub use database::TestDb;
pub use responses::*;

/// Held by the stories that measure time (`timing.rs`) or load the machine
/// (`under_load.rs`), so that a load burst never runs during a measurement.
pub static MACHINE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

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

/// Whether PostgreSQL stories run: with `TEST_DATABASE_URL` (otherwise a
/// skip locally, a failure under `CI=true`: see [`required`]).
pub fn postgres_available() -> bool {
    let url = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty());
    required(
        url,
        "PostgreSQL",
        "TEST_DATABASE_URL is not set",
        "set TEST_DATABASE_URL=postgres://… to run the stories on PostgreSQL",
    )
    .is_some()
}

/// A running app and a browser of its own: `app.login(…)`, `app.get(…)` and
/// every other [`TestClient`] story go through that browser.
pub struct TestApp {
    pub port: u16,
    /// The `METRICS_ADDR` listener's port, when the settings turn metrics on.
    pub metrics_port: Option<u16>,
    pub backend: Backend,
    pub settings: Settings,
    browser: TestClient,
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
        let metrics_port = app.metrics_port();
        tokio::spawn(app.run_until_stopped());
        Self {
            port,
            metrics_port,
            backend,
            settings,
            browser: TestClient::new(&format!("http://127.0.0.1:{port}")),
            db,
        }
    }

    /// A second, independent browser (its own cookie jar).
    pub fn new_client(&self) -> TestClient {
        TestClient::new(&self.address)
    }
}

impl Deref for TestApp {
    type Target = TestClient;

    /// The app's own browser.
    fn deref(&self) -> &TestClient {
        &self.browser
    }
}
