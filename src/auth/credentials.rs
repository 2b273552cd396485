//! Checking a login attempt: the username lock-out, bcrypt, and the
//! bookkeeping of failures and successes.

use chrono::Utc;
use diesel::Connection as _;

use super::password_hasher::{PasswordHasher, Verification};
use super::session_records::{Device, SessionStart};
use super::throttle::lock_duration;
use crate::db::security_events::{self, Kind};
use crate::db::users::{self, User};
use crate::db::{Database, login_failures};
use crate::domain::{LoginMethod, Username};
use crate::error::AppError;
use crate::metrics::Metrics;

/// What checking a login needs.
pub struct Checker<'a> {
    /// The users and their failure counts.
    pub db: &'a Database,
    /// bcrypt.
    pub hasher: &'a PasswordHasher,
    /// `LOGIN_MAX_FAILURES`.
    pub max_failures: u32,
    /// Counts the lock-outs.
    pub metrics: &'a Metrics,
}

/// A right password: the login is done, or (TOTP on) it waits for its
/// second step, and nothing counts as a success yet.
pub enum Passed {
    /// Logged in: the success is recorded and the failures are cleared.
    LoggedIn(User),
    /// The password was right; the code is still to come.
    SecondFactor(User),
}

/// The account for `name` if `password` is right; a completed login is
/// recorded with session `start`. `Err(InvalidCredentials)` for an unknown
/// name or a wrong password alike (same bcrypt work, same answer);
/// `Err(Throttled)` while the name is locked, whether or not it exists;
/// `Err(AccountLocked)` for the right password of an account an operator locked.
pub async fn check(
    checker: Checker<'_>,
    name: &str,
    password: String,
    start: &SessionStart,
) -> Result<Passed, AppError> {
    let client = start.device.client();
    // A name that could never have registered (bad length or characters,
    // even a NUL byte PostgreSQL refuses) is an unknown name: nothing to look
    // up or count, but the same bcrypt work and answer.
    let Ok(valid) = Username::parse(name) else {
        let _ = checker.hasher.verify(password, None).await?;
        log::info!("login failed: username={name:?} client={client} (not a valid username)");
        return Err(AppError::InvalidCredentials);
    };
    let key = valid.normalized();
    let now = Utc::now().naive_utc();
    let lookup = key.clone();
    let (user, failures) = checker
        .db
        .read(move |c| {
            Ok((
                users::find_by_normalized(c, &lookup)?,
                login_failures::find(c, &lookup)?,
            ))
        })
        .await?;
    refuse_if_locked(failures.as_ref(), now, name, client)?;

    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let verification = checker.hasher.verify(password, stored).await?;
    match (user, verification) {
        (Some(user), Verification::Valid { .. }) if user.locked_at.is_some() => {
            refuse_locked_account(&checker, &user, LoginMethod::Password, &start.device).await
        }
        (Some(user), Verification::Valid { rehash }) if user.has_totp() => {
            if let Some(hash) = rehash {
                let id = user.id;
                checker
                    .db
                    .run(move |c| Ok(users::replace_hash(c, id, &hash)?))
                    .await?;
            }
            log::info!(
                "login password accepted, second step pending: username={:?} client={client}",
                user.username
            );
            Ok(Passed::SecondFactor(user))
        }
        (Some(user), Verification::Valid { rehash }) => {
            let (id, had_failures) = (user.id, failures.is_some());
            let start = start.clone();
            checker
                .db
                .run(move |c| {
                    c.transaction(|c| {
                        users::record_login(c, id, now, rehash.as_deref())?;
                        if had_failures {
                            login_failures::clear(c, &key)?;
                        }
                        start.record(c, id, LoginMethod::Password)
                    })?;
                    Ok(())
                })
                .await?;
            log::info!(
                "login succeeded: username={:?} client={client}",
                user.username
            );
            Ok(Passed::LoggedIn(user))
        }
        (user, _) => {
            let account = user.map(|u| u.id);
            let failures =
                record_failure(&checker, key, account, LoginMethod::Password, &start.device)
                    .await?;
            log::info!(
                "login failed: username={name:?} client={client} consecutive_failures={failures}"
            );
            Err(AppError::InvalidCredentials)
        }
    }
}

/// `Err(Throttled)` while `failures` locks the name.
fn refuse_if_locked(
    failures: Option<&login_failures::LoginFailures>,
    now: chrono::NaiveDateTime,
    name: &str,
    client: &str,
) -> Result<(), AppError> {
    match failures.and_then(|f| f.locked_until).filter(|u| *u > now) {
        Some(until) => {
            log::warn!("login refused, name locked: username={name:?} client={client}");
            Err(AppError::Throttled {
                retry_after: (until - now).to_std().unwrap_or_default(),
            })
        }
        None => Ok(()),
    }
}

/// The right password (or passkey) for an account an operator locked:
/// recorded as a failed login, answered 403.
async fn refuse_locked_account<T>(
    checker: &Checker<'_>,
    user: &User,
    method: LoginMethod,
    device: &Device,
) -> Result<T, AppError> {
    let (id, recorded) = (user.id, device.clone());
    let now = Utc::now().naive_utc();
    checker
        .db
        .run(move |c| {
            let event = recorded
                .event(Kind::LoginFailed)
                .method(method.as_str())
                .detail("the account is locked");
            Ok(security_events::record(c, id, now, event)?)
        })
        .await?;
    log::warn!(
        "login refused, account locked by an operator: username={:?} client={}",
        user.username,
        device.client()
    );
    Err(AppError::AccountLocked)
}

/// `Err(AccountLocked)` when an operator locked `user` (a passkey login, or
/// the second step of one begun before the lock).
pub async fn refuse_if_account_locked(
    checker: &Checker<'_>,
    user: &User,
    method: LoginMethod,
    device: &Device,
) -> Result<(), AppError> {
    match user.locked_at {
        Some(_) => refuse_locked_account(checker, user, method, device).await,
        None => Ok(()),
    }
}

/// Counts one more failure for the normalized name `key`, and for an
/// existing `account` records it (and a lock-out it causes) in the same
/// transaction; returns the count.
async fn record_failure(
    checker: &Checker<'_>,
    key: String,
    account: Option<i32>,
    method: LoginMethod,
    device: &Device,
) -> Result<i32, AppError> {
    let max = checker.max_failures;
    let now = Utc::now().naive_utc();
    let lock_for = move |f| lock_duration(f, max).and_then(|d| chrono::Duration::from_std(d).ok());
    let device = device.clone();
    let record = checker
        .db
        .run(move |c| {
            Ok(c.transaction(|c| {
                let record = login_failures::record_failure(c, &key, now, lock_for)?;
                if let Some(id) = account {
                    let failed = device
                        .event(Kind::LoginFailed)
                        .method(method.as_str())
                        .detail(&device.label);
                    security_events::record(c, id, now, failed)?;
                    if record.locked_until.is_some() {
                        security_events::record(c, id, now, device.event(Kind::LockedOut))?;
                    }
                }
                diesel::QueryResult::Ok(record)
            })?)
        })
        .await?;
    if record.locked_until.is_some() {
        checker.metrics.lockout();
    }
    Ok(record.failures)
}

/// The second step of a login: `Err(Throttled)` while the name is locked
/// (wrong codes lock it like wrong passwords), `Err(AccountLocked)` when
/// an operator locked the account meanwhile.
pub async fn second_step_allowed(
    checker: &Checker<'_>,
    user: &User,
    device: &Device,
) -> Result<(), AppError> {
    refuse_if_account_locked(checker, user, LoginMethod::Totp, device).await?;
    let key = crate::domain::normalize_username(&user.username);
    let failures = checker
        .db
        .read(move |c| Ok(login_failures::find(c, &key)?))
        .await?;
    refuse_if_locked(
        failures.as_ref(),
        Utc::now().naive_utc(),
        &user.username,
        device.client(),
    )
}

/// A wrong code at the second step: one more failure for the name.
pub async fn second_step_failed(
    checker: &Checker<'_>,
    user: &User,
    method: LoginMethod,
    device: &Device,
) -> Result<(), AppError> {
    let key = crate::domain::normalize_username(&user.username);
    let failures = record_failure(checker, key, Some(user.id), method, device).await?;
    log::info!(
        "login failed at the second step: username={:?} client={} consecutive_failures={failures}",
        user.username,
        device.client()
    );
    Ok(())
}

/// The second step (or a passkey) passed: the login is recorded with
/// session `start`, and the failures cleared.
pub async fn second_step_passed(
    checker: &Checker<'_>,
    user: &User,
    method: LoginMethod,
    start: &SessionStart,
) -> Result<(), AppError> {
    let (id, key) = (user.id, crate::domain::normalize_username(&user.username));
    let now = Utc::now().naive_utc();
    let recorded = start.clone();
    checker
        .db
        .run(move |c| {
            c.transaction(|c| {
                users::record_login(c, id, now, None)?;
                login_failures::clear(c, &key)?;
                recorded.record(c, id, method)
            })?;
            Ok(())
        })
        .await?;
    log::info!(
        "login succeeded: username={:?} client={} second_factor={}",
        user.username,
        start.device.client(),
        method.as_str()
    );
    Ok(())
}
