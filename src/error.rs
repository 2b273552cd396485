//! `AppError`: every failure a handler can meet, and the one place that
//! turns it into an HTTP status. `render::negotiate_errors` then dresses the
//! answer as HTML, JSON or plain text for the client that asked.

use std::collections::BTreeMap;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpResponse, ResponseError};

use crate::routes::input::BODY_LIMIT;

/// Problems per form field (`"form"` for the whole form), in a stable order.
pub type FieldErrors = BTreeMap<&'static str, Vec<String>>;

/// An error answered to the client.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the body or query could not be read (malformed, wrong type, bad UTF-8).
    #[error("{0}")]
    BadRequest(String),
    /// 422: every field problem, listed.
    #[error("{}", summary(.0))]
    Validation(FieldErrors),
    /// 401: one message for unknown name and wrong password.
    #[error("Invalid username or password")]
    InvalidCredentials,
    /// 401: this needs a login.
    #[error("Unauthorized")]
    Unauthorized,
    /// 403: refused, e.g. a cross-site form post.
    #[error("{0}")]
    Forbidden(String),
    /// 404
    #[error("Not found")]
    NotFound,
    /// 409
    #[error("That username is already taken")]
    UsernameTaken,
    /// 413: a body over [`BODY_LIMIT`], on any route.
    #[error("Request body is too large (at most {} KiB)", BODY_LIMIT / 1024)]
    PayloadTooLarge,
    /// 429 with `Retry-After`.
    #[error("Too many attempts; try again in {} seconds", retry_after_secs(.retry_after))]
    Throttled {
        /// How long the client should wait.
        retry_after: Duration,
    },
    /// 503: the database does not answer; the cause is logged.
    #[error("The service is temporarily unavailable; please try again shortly")]
    DatabaseUnavailable(#[source] anyhow::Error),
    /// 500: cause chain logged, body stays opaque.
    #[error("Internal server error")]
    Unexpected(#[from] anyhow::Error),
}

impl AppError {
    /// The `Retry-After` seconds of a throttled answer (rounded up).
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::Throttled { retry_after } => Some(retry_after_secs(retry_after)),
            _ => None,
        }
    }

    /// A short machine-readable code for JSON answers.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::Validation(_) => "validation_failed",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound => "not_found",
            Self::UsernameTaken => "username_taken",
            Self::PayloadTooLarge => "payload_too_large",
            Self::Throttled { .. } => "too_many_requests",
            Self::DatabaseUnavailable(_) => "service_unavailable",
            Self::Unexpected(_) => "internal_error",
        }
    }
}

fn summary(errors: &FieldErrors) -> String {
    errors
        .values()
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .join(" ")
}

fn retry_after_secs(d: &Duration) -> u64 {
    // Round up: "retry after 0 seconds" would invite an immediate retry.
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::InvalidCredentials | Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::UsernameTaken => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::DatabaseUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Plain text; `render::negotiate_errors` re-renders it for browsers and JSON clients.
    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header(ContentType::plaintext());
        if let Some(secs) = self.retry_after() {
            response.insert_header((header::RETRY_AFTER, secs));
        }
        response.body(self.to_string())
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
/// follows any failure (`AppState::db`), whatever error it gave.
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
    fn throttled_rounds_retry_after_up_and_sets_the_header() {
        let err = AppError::Throttled {
            retry_after: Duration::from_millis(1500),
        };
        let response = err.error_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "2");
    }

    #[test]
    fn unexpected_errors_do_not_leak_their_cause() {
        let err = AppError::from(anyhow::anyhow!("password=hunter2 in a query"));
        assert_eq!(err.to_string(), "Internal server error");
    }

    #[test]
    fn validation_lists_every_problem() {
        let mut errors = FieldErrors::new();
        errors.insert("username", vec!["Username is required.".into()]);
        errors.insert("password", vec!["Password is required.".into()]);
        let text = AppError::Validation(errors).to_string();
        assert!(text.contains("Username is required.") && text.contains("Password is required."));
    }
}
