//! Checking a login attempt: the username lock-out, bcrypt, and the
//! bookkeeping of failures and successes.

use chrono::Utc;
use diesel::Connection as _;

use super::password_hasher::{PasswordHasher, Verification};
use super::throttle::lock_duration;
use crate::db::users::{self, User};
use crate::db::{Database, login_failures};
use crate::domain::Username;
use crate::error::AppError;

/// What checking a login needs.
pub struct Checker<'a> {
    /// The users and their failure counts.
    pub db: &'a Database,
    /// bcrypt.
    pub hasher: &'a PasswordHasher,
    /// `LOGIN_MAX_FAILURES`.
    pub max_failures: u32,
}

/// A right password: the login is done, or (TOTP on) it waits for its
/// second step, and nothing counts as a success yet.
pub enum Passed {
    /// Logged in: the success is recorded and the failures are cleared.
    LoggedIn(User),
    /// The password was right; the code is still to come.
    SecondFactor(User),
}

/// The account for `name` if `password` is right. `Err(InvalidCredentials)`
/// for an unknown name or a wrong password alike (same bcrypt work, same
/// answer); `Err(Throttled)` while the name is locked, whether or not it exists.
pub async fn check(
    checker: Checker<'_>,
    name: &str,
    password: String,
    client: &str,
) -> Result<Passed, AppError> {
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
            checker
                .db
                .run(move |c| {
                    c.transaction(|c| {
                        users::record_login(c, id, now, rehash.as_deref())?;
                        if had_failures {
                            login_failures::clear(c, &key)?;
                        }
                        diesel::QueryResult::Ok(())
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
        _ => {
            let failures = record_failure(&checker, key).await?;
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

/// Counts one more failure for the normalized name `key`; returns the count.
async fn record_failure(checker: &Checker<'_>, key: String) -> Result<i32, AppError> {
    let max = checker.max_failures;
    let now = Utc::now().naive_utc();
    let lock_for = move |f| lock_duration(f, max).and_then(|d| chrono::Duration::from_std(d).ok());
    let record = checker
        .db
        .run(move |c| Ok(login_failures::record_failure(c, &key, now, lock_for)?))
        .await?;
    Ok(record.failures)
}

/// The second step of a login: `Err(Throttled)` while the name is locked
/// (wrong codes lock it like wrong passwords).
pub async fn second_step_allowed(
    checker: &Checker<'_>,
    user: &User,
    client: &str,
) -> Result<(), AppError> {
    let key = crate::domain::normalize_username(&user.username);
    let failures = checker
        .db
        .read(move |c| Ok(login_failures::find(c, &key)?))
        .await?;
    refuse_if_locked(
        failures.as_ref(),
        Utc::now().naive_utc(),
        &user.username,
        client,
    )
}

/// A wrong code at the second step: one more failure for the name.
pub async fn second_step_failed(
    checker: &Checker<'_>,
    user: &User,
    client: &str,
) -> Result<(), AppError> {
    let key = crate::domain::normalize_username(&user.username);
    let failures = record_failure(checker, key).await?;
    log::info!(
        "login failed at the second step: username={:?} client={client} consecutive_failures={failures}",
        user.username
    );
    Ok(())
}

/// The second step passed: the login is recorded and the failures cleared.
pub async fn second_step_passed(
    checker: &Checker<'_>,
    user: &User,
    how: &str,
    client: &str,
) -> Result<(), AppError> {
    let (id, key) = (user.id, crate::domain::normalize_username(&user.username));
    let now = Utc::now().naive_utc();
    checker
        .db
        .run(move |c| {
            c.transaction(|c| {
                users::record_login(c, id, now, None)?;
                login_failures::clear(c, &key)
            })?;
            Ok(())
        })
        .await?;
    log::info!(
        "login succeeded: username={:?} client={client} second_factor={how}",
        user.username
    );
    Ok(())
}
