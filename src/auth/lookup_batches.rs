//! The session look-ups of [`session_checks`](super::session_checks), run in
//! batches: while one batch is in the database, the look-ups that arrive
//! queue up, and the next batch answers all of them in one unit of work.
//!
//! With many sessions every one is refreshed about twice a second (S1m in
//! bench/README.md: 1,000 sessions, about 2,000 look-ups a second). One by
//! one they queued for the pool's connections; batched, a handful of queries
//! a second do the same work. A lone look-up is still one statement.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::session_checks::{Answer, Flight, LookupFailed};
use crate::db::{Database, revoked_sessions};
use crate::error::AppError;

/// The most sessions one batch asks for (well under SQLite's limit on
/// bound parameters).
const MAX_BATCH: usize = 200;

/// Look-ups waiting for the database, and whether a task is running them.
#[derive(Default)]
pub struct LookupBatches {
    queue: Mutex<Queue>,
}

#[derive(Default)]
struct Queue {
    waiting: Vec<(i32, Flight)>,
    running: bool,
}

impl LookupBatches {
    fn queue(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `flight` (user `id`'s session), and starts a task to run the
    /// queue if none is running. The task is not the request's: it finishes
    /// (and its answers serve the others) even if that request goes away.
    pub fn look_up(self: &Arc<Self>, db: &Database, id: i32, flight: Flight) {
        let mut queue = self.queue();
        queue.waiting.push((id, flight));
        if queue.running {
            return;
        }
        queue.running = true;
        drop(queue);
        let runner = Runner {
            batches: Arc::clone(self),
            finished: false,
        };
        let db = db.clone();
        actix_web::rt::spawn(async move { runner.run(db).await });
    }
}

/// Runs batches until the queue is empty. Dropped before that (its worker
/// stopping), it lets the next look-up start another, and drops the
/// look-ups it held, so their waiters ask again.
struct Runner {
    batches: Arc<LookupBatches>,
    /// Set when it stopped by itself (the queue empty, `running` cleared).
    finished: bool,
}

impl Runner {
    async fn run(mut self, db: Database) {
        loop {
            let batch: Vec<(i32, Flight)> = {
                let mut queue = self.batches.queue();
                if queue.waiting.is_empty() {
                    queue.running = false;
                    self.finished = true;
                    return;
                }
                // Oldest first, so a long queue cannot starve its head.
                let take = queue.waiting.len().min(MAX_BATCH);
                queue.waiting.drain(..take).collect()
            };
            let asked: Vec<(i32, String)> = batch
                .iter()
                .map(|(id, flight)| (*id, flight.sid().to_owned()))
                .collect();
            match run_batch(&db, asked).await {
                Ok(answers) => {
                    for ((_, flight), answer) in batch.into_iter().zip(answers) {
                        flight.finish(Ok(answer));
                    }
                }
                Err(e) => {
                    let unavailable = matches!(e, AppError::DatabaseUnavailable(_));
                    let failed = LookupFailed {
                        unavailable,
                        message: e.log_chain().into(),
                    };
                    // An unreachable database fails the whole queue at once:
                    // each batch behind would wait the same seconds to fail.
                    let queued = if unavailable {
                        std::mem::take(&mut self.batches.queue().waiting)
                    } else {
                        Vec::new()
                    };
                    for (_, flight) in batch.into_iter().chain(queued) {
                        flight.finish(Err(failed.clone()));
                    }
                }
            }
        }
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        if self.finished {
            return; // another runner may already own the queue
        }
        // The worker is stopping mid-batch. The queued look-ups go (their
        // waiters start over), and so does the mark.
        let mut queue = self.batches.queue();
        queue.waiting.clear();
        queue.running = false;
    }
}

/// One unit of work for the whole batch: an answer per session, in order.
async fn run_batch(db: &Database, asked: Vec<(i32, String)>) -> Result<Vec<Answer>, AppError> {
    db.read(move |conn| {
        if let [(id, sid)] = asked.as_slice() {
            return Ok(vec![revoked_sessions::live_session_user(conn, *id, sid)?]);
        }
        let ids: HashSet<i32> = asked.iter().map(|(id, _)| *id).collect();
        let sids: Vec<&str> = asked.iter().map(|(_, sid)| sid.as_str()).collect();
        let (users, revoked) = revoked_sessions::live_session_users(conn, &ids, &sids)?;
        Ok(asked
            .iter()
            .map(|(id, sid)| {
                (!revoked.contains(sid.as_str()))
                    .then(|| users.get(id).cloned())
                    .flatten()
            })
            .collect())
    })
    .await
}
