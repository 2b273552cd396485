//! Database errors as `AppError`s: unreachable is 503, anything else 500,
//! and a unique violation whatever the caller names ([`ResultExt`]).

use crate::error::AppError;

/// Realworld-axum-sqlx's `on_constraint`, for the one constraint we name:
/// a unique violation becomes a chosen error, anything else goes through `From`.
pub trait ResultExt<T> {
    /// `error` when the database refused a duplicate.
    fn on_unique_violation(self, error: AppError) -> Result<T, AppError>;
}

impl<T> ResultExt<T> for Result<T, diesel::result::Error> {
    fn on_unique_violation(self, error: AppError) -> Result<T, AppError> {
        use diesel::result::{DatabaseErrorKind, Error};
        self.map_err(|e| match e {
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => error,
            other => AppError::from(other),
        })
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
        let duplicate: Result<(), Error> = Err(Error::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            Box::new("duplicate key".to_owned()),
        ));
        assert!(matches!(
            duplicate.on_unique_violation(AppError::UsernameTaken),
            Err(AppError::UsernameTaken)
        ));
        let other: Result<(), Error> = Err(Error::NotFound);
        assert!(matches!(
            other.on_unique_violation(AppError::UsernameTaken),
            Err(AppError::Unexpected(_))
        ));
    }
}
