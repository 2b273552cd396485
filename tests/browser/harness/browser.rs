//! The app and the headless Chromium session a test drives: navigation,
//! finding and filling elements, waiting for pages, screenshots.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use session_auth::config::{DatabaseUrl, MailTransport, Settings};
use session_auth::startup::Application;

use super::TIMEOUT;
use super::chromedriver::{Chromedriver, chromedriver};
use crate::support::mail::SmtpSink;

/// The app, a chromedriver and a headless Chromium session, for one test
/// (and any further browsers on the same app: [`Browser::second_on`]).
pub struct Browser {
    pub client: Client,
    /// `http://127.0.0.1:PORT` of the app (or `http://localhost:PORT`, see
    /// [`Browser::start_on_localhost`]).
    pub address: String,
    /// Where the app's mail goes (SMTP on 127.0.0.1); shared by the
    /// browsers on one app.
    pub sink: Arc<SmtpSink>,
    /// The app's `PUBLIC_URL`: `http://localhost:PORT`, the origin of mailed links.
    pub public_url: String,
    // Fields drop in this order: the browser processes go before their
    // profile directory is removed. The database goes with the last
    // browser on the app.
    _driver: Chromedriver,
    _profile: tempfile::TempDir,
    _database: Arc<tempfile::TempDir>,
}

impl Browser {
    /// Starts everything, or returns `None` when browser tests are skipped.
    pub async fn start() -> Option<Self> {
        Self::start_at("127.0.0.1", |_| {}).await
    }

    /// Like [`Browser::start`], but the browser opens the app at
    /// `http://localhost:PORT`, its `PUBLIC_URL`: WebAuthn needs a domain
    /// as relying-party id (Chromium refuses an IP address).
    pub async fn start_on_localhost() -> Option<Self> {
        Self::start_at("localhost", |_| {}).await
    }

    /// [`Browser::start_on_localhost`] with settings adjusted by `configure`.
    pub async fn start_on_localhost_with(configure: impl FnOnce(&mut Settings)) -> Option<Self> {
        Self::start_at("localhost", configure).await
    }

    async fn start_at(host: &str, configure: impl FnOnce(&mut Settings)) -> Option<Self> {
        let chromedriver = chromedriver()?;

        let database = tempfile::tempdir().expect("temp dir for the database");
        let url = DatabaseUrl::Sqlite(database.path().join("test.db"));
        let sink = SmtpSink::start().await;
        let mut settings = Settings::for_tests(url);
        settings.mail_transport = MailTransport::parse(&sink.url()).expect("the sink's URL");
        configure(&mut settings);
        let app = Application::build(settings)
            .await
            .expect("building the app");
        let port = app.port();
        tokio::spawn(app.run_until_stopped());

        let profile = tempfile::tempdir().expect("temp dir for the Chromium profile");
        let driver = Chromedriver::start(&chromedriver, profile.path()).await;
        let client = new_session(&driver, profile.path(), &[]).await;

        Some(Self {
            client,
            address: format!("http://{host}:{port}"),
            sink: Arc::new(sink),
            public_url: format!("http://localhost:{port}"),
            _driver: driver,
            _profile: profile,
            _database: Arc::new(database),
        })
    }

    /// Another browser on `first`'s app: a chromedriver and a fresh profile
    /// of its own (so its own cookies: another person's device, as far as
    /// the app can tell), with `args` added to Chromium's, e.g.
    /// `--user-agent=…`.
    pub async fn second_on(first: &Self, args: &[&str]) -> Self {
        let chromedriver = chromedriver().expect("chromedriver, as for the first browser");
        let profile = tempfile::tempdir().expect("temp dir for the Chromium profile");
        let driver = Chromedriver::start(&chromedriver, profile.path()).await;
        let client = new_session(&driver, profile.path(), args).await;
        Self {
            client,
            address: first.address.clone(),
            sink: Arc::clone(&first.sink),
            public_url: first.public_url.clone(),
            _driver: driver,
            _profile: profile,
            _database: Arc::clone(&first._database),
        }
    }

    /// Ends the browser session cleanly (the processes go on drop).
    pub async fn finish(self) {
        let Self { client, .. } = self;
        client.close().await.expect("closing the browser session");
    }

    /// `path` → `ADDRESS/path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Opens an app page (waits for it to load).
    pub async fn goto(&self, path: &str) {
        self.goto_url(&self.url(path)).await;
    }

    /// Opens any URL (waits for it to load).
    pub async fn goto_url(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("opening {url}: {e}"));
    }

    /// Reloads the current page (waits for it to load).
    pub async fn reload(&self) {
        self.client.refresh().await.expect("reloading the page");
    }

    /// The current URL's path and query, e.g. `/login?next=%2Fdashboard`.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current URL");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// The current URL in full.
    pub async fn current_url(&self) -> String {
        self.client
            .current_url()
            .await
            .expect("current URL")
            .to_string()
    }

    /// Waits until an element matching `css` is on the page.
    pub async fn wait_for(&self, css: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(TIMEOUT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(e) => self.fail(&format!("waiting for `{css}`: {e}")).await,
        }
    }

    /// Waits until an element matching `css` contains `text`; returns its text.
    pub async fn wait_for_text(&self, css: &str, text: &str) -> String {
        let deadline = Instant::now() + TIMEOUT;
        let mut last = String::new();
        loop {
            if let Ok(element) = self.client.find(Locator::Css(css)).await
                && let Ok(found) = element.text().await
            {
                if found.contains(text) {
                    return found;
                }
                last = found;
            }
            if Instant::now() > deadline {
                self.fail(&format!(
                    "waiting for `{css}` to contain {text:?} (last seen: {last:?})"
                ))
                .await;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The element matching `css`, which must be there now.
    pub async fn find(&self, css: &str) -> Element {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element,
            Err(e) => self.fail(&format!("finding `{css}`: {e}")).await,
        }
    }

    /// Whether an element matching `css` is on the page now.
    pub async fn has(&self, css: &str) -> bool {
        !self
            .client
            .find_all(Locator::Css(css))
            .await
            .expect("find_all")
            .is_empty()
    }

    /// How many elements match `css` now.
    pub async fn count(&self, css: &str) -> usize {
        self.client
            .find_all(Locator::Css(css))
            .await
            .expect("find_all")
            .len()
    }

    /// The text of the element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("element text")
    }

    /// An attribute of the element matching `css`.
    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.find(css).await.attr(name).await.expect("attribute")
    }

    /// The current value of the input matching `css`.
    pub async fn value(&self, css: &str) -> String {
        self.find(css)
            .await
            .prop("value")
            .await
            .expect("value property")
            .unwrap_or_default()
    }

    /// Types `value` into the (cleared) input matching `css`.
    pub async fn fill(&self, css: &str, value: &str) {
        let input = self.find(css).await;
        input.clear().await.expect("clearing an input");
        input.send_keys(value).await.expect("typing");
    }

    /// Clicks the element matching `css` and waits until the page it leads
    /// to has loaded (`click` itself does not wait for a navigation).
    pub async fn click_and_wait(&self, css: &str) {
        self.mark_page().await;
        self.find(css).await.click().await.expect("clicking");
        self.wait_for_new_page().await;
    }

    /// Marks the current document, so [`Self::wait_for_new_page`] can tell
    /// when another one has replaced it.
    pub async fn mark_page(&self) {
        self.client
            .execute("window.__oldPage = true;", vec![])
            .await
            .expect("marking the page");
    }

    /// Waits until the marked document is gone and its successor has loaded.
    pub async fn wait_for_new_page(&self) {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            // During the navigation the script may fail; just try again.
            let done = self
                .client
                .execute(
                    "return window.__oldPage !== true && document.readyState === 'complete';",
                    vec![],
                )
                .await;
            if matches!(done, Ok(Value::Bool(true))) {
                return;
            }
            if Instant::now() > deadline {
                self.fail("waiting for the next page").await;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Fails the test with the current URL and a piece of the page.
    pub async fn fail(&self, what: &str) -> ! {
        let url = self.client.current_url().await.map(|u| u.to_string());
        let source = self.client.source().await.unwrap_or_default();
        let excerpt: String = source.chars().take(3000).collect();
        panic!("{what}\nat {url:?}\npage:\n{excerpt}");
    }

    /// Saves a PNG of the viewport as `target/screenshots/NAME.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("screenshot");
        assert!(
            png.starts_with(b"\x89PNG\r\n\x1a\n"),
            "the screenshot is not a PNG"
        );
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("creating target/screenshots");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("writing the screenshot");
        path
    }
}

/// `target/screenshots` (beside `target/tmp`).
pub fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target dir")
        .join("screenshots")
}

/// A new headless Chromium session with a fresh profile in `profile`, with
/// `extra_args` after the usual arguments.
async fn new_session(driver: &Chromedriver, profile: &Path, extra_args: &[&str]) -> Client {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    let user_data_dir = profile.join("chromium");
    let mut args: Vec<String> = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
    ]
    .map(str::to_owned)
    .into();
    args.push(format!("--user-data-dir={}", user_data_dir.display()));
    args.extend(extra_args.iter().map(|a| (*a).to_owned()));
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_owned(),
        json!({ "binary": chromium, "args": args }),
    );
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .unwrap_or_else(|e| {
            panic!(
                "starting a Chromium session: {e}\nchromedriver log:\n{}",
                driver.log_text()
            )
        })
}
