//! The messages: subject, text and HTML from Tera templates
//! (`templates/mail/`), with the headers a mail client expects of a machine
//! (`Message-ID`, `Date`, `Auto-Submitted: auto-generated`).

use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use serde::Serialize;
use tera::{Context, Tera};

use super::{Outgoing, mailbox};
use crate::config::PublicUrl;

/// Every mail template, compiled into the binary (`.html` ones are escaped).
const TEMPLATES: &[(&str, &str)] = &[
    (
        "mail/base.html",
        include_str!("../../templates/mail/base.html"),
    ),
    (
        "mail/base.txt",
        include_str!("../../templates/mail/base.txt"),
    ),
    (
        "mail/verify_email.txt",
        include_str!("../../templates/mail/verify_email.txt"),
    ),
    (
        "mail/verify_email.html",
        include_str!("../../templates/mail/verify_email.html"),
    ),
    (
        "mail/password_reset.txt",
        include_str!("../../templates/mail/password_reset.txt"),
    ),
    (
        "mail/password_reset.html",
        include_str!("../../templates/mail/password_reset.html"),
    ),
    (
        "mail/password_changed.txt",
        include_str!("../../templates/mail/password_changed.txt"),
    ),
    (
        "mail/password_changed.html",
        include_str!("../../templates/mail/password_changed.html"),
    ),
    (
        "mail/email_changed.txt",
        include_str!("../../templates/mail/email_changed.txt"),
    ),
    (
        "mail/email_changed.html",
        include_str!("../../templates/mail/email_changed.html"),
    ),
    (
        "mail/passkey_added.txt",
        include_str!("../../templates/mail/passkey_added.txt"),
    ),
    (
        "mail/passkey_added.html",
        include_str!("../../templates/mail/passkey_added.html"),
    ),
    (
        "mail/two_factor_changed.txt",
        include_str!("../../templates/mail/two_factor_changed.txt"),
    ),
    (
        "mail/two_factor_changed.html",
        include_str!("../../templates/mail/two_factor_changed.html"),
    ),
    (
        "mail/recovery_code_used.txt",
        include_str!("../../templates/mail/recovery_code_used.txt"),
    ),
    (
        "mail/recovery_code_used.html",
        include_str!("../../templates/mail/recovery_code_used.html"),
    ),
];

/// One message to send, with what its template shows.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Letter {
    /// The link that verifies a new address.
    VerifyEmail {
        /// `PUBLIC_URL/email/verify?token=…`
        link: String,
    },
    /// The link that sets a new password.
    PasswordReset {
        /// `PUBLIC_URL/password/reset?token=…`
        link: String,
        /// "30 minutes"
        valid_for: String,
    },
    /// Notice: the password was changed (on the account page) or reset (by a link).
    PasswordChanged {
        /// By a reset link rather than on the account page.
        by_reset: bool,
    },
    /// Notice to the old address: the account's address was changed or removed.
    EmailChanged {
        /// The new address, half hidden, or `None` when it was removed.
        new_address: Option<String>,
    },
    /// Notice: two-factor authentication was turned on or off.
    TwoFactorChanged {
        /// On (else off).
        on: bool,
    },
    /// Notice: a passkey was added to the account.
    PasskeyAdded {
        /// The name it was given.
        name: String,
    },
    /// Notice: a recovery code was used to log in or to turn two-factor off.
    RecoveryCodeUsed {
        /// Unused codes left.
        left: i64,
    },
}

impl Letter {
    /// The template's name, also the kind in log lines.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::VerifyEmail { .. } => "verify_email",
            Self::PasswordReset { .. } => "password_reset",
            Self::PasswordChanged { .. } => "password_changed",
            Self::EmailChanged { .. } => "email_changed",
            Self::TwoFactorChanged { .. } => "two_factor_changed",
            Self::RecoveryCodeUsed { .. } => "recovery_code_used",
            Self::PasskeyAdded { .. } => "passkey_added",
        }
    }

    fn subject(&self) -> &'static str {
        match self {
            Self::VerifyEmail { .. } => "Confirm your email address",
            Self::PasswordReset { .. } => "Reset your password",
            Self::PasswordChanged { by_reset: false } => "Your password was changed",
            Self::PasswordChanged { by_reset: true } => "Your password was reset",
            Self::EmailChanged { .. } => "Your email address was changed",
            Self::TwoFactorChanged { on: true } => "Two-factor authentication is on",
            Self::TwoFactorChanged { on: false } => "Two-factor authentication was turned off",
            Self::RecoveryCodeUsed { .. } => "A recovery code was used",
            Self::PasskeyAdded { .. } => "A passkey was added",
        }
    }
}

/// The compiled templates and the values every message shares.
pub struct Letters {
    tera: Tera,
    from: Mailbox,
    public_url: PublicUrl,
}

/// `Auto-Submitted: auto-generated` (RFC 3834): no vacation replies, please.
#[derive(Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

impl Letters {
    /// Parses every template (a broken one stops the start).
    pub fn load(from: Mailbox, public_url: PublicUrl) -> anyhow::Result<Self> {
        let mut tera = Tera::default();
        tera.add_raw_templates(TEMPLATES.iter().copied())
            .map_err(|e| anyhow::anyhow!("loading mail templates: {e:?}"))?;
        Ok(Self {
            tera,
            from,
            public_url,
        })
    }

    /// The message `letter` to `username` at `to`.
    pub fn compose(&self, to: &str, username: &str, letter: Letter) -> anyhow::Result<Outgoing> {
        let kind = letter.kind();
        let subject = letter.subject();
        let mut ctx = Context::from_serialize(&letter)?;
        ctx.insert("username", username);
        ctx.insert("subject", subject);
        ctx.insert("site", self.public_url.origin());
        ctx.insert("account_link", &self.public_url.link("/account"));
        ctx.insert("forgot_link", &self.public_url.link("/password/forgot"));
        ctx.insert(
            "when",
            &chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        );
        let text = self.tera.render(&format!("mail/{kind}.txt"), &ctx)?;
        let html = self.tera.render(&format!("mail/{kind}.html"), &ctx)?;
        let id: [u8; 16] = rand::random();
        let id: String = id.iter().map(|b| format!("{b:02x}")).collect();
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(mailbox(to)?)
            .subject(subject)
            .message_id(Some(format!("<{id}@{}>", self.public_url.host())))
            .header(AutoSubmitted)
            .multipart(MultiPart::alternative_plain_html(text.clone(), html))?;
        Ok(Outgoing {
            kind,
            to: to.to_owned(),
            message,
            text,
        })
    }
}

/// A lifetime as a person reads it: "30 minutes", "1 hour", "90 seconds".
pub fn humane_duration(d: std::time::Duration) -> String {
    let secs = d.as_secs();
    let (n, unit) = match secs {
        s if s % 86_400 == 0 && s > 0 => (s / 86_400, "day"),
        s if s % 3600 == 0 && s > 0 => (s / 3600, "hour"),
        s if s % 60 == 0 && s > 0 => (s / 60, "minute"),
        s => (s, "second"),
    };
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letters() -> Letters {
        let from = "session-auth <no-reply@localhost>".parse().unwrap();
        Letters::load(from, PublicUrl::parse("https://login.example.com").unwrap()).unwrap()
    }

    #[test]
    fn a_letter_is_text_and_html_with_the_machine_headers() {
        let link = "https://login.example.com/password/reset?token=abc".to_owned();
        let letter = Letter::PasswordReset {
            link: link.clone(),
            valid_for: "30 minutes".into(),
        };
        let mail = letters().compose("ann@example.com", "ann", letter).unwrap();
        let raw = String::from_utf8(mail.message.formatted()).unwrap();
        for header in [
            "Message-ID: <",
            "Date: ",
            "Auto-Submitted: auto-generated",
            "Subject: Reset your password",
        ] {
            assert!(raw.contains(header), "{header} missing:\n{raw}");
        }
        assert!(raw.contains("@login.example.com>"), "{raw}");
        assert!(
            raw.contains("multipart/alternative") && raw.contains("text/html"),
            "{raw}"
        );
        assert!(
            mail.text.contains(&link) && mail.text.contains("30 minutes"),
            "{}",
            mail.text
        );
    }

    #[test]
    fn html_escapes_what_it_shows() {
        let letter = Letter::EmailChanged {
            new_address: Some("<b>x</b>@example.com".into()),
        };
        let mail = letters().compose("ann@example.com", "ann", letter).unwrap();
        let raw = String::from_utf8(mail.message.formatted()).unwrap();
        assert!(!raw.contains("<b>x</b>@example.com</"), "{raw}");
    }

    #[test]
    fn every_letter_renders() {
        let all = [
            Letter::VerifyEmail { link: "l".into() },
            Letter::PasswordReset {
                link: "l".into(),
                valid_for: "1 hour".into(),
            },
            Letter::PasswordChanged { by_reset: false },
            Letter::PasswordChanged { by_reset: true },
            Letter::EmailChanged { new_address: None },
            Letter::TwoFactorChanged { on: true },
            Letter::TwoFactorChanged { on: false },
            Letter::RecoveryCodeUsed { left: 9 },
            Letter::PasskeyAdded {
                name: "Laptop".into(),
            },
        ];
        for letter in all {
            letters().compose("ann@example.com", "ann", letter).unwrap();
        }
    }

    #[test]
    fn durations_read_like_words() {
        use std::time::Duration;
        assert_eq!(humane_duration(Duration::from_secs(1800)), "30 minutes");
        assert_eq!(humane_duration(Duration::from_secs(3600)), "1 hour");
        assert_eq!(humane_duration(Duration::from_secs(90)), "90 seconds");
        assert_eq!(humane_duration(Duration::from_secs(86_400)), "1 day");
    }
}
