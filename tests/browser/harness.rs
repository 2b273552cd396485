//! The browser harness: the app on a random port with a fresh SQLite
//! database, a chromedriver of its own, and headless Chromium driven through
//! fantoccini.
//!
//! Browser tests run when `CHROMEDRIVER` names a chromedriver binary (the
//! Chromium binary is `/usr/bin/chromium`, or `CHROMIUM` when set). Without
//! it each test notes that it was skipped and passes, except under `CI=true`,
//! where a missing `CHROMEDRIVER` is a failure.
//!
//! chromedriver starts in a process group of its own, and that whole group
//! (chromedriver and every Chromium process under it) is killed when the
//! [`Browser`] is dropped, so a failing test leaves no Chromium behind.

#![allow(dead_code, reason = "not every story uses each helper")]

use std::fs::File;
use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use session_auth::config::{DatabaseUrl, Settings};
use session_auth::startup::Application;

/// A password every story may use for its users.
pub const PASSWORD: &str = "correct horse battery staple";

/// How long to wait for a page or an element before failing.
const TIMEOUT: Duration = Duration::from_secs(15);

/// The chromedriver to use: `CHROMEDRIVER`, or `None` (with a note) when it
/// is not set. Under `CI=true` a missing `CHROMEDRIVER` is a failure.
pub fn chromedriver() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMEDRIVER").filter(|p| !p.is_empty()) {
        return Some(path.into());
    }
    assert!(
        std::env::var("CI").map_or(true, |v| v != "true"),
        "CI=true but CHROMEDRIVER is not set: the browser tests must run in CI"
    );
    eprintln!("SKIPPED (browser): set CHROMEDRIVER=/usr/bin/chromedriver");
    None
}

/// The app, a chromedriver and a headless Chromium session, for one test.
pub struct Browser {
    pub client: Client,
    /// `http://127.0.0.1:PORT` of the app.
    pub address: String,
    pub port: u16,
    // Fields drop in this order: the browser processes go before their
    // profile directory is removed.
    driver: Chromedriver,
    _profile: tempfile::TempDir,
    _database: tempfile::TempDir,
}

impl Browser {
    /// Starts everything, or returns `None` when browser tests are skipped.
    pub async fn start() -> Option<Self> {
        let chromedriver = chromedriver()?;

        let database = tempfile::tempdir().expect("temp dir for the database");
        let url = DatabaseUrl::Sqlite(database.path().join("test.db"));
        let app = Application::build(Settings::for_tests(url))
            .await
            .expect("building the app");
        let port = app.port();
        tokio::spawn(app.run_until_stopped());

        let profile = tempfile::tempdir().expect("temp dir for the Chromium profile");
        let driver = Chromedriver::start(&chromedriver, profile.path()).await;
        let client = new_session(&driver, profile.path()).await;

        Some(Self {
            client,
            address: format!("http://127.0.0.1:{port}"),
            port,
            driver,
            _profile: profile,
            _database: database,
        })
    }

    /// Ends the browser session cleanly (the processes go on drop).
    pub async fn finish(self) {
        let Self { client, .. } = self;
        client.close().await.expect("closing the browser session");
    }

    /// `path` → `http://127.0.0.1:PORT/path`.
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

    /// Registers through the form and waits for the dashboard.
    pub async fn register(&self, username: &str, password: &str) {
        self.goto("/register").await;
        self.fill("#username", username).await;
        self.fill("#password", password).await;
        self.fill("#password_confirm", password).await;
        self.click_and_wait("form[action='/register'] button[type=submit]")
            .await;
        self.expect_dashboard(username).await;
    }

    /// Fills in the login form on the current page and submits it.
    pub async fn submit_login(&self, username: &str, password: &str) {
        self.fill("#username", username).await;
        self.fill("#password", password).await;
        self.click_and_wait("form[action='/login'] button[type=submit]")
            .await;
    }

    /// Logs out with the button in the navigation bar; waits for the login page.
    pub async fn logout(&self) {
        self.click_and_wait("nav form.nav-form[action='/logout'] button")
            .await;
        self.expect_login_page().await;
    }

    /// Asserts the dashboard of `username` is shown.
    pub async fn expect_dashboard(&self, username: &str) {
        let heading = self.wait_for_text("h1", "Welcome to the dashboard").await;
        assert_eq!(heading, format!("Welcome to the dashboard, {username}"));
        assert_eq!(self.path().await, "/dashboard");
    }

    /// Asserts the login page is shown.
    pub async fn expect_login_page(&self) {
        self.wait_for("form[action='/login']").await;
        assert_eq!(self.text("h1").await, "Log in");
        assert!(self.path().await.starts_with("/login"), "on the login page");
    }

    /// Creates an account without the browser (JSON, as a script would).
    pub async fn create_user(&self, username: &str, password: &str) {
        let response = reqwest::Client::new()
            .post(self.url("/register"))
            .json(&json!({
                "username": username,
                "password": password,
                "password_confirm": password,
            }))
            .send()
            .await
            .expect("POST /register");
        assert_eq!(response.status(), reqwest::StatusCode::CREATED);
    }
}

/// `target/screenshots` (beside `target/tmp`).
pub fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target dir")
        .join("screenshots")
}

/// A chromedriver in a process group of its own, killed with all of its
/// Chromium processes when dropped.
struct Chromedriver {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Chromedriver {
    async fn start(binary: &Path, dir: &Path) -> Self {
        let port = free_port();
        let log = dir.join("chromedriver.log");
        let log_file = File::create(&log).expect("chromedriver log file");
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("log file"))
            .stderr(log_file)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", binary.display()));
        let mut driver = Self { child, port, log };

        let deadline = Instant::now() + TIMEOUT;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = driver.child.try_wait() {
                panic!("chromedriver exited with {status}:\n{}", driver.log_text());
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on port {port}:\n{}",
                driver.log_text()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        driver
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn signal_group(&self, signal: &str) -> bool {
        Command::new("kill")
            .args([signal, "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        self.signal_group("-TERM");
        let _ = self.child.wait();
        // Chromium's own processes go with their group; give them a moment,
        // then make sure none survives.
        let deadline = Instant::now() + Duration::from_secs(3);
        while group_alive(self.child.id()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        self.signal_group("-KILL");
    }
}

/// Whether a process of group `pgid` is still running. Zombies do not count:
/// the processes Chromium leaves to be reaped by PID 1 may stay zombies for a
/// while, and `kill -0` would count them. Without `/proc`, assume yes.
fn group_alive(pgid: u32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return true;
    };
    entries.flatten().any(|entry| {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            return false;
        };
        // `pid (comm) state ppid pgrp …`; comm may hold spaces and parentheses.
        let mut fields = stat
            .rsplit_once(')')
            .map_or("", |(_, rest)| rest)
            .split_whitespace();
        let state = fields.next();
        let pgrp = fields.nth(1);
        state.is_some_and(|s| s != "Z" && s != "X") && pgrp == Some(&pgid.to_string())
    })
}

/// A new headless Chromium session with a fresh profile in `profile`.
async fn new_session(driver: &Chromedriver, profile: &Path) -> Client {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    let user_data_dir = profile.join("chromium");
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_owned(),
        json!({
            "binary": chromium,
            "args": [
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
                format!("--user-data-dir={}", user_data_dir.display()),
            ],
        }),
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

/// A port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A second web server, on another port of 127.0.0.1 (so the same site but
/// another origin than the app), serving fixed pages. Stops when dropped.
pub struct OtherSite {
    pub address: String,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl OtherSite {
    /// Serves `pages` (path → HTML); any other path is a 404.
    pub fn serve(pages: Vec<(String, String)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding the other site");
        let address = format!("http://{}", listener.local_addr().expect("address"));
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    answer(stream, &pages);
                }
            }
        });
        Self {
            address,
            stop,
            thread: Some(thread),
        }
    }

    /// `path` → `http://127.0.0.1:OTHERPORT/path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }
}

impl Drop for OtherSite {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.address.trim_start_matches("http://"));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads one request's head and answers it with a page (HTTP/1.1, then closes).
fn answer(mut stream: TcpStream, pages: &[(String, String)]) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head);
    let path = head.split_whitespace().nth(1).unwrap_or("/");
    let (status, body) = pages
        .iter()
        .find(|(p, _)| p == path)
        .map_or(("404 Not Found", "not found"), |(_, html)| {
            ("200 OK", html.as_str())
        });
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
}
