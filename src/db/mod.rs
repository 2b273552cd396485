//! The database: one Diesel code path over PostgreSQL and SQLite.
//!
//! `AnyConnection` is Diesel's `MultiConnection` over both backends. The pool
//! uses our own connection manager because the derived `establish` tries
//! each backend in turn and hides the real error (and can create a stray
//! SQLite file from a PostgreSQL URL).

mod connection;
mod errors;
pub mod login_failures;
pub mod revoked_sessions;
pub mod schema;
pub mod users;

use std::time::Duration;

use anyhow::Context as _;
use diesel::connection::SimpleConnection as _;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, R2D2Connection as _};
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness as _, embed_migrations};

use crate::config::DatabaseUrl;
use crate::error::AppError;

pub use connection::AnyConnection;
pub use errors::ResultExt;

/// The connection pool shared by all workers.
pub type Pool = r2d2::Pool<ConnectionManager>;

/// A connection as the pool keeps it: the connection itself (reached through
/// `Deref`) and whether it was found dead.
///
/// Dead connections leave the pool by error-driven eviction: when a unit of
/// work fails and the connection then fails a `SELECT 1` too,
/// `Database::run` calls [`PoolConnection::discard`], and `has_broken` (run by
/// r2d2 whenever a connection comes back) only reads that mark. Testing every
/// connection at check-out instead (`test_on_check_out`) would put that round
/// trip on every request; this way only a request that already failed pays it.
pub struct PoolConnection {
    conn: AnyConnection,
    dead: bool,
}

impl PoolConnection {
    /// Makes the pool drop this connection when it comes back, instead of
    /// handing it out again.
    pub fn discard(&mut self) {
        self.dead = true;
    }
}

impl std::ops::Deref for PoolConnection {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for PoolConnection {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// Opens connections for the backend the URL names, keeping the real error.
#[derive(Debug)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl ManageConnection for ConnectionManager {
    type Connection = PoolConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<PoolConnection, r2d2::Error> {
        let conn = match &self.url {
            DatabaseUrl::Postgres(url) => PgConnection::establish(url)
                .map(AnyConnection::Postgresql)
                .map_err(r2d2::Error::ConnectionError)?,
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())
                    .map_err(r2d2::Error::ConnectionError)?;
                // busy_timeout must come before journal_mode=WAL, or a fresh
                // database opened by several connections reports "locked".
                conn.batch_execute(
                    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                )
                .map_err(r2d2::Error::QueryError)?;
                AnyConnection::Sqlite(conn)
            }
        };
        Ok(PoolConnection { conn, dead: false })
    }

    fn is_valid(&self, conn: &mut PoolConnection) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    /// Cheap, as r2d2 requires: a flag and Diesel's transaction state, no round trip.
    fn has_broken(&self, conn: &mut PoolConnection) -> bool {
        conn.dead || conn.conn.is_broken()
    }
}

/// Builds the pool without connecting yet; `connection_timeout` bounds how
/// long a request waits for a connection while the database is down.
pub fn pool(url: &DatabaseUrl, size: u32, connection_timeout: Duration) -> anyhow::Result<Pool> {
    if let DatabaseUrl::Sqlite(path) = url
        && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the database directory {}", dir.display()))?;
    }
    Ok(r2d2::Pool::builder()
        .max_size(size)
        .min_idle(Some(0))
        .connection_timeout(connection_timeout)
        .test_on_check_out(false)
        .build_unchecked(ConnectionManager { url: url.clone() }))
}

/// Applies pending migrations; returns the versions applied.
pub fn run_migrations(conn: &mut AnyConnection) -> anyhow::Result<Vec<String>> {
    let applied = match conn {
        AnyConnection::Postgresql(c) => {
            // Several instances may start at once on one database: the
            // advisory lock lets one migrate while the others wait.
            c.batch_execute("SELECT pg_advisory_lock(7262350017)")
                .context("taking the migration lock")?;
            let result = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.iter().map(ToString::to_string).collect::<Vec<_>>());
            c.batch_execute("SELECT pg_advisory_unlock(7262350017)")
                .context("releasing the migration lock")?;
            result
        }
        // SQLite serializes writers itself (busy_timeout).
        AnyConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.iter().map(ToString::to_string).collect()),
    }
    .map_err(|e| anyhow::anyhow!("applying migrations: {e}"))?;
    Ok(applied)
}

/// Connects once and migrates: the start of `serve` and `migrate`.
pub fn connect_and_migrate(
    url: &DatabaseUrl,
    size: u32,
    connection_timeout: Duration,
) -> anyhow::Result<Pool> {
    let pool = pool(url, size, connection_timeout)?;
    let mut conn = pool
        .get()
        .with_context(|| format!("connecting to the {} database", url.backend()))?;
    let applied = run_migrations(&mut conn)?;
    for version in &applied {
        log::info!("applied migration {version}");
    }
    Ok(pool)
}

/// `SELECT 1`: is the database answering?
pub fn ping(conn: &mut AnyConnection) -> QueryResult<()> {
    conn.ping()
}

/// How long one unit of database work may take before the request gets 503.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(5);

/// The pool, as handlers and the guard use it: [`Database::run`] one unit of work.
#[derive(Clone)]
pub struct Database {
    pool: Pool,
}

impl Database {
    /// Work on `pool`'s connections.
    pub fn new(pool: Pool) -> Self {
        Self { pool }
    }

    /// Runs `work` with a pooled connection on the blocking thread pool:
    /// Diesel is synchronous, and so is waiting for a pool connection.
    pub async fn run<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let job = actix_web::web::block(move || {
            let mut conn = pool.get()?;
            match work(&mut conn) {
                // After a failure, one round trip tells whether the connection
                // itself is gone (paid only then, never on the hot path): if
                // so, the database is out of reach, whatever error the driver
                // named, and the connection must not serve the next request.
                Err(AppError::DatabaseUnavailable(cause) | AppError::Unexpected(cause))
                    if ping(&mut conn).is_err() =>
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
