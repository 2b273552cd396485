//! Which language a request is answered in: the `lang` cookie (the switch on
//! every page), else the best match in `Accept-Language`, else English.
//! The outermost middleware (`envelope`) decides it once per request with
//! [`Lang::of`] and keeps it for the request's whole course
//! ([`Lang::current`]), so that whatever renders a message — a page, an
//! error, a JSON `message`, a mail — finds it without being told.

use std::convert::Infallible;
use std::future::{Ready, ready};

use actix_web::cookie::Cookie;
use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{FromRequest, HttpRequest};

use crate::cookies;

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// English: the default, and the language of the logs.
    #[default]
    En,
    /// Korean.
    Ko,
}

/// The cookie that remembers the switch (`__Host-lang` with `COOKIE_SECURE`).
pub const COOKIE_NAMES: (&str, &str) = ("lang", "__Host-lang");

/// How long the choice is remembered: a year.
const REMEMBERED_FOR: actix_web::cookie::time::Duration =
    actix_web::cookie::time::Duration::days(365);

tokio::task_local! {
    static CURRENT: Lang;
}

impl Lang {
    /// Every language, in the switch's order.
    pub const ALL: [Self; 2] = [Self::En, Self::Ko];

    /// The BCP 47 tag (`<html lang>`, the cookie's value).
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Ko => "ko",
        }
    }

    /// The language's own name, as the switch shows it.
    pub fn own_name(self) -> &'static str {
        match self {
            Self::En => "English",
            Self::Ko => "한국어",
        }
    }

    /// `en`, `ko`, or a tag whose primary subtag is one of them (`ko-KR`).
    pub fn parse(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default();
        Self::ALL
            .into_iter()
            .find(|lang| primary.eq_ignore_ascii_case(lang.code()))
    }

    /// The request's language: the cookie, else `Accept-Language`, else English.
    pub fn of(req: &HttpRequest) -> Self {
        let chosen = chosen_in(req.headers()).and_then(Self::parse);
        chosen.unwrap_or_else(|| {
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map_or(Self::En, Self::negotiate)
        })
    }

    /// The supported language the client ranks highest (ties: the first
    /// named); English when it names none of ours.
    pub fn negotiate(accept_language: &str) -> Self {
        let mut best: Option<(Self, f32)> = None;
        for item in accept_language.split(',').take(16) {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Self::parse) else {
                continue;
            };
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())
                .unwrap_or(0.0);
            if q > 0.0 && best.is_none_or(|(_, top)| q > top) {
                best = Some((lang, q));
            }
        }
        best.map_or(Self::En, |(lang, _)| lang)
    }

    /// The language of the request being answered (English outside one).
    pub fn current() -> Self {
        CURRENT.try_with(|lang| *lang).unwrap_or_default()
    }

    /// Runs `work` in this language: a task spawned for a request (a mail
    /// sent after the answer) keeps the request's language.
    pub async fn scope<F: Future>(self, work: F) -> F::Output {
        CURRENT.scope(self, work).await
    }

    /// Says on an answer that it is in this language (`Content-Language`),
    /// and that caches must tell `Accept-Language` apart.
    pub fn announce(self, headers: &mut header::HeaderMap) {
        headers.insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(self.code()),
        );
        headers.append(header::VARY, HeaderValue::from_static("Accept-Language"));
    }

    /// The cookie that remembers this language.
    pub fn cookie(self, secure: bool) -> Cookie<'static> {
        let name = if secure {
            COOKIE_NAMES.1
        } else {
            COOKIE_NAMES.0
        };
        let mut cookie = cookies::build(name, self.code().to_owned(), secure);
        cookie.set_max_age(REMEMBERED_FOR);
        cookie
    }
}

/// The `lang` cookie's value, read from the headers themselves: actix's
/// `req.cookie()` would parse and keep the cookies before the session
/// middleware re-seals a fallback-key cookie in the header, and the session
/// would then read the stale one. Bytes, not text: every request pays for
/// this, and the session cookie beside it is long.
fn chosen_in(headers: &header::HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .flat_map(|v| v.as_bytes().split(|b| *b == b';'))
        .find_map(|pair| {
            let pair = pair.trim_ascii_start();
            let value = [COOKIE_NAMES.0, COOKIE_NAMES.1]
                .into_iter()
                .find_map(|name| pair.strip_prefix(name.as_bytes())?.strip_prefix(b"="))?;
            std::str::from_utf8(value.trim_ascii_end()).ok()
        })
}

/// Handlers take the language as an argument (cannot fail).
impl FromRequest for Lang {
    type Error = Infallible;
    type Future = Ready<Result<Self, Infallible>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self::of(req)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_best_supported_language() {
        assert_eq!(Lang::negotiate("ko-KR,ko;q=0.9,en-US;q=0.8"), Lang::Ko);
        assert_eq!(Lang::negotiate("en-GB,ko;q=0.5"), Lang::En);
        assert_eq!(Lang::negotiate("fr-FR, ko;q=0.3, de"), Lang::Ko);
        assert_eq!(Lang::negotiate("en;q=0.2, ko;q=0.8"), Lang::Ko);
        assert_eq!(Lang::negotiate("ko;q=0, en;q=0.1"), Lang::En);
        assert_eq!(Lang::negotiate("fr, de"), Lang::En);
        assert_eq!(Lang::negotiate(""), Lang::En);
        assert_eq!(Lang::negotiate("ko;q=banana"), Lang::En);
        assert_eq!(Lang::negotiate("*"), Lang::En);
    }

    #[test]
    fn the_cookie_is_found_among_the_others() {
        let mut headers = header::HeaderMap::new();
        let cookies = "session=abc; lang=ko; other=1";
        headers.insert(header::COOKIE, HeaderValue::from_static(cookies));
        assert_eq!(chosen_in(&headers), Some("ko"));
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("langx=ko; xlang=ko"),
        );
        assert_eq!(chosen_in(&headers), None);
        headers.insert(header::COOKIE, HeaderValue::from_static("__Host-lang=en"));
        assert_eq!(chosen_in(&headers), Some("en"));
    }

    #[test]
    fn tags_parse_by_their_primary_subtag() {
        assert_eq!(Lang::parse("KO"), Some(Lang::Ko));
        assert_eq!(Lang::parse("ko_KR"), Some(Lang::Ko));
        assert_eq!(Lang::parse("en-US"), Some(Lang::En));
        assert_eq!(Lang::parse("kor"), None);
        assert_eq!(Lang::parse(""), None);
    }
}
