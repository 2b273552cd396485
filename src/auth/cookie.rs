//! The session cookie's policy around actix-session.
//!
//! actix-session seals and opens the cookie with one key. Around it:
//! - [`seal_policy`] (outside the session middleware) opens the cookie first:
//!   a cookie sealed with a `SECRET_KEY_FALLBACKS` key is re-sealed with the
//!   current key and answered with that new cookie; an unreadable cookie is
//!   dropped and cleared in the response (actix-session would silently keep
//!   it); and a "remember me" session's cookie gets its `Max-Age`.
//! - [`session_hook`] (inside it) renews a re-sealed session so it is written
//!   back, and notes when the written session is a "remember me" one.

use actix_session::{SessionExt as _, SessionStatus};
use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, CookieJar, Key, SameSite, time};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage as _, web};

use super::session::{AUTH_KEY, AuthState, unix_now};
use crate::state::AppState;

/// The cookie's name, keys and attributes.
pub struct SessionCookie {
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

/// Marks a response whose session is a "remember me" one, until this unix second.
#[derive(Clone, Copy)]
struct PersistentUntil(i64);

enum Incoming {
    Absent,
    Readable,
    Resealed(String),
    Unreadable,
}

impl SessionCookie {
    fn open(&self, value: &str) -> Incoming {
        let opens_with = |key: &Key| {
            let mut jar = CookieJar::new();
            jar.add_original(Cookie::new(self.name, value.to_owned()));
            jar.private(key)
                .get(self.name)
                .map(|c| c.value().to_owned())
        };
        if opens_with(&self.key).is_some() {
            return Incoming::Readable;
        }
        for fallback in &self.fallbacks {
            if let Some(plain) = opens_with(fallback) {
                let mut jar = CookieJar::new();
                jar.private_mut(&self.key)
                    .add(Cookie::new(self.name, plain));
                if let Some(sealed) = jar.get(self.name) {
                    return Incoming::Resealed(sealed.value().to_owned());
                }
            }
        }
        Incoming::Unreadable
    }

    fn removal(&self) -> Cookie<'static> {
        let mut cookie = Cookie::build(self.name, "")
            .path("/")
            .http_only(true)
            .secure(self.secure)
            .same_site(SameSite::Lax)
            .finish();
        cookie.make_removal();
        cookie
    }
}

/// Rewrites the request's `Cookie` headers: our cookie replaced by `value`,
/// or removed when `value` is `None`. Other cookies are kept as sent.
fn rewrite_cookie_header(req: &mut ServiceRequest, name: &str, value: Option<&str>) {
    let mut kept: Vec<String> = req
        .headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .filter(|pair| !pair.is_empty() && pair.split('=').next() != Some(name))
        .map(str::to_owned)
        .collect();
    if let Some(value) = value {
        kept.push(Cookie::new(name, value).encoded().to_string());
    }
    let headers = req.headers_mut();
    headers.remove(header::COOKIE);
    if let Ok(joined) = HeaderValue::from_str(&kept.join("; "))
        && !kept.is_empty()
    {
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
pub async fn seal_policy(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await;
    };
    let policy = &state.session_cookie;
    let incoming = match incoming_value(&req, policy.name) {
        None => Incoming::Absent,
        Some(value) => policy.open(&value),
    };
    match &incoming {
        Incoming::Resealed(sealed) => {
            rewrite_cookie_header(&mut req, policy.name, Some(sealed));
            req.extensions_mut().insert(Resealed);
        }
        Incoming::Unreadable => {
            log::warn!(
                "session cookie failed its integrity check; treating the request as anonymous"
            );
            rewrite_cookie_header(&mut req, policy.name, None);
        }
        Incoming::Absent | Incoming::Readable => {}
    }

    let mut res = next.call(req).await?;

    let persistent = res.request().extensions().get::<PersistentUntil>().copied();
    let mut ours_set = false;
    let mut rewritten = Vec::new();
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
                rewritten.push(cookie.encoded().to_string());
            }
            _ => rewritten.push(value.to_str().unwrap_or_default().to_owned()),
        }
    }
    if !ours_set && matches!(incoming, Incoming::Unreadable) {
        rewritten.push(policy.removal().encoded().to_string());
    }
    let headers = res.headers_mut();
    headers.remove(header::SET_COOKIE);
    for value in rewritten {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.append(header::SET_COOKIE, value);
        }
    }
    Ok(res)
}

/// Inner middleware (inside actix-session): see the module docs.
pub async fn session_hook(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.extensions().get::<Resealed>().is_some() {
        req.get_session().renew();
    }
    let remember_secs = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.session_cookie.remember_secs);
    let res = next.call(req).await?;
    let session = res.request().get_session();
    if matches!(
        session.status(),
        SessionStatus::Changed | SessionStatus::Renewed
    ) && let (Ok(Some(auth)), Some(secs)) = (session.get::<AuthState>(AUTH_KEY), remember_secs)
        && auth.remember
    {
        res.request()
            .extensions_mut()
            .insert(PersistentUntil(auth.login_at.saturating_add(secs)));
    }
    Ok(res)
}
