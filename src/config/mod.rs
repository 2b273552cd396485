//! Settings: every environment variable of the SPEC, read and checked once.
//!
//! `Settings::from_env` is the only place that reads the process environment;
//! everything else receives typed values from here.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod secret;
mod values;

use secret::load_or_create_dev_key;
pub use secret::{DEV_KEY_FILE, SecretKey};
pub use values::{DatabaseUrl, parse_bool, parse_duration};
use values::{parse_count, parse_ip_list, parse_positive};

/// A setting that could not be used; its `Display` is the one line `main` prints.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A variable holds a value we cannot use.
    #[error("invalid {name}={value:?}: {reason}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// What it held.
        value: String,
        /// What is wrong and what is expected.
        reason: String,
    },
    /// A secret holds a value we cannot use (the value itself is never printed).
    #[error("invalid {name}: {reason}")]
    InvalidSecret {
        /// The variable.
        name: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A variable that this environment requires is not set.
    #[error("{name} is required {reason}")]
    Missing {
        /// The variable.
        name: &'static str,
        /// When it is required.
        reason: String,
    },
    /// The development key file could not be read or written.
    #[error("development secret key {path}: {source}")]
    DevKey {
        /// The key file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// `development` (the default) or `production`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// Local use: a generated key is kept under `data/`, cookies not `Secure`.
    Development,
    /// `SECRET_KEY` required, `Secure` `__Host-session` cookie.
    Production,
}

/// Every setting of the application, typed.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `APP_ENV`.
    pub environment: Environment,
    /// `DATABASE_URL`.
    pub database_url: DatabaseUrl,
    /// `SECRET_KEY` (or the development key kept under `data/`).
    pub secret_key: SecretKey,
    /// `SECRET_KEY_FALLBACKS`: older keys still accepted for reading.
    pub secret_key_fallbacks: Vec<SecretKey>,
    /// `HOST`.
    pub host: String,
    /// `PORT` (0 picks a free port, as the tests do).
    pub port: u16,
    /// `COOKIE_SECURE`.
    pub cookie_secure: bool,
    /// `SESSION_IDLE_TIMEOUT`.
    pub idle_timeout: Duration,
    /// `SESSION_ABSOLUTE_TIMEOUT`.
    pub absolute_timeout: Duration,
    /// `REMEMBER_ME_DURATION`.
    pub remember_me_duration: Duration,
    /// `BCRYPT_COST`.
    pub bcrypt_cost: u32,
    /// `ALLOW_REGISTRATION`.
    pub allow_registration: bool,
    /// `LOGIN_IP_LIMIT`: attempts per minute per client address, 0 = off.
    pub login_ip_limit: u32,
    /// `LOGIN_MAX_FAILURES`.
    pub login_max_failures: u32,
    /// `TRUSTED_PROXIES`.
    pub trusted_proxies: Vec<IpAddr>,
    /// `DATABASE_POOL_SIZE`.
    pub database_pool_size: u32,
    /// HTTP worker threads (not an environment setting; tests use fewer).
    pub workers: usize,
}

impl Settings {
    /// Reads the process environment (after `.env` was loaded by `main`).
    pub fn from_env() -> Result<Self, ConfigError> {
        let vars: HashMap<String, String> = std::env::vars().collect();
        Self::from_vars(&|name| vars.get(name).cloned(), Path::new(DEV_KEY_FILE))
    }

    /// Builds settings from any variable source; `dev_key_file` is where a
    /// development key is loaded from or created.
    pub fn from_vars(
        var: &dyn Fn(&str) -> Option<String>,
        dev_key_file: &Path,
    ) -> Result<Self, ConfigError> {
        let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());

        let environment = match get("APP_ENV").as_deref().map(str::trim) {
            None | Some("development") => Environment::Development,
            Some("production") => Environment::Production,
            Some(other) => {
                return Err(invalid(
                    "APP_ENV",
                    other,
                    "expected development or production",
                ));
            }
        };
        let production = environment == Environment::Production;

        let database_url = match get("DATABASE_URL") {
            None => DatabaseUrl::Sqlite(PathBuf::from("data/session-auth.db")),
            Some(raw) => DatabaseUrl::parse(&raw).map_err(|reason| ConfigError::Invalid {
                name: "DATABASE_URL",
                // The value may carry a password: show only its scheme.
                value: raw.split("://").next().unwrap_or_default().to_owned() + "://…",
                reason,
            })?,
        };

        let cookie_secure = parse_or(
            "COOKIE_SECURE",
            get("COOKIE_SECURE"),
            production,
            parse_bool,
        )?;
        let workers = std::thread::available_parallelism().map_or(2, usize::from);

        Ok(Self {
            environment,
            database_url,
            host: get("HOST").map_or_else(|| "127.0.0.1".to_owned(), |h| h.trim().to_owned()),
            port: parse_or("PORT", get("PORT"), 8080, |v| {
                v.parse::<u16>()
                    .map_err(|_| "expected a port number 0-65535".into())
            })?,
            cookie_secure,
            idle_timeout: parse_or(
                "SESSION_IDLE_TIMEOUT",
                get("SESSION_IDLE_TIMEOUT"),
                mins(30),
                parse_duration,
            )?,
            absolute_timeout: parse_or(
                "SESSION_ABSOLUTE_TIMEOUT",
                get("SESSION_ABSOLUTE_TIMEOUT"),
                mins(12 * 60),
                parse_duration,
            )?,
            remember_me_duration: parse_or(
                "REMEMBER_ME_DURATION",
                get("REMEMBER_ME_DURATION"),
                mins(30 * 24 * 60),
                parse_duration,
            )?,
            bcrypt_cost: parse_or("BCRYPT_COST", get("BCRYPT_COST"), 12, |v| {
                match v.parse::<u32>() {
                    Ok(cost @ 4..=31) => Ok(cost),
                    _ => Err("expected a whole number from 4 to 31".into()),
                }
            })?,
            allow_registration: parse_or(
                "ALLOW_REGISTRATION",
                get("ALLOW_REGISTRATION"),
                true,
                parse_bool,
            )?,
            login_ip_limit: parse_or("LOGIN_IP_LIMIT", get("LOGIN_IP_LIMIT"), 30, parse_count)?,
            login_max_failures: parse_or(
                "LOGIN_MAX_FAILURES",
                get("LOGIN_MAX_FAILURES"),
                5,
                parse_positive,
            )?,
            trusted_proxies: parse_or(
                "TRUSTED_PROXIES",
                get("TRUSTED_PROXIES"),
                Vec::new(),
                parse_ip_list,
            )?,
            database_pool_size: parse_or(
                "DATABASE_POOL_SIZE",
                get("DATABASE_POOL_SIZE"),
                default_pool_size(workers),
                parse_positive,
            )?,
            workers,
            // Last: a failing start must not leave a new development key behind.
            secret_key: match get("SECRET_KEY") {
                Some(raw) => parse_secret("SECRET_KEY", &raw)?,
                None if production => {
                    return Err(ConfigError::Missing {
                        name: "SECRET_KEY",
                        reason:
                            "when APP_ENV=production (make one with `session-auth generate-secret`)"
                                .into(),
                    });
                }
                None => load_or_create_dev_key(dev_key_file)?,
            },
            secret_key_fallbacks: match get("SECRET_KEY_FALLBACKS") {
                None => Vec::new(),
                Some(raw) => raw
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| parse_secret("SECRET_KEY_FALLBACKS", s))
                    .collect::<Result<_, _>>()?,
            },
        })
    }

    /// Settings for tests and benchmarks: the given database, a free port on
    /// loopback, bcrypt cost 4, a fresh random key, one worker.
    pub fn for_tests(database_url: DatabaseUrl) -> Self {
        Self {
            environment: Environment::Development,
            database_url,
            secret_key: SecretKey::generate(),
            secret_key_fallbacks: Vec::new(),
            host: "127.0.0.1".to_owned(),
            port: 0,
            cookie_secure: false,
            idle_timeout: mins(30),
            absolute_timeout: mins(12 * 60),
            remember_me_duration: mins(30 * 24 * 60),
            bcrypt_cost: 4,
            allow_registration: true,
            login_ip_limit: 0,
            login_max_failures: 5,
            trusted_proxies: Vec::new(),
            database_pool_size: 4,
            workers: 1,
        }
    }

    /// The session cookie's name: `__Host-session` needs `Secure`, so it is
    /// used only when the cookie is secure.
    pub fn session_cookie_name(&self) -> &'static str {
        if self.environment == Environment::Production && self.cookie_secure {
            "__Host-session"
        } else {
            "session"
        }
    }
}

fn mins(n: u64) -> Duration {
    Duration::from_secs(n * 60)
}

/// Two connections per worker thread: enough for the blocking pool that
/// runs queries, small enough for a shared PostgreSQL.
fn default_pool_size(workers: usize) -> u32 {
    u32::try_from(workers * 2).unwrap_or(8).clamp(4, 32)
}

fn invalid(name: &'static str, value: &str, reason: &str) -> ConfigError {
    ConfigError::Invalid {
        name,
        value: value.to_owned(),
        reason: reason.to_owned(),
    }
}

/// Parses one variable (when set) and names it in the error.
fn parse_or<T>(
    name: &'static str,
    raw: Option<String>,
    default: T,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<T, ConfigError> {
    match raw {
        None => Ok(default),
        Some(raw) => parse(raw.trim()).map_err(|reason| invalid(name, &raw, &reason)),
    }
}

fn parse_secret(name: &'static str, raw: &str) -> Result<SecretKey, ConfigError> {
    SecretKey::from_base64(raw).map_err(|reason| ConfigError::InvalidSecret { name, reason })
}

#[cfg(test)]
mod tests {

    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let dir = std::env::temp_dir().join(format!("sa-config-{}", rand::random::<u64>()));
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_vars(&|name| map.get(name).cloned(), &dir.join("secret_key"))
    }

    #[test]
    fn defaults_match_the_spec() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.environment, Environment::Development);
        assert_eq!(
            s.database_url,
            DatabaseUrl::Sqlite("data/session-auth.db".into())
        );
        assert_eq!((s.host.as_str(), s.port), ("127.0.0.1", 8080));
        assert!(!s.cookie_secure);
        assert_eq!(s.session_cookie_name(), "session");
        assert_eq!(s.idle_timeout, Duration::from_secs(1800));
        assert_eq!(s.absolute_timeout, Duration::from_secs(12 * 3600));
        assert_eq!(s.remember_me_duration, Duration::from_secs(30 * 86_400));
        assert_eq!(s.bcrypt_cost, 12);
        assert!(s.allow_registration);
        assert_eq!((s.login_ip_limit, s.login_max_failures), (30, 5));
        assert!(s.trusted_proxies.is_empty());
    }

    #[test]
    fn production_requires_a_secret_key_and_names_it() {
        let err = settings(&[("APP_ENV", "production")]).unwrap_err();
        assert!(
            err.to_string().starts_with("SECRET_KEY is required"),
            "{err}"
        );
    }

    #[test]
    fn production_uses_a_secure_host_prefixed_cookie() {
        let key = SecretKey::generate_base64();
        let s = settings(&[("APP_ENV", "production"), ("SECRET_KEY", &key)]).unwrap();
        assert!(s.cookie_secure);
        assert_eq!(s.session_cookie_name(), "__Host-session");
        let s = settings(&[
            ("APP_ENV", "production"),
            ("SECRET_KEY", &key),
            ("COOKIE_SECURE", "false"),
        ])
        .unwrap();
        assert_eq!(s.session_cookie_name(), "session");
    }

    #[test]
    fn bad_values_name_the_variable() {
        let cases = [
            ("PORT", "abc"),
            ("BCRYPT_COST", "3"),
            ("BCRYPT_COST", "32"),
            ("SESSION_IDLE_TIMEOUT", "soon"),
            ("ALLOW_REGISTRATION", "maybe"),
            ("TRUSTED_PROXIES", "10.0.0.1,proxy"),
            ("APP_ENV", "staging"),
            ("DATABASE_URL", "mysql://localhost/db"),
            ("LOGIN_MAX_FAILURES", "0"),
        ];
        for (name, value) in cases {
            let err = settings(&[(name, value)]).unwrap_err().to_string();
            assert!(err.contains(name), "{name}={value}: {err}");
        }
    }

    #[test]
    fn a_short_or_garbled_secret_key_is_refused_without_echoing_it() {
        for bad in ["c2hvcnQ=", "not base64 at all!"] {
            let err = settings(&[("SECRET_KEY", bad)]).unwrap_err().to_string();
            assert!(err.contains("SECRET_KEY"), "{err}");
            assert!(!err.contains(bad), "the secret must not be printed: {err}");
        }
    }

    #[test]
    fn database_url_error_does_not_print_credentials() {
        let err = settings(&[("DATABASE_URL", "mysql://user:hunter2@h/db")])
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn a_failing_start_leaves_no_development_key_behind() {
        let dir = std::env::temp_dir().join(format!("sa-nokey-{}", rand::random::<u64>()));
        let path = dir.join("secret_key");
        let vars = |name: &str| (name == "PORT").then(|| "abc".to_owned());
        assert!(Settings::from_vars(&vars, &path).is_err());
        assert!(!path.exists());
    }
}
