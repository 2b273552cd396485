//! One setting's value: durations, booleans, counts, addresses, the database URL.

use crate::client_ip::TrustedProxies;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Which database to use, decided from the URL's scheme.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `postgres://…` or `postgresql://…`, passed to libpq unchanged.
    Postgres(String),
    /// `sqlite://PATH` or a plain path.
    Sqlite(PathBuf),
}

impl DatabaseUrl {
    /// Parses `DATABASE_URL`'s value.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("expected postgres://…, sqlite://PATH or a file path".into());
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(Self::Postgres(raw.to_owned()));
        }
        if let Some(path) = raw.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("sqlite:// needs a file path, e.g. sqlite://data/app.db".into());
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = raw.split_once("://") {
            return Err(format!(
                "unsupported scheme {scheme:?}: use postgres://, postgresql:// or sqlite://"
            ));
        }
        Ok(Self::Sqlite(PathBuf::from(raw)))
    }

    /// A short name of the backend for logs.
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Postgres(_) => "PostgreSQL",
            Self::Sqlite(_) => "SQLite",
        }
    }
}

// Manual Debug: a PostgreSQL URL may carry a password.
impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Postgres(_) => f.write_str("Postgres(<redacted>)"),
            Self::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
        }
    }
}

/// The `host:port` a listener binds (`METRICS_ADDR`): an IP address
/// (IPv6 in brackets) or a host name, and a port (0 picks a free one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenAddr {
    /// The address or name to bind, without brackets.
    pub host: String,
    /// The port.
    pub port: u16,
}

impl ListenAddr {
    /// Parses `host:port`, e.g. `127.0.0.1:9100`, `[::1]:9100`, `localhost:9100`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        const HINT: &str = "expected host:port, e.g. 127.0.0.1:9100 or [::1]:9100";
        let (host, port) = raw.rsplit_once(':').ok_or(HINT)?;
        let port = parse_port(port)?;
        let host = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            Some(v6) if v6.parse::<std::net::Ipv6Addr>().is_ok() => v6,
            Some(_) => return Err(HINT.into()),
            None if host.contains(':') => {
                return Err("an IPv6 address goes in brackets, e.g. [::1]:9100".into());
            }
            None => host,
        };
        let name_like = |h: &str| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        };
        if host.is_empty() || !name_like(host) && host.parse::<std::net::IpAddr>().is_err() {
            return Err(HINT.into());
        }
        Ok(Self {
            host: host.to_owned(),
            port,
        })
    }
}

impl fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// `true/false`, `1/0`, `yes/no`, `on/off`.
pub fn parse_bool(value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err("expected true or false".into()),
    }
}

pub(super) fn parse_port(value: &str) -> Result<u16, String> {
    value
        .parse::<u16>()
        .map_err(|_| "expected a port number 0-65535".into())
}

pub(super) fn parse_bcrypt_cost(value: &str) -> Result<u32, String> {
    match value.parse::<u32>() {
        Ok(cost @ 4..=31) => Ok(cost),
        _ => Err("expected a whole number from 4 to 31".into()),
    }
}

pub(super) fn parse_count(value: &str) -> Result<u32, String> {
    value
        .parse::<u32>()
        .map_err(|_| "expected a whole number".into())
}

pub(super) fn parse_positive(value: &str) -> Result<u32, String> {
    match parse_count(value)? {
        0 => Err("expected at least 1".into()),
        n => Ok(n),
    }
}

pub(super) fn parse_ip_list(value: &str) -> Result<TrustedProxies, String> {
    TrustedProxies::parse(value)
}

/// Durations like `90s`, `30m`, `12h`, `30d` (a whole number and a unit).
pub fn parse_duration(value: &str) -> Result<Duration, String> {
    const HINT: &str = "expected a duration like 90s, 30m, 12h or 30d";
    let split = value.find(|c: char| !c.is_ascii_digit()).ok_or(HINT)?;
    let (number, unit) = value.split_at(split);
    let number: u64 = number.parse().map_err(|_| HINT)?;
    let unit_secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(HINT.into()),
    };
    match number.checked_mul(unit_secs) {
        Some(0) => Err("must be longer than zero".into()),
        // Ten years is far beyond any sensible session; it also keeps
        // timestamp arithmetic far from overflow.
        Some(secs) if secs <= 10 * 365 * 86_400 => Ok(Duration::from_secs(secs)),
        _ => Err("must be at most 3650d".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_accept_each_unit() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration("12h"), Ok(Duration::from_secs(43_200)));
        assert_eq!(parse_duration("30d"), Ok(Duration::from_secs(2_592_000)));
    }

    #[test]
    fn durations_reject_nonsense() {
        for bad in [
            "",
            "30",
            "m",
            "1.5h",
            "-1m",
            "10w",
            "0s",
            "99999999999999999999d",
            "4000d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn listen_addresses_take_a_host_and_a_port() {
        let addr = |host: &str, port| ListenAddr {
            host: host.to_owned(),
            port,
        };
        assert_eq!(
            ListenAddr::parse("127.0.0.1:9100"),
            Ok(addr("127.0.0.1", 9100))
        );
        assert_eq!(ListenAddr::parse("[::1]:0"), Ok(addr("::1", 0)));
        assert_eq!(
            ListenAddr::parse("localhost:9100"),
            Ok(addr("localhost", 9100))
        );
        assert_eq!(addr("::1", 9100).to_string(), "[::1]:9100");
        for bad in [
            "9100",
            ":9100",
            "127.0.0.1",
            "127.0.0.1:",
            "host:99999",
            "::1:9100",
            "[x]:1",
            "a b:1",
            "http://h:1",
        ] {
            assert!(
                ListenAddr::parse(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
    }

    #[test]
    fn database_url_picks_the_backend_from_the_scheme() {
        assert!(matches!(
            DatabaseUrl::parse("postgres://u@h/db"),
            Ok(DatabaseUrl::Postgres(_))
        ));
        assert!(matches!(
            DatabaseUrl::parse("postgresql://u@h/db"),
            Ok(DatabaseUrl::Postgres(_))
        ));
        assert_eq!(
            DatabaseUrl::parse("sqlite://x/y.db"),
            Ok(DatabaseUrl::Sqlite("x/y.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("/tmp/y.db"),
            Ok(DatabaseUrl::Sqlite("/tmp/y.db".into()))
        );
        assert!(DatabaseUrl::parse("postgress://typo").is_err());
    }
}
