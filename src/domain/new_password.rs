//! New passwords: 8 characters to 72 bytes, hard enough to guess, without the username.

use std::fmt;

use crate::i18n::Text;

/// bcrypt reads at most this many bytes; longer passwords are refused, never truncated.
pub const MAX_PASSWORD_BYTES: usize = 72;
/// The shortest password accepted (counted in characters).
pub const MIN_PASSWORD_CHARS: usize = 8;
/// zxcvbn scores below this are too easy to guess.
const MIN_ZXCVBN_SCORE: u8 = 2;

/// A password that passed every rule at registration or password change.
#[derive(Clone)]
pub struct NewPassword(String);

impl NewPassword {
    /// Checks the rules for `username`'s new password; returns every problem found.
    pub fn parse(password: &str, username: &str) -> Result<Self, Vec<Text>> {
        if password.is_empty() {
            return Err(vec![Text::new("field-password-required")]);
        }
        let mut problems = Vec::new();
        if password.chars().count() < MIN_PASSWORD_CHARS {
            problems.push(Text::new("field-password-short").with("min", MIN_PASSWORD_CHARS));
        }
        if password.len() > MAX_PASSWORD_BYTES {
            problems.push(
                Text::new("field-password-long")
                    .with("max", MAX_PASSWORD_BYTES)
                    .with("bytes", password.len()),
            );
        }
        let name = username.trim();
        if !name.is_empty() && password.to_lowercase().contains(&name.to_lowercase()) {
            problems.push(Text::new("field-password-has-username"));
        }
        // zxcvbn's cost grows with the length; only judge passwords that are
        // otherwise acceptable.
        if problems.is_empty() {
            let entropy = zxcvbn::zxcvbn(password, &[name]);
            if u8::from(entropy.score()) < MIN_ZXCVBN_SCORE {
                problems.push(too_guessable_message(entropy.feedback()));
            }
        }
        if problems.is_empty() {
            Ok(Self(password.to_owned()))
        } else {
            Err(problems)
        }
    }

    /// The accepted password, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

// Manual Debug so a password never reaches a log line.
impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(<redacted>)")
    }
}

/// zxcvbn's hints are English only: the English message carries them, the
/// others give their own general advice.
fn too_guessable_message(feedback: Option<&zxcvbn::feedback::Feedback>) -> Text {
    let mut hints = String::new();
    if let Some(feedback) = feedback {
        if let Some(warning) = feedback.warning() {
            hints.push(' ');
            hints.push_str(&warning.to_string());
        }
        for suggestion in feedback.suggestions() {
            hints.push(' ');
            hints.push_str(&suggestion.to_string());
        }
    }
    Text::new("field-password-guessable").with("hints", hints)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "correct horse battery staple";

    #[test]
    fn a_long_lowercase_passphrase_is_fine_without_composition_rules() {
        assert!(NewPassword::parse(GOOD, "alice").is_ok());
    }

    #[test]
    fn too_short_is_refused() {
        let problems = NewPassword::parse("xK9#q2!", "alice").unwrap_err();
        assert!(
            problems[0].to_string().contains("at least 8"),
            "{problems:?}"
        );
    }

    #[test]
    fn exactly_72_bytes_is_accepted_and_73_is_refused() {
        let base = "Tq7vZp3mWx9Kd2Lr8Hs5Nb4Jf6Gc1Yu0";
        let p72: String = base.chars().cycle().take(72).collect();
        let p73: String = base.chars().cycle().take(73).collect();
        assert!(NewPassword::parse(&p72, "alice").is_ok());
        let problems = NewPassword::parse(&p73, "alice").unwrap_err();
        assert!(
            problems[0].to_string().contains("at most 72 bytes"),
            "{problems:?}"
        );
    }

    #[test]
    fn bytes_not_characters_bound_the_length() {
        // 24 three-byte characters are 72 bytes; one more is 75.
        let cjk = "春眠不覺曉處處聞啼鳥夜來風雨聲花落知多少床前明月光疑";
        let p72: String = cjk.chars().take(24).collect();
        let p75: String = cjk.chars().take(25).collect();
        assert_eq!((p72.len(), p75.len()), (72, 75));
        assert!(NewPassword::parse(&p72, "alice").is_ok());
        let problems = NewPassword::parse(&p75, "alice").unwrap_err();
        assert!(
            problems[0].to_string().contains("at most 72 bytes"),
            "{problems:?}"
        );
    }

    #[test]
    fn guessable_passwords_are_refused_with_advice() {
        for weak in ["password", "12345678", "Password1!", "qwertyuiop"] {
            let problems = NewPassword::parse(weak, "alice").unwrap_err();
            assert!(
                problems[0]
                    .to_string()
                    .starts_with("Password is too easy to guess."),
                "{weak}: {problems:?}"
            );
        }
    }

    #[test]
    fn the_username_must_not_be_inside_the_password() {
        let problems = NewPassword::parse("xx-ALICE-horse-battery", "alice").unwrap_err();
        assert!(
            problems[0]
                .to_string()
                .contains("must not contain the username"),
            "{problems:?}"
        );
    }

    #[test]
    fn debug_does_not_show_the_password() {
        let p = NewPassword::parse(GOOD, "alice").unwrap();
        assert!(!format!("{p:?}").contains("horse"));
    }
}
