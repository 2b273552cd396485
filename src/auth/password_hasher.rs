//! bcrypt, always on the hashing threads (`hash_threads`), never on the
//! threads that serve requests, and in short turns (`bcrypt_in_turns`).
//!
//! A login for an unknown name, or with a password bcrypt cannot check in
//! full (over 72 bytes), verifies against a dummy hash so that it costs the
//! same as a wrong password: timing does not reveal which names exist.

use std::str::FromStr as _;
use std::sync::Arc;

use anyhow::Context as _;

use super::bcrypt_in_turns;
use super::hash_threads::HashThreads;
use crate::domain::{MAX_PASSWORD_BYTES, NewPassword};
use crate::error::AppError;

/// Hashes and verifies at the configured cost.
#[derive(Clone)]
pub struct PasswordHasher {
    cost: u32,
    /// Made at start: without it an unknown name would answer faster.
    dummy: Arc<str>,
    pool: HashThreads,
}

/// The outcome of checking a login password.
#[derive(Debug, PartialEq, Eq)]
pub enum Verification {
    /// Right password; `rehash` holds a new hash when the stored cost differs
    /// from the configured one.
    Valid {
        /// The password hashed at the configured cost, when the stored one used another.
        rehash: Option<String>,
    },
    /// Wrong password, unknown name, or an over-long password.
    Invalid,
}

impl PasswordHasher {
    /// Starts `threads` hashing threads and makes the dummy hash at `cost`
    /// (4–31); either failing stops the start.
    pub fn start(cost: u32, threads: usize) -> anyhow::Result<Self> {
        let dummy = dummy_hash(cost)?;
        let pool = HashThreads::start(threads).context("starting the hashing threads")?;
        Ok(Self {
            cost,
            dummy: dummy.into(),
            pool,
        })
    }

    /// Hashes and checks waiting for a hashing thread now.
    pub fn queue_depth(&self) -> usize {
        self.pool.waiting()
    }

    /// Hashes an accepted new password.
    pub async fn hash(&self, password: NewPassword) -> Result<String, AppError> {
        let cost = self.cost;
        self.pool
            .run(move || bcrypt_in_turns::hash(password.expose().as_bytes(), cost))
            .await?
            .map_err(|e| AppError::Unexpected(anyhow::anyhow!("hashing a password: {e}")))
    }

    /// Checks `candidate` against `stored` (or the dummy hash when the user is unknown).
    pub async fn verify(
        &self,
        candidate: String,
        stored: Option<String>,
    ) -> Result<Verification, AppError> {
        let this = self.clone();
        self.pool
            .run(move || this.verify_blocking(&candidate, stored.as_deref()))
            .await
    }

    fn verify_blocking(&self, candidate: &str, stored: Option<&str>) -> Verification {
        // bcrypt would silently compare only the first 72 bytes: a longer
        // password is a failed login, at the same cost as any other.
        let checkable = candidate.len() <= MAX_PASSWORD_BYTES;
        let Some(hash) = stored.filter(|_| checkable) else {
            let _ = bcrypt_in_turns::verify(candidate.as_bytes(), &self.dummy);
            return Verification::Invalid;
        };
        match bcrypt_in_turns::verify(candidate.as_bytes(), hash) {
            Ok(true) => Verification::Valid {
                rehash: self.rehash_if_needed(candidate, hash),
            },
            Ok(false) => Verification::Invalid,
            Err(e) => {
                log::error!("stored password hash is unreadable: {e}");
                Verification::Invalid
            }
        }
    }

    fn rehash_if_needed(&self, password: &str, hash: &str) -> Option<String> {
        let stored_cost = bcrypt::HashParts::from_str(hash).ok()?.get_cost();
        if stored_cost == self.cost {
            return None;
        }
        match bcrypt_in_turns::hash(password.as_bytes(), self.cost) {
            Ok(new_hash) => Some(new_hash),
            Err(e) => {
                log::error!("re-hashing a password at cost {}: {e}", self.cost);
                None
            }
        }
    }
}

/// A well-formed bcrypt hash of a random salt and a random digest at `cost`:
/// checking a password against it costs one full bcrypt at that cost, like a
/// real hash, and nothing matches it (the digest is 184 random bits). Made
/// without hashing, so the start waits for no bcrypt; its format is checked,
/// because a hash bcrypt refuses to parse would answer at once and bring the
/// timing leak back.
fn dummy_hash(cost: u32) -> anyhow::Result<String> {
    use base64::Engine as _;
    use base64::engine::{GeneralPurpose, general_purpose::NO_PAD};

    let bcrypt_base64 = GeneralPurpose::new(&base64::alphabet::BCRYPT, NO_PAD);
    let salt: [u8; 16] = rand::random();
    let digest: [u8; 23] = rand::random();
    let dummy = format!(
        "$2b${cost:02}${}{}",
        bcrypt_base64.encode(salt),
        bcrypt_base64.encode(digest)
    );
    let parts = bcrypt::HashParts::from_str(&dummy).context("making the dummy password hash")?;
    anyhow::ensure!(
        parts.get_cost() == cost,
        "the dummy password hash has cost {}, not {cost}",
        parts.get_cost()
    );
    Ok(dummy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_costs_a_full_bcrypt_at_the_configured_cost_and_matches_nothing() {
        for cost in [4, 5] {
            let dummy = dummy_hash(cost).unwrap();
            assert_eq!(
                bcrypt::HashParts::from_str(&dummy).unwrap().get_cost(),
                cost
            );
            assert_eq!(bcrypt::verify("", &dummy).ok(), Some(false));
            assert_eq!(bcrypt::verify("password", &dummy).ok(), Some(false));
        }
        // bcrypt's work doubles per cost step: a dummy at cost 10 takes about
        // 64 times as long to check as one at cost 4 (a malformed one: ~0).
        let time = |cost| {
            let dummy = dummy_hash(cost).unwrap();
            let started = std::time::Instant::now();
            let _ = bcrypt::verify("guess", &dummy);
            started.elapsed()
        };
        let (cheap, dear) = (time(4), time(10));
        assert!(dear > cheap * 8, "cost 4: {cheap:?}, cost 9: {dear:?}");
    }

    fn blocking_verify(p: &PasswordHasher, candidate: &str, stored: Option<&str>) -> Verification {
        p.verify_blocking(candidate, stored)
    }

    #[test]
    fn the_right_password_verifies_and_a_wrong_one_does_not() {
        let p = PasswordHasher::start(4, 1).unwrap();
        let hash = bcrypt::hash("correct horse battery", 4).unwrap();
        assert_eq!(
            blocking_verify(&p, "correct horse battery", Some(&hash)),
            Verification::Valid { rehash: None }
        );
        assert_eq!(
            blocking_verify(&p, "wrong horse battery", Some(&hash)),
            Verification::Invalid
        );
        assert_eq!(
            blocking_verify(&p, "correct horse battery", None),
            Verification::Invalid
        );
    }

    #[test]
    fn a_password_longer_than_72_bytes_never_matches_its_prefix() {
        let p = PasswordHasher::start(4, 1).unwrap();
        let exact: String = "ab".repeat(36);
        let hash = bcrypt::hash(&exact, 4).unwrap();
        assert!(matches!(
            blocking_verify(&p, &exact, Some(&hash)),
            Verification::Valid { .. }
        ));
        // A truncating verify would accept this one.
        assert_eq!(
            blocking_verify(&p, &format!("{exact}x"), Some(&hash)),
            Verification::Invalid
        );
    }

    #[test]
    fn a_hash_made_at_another_cost_is_renewed_at_login() {
        let p = PasswordHasher::start(5, 1).unwrap();
        let old = bcrypt::hash("correct horse battery", 4).unwrap();
        let Verification::Valid { rehash: Some(new) } =
            blocking_verify(&p, "correct horse battery", Some(&old))
        else {
            panic!("expected a re-hash");
        };
        assert!(new.starts_with("$2b$05$"), "{new}");
        assert!(bcrypt::verify("correct horse battery", &new).unwrap());
    }
}
