//! Usernames: 3–32 characters from `A-Z a-z 0-9 . _ -`, unique without regard to case.

use std::fmt;

use crate::i18n::Text;

/// A valid username as the person typed it (surrounding spaces removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// Checks the rules and returns every problem found.
    pub fn parse(raw: &str) -> Result<Self, Vec<Text>> {
        let name = raw.trim();
        let mut problems = Vec::new();
        let len = name.chars().count();
        if len == 0 {
            problems.push(Text::new("field-username-required"));
            return Err(problems);
        }
        if !(3..=32).contains(&len) {
            problems.push(Text::new("field-username-length"));
        }
        if !name.chars().all(is_allowed) {
            problems.push(Text::new("field-username-characters"));
        }
        if problems.is_empty() {
            Ok(Self(name.to_owned()))
        } else {
            Err(problems)
        }
    }

    /// The key that makes `Alice` and `alice` one account.
    pub fn normalized(&self) -> String {
        normalize_username(&self.0)
    }

    /// The name as typed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Normalizes any login name the same way a stored username was normalized,
/// so lookups and lock-outs agree even for names that could never register.
pub fn normalize_username(raw: &str) -> String {
    raw.trim().to_ascii_lowercase()
}

fn is_allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_allowed_alphabet_and_keeps_the_case() {
        let name = Username::parse(" Alice.B_c-9 ").unwrap();
        assert_eq!(name.as_str(), "Alice.B_c-9");
        assert_eq!(name.normalized(), "alice.b_c-9");
    }

    #[test]
    fn length_limits_are_3_to_32() {
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("abc").is_ok());
        assert!(Username::parse(&"a".repeat(32)).is_ok());
        assert!(Username::parse(&"a".repeat(33)).is_err());
    }

    #[test]
    fn rejects_other_characters_including_unicode_look_alikes() {
        for bad in [
            "al ice",
            "alice!",
            "ålice",
            "alice@example.com",
            "аlice",
            "a\u{0}b",
        ] {
            assert!(Username::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn reports_every_problem() {
        let problems = Username::parse("a!").unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(
            Username::parse("   ").unwrap_err(),
            vec![Text::new("field-username-required")]
        );
    }
}
