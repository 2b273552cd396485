//! Settings: every environment variable (docs/contract.md, Settings), read
//! and checked once.
//!
//! `Settings::from_env` is the only place that reads the process environment;
//! everything else receives typed values from here.

use crate::client_ip::TrustedProxies;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod mail;
mod secret;
mod values;
mod vars;

use mail::parse_mailbox;
pub use mail::{MailTransport, PublicUrl, SmtpServer};
pub use secret::{DEV_KEY_FILE, SecretKey};
use secret::{load_or_create_dev_key, parse_keys};
pub use values::{DatabaseUrl, ListenAddr, parse_bool, parse_duration};
use values::{parse_bcrypt_cost, parse_count, parse_ip_list, parse_port, parse_positive};
pub use vars::ConfigError;
use vars::{Vars, secret, url};

/// `development` (the default) or `production`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// Local use: a generated key is kept under `data/`, cookies not `Secure`.
    Development,
    /// `SECRET_KEY` required, `Secure` `__Host-session` cookie.
    Production,
}

impl Environment {
    fn parse(value: &str) -> Result<Self, String> {
        match value {
            "development" => Ok(Self::Development),
            "production" => Ok(Self::Production),
            _ => Err("expected development or production".into()),
        }
    }
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
    pub trusted_proxies: TrustedProxies,
    /// `DATABASE_POOL_SIZE`.
    pub database_pool_size: u32,
    /// `PUBLIC_URL`: links in mail are built from it only.
    pub public_url: PublicUrl,
    /// `MAIL_TRANSPORT`.
    pub mail_transport: MailTransport,
    /// `MAIL_FROM`.
    pub mail_from: lettre::message::Mailbox,
    /// `PASSWORD_RESET_TTL`: lifetime of a reset link.
    pub password_reset_ttl: Duration,
    /// `REAUTH_WINDOW`: how recent a login or confirmation must be for
    /// sensitive account changes.
    pub reauth_window: Duration,
    /// `ACTIVITY_RETENTION`: security events older than this are deleted.
    pub activity_retention: Duration,
    /// `WEBAUTHN_RP_ID`: the passkeys' relying-party id; `None` takes the
    /// host of `PUBLIC_URL` (see [`Settings::webauthn_rp_id`]).
    pub webauthn_rp_id: Option<String>,
    /// `METRICS_ADDR`: where the Prometheus metrics are served; `None` = off.
    pub metrics_addr: Option<ListenAddr>,
    /// HTTP worker threads (not an environment setting; tests use fewer).
    pub workers: usize,
    /// The first wait before a failed mail is sent again; later waits grow
    /// from it (not an environment setting; tests use a short one).
    pub mail_retry_after: Duration,
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
        Self::read(&Vars(var), || load_or_create_dev_key(dev_key_file))
    }

    /// The settings table: one line per variable, saying where its value
    /// goes, its name, its default and its parser (a new setting is a field
    /// in `Settings` and a line here, plus its line in `.env.example`, the
    /// README, docs/contract.md "Settings", and the app's pass-through list in
    /// `docker-compose.yml`). `dev_key` gives the key when `SECRET_KEY` is
    /// unset in development.
    fn read(
        env: &Vars<'_>,
        dev_key: impl FnOnce() -> Result<SecretKey, ConfigError>,
    ) -> Result<Self, ConfigError> {
        // First: other defaults depend on these.
        let environment = env.read("APP_ENV", Environment::Development, Environment::parse)?;
        let production = environment == Environment::Production;
        let workers = std::thread::available_parallelism().map_or(2, usize::from);
        let pool_size = default_pool_size(workers);
        let default_database = DatabaseUrl::Sqlite(PathBuf::from("data/session-auth.db"));
        let host = env.read("HOST", "127.0.0.1".to_owned(), |v| Ok(v.to_owned()))?;
        let port = env.read("PORT", 8080, parse_port)?;
        let default_from =
            parse_mailbox("session-auth <no-reply@localhost>").map_err(|reason| {
                ConfigError::Invalid {
                    name: "MAIL_FROM",
                    value: String::new(),
                    reason,
                }
            })?;

        Ok(Self {
            environment,
            database_url: env.read(url("DATABASE_URL"), default_database, DatabaseUrl::parse)?,
            public_url: public_url(env, production, &host, port)?,
            mail_transport: mail_transport(env, production)?,
            mail_from: env.read("MAIL_FROM", default_from, parse_mailbox)?,
            password_reset_ttl: env.read("PASSWORD_RESET_TTL", mins(30), parse_duration)?,
            reauth_window: env.read("REAUTH_WINDOW", mins(10), parse_duration)?,
            activity_retention: env.read("ACTIVITY_RETENTION", days(90), parse_duration)?,
            webauthn_rp_id: env.read("WEBAUTHN_RP_ID", None, |v| parse_rp_id(v).map(Some))?,
            metrics_addr: env.read("METRICS_ADDR", None, |v| ListenAddr::parse(v).map(Some))?,
            mail_retry_after: Duration::from_secs(2),
            host,
            port,
            cookie_secure: env.read("COOKIE_SECURE", production, parse_bool)?,
            idle_timeout: env.read("SESSION_IDLE_TIMEOUT", mins(30), parse_duration)?,
            absolute_timeout: env.read("SESSION_ABSOLUTE_TIMEOUT", hours(12), parse_duration)?,
            remember_me_duration: env.read("REMEMBER_ME_DURATION", days(30), parse_duration)?,
            bcrypt_cost: env.read("BCRYPT_COST", 12, parse_bcrypt_cost)?,
            allow_registration: env.read("ALLOW_REGISTRATION", true, parse_bool)?,
            login_ip_limit: env.read("LOGIN_IP_LIMIT", 30, parse_count)?,
            login_max_failures: env.read("LOGIN_MAX_FAILURES", 5, parse_positive)?,
            trusted_proxies: env.read(
                "TRUSTED_PROXIES",
                TrustedProxies::default(),
                parse_ip_list,
            )?,
            database_pool_size: env.read("DATABASE_POOL_SIZE", pool_size, parse_positive)?,
            workers,
            secret_key_fallbacks: env.read(secret("SECRET_KEY_FALLBACKS"), vec![], parse_keys)?,
            // Last: a development key is made only once every other value
            // has passed, so a failing start leaves none behind.
            secret_key: secret_key(env, production, dev_key)?,
        })
    }

    /// Settings for tests and benchmarks: the defaults with the given
    /// database, a free port on loopback, bcrypt cost 4, no per-address
    /// limit, a fresh random key, one worker.
    pub fn for_tests(database_url: DatabaseUrl) -> Self {
        #[expect(
            clippy::expect_used,
            reason = "with no variable set every setting takes its default, and the defaults are valid (unit-tested)"
        )]
        let defaults = Self::read(&Vars(&|_| None), || Ok(SecretKey::generate()))
            .expect("the defaults are valid settings");
        Self {
            database_url,
            port: 0,
            bcrypt_cost: 4,
            login_ip_limit: 0,
            database_pool_size: 4,
            workers: 1,
            mail_retry_after: Duration::from_millis(50),
            ..defaults
        }
    }

    /// The passkeys' relying-party id: `WEBAUTHN_RP_ID`, else the host of
    /// `PUBLIC_URL` (read after the port is bound, as `PUBLIC_URL` may be
    /// made from it).
    pub fn webauthn_rp_id(&self) -> &str {
        self.webauthn_rp_id
            .as_deref()
            .unwrap_or(self.public_url.host())
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

/// `SECRET_KEY`: required in production; in development `dev_key` stands in.
fn secret_key(
    env: &Vars<'_>,
    production: bool,
    dev_key: impl FnOnce() -> Result<SecretKey, ConfigError>,
) -> Result<SecretKey, ConfigError> {
    let parse = |v: &str| SecretKey::from_base64(v).map(Some);
    match env.read(secret("SECRET_KEY"), None, parse)? {
        Some(key) => Ok(key),
        None if production => Err(ConfigError::Missing {
            name: "SECRET_KEY",
            reason: "when APP_ENV=production (make one with `session-auth generate-secret`)".into(),
        }),
        None => dev_key(),
    }
}

/// `PUBLIC_URL`: required in production; else made from `HOST` and `PORT`.
fn public_url(
    env: &Vars<'_>,
    production: bool,
    host: &str,
    port: u16,
) -> Result<PublicUrl, ConfigError> {
    match env.read("PUBLIC_URL", None, |v| PublicUrl::parse(v).map(Some))? {
        Some(url) => Ok(url),
        None if production => Err(ConfigError::Missing {
            name: "PUBLIC_URL",
            reason: "when APP_ENV=production (the origin users reach, e.g. https://login.example.com): links in mail are built from it".into(),
        }),
        None => Ok(PublicUrl::derive(host, port)),
    }
}

/// `WEBAUTHN_RP_ID`: a domain name (lower case, no scheme, port or path);
/// an IP address is refused, as browsers refuse it.
fn parse_rp_id(raw: &str) -> Result<String, String> {
    let id = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    if id
        .trim_matches(['[', ']'])
        .parse::<std::net::IpAddr>()
        .is_ok()
    {
        return Err("an IP address cannot be a relying-party id (browsers refuse it): use a domain name such as localhost or login.example.com".into());
    }
    let valid = !id.is_empty()
        && id.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    if !valid {
        return Err(
            "expected a domain name (e.g. login.example.com), without scheme, port or path".into(),
        );
    }
    Ok(id)
}

/// `MAIL_TRANSPORT`: `log` by default in development; in production `log`
/// is refused and unset means no mail can be sent (warned at start).
fn mail_transport(env: &Vars<'_>, production: bool) -> Result<MailTransport, ConfigError> {
    let default = if production {
        MailTransport::Off
    } else {
        MailTransport::Log
    };
    let parse = |v: &str| {
        match MailTransport::parse(v)? {
        MailTransport::Log if production => Err(
            "log prints every message, links included, on standard output: development only (APP_ENV=production needs smtp://, smtps:// or file:)".to_owned(),
        ),
        transport => Ok(transport),
    }
    };
    env.read(url("MAIL_TRANSPORT"), default, parse)
}

fn mins(n: u64) -> Duration {
    Duration::from_secs(n * 60)
}

fn hours(n: u64) -> Duration {
    mins(n * 60)
}

fn days(n: u64) -> Duration {
    hours(n * 24)
}

/// Two connections per worker thread: enough for the blocking pool that
/// runs queries, small enough for a shared PostgreSQL.
fn default_pool_size(workers: usize) -> u32 {
    u32::try_from(workers * 2).unwrap_or(8).clamp(4, 32)
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
        assert_eq!(s.public_url.origin(), "http://localhost:8080");
        assert_eq!(s.mail_transport, MailTransport::Log);
        assert_eq!(s.mail_from.to_string(), "session-auth <no-reply@localhost>");
        assert_eq!(s.password_reset_ttl, Duration::from_secs(1800));
        assert_eq!(s.reauth_window, Duration::from_secs(600));
        assert_eq!(s.activity_retention, Duration::from_secs(90 * 86_400));
        assert_eq!(s.webauthn_rp_id(), "localhost");
        assert_eq!(s.metrics_addr, None);
    }

    #[test]
    fn production_requires_a_public_url_and_refuses_the_log_transport() {
        let key = SecretKey::generate_base64();
        let err = settings(&[("APP_ENV", "production"), ("SECRET_KEY", &key)]).unwrap_err();
        assert!(
            err.to_string().starts_with("PUBLIC_URL is required"),
            "{err}"
        );
        let base = [
            ("APP_ENV", "production"),
            ("SECRET_KEY", key.as_str()),
            ("PUBLIC_URL", "https://login.example.com"),
        ];
        let s = settings(&base).unwrap();
        assert_eq!(s.mail_transport, MailTransport::Off);
        let err = settings(&[base.as_slice(), &[("MAIL_TRANSPORT", "log")]].concat()).unwrap_err();
        assert!(err.to_string().contains("MAIL_TRANSPORT"), "{err}");
    }

    #[test]
    fn production_requires_a_secret_key_and_names_it() {
        let err = settings(&[
            ("APP_ENV", "production"),
            ("PUBLIC_URL", "https://a.example"),
        ])
        .unwrap_err();
        assert!(
            err.to_string().starts_with("SECRET_KEY is required"),
            "{err}"
        );
    }

    #[test]
    fn production_uses_a_secure_host_prefixed_cookie() {
        let key = SecretKey::generate_base64();
        let origin = ("PUBLIC_URL", "https://a.example");
        let s = settings(&[("APP_ENV", "production"), ("SECRET_KEY", &key), origin]).unwrap();
        assert!(s.cookie_secure);
        assert_eq!(s.session_cookie_name(), "__Host-session");
        let s = settings(&[
            ("APP_ENV", "production"),
            ("SECRET_KEY", &key),
            ("COOKIE_SECURE", "false"),
            origin,
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
            ("PUBLIC_URL", "example.com"),
            ("MAIL_TRANSPORT", "mail:25"),
            ("MAIL_FROM", "not an address"),
            ("PASSWORD_RESET_TTL", "soon"),
            ("REAUTH_WINDOW", "0s"),
            ("METRICS_ADDR", "9100"),
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
    fn bad_fallback_keys_leave_no_development_key_behind() {
        let dir = std::env::temp_dir().join(format!("sa-nokey-{}", rand::random::<u64>()));
        let path = dir.join("secret_key");
        let vars = |name: &str| (name == "SECRET_KEY_FALLBACKS").then(|| "c2hvcnQ=".to_owned());
        let err = Settings::from_vars(&vars, &path).unwrap_err().to_string();
        assert!(err.contains("SECRET_KEY_FALLBACKS"), "{err}");
        assert!(
            !err.contains("c2hvcnQ="),
            "the secret must not be printed: {err}"
        );
        assert!(!path.exists());
    }

    #[test]
    fn the_test_settings_are_the_defaults_but_for_what_tests_need() {
        let url = DatabaseUrl::Sqlite("t.db".into());
        let s = Settings::for_tests(url.clone());
        assert_eq!(s.database_url, url);
        assert_eq!((s.port, s.bcrypt_cost, s.login_ip_limit), (0, 4, 0));
        assert_eq!((s.database_pool_size, s.workers), (4, 1));
        assert_eq!(s.environment, Environment::Development);
        assert!(!s.cookie_secure && s.allow_registration);
        assert_eq!(s.idle_timeout, Duration::from_secs(1800));
        assert_eq!(s.absolute_timeout, Duration::from_secs(12 * 3600));
        assert_eq!(s.remember_me_duration, Duration::from_secs(30 * 86_400));
        assert_eq!(s.login_max_failures, 5);
        assert!(s.trusted_proxies.is_empty() && s.secret_key_fallbacks.is_empty());
    }

    #[test]
    fn a_failing_start_leaves_no_development_key_behind() {
        let dir = std::env::temp_dir().join(format!("sa-nokey-{}", rand::random::<u64>()));
        let path = dir.join("secret_key");
        let vars = |name: &str| (name == "PORT").then(|| "abc".to_owned());
        assert!(Settings::from_vars(&vars, &path).is_err());
        assert!(!path.exists());
    }

    #[test]
    fn the_rp_id_defaults_to_the_public_host_and_refuses_an_ip_address() {
        let s = settings(&[("PUBLIC_URL", "https://login.example.com")]).unwrap();
        assert_eq!(s.webauthn_rp_id(), "login.example.com");
        let s = settings(&[
            ("PUBLIC_URL", "https://login.example.com"),
            ("WEBAUTHN_RP_ID", "Example.COM"),
        ])
        .unwrap();
        assert_eq!(s.webauthn_rp_id(), "example.com");
        for bad in [
            "127.0.0.1",
            "::1",
            "[::1]",
            "https://example.com",
            "a..b",
            "x:80",
        ] {
            let error = settings(&[("WEBAUTHN_RP_ID", bad)])
                .unwrap_err()
                .to_string();
            assert!(error.contains("WEBAUTHN_RP_ID"), "{bad}: {error}");
            assert!(!error.contains('\n'), "one line: {error}");
        }
        let error = settings(&[("WEBAUTHN_RP_ID", "10.0.0.1")])
            .unwrap_err()
            .to_string();
        assert!(error.contains("IP address"), "{error}");
    }
}
