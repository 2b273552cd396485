//! Checking a sealed login on every request ([`Authenticator::authenticate`]),
//! against the clock and the database, and the two changes that end other
//! copies of a session: [`Authenticator::reissue`] and
//! [`Authenticator::logout`].

use std::sync::Arc;

use actix_identity::IdentityExt as _;
use actix_session::SessionExt as _;
use actix_web::HttpRequest;
use diesel::Connection as _;

use super::expiry::{SealedLogin, SessionTimeouts};
use super::login::{
    CurrentUser, LOGIN_KEY, end, read_auth, read_sealed_login, session_error, unix_now,
};
use super::lookup_batches::LookupBatches;
use super::session_checks::{Answer, Flight, SessionCheckCache, Step};
use super::session_records::{Device, SessionStart, naive, new_sid};
use crate::client_ip::TrustedProxies;
use crate::db::security_events::{self, Kind};
use crate::db::{Database, QUERY_TIMEOUT, revoked_sessions, sessions};
use crate::domain::LoginMethod;
use crate::error::AppError;

/// How long a request waits for another's session look-up: the look-up is
/// bounded by `QUERY_TIMEOUT` itself; this only guards against a lost answer.
const LOOK_UP_BOUND: std::time::Duration =
    QUERY_TIMEOUT.saturating_add(std::time::Duration::from_secs(1));

/// What the guard needs: the database, the timeouts and the cache of recent
/// checks (shared by every worker, so a local revocation is seen by all).
#[derive(Clone)]
pub struct Authenticator {
    db: Database,
    timeouts: SessionTimeouts,
    trusted: TrustedProxies,
    checks: Arc<SessionCheckCache>,
    lookups: Arc<LookupBatches>,
}

impl Authenticator {
    /// An authenticator with an empty cache; `trusted` (`TRUSTED_PROXIES`)
    /// says whose `X-Forwarded-For` names the client in session records.
    pub fn new(db: Database, timeouts: SessionTimeouts, trusted: TrustedProxies) -> Self {
        Self {
            db,
            timeouts,
            trusted,
            checks: Arc::default(),
            lookups: Arc::default(),
        }
    }

    /// A new session for `req`, to record in the login's transaction and
    /// then start (`auth::login::start`).
    pub fn session_start(&self, req: &HttpRequest, remember: bool) -> SessionStart {
        SessionStart::new(req, &self.trusted, &self.timeouts, remember)
    }

    /// Where `req` comes from.
    pub fn device(&self, req: &HttpRequest) -> Device {
        Device::of(req, &self.trusted)
    }

    /// Forgets every cached check, so a change made here (a deletion, a new
    /// generation) takes effect on this instance at once.
    pub fn forget_checks(&self) {
        self.checks.invalidate();
    }

    /// Re-seals the current session under a new generation (after a password
    /// change or "log out other sessions"), so this session stays while older
    /// cookies die.
    pub fn reissue(
        &self,
        req: &HttpRequest,
        current: &SealedLogin,
        generation: i32,
    ) -> Result<(), AppError> {
        self.forget_checks();
        let sealed = SealedLogin {
            generation,
            seen_at: unix_now(),
            ..current.clone()
        };
        req.get_session()
            .insert(LOGIN_KEY, &sealed)
            .map_err(session_error)
    }

    /// Re-seals the current session as confirmed now (`/account/confirm`):
    /// sensitive changes are allowed for `REAUTH_WINDOW` from here.
    pub fn confirm(&self, req: &HttpRequest, current: &SealedLogin) -> Result<(), AppError> {
        let now = unix_now();
        let sealed = SealedLogin {
            confirmed_at: Some(now),
            seen_at: now,
            ..current.clone()
        };
        req.get_session()
            .insert(LOGIN_KEY, &sealed)
            .map_err(session_error)
    }

    /// Logs out for good: records this session's id as revoked (so copies of
    /// the cookie die too), then removes the cookie. If the database cannot take
    /// the record, nothing is confirmed: the error (503) says to try again, and
    /// the cookie stays, since removing it here would leave copies alive.
    pub async fn logout(&self, req: &HttpRequest) -> Result<(), AppError> {
        if let Some((id, sealed)) = read_sealed_login(req) {
            let expires_at = naive(self.timeouts.expires_at(&sealed));
            let now = chrono::Utc::now().naive_utc();
            // An already expired session has nothing left to revoke.
            if expires_at > now {
                let device = self.device(req);
                self.db
                    .run(move |conn| {
                        conn.transaction(|conn| {
                            revoked_sessions::revoke(conn, &sealed.sid, expires_at, now)?;
                            // A session from before records has none; nothing to tell then.
                            if sessions::mark_ended(conn, &sealed.sid, now)? {
                                let event = device.event(Kind::SessionEnded).detail("logged out");
                                security_events::record(conn, id, now, event)?;
                            }
                            diesel::QueryResult::Ok(())
                        })?;
                        Ok(())
                    })
                    .await?;
                self.forget_checks();
            }
            log::info!("logout: user_id={id}");
        }
        end(req);
        Ok(())
    }

    /// Who is logged in on this request, checked against the clock and the
    /// database. An invalid session is purged (its cookie removed) and the
    /// request treated as anonymous. `Err` only when the database fails.
    pub async fn authenticate(&self, req: &HttpRequest) -> Result<Option<CurrentUser>, AppError> {
        let Ok(identity) = req.get_identity() else {
            return Ok(None); // anonymous
        };
        let id = identity.id().ok().and_then(|id| id.parse::<i32>().ok());
        let Some((id, sealed)) = id.zip(read_auth(&req.get_session())) else {
            // An identity without our state (or garbage): not a login of ours.
            end(req);
            return Ok(None);
        };
        let now = unix_now();
        if !self.timeouts.is_live(&sealed, now) {
            end(req);
            return Ok(None);
        }
        let Some(user) = self
            .checked_user(id, &sealed.sid)
            .await?
            .filter(|u| u.session_generation == sealed.generation)
        else {
            end(req);
            return Ok(None);
        };
        if self.timeouts.needs_touch(&sealed, now) {
            let touched = SealedLogin {
                seen_at: now,
                ..sealed.clone()
            };
            req.get_session()
                .insert(LOGIN_KEY, &touched)
                .map_err(session_error)?;
            self.touch_record(req, id, &touched, now);
        }
        Ok(Some(CurrentUser {
            id,
            username: user.username,
            created_at: user.created_at,
            last_login_at: user.last_login_at,
            sealed,
        }))
    }

    /// The user behind session `sid` as the database sees it (or saw it
    /// within the last second): `None` when the user is gone or the session
    /// revoked. One look-up per session at a time (`auth::session_checks`).
    async fn checked_user(&self, id: i32, sid: &str) -> Result<Answer, AppError> {
        // A look-up abandoned, or voided by a local revocation while this
        // request waited, is asked again once through the cache; then
        // directly, so that frequent logouts here can never starve a request.
        for _ in 0..2 {
            let waiter = match self.checks.begin(id, sid) {
                Step::Known(answer) => return Ok(answer),
                Step::Refresh(stale, flight) => {
                    self.look_up(id, flight);
                    return Ok(stale);
                }
                Step::Lead(flight) => {
                    let waiter = flight.waiter();
                    self.look_up(id, flight);
                    waiter
                }
                Step::Wait(waiter) => waiter,
            };
            if let Some(outcome) = waiter.outcome(LOOK_UP_BOUND).await {
                return outcome.map_err(|failed| {
                    let cause = anyhow::anyhow!("checking the session: {}", failed.message);
                    if failed.unavailable {
                        AppError::DatabaseUnavailable(cause)
                    } else {
                        AppError::Unexpected(cause)
                    }
                });
            }
        }
        let sid = sid.to_owned();
        self.db
            .read(move |conn| Ok(revoked_sessions::live_session_user(conn, id, &sid)?))
            .await
    }

    /// Refreshes the session's record to the re-sealed last-seen time, in
    /// the background: the page never waits for it, and a client that keeps
    /// sending its old cookie costs one write per refresh interval, not one
    /// per request (`SessionCheckCache::first_touch`).
    fn touch_record(&self, req: &HttpRequest, user_id: i32, sealed: &SealedLogin, now: i64) {
        if !self.checks.first_touch(&sealed.sid, now) {
            return;
        }
        let (sid, expires_at) = (sealed.sid.clone(), naive(self.timeouts.expires_at(sealed)));
        let (login_at, device) = (naive(sealed.login_at), self.device(req));
        let db = self.db.clone();
        actix_web::rt::spawn(async move {
            let touched = db
                .run(move |c| {
                    let id = new_sid();
                    let record = sessions::NewSession {
                        id: &id,
                        sid: &sid,
                        user_id,
                        method: LoginMethod::UNKNOWN,
                        address: device.address.as_deref(),
                        user_agent: &device.user_agent,
                        label: &device.label,
                        created_at: login_at,
                        last_seen_at: naive(now),
                        expires_at,
                    };
                    Ok(sessions::touch(c, &record)?)
                })
                .await;
            if let Err(e) = touched {
                log::warn!("refreshing a session record's last-seen time: {e}");
            }
        });
    }

    /// Queues `flight`'s database look-up (`auth::lookup_batches`).
    fn look_up(&self, id: i32, flight: Flight) {
        self.lookups.look_up(&self.db, id, flight);
    }
}
