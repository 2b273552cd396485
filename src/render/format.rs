//! How the client wants its answer: the one rule, [`Format::of`].

use std::convert::Infallible;
use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest};

/// How the client wants its answer, success or error alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A browser: pages, and 303 redirects after a form.
    Html,
    /// A script speaking JSON.
    Json,
    /// Everything else (curl): one line of text, redirects after a form.
    Text,
}

impl Format {
    /// The one rule, applied to every answer of a request (the handler's
    /// success and the error renderer alike), first match wins:
    ///
    /// 1. a path under `/api/` is JSON (the API speaks nothing else);
    /// 2. a JSON request body is answered in JSON (whoever sent JSON reads
    ///    JSON, whatever its `Accept` says);
    /// 3. an `Accept` naming `text/html` is a browser: HTML;
    /// 4. an `Accept` naming `application/json`: JSON;
    /// 5. anything else: text.
    ///
    /// It reads only the request line and headers, so every place that asks
    /// gets the same answer; nothing is stored per request.
    pub fn of(req: &HttpRequest) -> Self {
        if req.path().starts_with("/api/") || sends_json(req) {
            return Self::Json;
        }
        let accept = req
            .headers()
            .get(header::ACCEPT)
            .map_or(&[][..], |v| v.as_bytes());
        if contains_ignore_case(accept, b"text/html") {
            Self::Html
        } else if contains_ignore_case(accept, b"application/json") {
            Self::Json
        } else {
            Self::Text
        }
    }
}

/// Handlers take the format as an argument (no allocation, cannot fail).
impl FromRequest for Format {
    type Error = Infallible;
    type Future = Ready<Result<Self, Infallible>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self::of(req)))
    }
}

/// Media types are case-insensitive; this runs on every request, so no allocation.
fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// Whether the request body is JSON (`application/json` or `…+json`).
pub fn sends_json(req: &HttpRequest) -> bool {
    req.mime_type()
        .ok()
        .flatten()
        .is_some_and(|m| m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON))
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn format(req: TestRequest) -> Format {
        Format::of(&req.to_http_request())
    }

    #[test]
    fn one_rule_decides_for_success_and_error_alike() {
        let html = "text/html,application/xhtml+xml,*/*;q=0.8";
        let browser = || {
            TestRequest::get()
                .uri("/dashboard")
                .insert_header(("accept", html))
        };
        assert_eq!(format(browser()), Format::Html);
        assert_eq!(
            format(browser().insert_header(("content-type", "application/json"))),
            Format::Json,
            "a JSON body is answered in JSON"
        );
        assert_eq!(
            format(
                TestRequest::get()
                    .uri("/api/me")
                    .insert_header(("accept", html))
            ),
            Format::Json
        );
        let json = TestRequest::get().insert_header(("accept", "Application/JSON"));
        assert_eq!(format(json), Format::Json);
        assert_eq!(
            format(TestRequest::get().insert_header(("accept", "*/*"))),
            Format::Text
        );
    }
}
