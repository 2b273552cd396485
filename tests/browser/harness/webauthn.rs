//! chromedriver's virtual authenticator (W3C WebAuthn WebDriver extension):
//! a CTAP2 platform authenticator with resident keys and user verification,
//! so a test can create and use real passkeys without a device.

use fantoccini::wd::WebDriverCompatibleCommand;
use serde_json::{Value, json};

use super::Browser;

/// `POST /session/{id}/webauthn/authenticator` (and its credential list).
#[derive(Debug)]
enum Command {
    AddAuthenticator,
    Credentials(String),
}

impl WebDriverCompatibleCommand for Command {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        let session = session_id.unwrap_or_default();
        match self {
            Self::AddAuthenticator => {
                base_url.join(&format!("session/{session}/webauthn/authenticator"))
            }
            Self::Credentials(id) => base_url.join(&format!(
                "session/{session}/webauthn/authenticator/{id}/credentials"
            )),
        }
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        match self {
            Self::AddAuthenticator => {
                let options = json!({
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": true,
                    "hasUserVerification": true,
                    "isUserVerified": true,
                });
                (http::Method::POST, Some(options.to_string()))
            }
            Self::Credentials(_) => (http::Method::GET, None),
        }
    }
}

impl Browser {
    /// Adds a virtual authenticator to the browser; returns its id.
    pub async fn add_virtual_authenticator(&self) -> String {
        let answer = self
            .client
            .issue_cmd(Command::AddAuthenticator)
            .await
            .expect("adding a virtual authenticator (WebAuthn WebDriver extension)");
        match answer {
            Value::String(id) => id,
            other => panic!("a virtual authenticator id, not {other}"),
        }
    }

    /// The credentials the virtual authenticator `id` holds.
    pub async fn authenticator_credentials(&self, id: &str) -> Vec<Value> {
        let answer = self
            .client
            .issue_cmd(Command::Credentials(id.to_owned()))
            .await
            .expect("listing the virtual authenticator's credentials");
        answer.as_array().cloned().unwrap_or_default()
    }
}

impl Browser {
    /// Clicks the element matching `css` (a script answers; no page is awaited).
    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.expect("clicking");
    }

    /// Adds a passkey named `name` on `/account/passkeys` (the virtual
    /// authenticator answers); waits until the list shows it.
    pub async fn add_passkey(&self, name: &str) {
        if !self.path().await.starts_with("/account/passkeys") {
            self.goto("/account/passkeys").await;
        }
        self.fill("#name", name).await;
        self.click_and_wait("#passkey-add button[type=submit]")
            .await;
        assert_eq!(self.path().await, "/account/passkeys");
        let names = self.wait_for_text(".passkeys tbody", name).await;
        assert!(names.contains(name), "{names}");
    }
}
