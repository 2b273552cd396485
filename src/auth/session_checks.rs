//! A short-lived, per-instance memory of what the guard checked in the
//! database: "user U (generation G) exists and session S is not revoked".
//!
//! Without it every guarded request costs two queries. An answer is reused
//! for at most [`FRESH_FOR`], so a logout, password change or "log out other
//! sessions" made on another instance takes effect here within that time.
//! One made on this instance calls [`SessionCheckCache::invalidate`] and takes
//! effect at once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

/// How long a database answer is reused (docs/contract.md, Scaling out,
/// allows other instances one second).
pub const FRESH_FOR: Duration = Duration::from_millis(500);
/// Above this many entries, stale ones are swept (and all, if that is not enough).
const MAX_ENTRIES: usize = 50_000;

/// What the guard needs of a user.
#[derive(Debug, Clone)]
pub struct CachedUser {
    /// Name as typed at registration.
    pub username: String,
    /// Current session generation.
    pub session_generation: i32,
    /// When the account was made.
    pub created_at: NaiveDateTime,
    /// Last login.
    pub last_login_at: Option<NaiveDateTime>,
}

struct Entry {
    user_id: i32,
    /// `None`: the user is gone or the session revoked.
    user: Option<CachedUser>,
    checked_at: Instant,
    epoch: u64,
}

/// See the module docs.
#[derive(Default)]
pub struct SessionCheckCache {
    /// Keyed by session id (random, so unique); the entry names its user.
    entries: Mutex<HashMap<String, Entry>>,
    /// Bumped by every local revocation: answers fetched before it are void,
    /// even when a request that started earlier stores them afterwards.
    epoch: AtomicU64,
}

/// A ticket taken before asking the database; `store` refuses the answer
/// if a revocation happened meanwhile.
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

impl SessionCheckCache {
    /// A fresh answer for user `id`'s session `sid`, if one is known.
    pub fn lookup(&self, id: i32, sid: &str) -> Option<Option<CachedUser>> {
        let epoch = self.epoch.load(Ordering::Acquire);
        let entries = self.entries.lock().ok()?;
        let entry = entries.get(sid)?;
        let fresh =
            entry.user_id == id && entry.epoch == epoch && entry.checked_at.elapsed() < FRESH_FOR;
        fresh.then(|| entry.user.clone())
    }

    /// Take before querying the database.
    pub fn ticket(&self) -> Ticket {
        Ticket(self.epoch.load(Ordering::Acquire))
    }

    /// Remembers the database's answer, unless a revocation came in between.
    pub fn store(&self, ticket: Ticket, id: i32, sid: String, user: Option<CachedUser>) {
        if self.epoch.load(Ordering::Acquire) != ticket.0 {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, e| e.checked_at.elapsed() < FRESH_FOR);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(
            sid,
            Entry {
                user_id: id,
                user,
                checked_at: Instant::now(),
                epoch: ticket.0,
            },
        );
    }

    /// Forgets every answer: called after a logout, password change, "log
    /// out other sessions" or deletion on this instance.
    pub fn invalidate(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> Option<CachedUser> {
        Some(CachedUser {
            username: "alice".into(),
            session_generation: 0,
            created_at: NaiveDateTime::default(),
            last_login_at: None,
        })
    }

    #[test]
    fn an_answer_is_reused_only_while_fresh() {
        let cache = SessionCheckCache::default();
        assert!(cache.lookup(1, "s").is_none());
        cache.store(cache.ticket(), 1, "s".into(), user());
        assert!(cache.lookup(1, "s").is_some_and(|u| u.is_some()));
        assert!(cache.lookup(1, "other").is_none());
        assert!(
            cache.lookup(2, "s").is_none(),
            "a session id is bound to its user"
        );
        std::thread::sleep(FRESH_FOR);
        assert!(cache.lookup(1, "s").is_none());
    }

    #[test]
    fn a_local_revocation_voids_answers_including_ones_in_flight() {
        let cache = SessionCheckCache::default();
        cache.store(cache.ticket(), 1, "s".into(), user());
        let in_flight = cache.ticket();
        cache.invalidate();
        assert!(cache.lookup(1, "s").is_none());
        cache.store(in_flight, 1, "s".into(), user());
        assert!(
            cache.lookup(1, "s").is_none(),
            "an answer fetched before the revocation is refused"
        );
    }
}
