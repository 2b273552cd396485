//! Time-based one-time codes (RFC 6238: SHA-1, 6 digits, 30 s steps) with
//! `totp-rs`, and the rule that a step is never accepted twice.

use totp_rs::{Algorithm, Builder, Secret, Totp};

/// Bytes of a secret: 160 bits, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;
/// Seconds per step.
const STEP: u64 = 30;

/// A TOTP secret, as its base32 text (what the authenticator app is given
/// and what the database keeps).
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(String);

impl TotpSecret {
    /// 160 random bits.
    pub fn generate() -> Self {
        let bytes: [u8; SECRET_BYTES] = rand::random();
        Self(Secret::from(&bytes[..]).to_base32())
    }

    /// A stored secret; `None` when it is not base32 of at least 128 bits
    /// (the least RFC 4226 allows).
    pub fn from_base32(text: &str) -> Option<Self> {
        let secret = Self(text.to_owned());
        secret.totp("x", "x").map(|_| secret)
    }

    /// The base32 text (shown for manual entry, stored).
    pub fn base32(&self) -> &str {
        &self.0
    }

    fn totp(&self, account: &str, issuer: &str) -> Option<Totp> {
        let secret = Secret::try_from_base32(&self.0).ok()?;
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(6)
            .with_skew(1)
            .with_step_duration(STEP)
            .with_secret(secret)
            .with_account_name(account)
            .with_issuer(Some(issuer))
            .build()
            .ok()
    }

    /// The `otpauth://` URL the QR code carries.
    pub fn otpauth_url(&self, account: &str, issuer: &str) -> Option<String> {
        self.totp(account, issuer)?.to_url().ok()
    }

    /// The step of `code` at unix time `now` (the current step or one either
    /// side), when it is right and later than `last_step`: a step is never
    /// accepted twice.
    pub fn accept(&self, code: &str, now: u64, last_step: Option<i64>) -> Option<i64> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let totp = self.totp("x", "x")?;
        let step = i64::try_from(totp.check(&code, now)?).ok()?;
        match last_step {
            Some(last) if step <= last => None,
            _ => Some(step),
        }
    }
}

// Manual Debug: the secret opens the second factor.
impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl TotpSecret {
        /// The code of unix time `at`.
        fn code_at(&self, at: u64) -> Option<String> {
            Some(self.totp("x", "x")?.generate(at).to_string())
        }
    }

    /// RFC 6238's SHA-1 secret, "12345678901234567890".
    fn rfc_secret() -> TotpSecret {
        TotpSecret(Secret::from(&b"12345678901234567890"[..]).to_base32())
    }

    #[test]
    fn codes_match_rfc_6238() {
        // RFC 6238 appendix B, truncated to 6 digits: 94287082, 07081804, 14050471.
        let secret = rfc_secret();
        assert_eq!(secret.code_at(59).unwrap(), "287082");
        assert_eq!(secret.code_at(1_111_111_109).unwrap(), "081804");
        assert_eq!(secret.code_at(1_111_111_111).unwrap(), "050471");
    }

    #[test]
    fn the_current_step_and_one_either_side_are_accepted_no_further() {
        let secret = rfc_secret();
        let now = 1_111_111_111;
        let step = i64::try_from(now / STEP).unwrap();
        for (at, expected) in [(now - STEP, step - 1), (now, step), (now + STEP, step + 1)] {
            let code = secret.code_at(at).unwrap();
            assert_eq!(secret.accept(&code, now, None), Some(expected), "at {at}");
        }
        for offset in [2 * STEP, 3 * STEP] {
            let early = secret.code_at(now - offset).unwrap();
            let late = secret.code_at(now + offset).unwrap();
            assert_eq!(secret.accept(&early, now, None), None, "{offset} s early");
            assert_eq!(secret.accept(&late, now, None), None, "{offset} s late");
        }
    }

    #[test]
    fn a_step_is_never_accepted_twice_nor_an_earlier_one() {
        let secret = rfc_secret();
        let now = 1_111_111_111;
        let code = secret.code_at(now).unwrap();
        let step = secret.accept(&code, now, None).unwrap();
        assert_eq!(
            secret.accept(&code, now, Some(step)),
            None,
            "the same step again"
        );
        let earlier = secret.code_at(now - STEP).unwrap();
        assert_eq!(
            secret.accept(&earlier, now, Some(step)),
            None,
            "an earlier step"
        );
        let later = secret.code_at(now + STEP).unwrap();
        assert_eq!(secret.accept(&later, now, Some(step)), Some(step + 1));
    }

    #[test]
    fn only_six_digits_are_a_code() {
        let secret = rfc_secret();
        for bad in ["", "12345", "1234567", "28708a", "２８７０８２"] {
            assert_eq!(secret.accept(bad, 59, None), None, "{bad:?}");
        }
        assert_eq!(
            secret.accept(" 287 082 ", 59, None),
            Some(1),
            "spaces are ignored"
        );
    }

    #[test]
    fn a_secret_is_160_random_bits_in_base32() {
        let a = TotpSecret::generate();
        assert_eq!(a.base32().len(), 32);
        assert_ne!(a, TotpSecret::generate());
        assert_eq!(TotpSecret::from_base32(a.base32()), Some(a.clone()));
        assert!(TotpSecret::from_base32("short").is_none());
        let url = a.otpauth_url("ann", "session-auth").unwrap();
        assert!(url.starts_with("otpauth://totp/session-auth:ann?"), "{url}");
        assert!(url.contains(&format!("secret={}", a.base32())), "{url}");
        assert!(!format!("{a:?}").contains(a.base32()));
    }
}
