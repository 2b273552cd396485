//! When a sealed login stops being valid: the facts sealed in the session
//! cookie ([`SealedLogin`]) and the timeouts ([`SessionTimeouts`],
//! docs/contract.md, Sessions and security) applied to them. Plain values
//! in, plain answers out: the clock, the cookie and the database are
//! `auth::authenticator`'s business.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The sealed login facts (short field names keep the cookie small).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedLogin {
    /// The user's session generation at login (or at the last re-issue).
    #[serde(rename = "g")]
    pub generation: i32,
    /// Random id of this session, used to revoke it at logout.
    #[serde(rename = "s")]
    pub sid: String,
    /// Login time, unix seconds.
    #[serde(rename = "l")]
    pub login_at: i64,
    /// Last time the session was seen, unix seconds (refreshed sparingly).
    #[serde(rename = "v")]
    pub seen_at: i64,
    /// "Remember me": a persistent cookie, no idle timeout.
    #[serde(rename = "r", default)]
    pub remember: bool,
    /// The last time the password was confirmed again (`/account/confirm`),
    /// unix seconds: with the login time, what "recent" means for
    /// sensitive changes.
    #[serde(rename = "c", default, skip_serializing_if = "Option::is_none")]
    pub confirmed_at: Option<i64>,
}

impl SealedLogin {
    /// Whether the login or the last confirmation is less than `window` old at `now`.
    pub fn is_recent(&self, window: Duration, now: i64) -> bool {
        let last = self
            .confirmed_at
            .unwrap_or(self.login_at)
            .max(self.login_at);
        now < last.saturating_add(secs(window))
    }
}

/// The timeouts of docs/contract.md, Sessions and security.
#[derive(Debug, Clone, Copy)]
pub struct SessionTimeouts {
    /// `SESSION_IDLE_TIMEOUT`.
    pub idle: Duration,
    /// `SESSION_ABSOLUTE_TIMEOUT`.
    pub absolute: Duration,
    /// `REMEMBER_ME_DURATION`.
    pub remember: Duration,
}

impl SessionTimeouts {
    /// The unix second at which this session stops being valid.
    pub fn expires_at(&self, s: &SealedLogin) -> i64 {
        if s.remember {
            s.login_at.saturating_add(secs(self.remember))
        } else {
            let absolute = s.login_at.saturating_add(secs(self.absolute));
            let idle = s.seen_at.saturating_add(secs(self.idle));
            absolute.min(idle)
        }
    }

    /// Whether `s` is still valid at `now` (times in the future are forged or skewed: refused).
    pub fn is_live(&self, s: &SealedLogin, now: i64) -> bool {
        s.login_at <= now + 60 && now < self.expires_at(s)
    }

    /// Whether the last-seen time should be re-sealed now (and the session's
    /// record refreshed). Only every tenth of the idle timeout, so most
    /// requests do not re-issue the cookie. A "remember me" session has no
    /// idle timeout, but its record shows when it was last seen all the same.
    pub fn needs_touch(&self, s: &SealedLogin, now: i64) -> bool {
        now - s.seen_at >= (secs(self.idle) / 10).max(1)
    }
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: SessionTimeouts = SessionTimeouts {
        idle: Duration::from_secs(30 * 60),
        absolute: Duration::from_secs(12 * 3600),
        remember: Duration::from_secs(30 * 86_400),
    };

    fn state(login_at: i64, seen_at: i64, remember: bool) -> SealedLogin {
        SealedLogin {
            generation: 0,
            sid: "x".into(),
            login_at,
            seen_at,
            remember,
            confirmed_at: None,
        }
    }

    #[test]
    fn an_idle_session_expires_after_the_idle_timeout() {
        let s = state(0, 100, false);
        assert!(POLICY.is_live(&s, 100 + 1799));
        assert!(!POLICY.is_live(&s, 100 + 1800));
    }

    #[test]
    fn an_active_session_still_ends_at_the_absolute_timeout() {
        let s = state(0, 43_199, false);
        assert!(POLICY.is_live(&s, 43_199));
        assert!(!POLICY.is_live(&s, 43_200));
    }

    #[test]
    fn remember_me_has_no_idle_timeout_but_its_own_limit() {
        let s = state(0, 0, true);
        assert!(POLICY.is_live(&s, 29 * 86_400));
        assert!(!POLICY.is_live(&s, 30 * 86_400));
    }

    #[test]
    fn a_login_time_in_the_future_is_refused() {
        assert!(!POLICY.is_live(&state(10_000, 10_000, false), 0));
    }

    #[test]
    fn last_seen_is_resealed_only_after_a_tenth_of_the_idle_timeout() {
        let s = state(0, 0, false);
        assert!(!POLICY.needs_touch(&s, 179));
        assert!(POLICY.needs_touch(&s, 180));
        assert!(POLICY.needs_touch(&state(0, 0, true), 180));
    }
}
