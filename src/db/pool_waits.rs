//! Slow waits for a pool connection, as warnings an operator can read: the
//! first at once, then at most one line a second with how many there were.
//! A stalled database makes every request in the queue wait at once; a line
//! for each would bury the log.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A wait for a pool connection longer than this is logged: the pool is too
/// small for the load, or the database slow to answer.
pub const SLOW_POOL_WAIT: Duration = Duration::from_millis(100);

/// At most one warning per this long.
const LOG_EVERY: Duration = Duration::from_secs(1);

/// The slow waits since the last warning.
#[derive(Default)]
pub struct SlowWaits {
    window: Mutex<Window>,
    /// Every slow wait since the start (for the metrics).
    total: AtomicU64,
}

#[derive(Default)]
struct Window {
    logged_at: Option<Instant>,
    count: u64,
    longest: Duration,
}

impl SlowWaits {
    /// Notes a wait of `waited`; warns if it was slow and no warning went
    /// out in the last second. `pool` describes the pool's state for the line.
    pub fn note(&self, waited: Duration, pool: impl FnOnce() -> String) {
        if waited <= SLOW_POOL_WAIT {
            return;
        }
        self.total.fetch_add(1, Ordering::Relaxed);
        let Ok(mut window) = self.window.lock() else {
            return;
        };
        window.count += 1;
        window.longest = window.longest.max(waited);
        if window.logged_at.is_some_and(|at| at.elapsed() < LOG_EVERY) {
            return;
        }
        log::warn!(
            "waited {} ms for a database connection ({} waits over {} ms since the last such line; {})",
            window.longest.as_millis(),
            window.count,
            SLOW_POOL_WAIT.as_millis(),
            pool()
        );
        *window = Window {
            logged_at: Some(Instant::now()),
            ..Window::default()
        };
    }
}

impl SlowWaits {
    /// Slow waits since the start.
    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_waits_are_not_counted_and_slow_ones_are_logged_once_a_second() {
        let waits = SlowWaits::default();
        let state = |waits: &SlowWaits| {
            let window = waits.window.lock().unwrap();
            (window.logged_at.is_some(), window.count, window.longest)
        };
        waits.note(Duration::from_millis(5), String::new);
        assert_eq!(
            state(&waits),
            (false, 0, Duration::ZERO),
            "a fast wait is no news"
        );
        waits.note(Duration::from_millis(150), String::new);
        assert_eq!(
            state(&waits),
            (true, 0, Duration::ZERO),
            "the first slow wait is logged"
        );
        waits.note(Duration::from_millis(300), String::new);
        assert_eq!(
            state(&waits),
            (true, 1, Duration::from_millis(300)),
            "the next, within the second, waits for the next line"
        );
        assert_eq!(waits.total(), 2, "both slow waits are counted");
    }
}
