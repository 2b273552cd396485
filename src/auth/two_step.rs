//! The state between a right password and its second step (TOTP on): sealed
//! in the session cookie for 5 minutes, and no session. It carries no
//! identity, so every guarded page still treats the request as anonymous.

use actix_session::SessionExt as _;
use actix_web::HttpRequest;
use serde::{Deserialize, Serialize};

use super::login::{session_error, unix_now};
use crate::db::users::User;
use crate::error::AppError;

/// Session key of [`PendingLogin`].
const PENDING_KEY: &str = "2fa";
/// How long the second step may wait, in seconds.
pub const PENDING_FOR: i64 = 300;

/// A right password waiting for its code (short field names: it rides in the cookie).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingLogin {
    /// The account.
    #[serde(rename = "u")]
    pub user_id: i32,
    /// Its session generation when the password was checked: a password
    /// change meanwhile voids the step.
    #[serde(rename = "g")]
    pub generation: i32,
    /// "Remember me", as asked in the first step.
    #[serde(rename = "r")]
    pub remember: bool,
    /// Where to go afterwards (already checked to be a local path, or empty).
    #[serde(rename = "n")]
    pub next: String,
    /// When the password was checked, unix seconds.
    #[serde(rename = "t")]
    pub at: i64,
}

/// Replaces whatever the session held with the pending step of `user`.
pub fn begin(req: &HttpRequest, user: &User, remember: bool, next: &str) -> Result<(), AppError> {
    let session = req.get_session();
    session.clear();
    let pending = PendingLogin {
        user_id: user.id,
        generation: user.session_generation,
        remember,
        next: next.to_owned(),
        at: unix_now(),
    };
    session
        .insert(PENDING_KEY, &pending)
        .map_err(session_error)?;
    session.renew();
    Ok(())
}

/// The pending step of this request, unless it is older than five minutes.
pub fn pending(req: &HttpRequest) -> Option<PendingLogin> {
    let pending: PendingLogin = req.get_session().get(PENDING_KEY).ok().flatten()?;
    let age = unix_now() - pending.at;
    (0..PENDING_FOR).contains(&age).then_some(pending)
}

/// Drops the pending step (the login starts afresh).
pub fn forget(req: &HttpRequest) {
    req.get_session().remove(PENDING_KEY);
}
