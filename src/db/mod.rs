//! The database: one Diesel code path over PostgreSQL and SQLite.
//!
//! `AnyConnection` is Diesel's `MultiConnection` over both backends. The pool
//! uses our own connection manager because the derived `establish` tries
//! each backend in turn and hides the real error (and can create a stray
//! SQLite file from a PostgreSQL URL).

pub mod account_tokens;
pub mod accounts;
mod connection;
mod errors;
pub mod login_failures;
pub mod passkeys;
mod pool_waits;
pub mod revoked_sessions;
pub mod schema;
pub mod security_events;
pub mod sessions;
pub mod two_factor;
pub mod users;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::request_id::RequestId;
use diesel::connection::SimpleConnection as _;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, R2D2Connection as _};
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness as _, embed_migrations};
use tokio::sync::Semaphore;

use crate::config::DatabaseUrl;
use crate::error::AppError;

pub use connection::AnyConnection;
pub use errors::{is_unique_violation_of, unique_violation_as};
use pool_waits::SlowWaits;

/// The connection pool shared by all workers.
pub type Pool = r2d2::Pool<ConnectionManager>;

/// A connection as the pool keeps it: the connection itself (reached through
/// `Deref`), whether it was found dead, and up to which "suspicion" it was
/// last known alive.
///
/// Dead connections leave the pool by error-driven eviction: when a unit of
/// work fails and the connection then fails a `SELECT 1` too,
/// `Database::run` calls [`PoolConnection::discard`], and `has_broken` (run by
/// r2d2 whenever a connection comes back) only reads that mark. Such a find
/// also raises the pool's suspicion: every other connection is pinged once
/// at its next check-out, so when the database dropped them all (a restart,
/// `pg_terminate_backend`), no later request is handed a dead one. Testing
/// every connection at every check-out (`test_on_check_out`) would put that
/// round trip on every query; this way only a failure pays it.
pub struct PoolConnection {
    conn: AnyConnection,
    dead: bool,
    checked: u64,
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
        Ok(PoolConnection {
            conn,
            dead: false,
            checked: 0,
        })
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
    // libpq uses OpenSSL, which by default frees its global state in an
    // `atexit` handler. Worker threads that used it may still be exiting
    // when the process does, and their thread-local clean-up then frees
    // that state a second time ("double free or corruption" at shutdown,
    // seen under load). Initialized here first, before any connection, it
    // registers no exit handler; the process's exit frees everything anyway.
    openssl_sys::init();
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

/// A migrated SQLite database in a temporary directory (kept while the
/// directory lives), for the unit tests of the modules here.
#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "test set-up: a panic fails the test")]
pub(crate) fn sqlite_pool() -> (tempfile::TempDir, Pool) {
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::Sqlite(dir.path().join("t.db"));
    let pool = connect_and_migrate(&url, 1, Duration::from_secs(5)).unwrap();
    (dir, pool)
}

/// A new account named `name` on `conn`, for unit tests that need rows
/// belonging to someone; returns its id.
#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "test set-up: a panic fails the test")]
pub(crate) fn test_user(conn: &mut AnyConnection, name: &str) -> i32 {
    let user = users::NewUser {
        username: name,
        username_normalized: &name.to_lowercase(),
        password_hash: "x",
        created_at: chrono::Utc::now().naive_utc(),
        email: None,
        email_normalized: None,
    };
    users::insert(conn, &user).unwrap().id
}

/// How long one unit of database work may take before the request gets 503.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(5);

/// The pool, as handlers and the guard use it: [`Database::run`] one unit of
/// work, or [`Database::read`] one that may be repeated.
#[derive(Clone)]
pub struct Database {
    pool: Pool,
    /// One per pool connection: work waits for one here, without a thread,
    /// before it takes a blocking thread, so a busy or slow database queues
    /// requests instead of piling up threads blocked on the pool (measured:
    /// 298 threads and 33 MiB under S1m before, bench/README.md).
    permits: Arc<Semaphore>,
    /// Raised whenever a connection is found dead (see [`PoolConnection`]).
    suspicion: Arc<AtomicU64>,
    /// Slow waits for a connection, for the log (`pool_waits`).
    slow_waits: Arc<SlowWaits>,
    /// Units of work that found every connection busy and waited.
    waits: Arc<AtomicU64>,
}

/// The pool as the metrics show it.
#[derive(Debug, Clone, Copy)]
pub struct PoolStats {
    /// Connections open.
    pub open: u32,
    /// Open connections not in use.
    pub idle: u32,
    /// Units of work that waited for a connection, since the start.
    pub waits: u64,
    /// Of these, waits over 100 ms (the ones the log warns about).
    pub slow_waits: u64,
}

impl Database {
    /// Work on `pool`'s connections.
    pub fn new(pool: Pool) -> Self {
        let permits = usize::try_from(pool.max_size()).unwrap_or(1);
        Self {
            pool,
            permits: Arc::new(Semaphore::new(permits)),
            suspicion: Arc::default(),
            slow_waits: Arc::default(),
            waits: Arc::default(),
        }
    }

    /// The pool's state now.
    pub fn pool_stats(&self) -> PoolStats {
        let state = self.pool.state();
        PoolStats {
            open: state.connections,
            idle: state.idle_connections,
            waits: self.waits.load(Ordering::Relaxed),
            slow_waits: self.slow_waits.total(),
        }
    }

    /// Runs `work` once with a pooled connection on the blocking thread
    /// pool: Diesel is synchronous, and so is waiting for a pool connection.
    /// For writes: one whose connection died is not repeated, since it may
    /// have been applied.
    pub async fn run<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let mut work = Some(work);
        self.execute(1, move |conn| match work.take() {
            Some(work) => work(conn),
            None => Err(AppError::Unexpected(anyhow::anyhow!("work run twice"))),
        })
        .await
    }

    /// Like [`Database::run`], for work that only reads: when its connection
    /// proves dead, it runs again on another, up to twice (the request never
    /// sees a dead connection, even when the database ends the pool's
    /// connections again while the first retry is under way).
    pub async fn read<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnMut(&mut AnyConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        self.execute(3, work).await
    }

    async fn execute<T, F>(&self, attempts: u32, mut work: F) -> Result<T, AppError>
    where
        F: FnMut(&mut AnyConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        // Waiting for a connection, here and in the pool together, is bounded
        // by the pool's connection timeout.
        let asked = Instant::now();
        let limit = self.pool.connection_timeout();
        let permit = match Arc::clone(&self.permits).try_acquire_owned() {
            Ok(permit) => Ok(Ok(permit)),
            Err(_) => {
                self.waits.fetch_add(1, Ordering::Relaxed);
                let permit = Arc::clone(&self.permits).acquire_owned();
                tokio::time::timeout(limit, permit).await
            }
        };
        let permit = match permit {
            Ok(Ok(permit)) => permit,
            Ok(Err(closed)) => return Err(AppError::Unexpected(closed.into())),
            Err(_) => {
                return Err(AppError::DatabaseUnavailable(anyhow::anyhow!(
                    "getting a database connection: every connection stayed busy for {limit:?}"
                )));
            }
        };
        let (pool, suspicion) = (self.pool.clone(), Arc::clone(&self.suspicion));
        let slow_waits = Arc::clone(&self.slow_waits);
        // The work's log lines belong to the request that asked for it.
        let request = RequestId::current();
        let job = actix_web::web::block(move || {
            RequestId::carry(request.as_ref(), || {
                // Held until the work is done, even if the request stops waiting.
                let _permit = permit;
                for attempt in 1..=attempts {
                    let mut conn = check_out(&pool, &suspicion, asked, limit)?;
                    slow_waits.note(asked.elapsed(), || {
                        let state = pool.state();
                        format!(
                            "{} open, {} idle, pool size {}",
                            state.connections,
                            state.idle_connections,
                            pool.max_size()
                        )
                    });
                    match work(&mut conn) {
                        // After a failure, one round trip tells whether the
                        // connection itself is gone (paid only then, never on the
                        // hot path): if so, the database dropped it, whatever
                        // error the driver named, and it must not serve again.
                        Err(AppError::DatabaseUnavailable(cause) | AppError::Unexpected(cause))
                            if ping(&mut conn).is_err() =>
                        {
                            conn.discard();
                            suspicion.fetch_add(1, Ordering::AcqRel);
                            if attempt == attempts {
                                return Err(AppError::DatabaseUnavailable(cause));
                            }
                            log::warn!(
                                "a database connection was found dead ({cause:#}); trying another"
                            );
                        }
                        result => return result,
                    }
                }
                Err(AppError::Unexpected(anyhow::anyhow!("no attempt made")))
            })
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

/// A connection from the pool that is not known to be dead: after a dead one
/// was found, each connection is pinged once before it is used again.
fn check_out(
    pool: &Pool,
    suspicion: &AtomicU64,
    asked: Instant,
    limit: Duration,
) -> Result<r2d2::PooledConnection<ConnectionManager>, AppError> {
    // Bounded: every failed ping removes a connection, and new ones are
    // checked once at most; a database that is down fails `get` instead.
    loop {
        let left = limit.saturating_sub(asked.elapsed());
        let mut conn = pool.get_timeout(left.max(Duration::from_millis(1)))?;
        let wanted = suspicion.load(Ordering::Acquire);
        if conn.checked < wanted {
            if ping(&mut conn).is_err() {
                conn.discard();
                continue;
            }
            conn.checked = wanted;
        }
        return Ok(conn);
    }
}
