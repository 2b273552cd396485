//! `AppState`: what every handler shares, built once at start.

use std::time::Duration;

use actix_web::web;

use crate::auth::session_checks::SessionCheckCache;
use crate::auth::session_cookie::SessionCookieConfig;
use crate::auth::throttle::Throttle;
use crate::auth::{PasswordHasher, SessionTimeouts};
use crate::config::Settings;
use crate::db::{self, AnyConnection, Pool};
use crate::error::AppError;
use crate::flash::FlashCookies;
use crate::render::Pages;

/// How long one unit of database work may take before the request gets 503.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(5);

/// Shared application state (one per server, cloned into each worker as an `Arc`).
pub struct AppState {
    /// Database connections.
    pub pool: Pool,
    /// The settings the app was started with.
    pub settings: Settings,
    /// Templates.
    pub pages: Pages,
    /// One-time notices.
    pub flash: FlashCookies,
    /// bcrypt at the configured cost.
    pub hasher: PasswordHasher,
    /// Session timeouts.
    pub timeouts: SessionTimeouts,
    /// Session cookie name, keys and attributes.
    pub session_cookie: SessionCookieConfig,
    /// Recent answers of the guard's database checks.
    pub session_checks: SessionCheckCache,
    /// Attempts per client address.
    pub throttle: Throttle,
}

impl AppState {
    /// Runs `work` with a pooled connection on the blocking thread pool:
    /// Diesel is synchronous, and so is waiting for a pool connection.
    pub async fn db<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let job = web::block(move || {
            let mut conn = pool.get()?;
            match work(&mut conn) {
                // After a failure, one round trip tells whether the connection
                // itself is gone (paid only then, never on the hot path): if
                // so, the database is out of reach, whatever error the driver
                // named, and the connection must not serve the next request.
                Err(AppError::DatabaseUnavailable(cause) | AppError::Unexpected(cause))
                    if db::ping(&mut conn).is_err() =>
                {
                    conn.discard();
                    Err(AppError::DatabaseUnavailable(cause))
                }
                result => result,
            }
        });
        // A database that keeps the connection open but stops answering
        // would hold the request forever; answer 503 instead. (The blocked
        // thread finishes, or its connection breaks, on its own.)
        match tokio::time::timeout(QUERY_TIMEOUT, job).await {
            Ok(result) => result?,
            Err(_) => Err(AppError::DatabaseUnavailable(anyhow::anyhow!(
                "no answer from the database within {QUERY_TIMEOUT:?}"
            ))),
        }
    }
}
