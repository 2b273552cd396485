//! The tokens of links sent by mail: 32 random bytes, shown once in the
//! link, kept only as their SHA-256 (`db::account_tokens`).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDateTime;
use sha2::{Digest as _, Sha256};

use crate::config::PublicUrl;
use crate::db::AnyConnection;
use crate::db::account_tokens::{self, NewToken, Purpose};
use crate::domain::LinkProblem;

/// The random bytes of a token.
const TOKEN_BYTES: usize = 32;

/// A token as it travels in a link (base64url, 43 characters).
#[derive(Clone, PartialEq, Eq)]
pub struct LinkToken(String);

impl LinkToken {
    /// 32 bytes from the operating system's generator.
    pub fn generate() -> Self {
        let bytes: [u8; TOKEN_BYTES] = rand::random();
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// A token from a link or a form; `None` when it cannot be one of ours
    /// (then it is simply unknown, like any other wrong token).
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
        (bytes.len() == TOKEN_BYTES).then(|| Self(raw.to_owned()))
    }

    /// The text for the link.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the database keeps: the hex SHA-256 of the token.
    pub fn hash(&self) -> String {
        let digest = Sha256::digest(self.0.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Stores a new token of `purpose` for `user_id` (its hash), valid for
    /// `ttl` from `now`, and returns it for the link.
    pub fn issue(
        conn: &mut AnyConnection,
        user_id: i32,
        purpose: Purpose,
        email_normalized: Option<&str>,
        now: NaiveDateTime,
        ttl: std::time::Duration,
    ) -> diesel::QueryResult<Self> {
        let token = Self::generate();
        let hash = token.hash();
        let ttl = chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX);
        let row = NewToken {
            email_normalized,
            ..NewToken::new(&hash, user_id, purpose, now, ttl)
        };
        account_tokens::insert(conn, &row)?;
        Ok(token)
    }
}

// Manual Debug: a token opens an account; it never reaches a log line.
impl fmt::Debug for LinkToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LinkToken(<redacted>)")
    }
}

/// The problem of a stored token at `now`, if any.
pub fn problem(token: Option<&account_tokens::Token>, now: NaiveDateTime) -> Option<LinkProblem> {
    match token {
        None => Some(LinkProblem::Unknown),
        Some(t) if t.used_at.is_some() => Some(LinkProblem::Used),
        Some(t) if t.expires_at <= now => Some(LinkProblem::Expired),
        Some(_) => None,
    }
}

/// A verification link works this long.
pub const VERIFY_TTL: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Stores a verification token for the account's new address `normalized`
/// (in the caller's transaction) and returns the link to mail.
pub fn verification_link(
    conn: &mut AnyConnection,
    public_url: &PublicUrl,
    user_id: i32,
    normalized: &str,
) -> diesel::QueryResult<String> {
    let now = chrono::Utc::now().naive_utc();
    let token = LinkToken::issue(
        conn,
        user_id,
        Purpose::Verify,
        Some(normalized),
        now,
        VERIFY_TTL,
    )?;
    Ok(public_url.link(&format!("/email/verify?token={}", token.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_32_random_bytes_and_parse_back() {
        let a = LinkToken::generate();
        assert_eq!(a.as_str().len(), 43);
        assert_eq!(LinkToken::parse(a.as_str()), Some(a.clone()));
        assert_ne!(a, LinkToken::generate());
        assert_eq!(a.hash().len(), 64);
        assert!(!format!("{a:?}").contains(a.as_str()));
    }

    #[test]
    fn anything_else_is_no_token() {
        let good = LinkToken::generate();
        let short = &good.as_str()[..42];
        for bad in ["", "abc", short, "%%%", &format!("{}A", good.as_str())] {
            assert_eq!(LinkToken::parse(bad), None, "{bad:?}");
        }
    }
}
