//! The threads that run bcrypt: one more than the workers (`startup`), at
//! normal priority, each hash computed in short turns (`bcrypt_in_turns`).
//!
//! Alone they use every core. During a page flood they get the scheduler's
//! fair share, about threads ÷ (threads + busy page threads) of the CPU, so
//! a login waits seconds, not forever; and since a turn is 1 ms, a worker
//! thread with requests never waits long behind one. Measured
//! (bench/README.md): at the lowest priority (`SCHED_IDLE`) a page flood
//! let no login through at all; at normal priority in one piece the pages'
//! p99 more than doubled.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;

use crate::error::AppError;

type Job = Box<dyn FnOnce() + Send>;

/// Waiting bcrypt jobs beyond this are refused with 429 rather than queued.
const QUEUE_LIMIT: usize = 256;

/// A fixed pool of hashing threads.
#[derive(Clone)]
pub struct HashThreads {
    jobs: SyncSender<Job>,
    /// Jobs queued and not yet taken by a thread (for the metrics).
    waiting: Arc<AtomicUsize>,
}

impl HashThreads {
    /// Starts `threads` hashing threads at normal priority. They are never
    /// joined, so a hash still running (or queued) when the server stops does not hold up the
    /// exit: the process ends when `main` returns, and they with it.
    pub fn start(threads: usize) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::sync_channel::<Job>(QUEUE_LIMIT);
        let queue = Arc::new(Mutex::new(queue));
        let waiting = Arc::new(AtomicUsize::new(0));
        for n in 0..threads.max(1) {
            let queue = Arc::clone(&queue);
            let taken = Arc::clone(&waiting);
            std::thread::Builder::new()
                .name(format!("bcrypt-{n}"))
                .spawn(move || {
                    loop {
                        // Holding the lock only while waiting hands jobs out one by one.
                        let job = match queue.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => {
                                taken.fetch_sub(1, Ordering::Relaxed);
                                job();
                            }
                            Err(_) => return, // the pool was dropped
                        }
                    }
                })?;
        }
        Ok(Self { jobs, waiting })
    }

    /// Jobs waiting for a thread now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    /// Runs `work` on a hashing thread and waits for its result.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let (reply, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = reply.send(work());
        });
        // Counted before it is sent: a thread may take it at once.
        self.waiting.fetch_add(1, Ordering::Relaxed);
        let sent = self.jobs.try_send(job);
        if sent.is_err() {
            self.waiting.fetch_sub(1, Ordering::Relaxed);
        }
        match sent {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                log::warn!("password hashing queue is full; refusing an attempt");
                return Err(AppError::Throttled {
                    retry_after: Duration::from_secs(1),
                });
            }
            Err(TrySendError::Disconnected(_)) => {
                return Err(AppError::Unexpected(anyhow::anyhow!(
                    "password hashing threads are gone"
                )));
            }
        }
        result
            .await
            .map_err(|_| AppError::Unexpected(anyhow::anyhow!("a password hashing job panicked")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_and_return_their_result() {
        let pool = HashThreads::start(2).unwrap();
        let results =
            futures_util::future::join_all((0..10).map(|i| pool.run(move || i * 2))).await;
        let values: Vec<i32> = results.into_iter().map(Result::unwrap).collect();
        assert_eq!(values, (0..10).map(|i| i * 2).collect::<Vec<_>>());
        assert_eq!(pool.waiting(), 0, "every job was taken");
    }
}
