//! Brute-force limits: attempts per client address (in memory, per
//! instance) and consecutive failures per username (in the database, so a
//! lock-out holds on every instance).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::AppError;

/// The first lock-out lasts a minute, each further failure doubles it…
const FIRST_LOCK: Duration = Duration::from_secs(60);
/// …up to this.
const LONGEST_LOCK: Duration = Duration::from_secs(15 * 60);

/// The per-address limit of `LOGIN_IP_LIMIT`.
pub struct Throttle {
    per_ip: Option<DefaultKeyedRateLimiter<IpAddr>>,
    checks: AtomicU64,
}

impl Throttle {
    /// `ip_limit` attempts per minute per address (0 = off).
    pub fn new(ip_limit: u32) -> Self {
        let per_ip = NonZeroU32::new(ip_limit).map(|n| RateLimiter::keyed(Quota::per_minute(n)));
        Self {
            per_ip,
            checks: AtomicU64::new(0),
        }
    }

    /// Counts an attempt from `ip`; `Err(Throttled)` once the address is over its limit.
    pub fn check_ip(&self, ip: Option<IpAddr>) -> Result<(), AppError> {
        let (Some(limiter), Some(ip)) = (&self.per_ip, ip) else {
            return Ok(());
        };
        // Forget idle addresses now and then, so the map stays small.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 1024 == 1023 {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        limiter
            .check_key(&ip)
            .map_err(|not_until| AppError::Throttled {
                retry_after: not_until.wait_time_from(DefaultClock::default().now()),
            })
    }
}

/// `None` below `max_failures`; then 1 min, doubling per further failure, at most 15 min.
pub fn lock_duration(failures: i32, max_failures: u32) -> Option<Duration> {
    let beyond = u32::try_from(failures).ok()?.checked_sub(max_failures)?;
    let factor = 2u32.checked_pow(beyond).unwrap_or(u32::MAX);
    Some(
        FIRST_LOCK
            .checked_mul(factor)
            .map_or(LONGEST_LOCK, |d| d.min(LONGEST_LOCK)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_starts_at_one_minute_doubles_and_stops_at_fifteen() {
        let minutes = |f| lock_duration(f, 5).map(|d| d.as_secs() / 60);
        assert_eq!(minutes(4), None);
        assert_eq!(minutes(5), Some(1));
        assert_eq!(minutes(6), Some(2));
        assert_eq!(minutes(7), Some(4));
        assert_eq!(minutes(8), Some(8));
        assert_eq!(minutes(9), Some(15));
        assert_eq!(minutes(1000), Some(15));
    }

    #[test]
    fn the_address_limit_refuses_the_attempt_over_the_quota() {
        let throttle = Throttle::new(3);
        let ip = Some("192.0.2.7".parse().unwrap());
        for _ in 0..3 {
            assert!(throttle.check_ip(ip).is_ok());
        }
        assert!(matches!(
            throttle.check_ip(ip),
            Err(AppError::Throttled { .. })
        ));
        assert!(
            throttle
                .check_ip(Some("192.0.2.8".parse().unwrap()))
                .is_ok(),
            "other addresses are unaffected"
        );
    }

    #[test]
    fn a_zero_limit_turns_the_address_limit_off() {
        let throttle = Throttle::new(0);
        let ip = Some("192.0.2.7".parse().unwrap());
        assert!((0..1000).all(|_| throttle.check_ip(ip).is_ok()));
    }
}
