//! Deleting what nobody needs any more, in the background: records of
//! sessions that ended or expired, and security events older than
//! `ACTIVITY_RETENTION`. In bounded batches, so one run never holds a
//! table (or a pool connection) for long, however much piled up.

use std::time::Duration;

use chrono::Utc;

use crate::db::{AnyConnection, Database, security_events, sessions};
use crate::error::AppError;

/// How often a run starts (the first one at start-up).
const EVERY: Duration = Duration::from_secs(10 * 60);
/// Rows deleted per statement.
const BATCH: i64 = 500;
/// Statements per table and run: what is left waits for the next run.
const MAX_BATCHES: usize = 20;

/// The periodic clean-up of one server.
pub struct Housekeeping {
    db: Database,
    retention: Duration,
}

impl Housekeeping {
    /// Clean-ups on `db`; events older than `retention` go.
    pub fn new(db: Database, retention: Duration) -> Self {
        Self { db, retention }
    }

    /// Runs at once and then every [`EVERY`], for as long as it is polled
    /// (the server polls it while it serves).
    pub async fn run_forever(self) -> std::convert::Infallible {
        let mut ticks = tokio::time::interval(EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(e) = run(&self.db, self.retention).await {
                log::warn!("housekeeping: {e}");
            }
        }
    }
}

/// Runs `delete` (up to [`BATCH`] rows a statement) until it deletes fewer
/// than a batch or [`MAX_BATCHES`] statements ran; returns the rows deleted.
async fn in_batches(
    db: &Database,
    delete: impl Fn(&mut AnyConnection) -> diesel::QueryResult<usize> + Copy + Send + 'static,
) -> Result<usize, AppError> {
    let mut deleted = 0;
    for _ in 0..MAX_BATCHES {
        let n = db.run(move |c| Ok(delete(c)?)).await?;
        deleted += n;
        if n < usize::try_from(BATCH).unwrap_or(usize::MAX) {
            break;
        }
    }
    Ok(deleted)
}

/// One run; returns how many session records and events it deleted.
pub async fn run(db: &Database, retention: Duration) -> Result<(usize, usize), AppError> {
    let now = Utc::now().naive_utc();
    let oldest_event = now - chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::MAX);
    let deleted = (
        in_batches(db, move |c| sessions::delete_finished(c, now, BATCH)).await?,
        in_batches(db, move |c| security_events::prune(c, oldest_event, BATCH)).await?,
    );
    if deleted != (0, 0) {
        log::info!(
            "housekeeping: deleted {} finished session records and {} old security events",
            deleted.0,
            deleted.1
        );
    }
    Ok(deleted)
}
