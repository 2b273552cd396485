//! bcrypt computed in short turns: the same hashes as the `bcrypt` crate
//! (which still parses them), but the expensive key schedule gives up the
//! CPU after every [`TURN`] of work (1 ms, at any cost and on any machine).
//!
//! Why: a hash at cost 12 is a quarter of a second of CPU in one piece. The
//! hashing threads run at normal priority so that logins are not starved by
//! a page flood (`hash_threads`), and the kernel would let such a thread keep
//! a core for a whole time slice while a worker thread with requests waits
//! behind it: the pages' p99 doubled in the measurements (bench/README.md).
//! Yielding between turns lets a waiting worker run within a millisecond.
//! The length of a turn sets the logins' share during a page flood, since
//! each yield gives up the rest of the thread's slice: turns of 0.2 ms left
//! logins 19–28% of the bcrypt bound, 1 ms 39–43% with the pages' p99
//! within 1.7× of S1's. With nothing else to run, a yield returns at once.

use std::str::FromStr as _;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::alphabet::BCRYPT;
use base64::engine::general_purpose::{GeneralPurpose, NO_PAD};
use blowfish::Blowfish;

/// bcrypt's own base64 (`./A–Za–z0–9`, no padding).
const BCRYPT_BASE64: GeneralPurpose = GeneralPurpose::new(&BCRYPT, NO_PAD);

/// How long the key schedule runs between two yields. Bounded in time, not
/// in rounds, so that the share hashing gets is the same on a fast and a
/// slow machine (a round, two key expansions, takes 55–90 µs on ours).
const TURN: Duration = Duration::from_millis(1);

/// Where the digest starts in a stored hash: after "$2b$12$" and the
/// 22-character salt; it is the last 31 characters.
const DIGEST_AT: usize = 29;

/// The longest password bcrypt reads, in bytes (then a terminating NUL, if
/// there is room).
const MAX_KEY: usize = 72;

/// A new `$2b$` hash of `password` at `cost` (4–31), with a random salt.
pub fn hash(password: &[u8], cost: u32) -> Result<String, bcrypt::BcryptError> {
    if !(4..=31).contains(&cost) {
        return Err(bcrypt::BcryptError::CostNotAllowed(cost));
    }
    let salt: [u8; 16] = rand::random();
    let digest = raw(cost, salt, password);
    Ok(format!(
        "$2b${cost:02}${}{}",
        BCRYPT_BASE64.encode(salt),
        BCRYPT_BASE64.encode(&digest[..23])
    ))
}

/// Whether `password` matches `stored` (any of `$2a$`, `$2b$`, `$2x$`,
/// `$2y$`); `Err` when `stored` is not a bcrypt hash.
pub fn verify(password: &[u8], stored: &str) -> Result<bool, bcrypt::BcryptError> {
    let parts = bcrypt::HashParts::from_str(stored)?;
    let digest = raw(parts.get_cost(), parts.get_salt_raw(), password);
    let ours = BCRYPT_BASE64.encode(&digest[..23]);
    // Every byte is compared, whatever the first difference.
    let theirs = stored.as_bytes().get(DIGEST_AT..).unwrap_or_default();
    let differ = ours.len() != theirs.len()
        || ours
            .bytes()
            .zip(theirs)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            != 0;
    Ok(!differ)
}

/// The 24-byte bcrypt output ("OrpheanBeholderScryDoubt" encrypted 64
/// times under the expensive key schedule of `salt` and `password`).
fn raw(cost: u32, salt: [u8; 16], password: &[u8]) -> [u8; 24] {
    // As the bcrypt crate and OpenBSD: the NUL-terminated password, cut at
    // 72 bytes (a 72-byte password loses its NUL).
    let mut key = [0u8; MAX_KEY];
    let len = password.len().min(MAX_KEY);
    key[..len].copy_from_slice(&password[..len]);
    let key = &key[..(len + 1).min(MAX_KEY)];

    let mut state = Blowfish::bc_init_state();
    state.salted_expand_key(&salt, key);
    let mut turn_began = Instant::now();
    for _ in 0..1u64 << cost {
        state.bc_expand_key(key);
        state.bc_expand_key(&salt);
        // Reading the clock costs tens of nanoseconds against a round's tens of microseconds.
        if turn_began.elapsed() >= TURN {
            std::thread::yield_now();
            turn_began = Instant::now();
        }
    }

    let mut text: [u32; 6] = [
        0x4f72_7068,
        0x6561_6e42,
        0x6568_6f6c,
        0x6465_7253,
        0x6372_7944,
        0x6f75_6274,
    ];
    let mut output = [0u8; 24];
    for pair in 0..3 {
        let i = pair * 2;
        for _ in 0..64 {
            let [l, r] = state.bc_encrypt([text[i], text[i + 1]]);
            text[i] = l;
            text[i + 1] = r;
        }
        output[i * 4..i * 4 + 4].copy_from_slice(&text[i].to_be_bytes());
        output[i * 4 + 4..i * 4 + 8].copy_from_slice(&text[i + 1].to_be_bytes());
    }
    output
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Passwords around every edge: empty, short, non-ASCII, 71–73 bytes
    /// (the NUL and the cut), and long.
    fn passwords() -> Vec<Vec<u8>> {
        let mut all: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"a".to_vec(),
            "비밀번호 correct horse".as_bytes().to_vec(),
            b"\xff\x00\x01".to_vec(),
        ];
        for len in [71, 72, 73, 100] {
            all.push((0..len).map(|i| b'a' + (i % 26) as u8).collect());
        }
        all
    }

    #[test]
    fn the_bcrypt_crate_and_these_turns_agree_both_ways() {
        for cost in [4, 5] {
            for password in passwords() {
                let theirs = bcrypt::hash(&password, cost).unwrap();
                assert!(
                    verify(&password, &theirs).unwrap(),
                    "{password:?} at {cost}"
                );
                let ours = hash(&password, cost).unwrap();
                assert!(ours.starts_with(&format!("$2b$0{cost}$")));
                assert_eq!(ours.len(), 60);
                assert!(
                    bcrypt::verify(&password, &ours).unwrap(),
                    "{password:?} at {cost}"
                );
                // Same salt, same digest.
                let salt = bcrypt::HashParts::from_str(&ours).unwrap().get_salt_raw();
                let again = bcrypt::hash_with_salt(&password, cost, salt).unwrap();
                assert_eq!(again.format_for_version(bcrypt::Version::TwoB), ours);
            }
        }
    }

    #[test]
    fn a_wrong_password_or_a_broken_hash_never_matches() {
        let stored = bcrypt::hash("right", 4).unwrap();
        assert!(!verify(b"wrong", &stored).unwrap());
        assert!(!verify(b"righ", &stored).unwrap());
        assert!(verify(b"right", &stored).unwrap());
        // One character of the digest changed: one in the middle, as the
        // last carries only 4 bits and most changes there are not base64.
        let mut tampered = stored.clone().into_bytes();
        let middle = DIGEST_AT + 15;
        tampered[middle] = if tampered[middle] == b'a' { b'b' } else { b'a' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert!(!verify(b"right", &tampered).unwrap());
        for broken in ["", "not a hash", &stored[..59]] {
            assert!(verify(b"right", broken).is_err(), "{broken:?}");
        }
        assert!(hash(b"x", 3).is_err());
    }

    #[test]
    fn known_answers_from_openbsd() {
        // $2a$ vectors of jBCrypt / OpenBSD, as the bcrypt crate tests them.
        for (password, stored) in [
            (
                "",
                "$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s.",
            ),
            (
                "a",
                "$2a$06$m0CrhHm10qJ3lXRY.5zDGO3rS2KdeeWLuGmsfGlMfOxih58VYVfxe",
            ),
            (
                "abcdefghijklmnopqrstuvwxyz",
                "$2a$08$aTsUwsyowQuzRrDqFflhgekJ8d9/7Z3GV3UcgvzQW3J5zMyrTvlz.",
            ),
        ] {
            assert!(verify(password.as_bytes(), stored).unwrap(), "{password:?}");
        }
    }
}
