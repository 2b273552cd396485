//! [`envelope`], the outermost middleware: what every request is handled
//! within and every answer carries, errors, 404s and 413s included.
//!
//! - its id (`request_id`): the request runs in that id's scope, so each of
//!   its log lines carries it, and the answer says `X-Request-Id`;
//! - its language (`i18n`): decided once, kept for the request's whole
//!   course, said as `Content-Language` (with `Vary: Accept-Language`);
//! - the security headers, unless a handler set its own.
//!
//! One layer rather than three: each layer of middleware costs every
//! request a boxed future and a move of everything inside it, and these
//! three never answer on their own (bench/README.md, "Where the time went").

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;

use crate::client_ip::TrustedProxies;
use crate::i18n::Lang;
use crate::request_id::{self, RequestId};

/// The headers every answer carries (a handler's own value wins).
const SECURITY_HEADERS: [(HeaderName, &str); 5] = [
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
    ),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "same-origin"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    ),
];

/// Middleware (outermost): gives the request its id and language, handles
/// it within both, and puts them and the security headers on the answer.
pub async fn envelope<B: MessageBody>(
    trusted: &TrustedProxies,
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    let id = RequestId::of(&req, trusted);
    let lang = Lang::of(req.request());
    let mut res = id.clone().scope(lang.scope(next.call(req))).await?;
    let headers = res.headers_mut();
    if let Ok(value) = HeaderValue::from_str(id.as_str()) {
        headers.insert(request_id::HEADER, value);
    }
    lang.announce(headers);
    add_security_headers(headers);
    Ok(res)
}

fn add_security_headers(headers: &mut HeaderMap) {
    for (name, value) in SECURITY_HEADERS {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handlers_own_security_header_is_kept() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("SAMEORIGIN"),
        );
        add_security_headers(&mut headers);
        assert_eq!(headers.get(header::X_FRAME_OPTIONS).unwrap(), "SAMEORIGIN");
        assert_eq!(headers.get(header::REFERRER_POLICY).unwrap(), "same-origin");
        assert_eq!(headers.len(), SECURITY_HEADERS.len());
    }
}
