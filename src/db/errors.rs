//! Database errors as `AppError`s: unreachable is 503, anything else 500,
//! and a unique violation whatever the caller names ([`unique_violation_as`],
//! [`is_unique_violation_of`]).

use crate::error::AppError;

/// Realworld-axum-sqlx's `on_constraint`, for the constraints we name: a
/// unique violation becomes a chosen error, anything else goes through `From`.
pub fn unique_violation_as(e: diesel::result::Error, error: AppError) -> AppError {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => error,
        other => AppError::from(other),
    }
}

/// Whether `e` is a unique violation on a column whose name contains
/// `column` (PostgreSQL names the constraint, SQLite the column).
pub fn is_unique_violation_of(e: &diesel::result::Error, column: &str) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            info.constraint_name().is_some_and(|c| c.contains(column))
                || info.message().contains(column)
        }
        _ => false,
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        Self::DatabaseUnavailable(anyhow::Error::new(e).context("getting a database connection"))
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        if is_unreachable(&e) {
            Self::DatabaseUnavailable(anyhow::Error::new(e).context("database query"))
        } else {
            Self::Unexpected(anyhow::Error::new(e).context("database query"))
        }
    }
}

/// Whether `e` says the database could not be reached or used at all (down
/// or locked, not our bug). A dead connection is also found by the ping that
/// follows any failure (`db::Database::run`), whatever error it gave.
fn is_unreachable(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
        | Error::BrokenTransactionManager => true,
        // SQLite names these `Unknown`; the texts are its fixed messages for
        // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR and SQLITE_CANTOPEN.
        Error::DatabaseError(DatabaseErrorKind::Unknown, info) => matches!(
            info.message(),
            "database is locked"
                | "database table is locked"
                | "disk I/O error"
                | "unable to open database file"
        ),
        _ => false,
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        Self::Unexpected(anyhow::anyhow!("blocking task failed: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unique_violation_becomes_the_chosen_error() {
        use diesel::result::{DatabaseErrorKind, Error};
        let duplicate = || {
            Error::DatabaseError(
                DatabaseErrorKind::UniqueViolation,
                Box::new("UNIQUE constraint failed: users.email_normalized".to_owned()),
            )
        };
        assert!(matches!(
            unique_violation_as(duplicate(), AppError::UsernameTaken),
            AppError::UsernameTaken
        ));
        assert!(is_unique_violation_of(&duplicate(), "email"));
        assert!(!is_unique_violation_of(&duplicate(), "username"));
        assert!(matches!(
            unique_violation_as(Error::NotFound, AppError::UsernameTaken),
            AppError::Unexpected(_)
        ));
    }
}
