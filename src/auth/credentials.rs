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

/// The account for `name` if `password` is right. `Err(InvalidCredentials)`
/// for an unknown name or a wrong password alike (same bcrypt work, same
/// answer); `Err(Throttled)` while the name is locked, whether or not it exists.
pub async fn check(
    checker: Checker<'_>,
    name: &str,
    password: String,
    client: &str,
) -> Result<User, AppError> {
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
    if let Some(until) = failures
        .as_ref()
        .and_then(|f| f.locked_until)
        .filter(|u| *u > now)
    {
        log::warn!("login refused, name locked: username={name:?} client={client}");
        return Err(AppError::Throttled {
            retry_after: (until - now).to_std().unwrap_or_default(),
        });
    }

    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let verification = checker.hasher.verify(password, stored).await?;
    match (user, verification) {
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
            Ok(user)
        }
        _ => {
            let max = checker.max_failures;
            let lock_for =
                move |f| lock_duration(f, max).and_then(|d| chrono::Duration::from_std(d).ok());
            let record = checker
                .db
                .run(move |c| Ok(login_failures::record_failure(c, &key, now, lock_for)?))
                .await?;
            log::info!(
                "login failed: username={name:?} client={client} consecutive_failures={}",
                record.failures
            );
            Err(AppError::InvalidCredentials)
        }
    }
}
