//! The session cookie: its settings ([`SessionCookieConfig`], which also
//! builds actix-session's middleware) and its upkeep around actix-session.
//!
//! actix-session seals and opens the cookie with one key. Around it:
//! - [`reseal_and_set_lifetime`] (outside the session middleware): during a key rotation
//!   it opens the cookie first, and one sealed with a `SECRET_KEY_FALLBACKS`
//!   key is re-sealed with the current key and answered with that new cookie.
//!   On the way out it clears a cookie that could not be opened (actix-session
//!   would silently leave it) and gives a "remember me" cookie its `Max-Age`.
//! - [`note_session_outcome`] (inside it) renews a re-sealed session so it is written
//!   back, notes when the written session is a "remember me" one, and notes
//!   a cookie that left the session empty, i.e. could not be opened.

use actix_session::config::{BrowserSession, CookieContentSecurity};
use actix_session::storage::CookieSessionStore;
use actix_session::{SessionExt as _, SessionMiddleware, SessionStatus};
use actix_web::HttpMessage as _;
use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, CookieJar, Key, time};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

use super::expiry::SealedLogin;
use super::login::{LOGIN_KEY, unix_now};
use crate::cookies;

/// The cookie's name, keys and attributes.
#[derive(Clone)]
pub struct SessionCookieConfig {
    /// `session` or `__Host-session`.
    pub name: &'static str,
    /// The `Secure` attribute.
    pub secure: bool,
    /// Seals new cookies.
    pub key: Key,
    /// Older keys whose cookies are still accepted.
    pub fallbacks: Vec<Key>,
    /// `REMEMBER_ME_DURATION` in seconds.
    pub remember_secs: i64,
}

/// Marks a request whose cookie was re-sealed with the current key.
#[derive(Clone, Copy)]
struct Resealed;

/// Marks a request whose session cookie could not be opened.
#[derive(Clone, Copy)]
struct Unreadable;

/// Marks a response whose session is a "remember me" one, until this unix second.
#[derive(Clone, Copy)]
struct PersistentUntil(i64);

impl SessionCookieConfig {
    /// A cookie that the current key cannot open but a fallback key can,
    /// sealed anew with the current key.
    fn reseal(&self, value: &str) -> Option<String> {
        let open_with = |key: &Key| {
            let mut jar = CookieJar::new();
            jar.add_original(Cookie::new(self.name, value.to_owned()));
            jar.private(key)
                .get(self.name)
                .map(|c| c.value().to_owned())
        };
        if open_with(&self.key).is_some() {
            return None;
        }
        let plain = self.fallbacks.iter().find_map(open_with)?;
        let mut jar = CookieJar::new();
        jar.private_mut(&self.key)
            .add(Cookie::new(self.name, plain));
        jar.get(self.name).map(|c| c.value().to_owned())
    }

    /// actix-session with the whole cookie policy spelled out.
    pub fn middleware(&self) -> SessionMiddleware<CookieSessionStore> {
        SessionMiddleware::builder(CookieSessionStore::default(), self.key.clone())
            .cookie_name(self.name.to_owned())
            .cookie_content_security(CookieContentSecurity::Private)
            .cookie_http_only(cookies::HTTP_ONLY)
            .cookie_same_site(cookies::SAME_SITE)
            .cookie_path(cookies::PATH.to_owned())
            .cookie_domain(None)
            .cookie_secure(self.secure)
            // A browser-session cookie; "remember me" gets its Max-Age in
            // `reseal_and_set_lifetime`.
            .session_lifecycle(BrowserSession::default())
            .build()
    }
}

/// Rewrites the request's `Cookie` headers with our cookie replaced by
/// `value`; other cookies are kept as sent.
fn rewrite_cookie_header(req: &mut ServiceRequest, name: &str, value: &str) {
    let mut kept: Vec<String> = req
        .headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .filter(|pair| !pair.is_empty() && pair.split('=').next() != Some(name))
        .map(str::to_owned)
        .collect();
    kept.push(Cookie::new(name, value).encoded().to_string());
    let headers = req.headers_mut();
    headers.remove(header::COOKIE);
    if let Ok(joined) = HeaderValue::from_str(&kept.join("; ")) {
        headers.insert(header::COOKIE, joined);
    }
}

fn incoming_value(req: &ServiceRequest, name: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| Cookie::parse_encoded(pair.trim().to_owned()).ok())
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// Outer middleware: see the module docs.
pub async fn reseal_and_set_lifetime<B: MessageBody>(
    policy: &SessionCookieConfig,
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    // Only during a key rotation does the cookie need opening before
    // actix-session reads it; otherwise this costs nothing per request.
    if !policy.fallbacks.is_empty()
        && let Some(sealed) = incoming_value(&req, policy.name).and_then(|v| policy.reseal(&v))
    {
        rewrite_cookie_header(&mut req, policy.name, &sealed);
        req.extensions_mut().insert(Resealed);
    }

    let mut res = next.call(req).await?;

    let persistent = res.request().extensions().get::<PersistentUntil>().copied();
    let unreadable = res.request().extensions().get::<Unreadable>().is_some();
    if persistent.is_none() && !unreadable {
        return Ok(res);
    }
    let mut ours_set = false;
    // Other cookies pass byte for byte; ours is re-encoded (always a valid
    // header value: `encoded` percent-encodes).
    let encode = |c: &Cookie<'_>| HeaderValue::from_str(&c.encoded().to_string()).ok();
    let mut rewritten: Vec<HeaderValue> = Vec::new();
    for value in res.headers().get_all(header::SET_COOKIE) {
        let parsed = value
            .to_str()
            .ok()
            .and_then(|v| Cookie::parse_encoded(v.to_owned()).ok());
        match parsed {
            Some(mut cookie) if cookie.name() == policy.name => {
                ours_set = true;
                let removal = cookie.value().is_empty();
                if let (Some(PersistentUntil(until)), false) = (persistent, removal) {
                    let max_age = time::Duration::seconds((until - unix_now()).max(0));
                    cookie.set_max_age(max_age);
                    cookie.set_expires(time::OffsetDateTime::now_utc() + max_age);
                }
                rewritten.extend(encode(&cookie));
            }
            _ => rewritten.push(value.clone()),
        }
    }
    // actix-session ignores a cookie it cannot open; we clear it.
    if !ours_set && unreadable {
        rewritten.extend(encode(&cookies::removal(policy.name, policy.secure)));
    }
    let headers = res.headers_mut();
    headers.remove(header::SET_COOKIE);
    for value in rewritten {
        headers.append(header::SET_COOKIE, value);
    }
    Ok(res)
}

/// Inner middleware (inside actix-session): see the module docs.
pub async fn note_session_outcome<B: MessageBody>(
    policy: &SessionCookieConfig,
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    if req.extensions().get::<Resealed>().is_some() {
        req.get_session().renew();
    }
    let res = next.call(req).await?;
    let request = res.request();
    let session = request.get_session();
    match session.status() {
        SessionStatus::Changed | SessionStatus::Renewed => {
            if let Ok(Some(auth)) = session.get::<SealedLogin>(LOGIN_KEY)
                && auth.remember
            {
                let until = auth.login_at.saturating_add(policy.remember_secs);
                request.extensions_mut().insert(PersistentUntil(until));
            }
        }
        // We never store an empty session, so a cookie that left it empty
        // could not be opened (tampered, truncated, another key).
        SessionStatus::Unchanged
            if session.entries().is_empty()
                && cookies::was_sent(request.headers(), policy.name) =>
        {
            request.extensions_mut().insert(Unreadable);
        }
        _ => {}
    }
    Ok(res)
}
