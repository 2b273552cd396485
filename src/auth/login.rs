//! A login on the actix session: [`start`] on a fresh session, [`end`],
//! and reading what is sealed there ([`read_sealed_login`]). Checking it on
//! every request, re-issuing and logging out for good need the database:
//! `auth::authenticator`.
//!
//! actix-identity keeps the user id; next to it we seal a [`SealedLogin`]:
//! the user's session generation, a random session id, the login time and
//! the last-seen time. The server trusts nothing but these sealed values, so
//! a copied cookie cannot outlive its timeouts (`auth::expiry`), a password
//! change, or "log out other sessions".

use actix_identity::config::LogoutBehavior;
use actix_identity::{Identity, IdentityExt as _, IdentityMiddleware};
use actix_session::{Session, SessionExt as _};
use actix_web::{HttpMessage as _, HttpRequest};
use chrono::NaiveDateTime;

use super::expiry::SealedLogin;
use super::session_records::SessionStart;
use crate::db::users::User;
use crate::error::AppError;

/// Session key of the identity (the user id); short, since it rides in every cookie.
pub const IDENTITY_KEY: &str = "uid";
/// Session key of [`SealedLogin`].
pub const LOGIN_KEY: &str = "auth";

/// The logged-in user, handed by the guard to handlers.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// User id.
    pub id: i32,
    /// Name as typed at registration.
    pub username: String,
    /// When the account was made (UTC).
    pub created_at: NaiveDateTime,
    /// The most recent login (UTC): this session's, or a later one elsewhere.
    pub last_login_at: Option<NaiveDateTime>,
    /// This session's sealed state.
    pub sealed: SealedLogin,
}

/// Seconds since the unix epoch.
pub fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

pub(super) fn session_error(e: impl std::fmt::Display) -> AppError {
    AppError::Unexpected(anyhow::anyhow!("session: {e}"))
}

/// Logs `user` in on a fresh session (`new`'s id and times, recorded by the
/// caller): nothing of the anonymous session survives.
pub fn start(req: &HttpRequest, user: &User, new: &SessionStart) -> Result<SealedLogin, AppError> {
    let session = req.get_session();
    session.clear();
    let auth = SealedLogin {
        generation: user.session_generation,
        sid: new.sid.clone(),
        login_at: new.at,
        seen_at: new.at,
        remember: new.remember,
        confirmed_at: None,
    };
    session.insert(LOGIN_KEY, &auth).map_err(session_error)?;
    // `login` renews the session (a new AES-GCM seal of the state).
    Identity::login(&req.extensions(), user.id.to_string()).map_err(session_error)?;
    Ok(auth)
}

/// Ends the session: the cookie is removed in this response.
pub fn end(req: &HttpRequest) {
    req.get_session().purge();
}

/// The sealed state of this request's session, if it has a login.
pub fn read_sealed_login(req: &HttpRequest) -> Option<(i32, SealedLogin)> {
    let id = req.get_identity().ok()?.id().ok()?.parse::<i32>().ok()?;
    let auth = read_auth(&req.get_session())?;
    Some((id, auth))
}

pub(super) fn read_auth(session: &Session) -> Option<SealedLogin> {
    session.get::<SealedLogin>(LOGIN_KEY).ok().flatten()
}

/// actix-identity keeps only the user id: the timeouts are ours (sealed in
/// [`SealedLogin`]), so its own deadlines are off.
pub fn identity_middleware() -> IdentityMiddleware {
    IdentityMiddleware::builder()
        .id_key(IDENTITY_KEY)
        .logout_behavior(LogoutBehavior::PurgeSession)
        .login_deadline(None)
        .visit_deadline(None)
        .build()
}
