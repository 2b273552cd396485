//! The settings of mail: where links point (`PUBLIC_URL`), how messages
//! leave (`MAIL_TRANSPORT`) and who sends them (`MAIL_FROM`).

use std::fmt;
use std::path::PathBuf;

use lettre::message::Mailbox;

/// `PUBLIC_URL`: the origin users reach. Every link in a mail is built from
/// it, never from a request's `Host`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl {
    origin: String,
    host: String,
    /// Not set by the operator: made from `HOST` and `PORT`, and made again
    /// from the port actually bound (port 0 picks a free one).
    pub derived: bool,
}

impl PublicUrl {
    /// Parses `http(s)://host[:port]` (a trailing `/` is allowed; a path,
    /// query, fragment or user name is not: links are built below the origin).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let url =
            url::Url::parse(raw).map_err(|e| format!("expected http(s)://host[:port]: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("expected an http:// or https:// URL".into());
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or("the URL needs a host")?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err("a user name or password does not belong in PUBLIC_URL".into());
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err("expected only an origin (scheme, host and port), no path".into());
        }
        Ok(Self {
            origin: url.origin().ascii_serialization(),
            host: host.trim_matches(['[', ']']).to_owned(),
            derived: false,
        })
    }

    /// The default: `http://localhost:PORT` when `host` is a loopback or
    /// unspecified address (so `cargo run` links to `http://localhost:8080`),
    /// else `http://HOST:PORT`.
    pub fn derive(host: &str, port: u16) -> Self {
        let local = match host.trim_matches(['[', ']']).parse::<std::net::IpAddr>() {
            Ok(ip) => ip.is_loopback() || ip.is_unspecified(),
            Err(_) => host.eq_ignore_ascii_case("localhost") || host.is_empty(),
        };
        let shown = match host {
            _ if local => "localhost".to_owned(),
            h if h.contains(':') && !h.starts_with('[') => format!("[{h}]"),
            h => h.to_owned(),
        };
        Self {
            origin: format!("http://{shown}:{port}"),
            host: shown.trim_matches(['[', ']']).to_owned(),
            derived: true,
        }
    }

    /// `scheme://host[:port]`, without a trailing slash.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The host alone (for Message-IDs and, later, the passkey RP id).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// An absolute link to `path_and_query` (which starts with `/`).
    pub fn link(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.origin)
    }
}

/// `MAIL_TRANSPORT`: how messages leave.
#[derive(Clone, PartialEq, Eq)]
pub enum MailTransport {
    /// `smtp://` (STARTTLS when the server offers it) or `smtps://` (TLS from the start).
    Smtp(SmtpServer),
    /// `file:DIR`: one `.eml` file per message (tests).
    File(PathBuf),
    /// `log`: the whole message on standard output (development only).
    Log,
    /// Unset in production: nothing can be sent; each message is logged as
    /// not sent (the answers users see stay the same).
    Off,
}

/// An SMTP server to hand messages to.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpServer {
    /// Host name or address.
    pub host: String,
    /// Port (default 25 for `smtp://`, 465 for `smtps://`).
    pub port: u16,
    /// `smtps://`: TLS from the first byte; else STARTTLS when offered.
    pub implicit_tls: bool,
    /// User name and password, percent-decoded from the URL.
    pub credentials: Option<(String, String)>,
}

// Manual Debug: the URL may carry a password.
impl fmt::Debug for MailTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Smtp(s) => write!(
                f,
                "{}://{}{}:{}",
                if s.implicit_tls { "smtps" } else { "smtp" },
                if s.credentials.is_some() {
                    "<credentials>@"
                } else {
                    ""
                },
                s.host,
                s.port
            ),
            Self::File(dir) => write!(f, "file:{}", dir.display()),
            Self::Log => f.write_str("log"),
            Self::Off => f.write_str("off"),
        }
    }
}

impl MailTransport {
    /// Parses `smtp://[user:pass@]host[:port]`, `smtps://…`, `file:DIR` or `log`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw == "log" {
            return Ok(Self::Log);
        }
        if let Some(dir) = raw.strip_prefix("file:") {
            let dir = dir.strip_prefix("//").unwrap_or(dir);
            if dir.is_empty() {
                return Err("file: needs a directory, e.g. file:data/mail".into());
            }
            return Ok(Self::File(PathBuf::from(dir)));
        }
        const HINT: &str = "expected smtp://[user:pass@]host:port, smtps://…, file:DIR or log";
        let url = url::Url::parse(raw).map_err(|_| HINT.to_owned())?;
        let implicit_tls = match url.scheme() {
            "smtp" => false,
            "smtps" => true,
            _ => return Err(HINT.into()),
        };
        let host = url.host_str().filter(|h| !h.is_empty()).ok_or(HINT)?;
        if url.path() != "" && url.path() != "/" {
            return Err("an SMTP URL has no path".into());
        }
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| "the user name and password must be UTF-8".to_owned())
        };
        let credentials = match (url.username(), url.password()) {
            ("", None) => None,
            (user, password) => Some((decode(user)?, decode(password.unwrap_or_default())?)),
        };
        Ok(Self::Smtp(SmtpServer {
            host: host.trim_matches(['[', ']']).to_owned(),
            port: url.port().unwrap_or(if implicit_tls { 465 } else { 25 }),
            implicit_tls,
            credentials,
        }))
    }
}

/// `MAIL_FROM`: `Name <address>` or a bare address.
pub fn parse_mailbox(raw: &str) -> Result<Mailbox, String> {
    raw.parse::<Mailbox>()
        .map_err(|e| format!("expected an address like `session-auth <no-reply@example.com>`: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_url_is_an_origin() {
        let url = PublicUrl::parse("https://login.example.com/").unwrap();
        assert_eq!(url.origin(), "https://login.example.com");
        assert_eq!(url.host(), "login.example.com");
        assert_eq!(
            url.link("/password/reset?token=x"),
            "https://login.example.com/password/reset?token=x"
        );
        assert_eq!(
            PublicUrl::parse("http://localhost:8080").unwrap().origin(),
            "http://localhost:8080"
        );
        for bad in [
            "login.example.com",
            "ftp://example.com",
            "https://example.com/app",
            "https://u:p@example.com",
            "https://example.com/?a=1",
        ] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_default_public_url_names_localhost_for_a_loopback_host() {
        assert_eq!(
            PublicUrl::derive("127.0.0.1", 8080).origin(),
            "http://localhost:8080"
        );
        assert_eq!(
            PublicUrl::derive("0.0.0.0", 80).origin(),
            "http://localhost:80"
        );
        assert_eq!(
            PublicUrl::derive("::1", 8080).origin(),
            "http://localhost:8080"
        );
        assert_eq!(
            PublicUrl::derive("10.0.0.5", 8080).origin(),
            "http://10.0.0.5:8080"
        );
        assert_eq!(
            PublicUrl::derive("fd00::5", 8080).origin(),
            "http://[fd00::5]:8080"
        );
    }

    #[test]
    fn mail_transports_parse() {
        assert_eq!(MailTransport::parse("log"), Ok(MailTransport::Log));
        assert_eq!(
            MailTransport::parse("file:data/mail"),
            Ok(MailTransport::File("data/mail".into()))
        );
        let MailTransport::Smtp(s) = MailTransport::parse("smtp://mail:1025").unwrap() else {
            panic!("smtp")
        };
        assert_eq!(
            (s.host.as_str(), s.port, s.implicit_tls),
            ("mail", 1025, false)
        );
        assert!(s.credentials.is_none());
        let MailTransport::Smtp(s) =
            MailTransport::parse("smtps://me%40x:p%3Ass@smtp.example.com").unwrap()
        else {
            panic!("smtps")
        };
        assert_eq!((s.port, s.implicit_tls), (465, true));
        assert_eq!(s.credentials, Some(("me@x".into(), "p:ss".into())));
        for bad in [
            "smtp://",
            "http://mail",
            "file:",
            "mail:1025",
            "smtp://h/path",
        ] {
            assert!(MailTransport::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_transport_never_shows_its_password() {
        let t = MailTransport::parse("smtp://u:hunter2@mail:587").unwrap();
        let shown = format!("{t:?}");
        assert!(
            !shown.contains("hunter2") && shown.contains("mail:587"),
            "{shown}"
        );
    }
}
