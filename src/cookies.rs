//! The attributes every cookie of ours carries, in one place: `Path=/`,
//! `HttpOnly`, `SameSite=Lax`, and `Secure` per `COOKIE_SECURE`. The session
//! cookie gets them through actix-session's builder
//! (`auth::session_cookie`), the others through [`build`] and [`removal`].

use actix_web::cookie::{Cookie, SameSite};

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
