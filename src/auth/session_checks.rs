//! A short-lived, per-instance memory of what the guard checked in the
//! database: "user U (generation G) exists and session S is not revoked",
//! with **single flight**: one database look-up per session at a time.
//!
//! Without it every guarded request costs a query. An answer is *fresh* for
//! [`FRESH_FOR`] after its query began; after that it is *stale* but still
//! served, while one background look-up refreshes it, until [`USABLE_FOR`].
//! Past that the request waits for the look-up in flight (or starts one).
//! So a logout, password change or "log out other sessions" made on another
//! instance takes effect here within `USABLE_FOR` plus one query (the
//! contract allows one second). One made on this instance calls
//! [`SessionCheckCache::invalidate`] and takes effect at once, for answers
//! stored and look-ups in flight alike.
//!
//! Why single flight (bench/README.md, "Session checks under load"): with one
//! hot session, every request in flight when the answer expired asked the
//! database itself, tens at a time on a pool shared with logins.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::db::users::SessionUser;

/// How long after its query began an answer is served without a refresh.
pub const FRESH_FOR: Duration = Duration::from_millis(500);
/// How long after its query began an answer may still be served while a
/// refresh runs (with a query's time on top, within the contract's second).
pub const USABLE_FOR: Duration = Duration::from_millis(900);
/// A session's record gets a new last-seen time at most this often (seconds)
/// from one instance, whatever its clients send.
const TOUCH_EVERY: i64 = 60;
/// Above this many sessions, unusable entries are swept (and all, if that is not enough).
const MAX_ENTRIES: usize = 50_000;

/// The database's answer: `None` when the user is gone or the session revoked.
pub type Answer = Option<SessionUser>;

/// A look-up that failed, as every request waiting for it reports it.
#[derive(Debug, Clone)]
pub struct LookupFailed {
    /// The database could not be reached (503), rather than a bug (500).
    pub unavailable: bool,
    /// The cause, for the log.
    pub message: Arc<str>,
}

/// What a look-up ends with.
pub type Outcome = Result<Answer, LookupFailed>;

struct Stored {
    answer: Answer,
    asked_at: Instant,
}

#[derive(Default)]
struct Slot {
    user_id: i32,
    /// The last answer, from a look-up begun under the current epoch.
    stored: Option<Stored>,
    /// The look-up in flight, if any (always of the current epoch: a new
    /// epoch clears every slot).
    flight: Option<(u64, watch::Receiver<Option<Outcome>>)>,
    /// The last-seen time last written to the session's record (unix seconds).
    touched: Option<i64>,
}

/// See the module docs.
#[derive(Default)]
pub struct SessionCheckCache {
    /// Keyed by session id (random, so unique); the slot names its user.
    slots: Mutex<HashMap<String, Slot>>,
    /// Bumped by every local revocation: answers and look-ups begun before
    /// it are void, even when they finish afterwards.
    epoch: AtomicU64,
    /// Numbers look-ups, so a finishing one touches only its own slot.
    flights: AtomicU64,
}

/// What the guard does next for one request.
pub enum Step {
    /// Use this answer.
    Known(Answer),
    /// Use this (stale) answer, and run the look-up in the background.
    Refresh(Answer, Flight),
    /// No usable answer: run the look-up and wait for it.
    Lead(Flight),
    /// No usable answer: wait for the look-up in flight.
    Wait(Waiter),
}

/// The one look-up for a session: whoever holds it asks the database and
/// calls [`Flight::finish`]. Dropped unfinished (its task cancelled), it
/// clears its slot so the next request starts another.
pub struct Flight {
    cache: Arc<SessionCheckCache>,
    sid: String,
    number: u64,
    epoch: u64,
    asked_at: Instant,
    done: watch::Sender<Option<Outcome>>,
    finished: bool,
}

/// A request waiting for another's look-up.
pub struct Waiter {
    cache: Arc<SessionCheckCache>,
    epoch: u64,
    outcome: watch::Receiver<Option<Outcome>>,
}

impl SessionCheckCache {
    fn slots(&self) -> MutexGuard<'_, HashMap<String, Slot>> {
        // A panic while holding the lock cannot leave a slot half-written in
        // a way that matters: at worst an answer is missing, and is asked again.
        self.slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Decides how to answer user `id`'s session `sid` (see [`Step`]).
    pub fn begin(self: &Arc<Self>, id: i32, sid: &str) -> Step {
        let mut slots = self.slots();
        // Read under the lock, which `invalidate` holds while it bumps the
        // epoch and clears: no slot from before a revocation is seen after it.
        let epoch = self.current_epoch();
        let slot = slots.get_mut(sid).filter(|s| s.user_id == id);
        if let Some(slot) = slot {
            let flying = slot.flight.as_ref().map(|(_, rx)| rx.clone());
            if let Some(stored) = &slot.stored {
                let age = stored.asked_at.elapsed();
                if age < FRESH_FOR || (age < USABLE_FOR && flying.is_some()) {
                    return Step::Known(stored.answer.clone());
                }
                if age < USABLE_FOR {
                    let answer = stored.answer.clone();
                    let (flight, rx) = self.flight(sid, epoch);
                    slot.flight = Some((flight.number, rx));
                    return Step::Refresh(answer, flight);
                }
            }
            if let Some(outcome) = flying {
                return Step::Wait(Waiter {
                    cache: Arc::clone(self),
                    epoch,
                    outcome,
                });
            }
            let (flight, rx) = self.flight(sid, epoch);
            slot.stored = None;
            slot.flight = Some((flight.number, rx));
            return Step::Lead(flight);
        }
        if slots.len() >= MAX_ENTRIES {
            slots.retain(|_, s| {
                s.flight.is_some()
                    || s.stored
                        .as_ref()
                        .is_some_and(|a| a.asked_at.elapsed() < USABLE_FOR)
            });
            if slots.len() >= MAX_ENTRIES {
                slots.clear();
            }
        }
        let (flight, rx) = self.flight(sid, epoch);
        slots.insert(
            sid.to_owned(),
            Slot {
                user_id: id,
                stored: None,
                flight: Some((flight.number, rx)),
                touched: None,
            },
        );
        Step::Lead(flight)
    }

    fn flight(
        self: &Arc<Self>,
        sid: &str,
        epoch: u64,
    ) -> (Flight, watch::Receiver<Option<Outcome>>) {
        let (done, rx) = watch::channel(None);
        let flight = Flight {
            cache: Arc::clone(self),
            sid: sid.to_owned(),
            number: self.flights.fetch_add(1, Ordering::Relaxed),
            epoch,
            asked_at: Instant::now(),
            done,
            finished: false,
        };
        (flight, rx)
    }

    /// Whether session `sid`'s record should get last-seen time `now`: at
    /// most once per [`TOUCH_EVERY`] per instance, so a client that keeps
    /// sending its old cookie (which asks for a re-seal every time) costs
    /// one write a minute, not one per request.
    pub fn first_touch(&self, sid: &str, now: i64) -> bool {
        let mut slots = self.slots();
        match slots.get_mut(sid) {
            Some(slot) if slot.touched.is_some_and(|t| now - t < TOUCH_EVERY) => false,
            Some(slot) => {
                slot.touched = Some(now);
                true
            }
            // Swept meanwhile: write (rare).
            None => true,
        }
    }

    /// Forgets every answer and look-up in flight: called after a logout,
    /// password change, "log out other sessions" or deletion on this instance.
    pub fn invalidate(&self) {
        let mut slots = self.slots();
        self.epoch.fetch_add(1, Ordering::AcqRel);
        slots.clear();
    }

    fn current_epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }
}

impl Flight {
    /// Stores `outcome` (unless a local revocation came after the look-up
    /// began) and hands it to every request waiting for it.
    pub fn finish(mut self, outcome: Outcome) {
        self.finished = true;
        {
            let mut slots = self.cache.slots();
            if let Some(slot) = slots.get_mut(&self.sid)
                && slot.flight.as_ref().is_some_and(|(n, _)| *n == self.number)
            {
                slot.flight = None;
                if let Ok(answer) = &outcome
                    && self.cache.current_epoch() == self.epoch
                {
                    slot.stored = Some(Stored {
                        answer: answer.clone(),
                        asked_at: self.asked_at,
                    });
                }
            }
        }
        // Nobody waiting is fine: the answer is stored.
        let _ = self.done.send(Some(outcome));
    }

    /// The session this look-up is for.
    pub fn sid(&self) -> &str {
        &self.sid
    }

    /// A waiter on this flight, for the request that leads it.
    pub fn waiter(&self) -> Waiter {
        Waiter {
            cache: Arc::clone(&self.cache),
            epoch: self.epoch,
            outcome: self.done.subscribe(),
        }
    }
}

impl Drop for Flight {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let mut slots = self.cache.slots();
        if let Some(slot) = slots.get_mut(&self.sid)
            && slot.flight.as_ref().is_some_and(|(n, _)| *n == self.number)
        {
            slot.flight = None;
        }
        // Waiters see the channel close and start over.
    }
}

impl Waiter {
    /// The look-up's outcome, or `None` when it was abandoned, took longer
    /// than `bound`, or a local revocation made it void: ask again then.
    pub async fn outcome(mut self, bound: Duration) -> Option<Outcome> {
        let outcome = tokio::time::timeout(bound, self.outcome.wait_for(Option::is_some))
            .await
            .ok()?
            .ok()?
            .clone()?;
        (self.cache.current_epoch() == self.epoch).then_some(outcome)
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDateTime;

    use super::*;

    fn user() -> Answer {
        Some(SessionUser {
            username: "alice".into(),
            session_generation: 0,
            created_at: NaiveDateTime::default(),
            last_login_at: None,
        })
    }

    fn lead(step: Step) -> Flight {
        match step {
            Step::Lead(flight) => flight,
            _ => panic!("expected to lead a look-up"),
        }
    }

    fn wait(step: Step) -> Waiter {
        match step {
            Step::Wait(waiter) => waiter,
            _ => panic!("expected to wait for a look-up"),
        }
    }

    fn known(step: &Step) -> Option<&Answer> {
        match step {
            Step::Known(answer) => Some(answer),
            _ => None,
        }
    }

    #[test]
    fn one_look_up_at_a_time_per_session() {
        let cache = Arc::new(SessionCheckCache::default());
        let flight = lead(cache.begin(1, "s"));
        assert!(matches!(cache.begin(1, "s"), Step::Wait(_)));
        assert!(matches!(cache.begin(1, "s"), Step::Wait(_)));
        assert!(
            matches!(cache.begin(1, "other"), Step::Lead(_)),
            "another session asks for itself"
        );
        flight.finish(Ok(user()));
        assert!(known(&cache.begin(1, "s")).is_some_and(Option::is_some));
        assert!(
            matches!(cache.begin(2, "s"), Step::Lead(_)),
            "a session id is bound to its user"
        );
    }

    #[tokio::test]
    async fn waiters_get_the_leaders_answer() {
        let cache = Arc::new(SessionCheckCache::default());
        let flight = lead(cache.begin(1, "s"));
        let waiter = wait(cache.begin(1, "s"));
        let leader = flight.waiter();
        flight.finish(Ok(None));
        let bound = Duration::from_secs(1);
        assert!(matches!(waiter.outcome(bound).await, Some(Ok(None))));
        assert!(matches!(leader.outcome(bound).await, Some(Ok(None))));
    }

    #[tokio::test]
    async fn an_abandoned_look_up_lets_the_next_request_lead() {
        let cache = Arc::new(SessionCheckCache::default());
        let flight = lead(cache.begin(1, "s"));
        let waiter = wait(cache.begin(1, "s"));
        drop(flight);
        assert!(waiter.outcome(Duration::from_secs(1)).await.is_none());
        assert!(matches!(cache.begin(1, "s"), Step::Lead(_)));
    }

    #[test]
    fn a_stale_answer_is_served_while_one_refresh_runs_then_not_at_all() {
        let cache = Arc::new(SessionCheckCache::default());
        lead(cache.begin(1, "s")).finish(Ok(user()));
        std::thread::sleep(FRESH_FOR);
        let Step::Refresh(Some(_), refresh) = cache.begin(1, "s") else {
            panic!("expected the stale answer and a refresh");
        };
        assert!(
            known(&cache.begin(1, "s")).is_some(),
            "one refresh at a time; the others use the stale answer"
        );
        std::thread::sleep(USABLE_FOR - FRESH_FOR);
        assert!(
            matches!(cache.begin(1, "s"), Step::Wait(_)),
            "past USABLE_FOR a request waits for the refresh"
        );
        refresh.finish(Ok(user()));
        assert!(known(&cache.begin(1, "s")).is_some());
    }

    #[tokio::test]
    async fn a_local_revocation_voids_answers_and_look_ups_in_flight() {
        let cache = Arc::new(SessionCheckCache::default());
        lead(cache.begin(1, "s")).finish(Ok(user()));
        let flight = lead(cache.begin(1, "t"));
        let waiter = wait(cache.begin(1, "t"));
        cache.invalidate();
        assert!(matches!(cache.begin(1, "s"), Step::Lead(_)));
        let after = lead(cache.begin(1, "t"));
        flight.finish(Ok(user()));
        assert!(
            waiter.outcome(Duration::from_secs(1)).await.is_none(),
            "an answer begun before the revocation is refused"
        );
        assert!(
            matches!(cache.begin(1, "t"), Step::Wait(_)),
            "the old look-up did not store its answer"
        );
        drop(after);
    }

    #[test]
    fn a_failed_look_up_is_not_stored() {
        let cache = Arc::new(SessionCheckCache::default());
        let failed = LookupFailed {
            unavailable: true,
            message: "down".into(),
        };
        lead(cache.begin(1, "s")).finish(Err(failed));
        assert!(matches!(cache.begin(1, "s"), Step::Lead(_)));
    }
}
