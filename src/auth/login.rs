//! A login's life on the actix session: [`start`] on a fresh session,
//! [`reissue`] under a new generation, [`logout`] for good, and
//! [`authenticate`] on every request.
//!
//! actix-identity keeps the user id; next to it we seal an [`SealedLogin`]:
//! the user's session generation, a random session id, the login time and
//! the last-seen time. The server trusts nothing but these sealed values, so
//! a copied cookie cannot outlive its timeouts (`auth::expiry`), a password
//! change, or "log out other sessions".

use actix_identity::{Identity, IdentityExt as _};
use actix_session::{Session, SessionExt as _};
use actix_web::{HttpMessage as _, HttpRequest};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDateTime;

use super::expiry::SealedLogin;
use super::session_checks::CachedUser;
use crate::db::revoked_sessions;
use crate::db::users::{self, User};
use crate::error::AppError;
use crate::state::AppState;

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

fn new_sid() -> String {
    let bytes: [u8; 16] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

fn session_error(e: impl std::fmt::Display) -> AppError {
    AppError::Unexpected(anyhow::anyhow!("session: {e}"))
}

/// Logs `user` in on a fresh session: nothing of the anonymous session survives.
pub fn start(req: &HttpRequest, user: &User, remember: bool) -> Result<SealedLogin, AppError> {
    let session = req.get_session();
    session.clear();
    let now = unix_now();
    let auth = SealedLogin {
        generation: user.session_generation,
        sid: new_sid(),
        login_at: now,
        seen_at: now,
        remember,
    };
    session.insert(LOGIN_KEY, &auth).map_err(session_error)?;
    // `login` renews the session (a new AES-GCM seal of the state).
    Identity::login(&req.extensions(), user.id.to_string()).map_err(session_error)?;
    Ok(auth)
}

/// Re-seals the current session under a new generation (after a password
/// change or "log out other sessions"), so this session stays while older
/// cookies die.
pub fn reissue(
    req: &HttpRequest,
    state: &AppState,
    current: &SealedLogin,
    generation: i32,
) -> Result<(), AppError> {
    state.session_checks.invalidate();
    let auth = SealedLogin {
        generation,
        seen_at: unix_now(),
        ..current.clone()
    };
    req.get_session()
        .insert(LOGIN_KEY, &auth)
        .map_err(session_error)
}

/// Ends the session: the cookie is removed in this response.
pub fn end(req: &HttpRequest) {
    req.get_session().purge();
}

/// Logs out for good: records this session's id as revoked (so copies of
/// the cookie die too), then removes the cookie. If the database cannot take
/// the record, nothing is confirmed: the error (503) says to try again, and
/// the cookie stays, since removing it here would leave copies alive.
pub async fn logout(req: &HttpRequest, state: &AppState) -> Result<(), AppError> {
    if let Some((id, auth)) = read_sealed_login(req) {
        let expires_at = chrono::DateTime::from_timestamp(state.timeouts.expires_at(&auth), 0)
            .map(|t| t.naive_utc());
        let now = chrono::Utc::now().naive_utc();
        // An already expired session has nothing left to revoke.
        if let Some(expires_at) = expires_at.filter(|t| *t > now) {
            state
                .db(move |conn| Ok(revoked_sessions::revoke(conn, &auth.sid, expires_at, now)?))
                .await?;
            state.session_checks.invalidate();
        }
        log::info!("logout: user_id={id}");
    }
    end(req);
    Ok(())
}

/// The sealed state of this request's session, if it has a login.
pub fn read_sealed_login(req: &HttpRequest) -> Option<(i32, SealedLogin)> {
    let id = req.get_identity().ok()?.id().ok()?.parse::<i32>().ok()?;
    let auth = read_auth(&req.get_session())?;
    Some((id, auth))
}

fn read_auth(session: &Session) -> Option<SealedLogin> {
    session.get::<SealedLogin>(LOGIN_KEY).ok().flatten()
}

/// The user behind session `sid` as the database sees it (or saw it less
/// than a second ago): `None` when the user is gone or the session revoked.
async fn checked_user(
    state: &AppState,
    id: i32,
    sid: &str,
) -> Result<Option<CachedUser>, AppError> {
    if let Some(known) = state.session_checks.lookup(id, sid) {
        return Ok(known);
    }
    let ticket = state.session_checks.ticket();
    let revoked_sid = sid.to_owned();
    let user = state
        .db(move |conn| match users::find_by_id(conn, id)? {
            Some(user) if !revoked_sessions::is_revoked(conn, &revoked_sid)? => {
                Ok(Some(CachedUser {
                    username: user.username,
                    session_generation: user.session_generation,
                    created_at: user.created_at,
                    last_login_at: user.last_login_at,
                }))
            }
            _ => Ok(None),
        })
        .await?;
    state
        .session_checks
        .store(ticket, id, sid.to_owned(), user.clone());
    Ok(user)
}

/// Who is logged in on this request, checked against the clock and the
/// database. An invalid session is purged (its cookie removed) and the
/// request treated as anonymous. `Err` only when the database fails.
pub async fn authenticate(
    req: &HttpRequest,
    state: &AppState,
) -> Result<Option<CurrentUser>, AppError> {
    let Ok(identity) = req.get_identity() else {
        return Ok(None); // anonymous
    };
    let sealed = identity.id().ok().and_then(|id| id.parse::<i32>().ok());
    let Some((id, auth)) = sealed.zip(read_auth(&req.get_session())) else {
        // An identity without our state (or garbage): not a login of ours.
        end(req);
        return Ok(None);
    };
    let now = unix_now();
    if !state.timeouts.is_live(&auth, now) {
        end(req);
        return Ok(None);
    }
    let Some(user) = checked_user(state, id, &auth.sid)
        .await?
        .filter(|u| u.session_generation == auth.generation)
    else {
        end(req);
        return Ok(None);
    };
    if state.timeouts.needs_touch(&auth, now) {
        let touched = SealedLogin {
            seen_at: now,
            ..auth.clone()
        };
        req.get_session()
            .insert(LOGIN_KEY, &touched)
            .map_err(session_error)?;
    }
    Ok(Some(CurrentUser {
        id,
        username: user.username,
        created_at: user.created_at,
        last_login_at: user.last_login_at,
        sealed: auth,
    }))
}
