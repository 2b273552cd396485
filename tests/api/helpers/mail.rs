//! Apps that send mail to an [`SmtpSink`] on 127.0.0.1 (a real SMTP hop),
//! and the steps of the mail stories.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use session_auth::config::{MailTransport, Settings};

use super::{Backend, TestApp, TestClient};
use crate::support::PASSWORD;
pub use crate::support::mail::{Mail, SmtpSink};

/// How long a story waits for a mail.
pub const MAIL_WAIT: Duration = Duration::from_secs(10);

/// An app whose mail goes to its own SMTP sink.
pub struct MailApp {
    pub app: TestApp,
    pub sink: SmtpSink,
    /// How many mails each address was read by [`MailApp::mail_to`].
    read: std::sync::Mutex<std::collections::HashMap<String, usize>>,
}

impl std::ops::Deref for MailApp {
    type Target = TestApp;

    fn deref(&self) -> &TestApp {
        &self.app
    }
}

impl MailApp {
    /// The app with test settings, mail through SMTP to a fresh sink.
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    /// The same, with settings adjusted by `configure`.
    pub async fn spawn_with(backend: Backend, configure: impl FnOnce(&mut Settings)) -> Self {
        let sink = SmtpSink::start().await;
        let transport = MailTransport::parse(&sink.url()).expect("the sink's URL");
        let app = TestApp::spawn_with(backend, |s| {
            s.mail_transport = transport;
            configure(s);
        })
        .await;
        Self {
            app,
            sink,
            read: Default::default(),
        }
    }

    /// Where links in mail point: `http://localhost:PORT` (the default
    /// `PUBLIC_URL`, made from the bound port).
    pub fn public_url(&self) -> String {
        format!("http://localhost:{}", self.port)
    }

    /// The next mail to `to`.
    pub async fn mail_to(&self, to: &str) -> Mail {
        let mail = self.sink.next_mail_to(to, MAIL_WAIT).await;
        *self
            .read
            .lock()
            .unwrap()
            .entry(to.to_lowercase())
            .or_default() += 1;
        mail
    }

    /// The token of the link to `path` (`/email/verify`, `/password/reset`) in `mail`.
    pub fn token_in(&self, mail: &Mail, path: &str) -> String {
        let prefix = format!("{}{path}?token=", self.public_url());
        mail.token(&prefix)
            .unwrap_or_else(|| panic!("no {prefix}… link in:\n{}", mail.text))
    }

    /// Registers `username` with `email` in `client` (logged in after),
    /// and verifies the address with the link mailed to it.
    pub async fn register_verified(&self, client: &TestClient, username: &str, email: &str) {
        let body = json!({ "username": username, "password": PASSWORD, "email": email });
        let response = client.post_json("/register", &body).await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "registering {username}"
        );
        let mail = self.mail_to(email).await;
        let token = self.token_in(&mail, "/email/verify");
        let response = client
            .get_json(&format!("/email/verify?token={token}"))
            .await;
        assert_eq!(response.status(), StatusCode::OK, "verifying {email}");
    }

    /// Asks for a reset link for `login` (JSON) and returns its token.
    pub async fn reset_token(&self, login: &str, email: &str) -> String {
        let response = self
            .new_client()
            .post_json("/password/forgot", &json!({ "login": login }))
            .await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        let mail = self.mail_to(email).await;
        self.token_in(&mail, "/password/reset")
    }

    /// Waits a little and checks that no mail went to `to` but those read
    /// already (mail leaves from a background queue).
    pub async fn assert_no_mail_to(&self, to: &str) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let sent: Vec<String> = self
            .sink
            .all()
            .iter()
            .filter(|m| m.envelope_to.iter().any(|t| t.eq_ignore_ascii_case(to)))
            .map(|m| m.subject.clone())
            .collect();
        let read = self.read.lock().unwrap().get(&to.to_lowercase()).copied();
        assert_eq!(
            sent.len(),
            read.unwrap_or(0),
            "more mail went to {to}: {sent:?}"
        );
    }
}
