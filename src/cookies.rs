//! The attributes every cookie of ours carries, in one place: `Path=/`,
//! `HttpOnly`, `SameSite=Lax`, and `Secure` per `COOKIE_SECURE`. The session
//! cookie gets them through actix-session's builder
//! (`auth::session_cookie`), the others through [`build`] and [`removal`].

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, CookieJar, Key, SameSite};
use actix_web::http::header::{self, HeaderMap};

/// Every cookie is for the whole site.
pub const PATH: &str = "/";
/// Sent on top-level navigations from other sites (links), not on their
/// form posts or fetches.
pub const SAME_SITE: SameSite = SameSite::Lax;
/// No script reads our cookies.
pub const HTTP_ONLY: bool = true;

/// A cookie `name=value` with our attributes (a browser-session cookie).
pub fn build(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build(name, value)
        .path(PATH)
        .http_only(HTTP_ONLY)
        .secure(secure)
        .same_site(SAME_SITE)
        .finish()
}

/// A cookie that deletes `name` (same attributes, or the browser keeps it).
pub fn removal(name: &'static str, secure: bool) -> Cookie<'static> {
    let mut cookie = build(name, String::new(), secure);
    cookie.make_removal();
    cookie
}

/// A short-lived cookie for one path whose value is encrypted and
/// authenticated with the secret key (the cookie's name is bound into the
/// seal, so no other cookie of ours can be passed off as it).
#[derive(Clone)]
pub struct SealedCookie {
    key: Key,
    name: &'static str,
    path: &'static str,
    secure: bool,
}

impl SealedCookie {
    /// `name` (`__Secure-name` when `secure`), sent only to `path`.
    pub fn new(
        key: Key,
        names: (&'static str, &'static str),
        path: &'static str,
        secure: bool,
    ) -> Self {
        let name = if secure { names.1 } else { names.0 };
        Self {
            key,
            name,
            path,
            secure,
        }
    }

    /// The value, when the request carries this cookie and its seal holds.
    pub fn read(&self, req: &HttpRequest) -> Option<String> {
        let mut jar = CookieJar::new();
        jar.add_original(req.cookie(self.name)?);
        jar.private(&self.key)
            .get(self.name)
            .map(|c| c.value().to_owned())
    }

    /// The cookie carrying `value` for `max_age`.
    pub fn sealed(&self, value: String, max_age: std::time::Duration) -> Cookie<'static> {
        let mut jar = CookieJar::new();
        jar.private_mut(&self.key)
            .add(Cookie::new(self.name, value));
        let mut cookie = jar
            .get(self.name)
            .cloned()
            .unwrap_or_else(|| Cookie::new(self.name, ""));
        self.attributes(&mut cookie);
        let secs = i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX);
        cookie.set_max_age(actix_web::cookie::time::Duration::seconds(secs));
        cookie
    }

    /// A cookie that deletes this one.
    pub fn removal(&self) -> Cookie<'static> {
        let mut cookie = Cookie::new(self.name, "");
        self.attributes(&mut cookie);
        cookie.make_removal();
        cookie
    }

    fn attributes(&self, cookie: &mut Cookie<'static>) {
        cookie.set_path(self.path);
        cookie.set_http_only(HTTP_ONLY);
        cookie.set_secure(self.secure);
        cookie.set_same_site(SAME_SITE);
    }
}

/// Whether the request's `Cookie` headers name a cookie `name`, judged on
/// the raw text: actix's parsed cookies leave out one whose value does not
/// percent-decode to UTF-8 (`%AF`), yet the client still holds it and must
/// be told to drop it.
pub fn was_sent(headers: &HeaderMap, name: &str) -> bool {
    headers
        .get_all(header::COOKIE)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .any(|pair| {
            pair.trim_start()
                .strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('='))
        })
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::HeaderValue;

    use super::*;

    #[test]
    fn a_cookie_is_seen_in_the_raw_header_even_when_its_value_does_not_decode() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; session=x%AFy"),
        );
        assert!(was_sent(&headers, "session"));
        assert!(was_sent(&headers, "a"));
        assert!(!was_sent(&headers, "sess"), "a prefix is another name");
        assert!(!was_sent(&headers, "flash"));
    }
}
