//! One-time notices ("You have been logged out"), Flask's `flash()`.
//!
//! They travel in their own small encrypted cookie rather than in the
//! session: a notice must survive logout, where the session cookie is
//! removed. The page that shows them clears the cookie.

use actix_web::cookie::{Cookie, CookieJar, Key};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::cookies;
use crate::error::AppError;
use crate::i18n::Text;

/// How a notice is styled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Something worked.
    Success,
    /// Neutral news.
    Info,
    /// Something failed.
    Error,
}

/// One notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlashMessage {
    /// Style.
    pub level: Level,
    /// Text shown to the person, in the language of the page that shows it.
    pub message: Text,
}

impl FlashMessage {
    /// A success notice.
    pub fn success(message: Text) -> Self {
        Self {
            level: Level::Success,
            message,
        }
    }

    /// A neutral notice.
    pub fn info(message: Text) -> Self {
        Self {
            level: Level::Info,
            message,
        }
    }
}

/// Reads and writes the flash cookie.
#[derive(Clone)]
pub struct FlashCookies {
    key: Key,
    name: &'static str,
    secure: bool,
}

impl FlashCookies {
    /// Same key as the session (the cookie name is bound into the
    /// encryption, so one cannot be passed off as the other).
    pub fn new(key: Key, secure: bool) -> Self {
        let name = if secure { "__Host-flash" } else { "flash" };
        Self { key, name, secure }
    }

    /// The notices waiting for this request: `None` without a flash cookie,
    /// `Some` (empty when unreadable) when there is one to clear.
    pub fn read(&self, req: &HttpRequest) -> Option<Vec<FlashMessage>> {
        let cookie = req.cookie(self.name)?;
        let mut jar = CookieJar::new();
        jar.add_original(cookie);
        Some(
            jar.private(&self.key)
                .get(self.name)
                .and_then(|c| serde_json::from_str(c.value()).ok())
                .unwrap_or_default(),
        )
    }

    /// A cookie carrying `messages` to the next page.
    fn cookie(&self, messages: &[FlashMessage]) -> Result<Cookie<'static>, AppError> {
        let value = serde_json::to_string(messages)
            .map_err(|e| anyhow::anyhow!("encoding flash notices: {e}"))?;
        let mut jar = CookieJar::new();
        jar.private_mut(&self.key)
            .add(cookies::build(self.name, value, self.secure));
        let sealed = jar.get(self.name).cloned();
        Ok(sealed.ok_or_else(|| anyhow::anyhow!("the flash cookie was not sealed"))?)
    }

    /// 303 See Other to `location`, carrying `message` to the page there.
    pub fn see_other_with(
        &self,
        location: &str,
        message: FlashMessage,
    ) -> Result<HttpResponse, AppError> {
        Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, location))
            .cookie(self.cookie(&[message])?)
            .finish())
    }

    /// A cookie that deletes the flash cookie.
    pub fn removal(&self) -> Cookie<'static> {
        cookies::removal(self.name, self.secure)
    }
}
