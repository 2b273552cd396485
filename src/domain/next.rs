//! `next`: where to go after login, accepted only as a local path.

use percent_encoding::percent_decode_str;

/// A redirect target that stays on this site: a path starting with one `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafeNext(String);

impl SafeNext {
    /// Accepts `/path?query` only. Refuses `//host`, `/\host`, schemes,
    /// control characters and whitespace, also when hidden behind
    /// percent-encoding, since browsers normalise such values into a host.
    pub fn parse(raw: &str) -> Option<Self> {
        if raw.len() > 1024 || !is_local_path(raw) || raw.contains(' ') {
            return None;
        }
        // An encoded space is harmless inside a path; encoded slashes,
        // backslashes and control characters are not.
        let decoded = percent_decode_str(raw).decode_utf8().ok()?;
        is_local_path(&decoded).then(|| Self(raw.to_owned()))
    }

    /// The path to put in `Location`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_local_path(path: &str) -> bool {
    let mut chars = path.chars();
    chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && !path
            .chars()
            .any(|c| c == '\\' || c.is_control() || (c.is_whitespace() && c != ' '))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_with_queries_pass() {
        for good in ["/", "/dashboard", "/account?x=1", "/a/b%20c?next=%2Fx"] {
            assert_eq!(
                SafeNext::parse(good).map(|n| n.0),
                Some(good.to_owned()),
                "{good}"
            );
        }
    }

    #[test]
    fn anything_that_could_leave_the_site_is_refused() {
        let hostile = [
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/%2F/evil.example",
            "/%5Cevil.example",
            "/\t/evil.example",
            "%0d%0a//evil",
            "\r\n//evil",
            "https://evil.example",
            "http:evil.example",
            "javascript:alert(1)",
            " /dashboard",
            "/%5C%5Cevil",
            "/%0a",
            "",
            "dashboard",
        ];
        for bad in hostile {
            assert_eq!(SafeNext::parse(bad), None, "{bad:?} must be refused");
        }
    }
}
