//! Email addresses: checked for syntax (as SMTP will take them), unique
//! without regard to case.

use std::fmt;

use crate::i18n::Text;

/// The longest address SMTP can carry (RFC 5321: 256 octets for the path, minus `<>`).
const MAX_LEN: usize = 254;

/// A syntactically valid address as the person typed it (spaces trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Checks the syntax; the message says what is wrong.
    pub fn parse(raw: &str) -> Result<Self, Text> {
        let address = raw.trim();
        if address.len() > MAX_LEN {
            return Err(Text::new("field-email-long").with("max", MAX_LEN));
        }
        let Some((local, domain)) = address.rsplit_once('@') else {
            return Err(Text::new("field-email-invalid"));
        };
        // lettre's parser is what sending will use; a dot in the domain keeps
        // out addresses like `me@localhost` that no one can receive mail at
        // from the outside.
        let valid = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && address.parse::<lettre::Address>().is_ok();
        if valid {
            Ok(Self(address.to_owned()))
        } else {
            Err(Text::new("field-email-invalid"))
        }
    }

    /// The key that makes `Ann@Example.com` and `ann@example.com` one address.
    pub fn normalized(&self) -> String {
        normalize_email(&self.0)
    }

    /// The address as typed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The lowercase form of an address, as stored for uniqueness and look-ups.
pub fn normalize_email(address: &str) -> String {
    address.trim().to_lowercase()
}

/// The address shown half-hidden in a notice sent elsewhere (`a•••@example.com`).
pub fn masked(address: &str) -> String {
    match address.rsplit_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        None => "•••".to_owned(),
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_addresses_are_kept_as_typed() {
        let a = EmailAddress::parse("  Ann.Lee+login@Example.COM ").unwrap();
        assert_eq!(a.as_str(), "Ann.Lee+login@Example.COM");
        assert_eq!(a.normalized(), "ann.lee+login@example.com");
    }

    #[test]
    fn bad_addresses_are_refused() {
        let long = format!("{}@example.com", "a".repeat(250));
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@localhost",
            "ann@@example.com",
            "ann @example.com",
            "ann@example.com.",
            "a\r\nBcc: x@y.z@example.com",
            &long,
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_masked_address_shows_only_its_first_letter_and_domain() {
        assert_eq!(masked("ann@example.com"), "a•••@example.com");
    }
}
