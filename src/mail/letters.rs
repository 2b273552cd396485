//! The messages: subject, text and HTML from Tera templates
//! (`templates/mail/`) in the reader's language (`locales/*/mail.ftl`), with
//! the headers a mail client expects of a machine (`Message-ID`, `Date`,
//! `Auto-Submitted: auto-generated`, `Content-Language`).

use std::time::Duration;

use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use serde::Serialize;
use tera::{Context, Tera};

use super::markup::HtmlTranslate;
use super::{Outgoing, mailbox};
use crate::config::PublicUrl;
use crate::i18n::{Lang, Text, Translate};

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
        /// How long the link works ("30 minutes" in the mail).
        #[serde(skip)]
        valid_for: Duration,
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

    fn subject(&self) -> Text {
        Text::new(match self {
            Self::VerifyEmail { .. } => "mail-subject-verify-email",
            Self::PasswordReset { .. } => "mail-subject-password-reset",
            Self::PasswordChanged { by_reset: false } => "mail-subject-password-changed",
            Self::PasswordChanged { by_reset: true } => "mail-subject-password-reset-done",
            Self::EmailChanged { .. } => "mail-subject-email-changed",
            Self::TwoFactorChanged { on: true } => "mail-subject-2fa-on",
            Self::TwoFactorChanged { on: false } => "mail-subject-2fa-off",
            Self::RecoveryCodeUsed { .. } => "mail-subject-recovery-code-used",
            Self::PasskeyAdded { .. } => "mail-subject-passkey-added",
        })
    }
}

/// The compiled templates (one set per language, whose `t()` and `html_t()`
/// speak it) and the values every message shares.
pub struct Letters {
    tera: Vec<Tera>,
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

/// `Content-Language` (RFC 3282): the language the message is written in.
#[derive(Clone)]
struct ContentLanguage(Lang);

impl Header for ContentLanguage {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Content-Language")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(Lang::parse(s).unwrap_or_default()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.code().to_owned())
    }
}

impl Letters {
    /// Parses every template (a broken one stops the start).
    pub fn load(from: Mailbox, public_url: PublicUrl) -> anyhow::Result<Self> {
        let tera = Lang::ALL
            .into_iter()
            .map(|lang| {
                let mut tera = Tera::default();
                tera.register_function("t", Translate(lang));
                tera.register_function("html_t", HtmlTranslate(lang));
                tera.add_raw_templates(TEMPLATES.iter().copied())
                    .map_err(|e| anyhow::anyhow!("loading mail templates: {e:?}"))?;
                Ok(tera)
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Self {
            tera,
            from,
            public_url,
        })
    }

    /// The message `letter` to `username` at `to`, written in `lang`.
    pub fn compose(
        &self,
        lang: Lang,
        to: &str,
        username: &str,
        letter: Letter,
    ) -> anyhow::Result<Outgoing> {
        let kind = letter.kind();
        let subject = letter.subject().in_lang(lang);
        let mut ctx = Context::from_serialize(&letter)?;
        if let Letter::PasswordReset { valid_for, .. } = letter {
            ctx.insert("valid_for", &humane_duration(valid_for).in_lang(lang));
        }
        ctx.insert("lang", lang.code());
        ctx.insert("username", username);
        ctx.insert("subject", &subject);
        ctx.insert("site", self.public_url.origin());
        ctx.insert("account_link", &self.public_url.link("/account"));
        ctx.insert("forgot_link", &self.public_url.link("/password/forgot"));
        ctx.insert(
            "when",
            &chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        );
        let tera = self.tera.get(lang as usize).unwrap_or(&self.tera[0]);
        let text = tera.render(&format!("mail/{kind}.txt"), &ctx)?;
        let html = tera.render(&format!("mail/{kind}.html"), &ctx)?;
        let id: [u8; 16] = rand::random();
        let id: String = id.iter().map(|b| format!("{b:02x}")).collect();
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(mailbox(to)?)
            .subject(subject)
            .message_id(Some(format!("<{id}@{}>", self.public_url.host())))
            .header(AutoSubmitted)
            .header(ContentLanguage(lang))
            .multipart(MultiPart::alternative_plain_html(text.clone(), html))?;
        Ok(Outgoing {
            kind,
            to: to.to_owned(),
            message,
            text,
        })
    }
}

/// A lifetime as a person reads it, in the largest whole unit: "30 minutes",
/// "1 hour", "90 seconds" (`to_string()`), "30분" (Korean).
pub fn humane_duration(d: Duration) -> Text {
    let (n, id) = match d.as_secs() {
        s if s % 86_400 == 0 && s > 0 => (s / 86_400, "mail-duration-days"),
        s if s % 3600 == 0 && s > 0 => (s / 3600, "mail-duration-hours"),
        s if s % 60 == 0 && s > 0 => (s / 60, "mail-duration-minutes"),
        s => (s, "mail-duration-seconds"),
    };
    Text::new(id).with("n", n)
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
            valid_for: Duration::from_secs(1800),
        };
        let mail = letters()
            .compose(Lang::En, "ann@example.com", "ann", letter)
            .unwrap();
        let raw = String::from_utf8(mail.message.formatted()).unwrap();
        for header in [
            "Message-ID: <",
            "Date: ",
            "Auto-Submitted: auto-generated",
            "Subject: Reset your password",
            "Content-Language: en",
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
    fn a_korean_letter_is_korean_throughout() {
        let letter = Letter::PasswordReset {
            link: "https://login.example.com/password/reset?token=abc".into(),
            valid_for: Duration::from_secs(1800),
        };
        let mail = letters()
            .compose(Lang::Ko, "ann@example.com", "<ann>", letter)
            .unwrap();
        let raw = mail.message.formatted();
        let parsed = mailparse::parse_mail(&raw).unwrap();
        let header = |name| {
            mailparse::MailHeaderMap::get_first_value(parsed.headers.as_slice(), name).unwrap()
        };
        assert_eq!(header("Subject"), "비밀번호를 재설정하세요");
        assert_eq!(header("Content-Language"), "ko");
        assert!(
            mail.text.starts_with("<ann>님, 안녕하세요.") && mail.text.contains("30분 동안"),
            "{}",
            mail.text
        );
        let html = parsed.subparts[1].get_body().unwrap();
        assert!(html.contains(r#"<html lang="ko">"#), "{html}");
        assert!(
            html.contains("계정 <strong>&lt;ann&gt;</strong>의"),
            "{html}"
        );
        assert!(!html.contains("<ann>"), "{html}");
    }

    #[test]
    fn html_escapes_what_it_shows() {
        let letter = Letter::EmailChanged {
            new_address: Some("<b>x</b>@example.com".into()),
        };
        let mail = letters()
            .compose(Lang::En, "ann@example.com", "ann", letter)
            .unwrap();
        let raw = String::from_utf8(mail.message.formatted()).unwrap();
        assert!(!raw.contains("<b>x</b>@example.com</"), "{raw}");
    }

    #[test]
    fn every_letter_renders() {
        let all = [
            Letter::VerifyEmail { link: "l".into() },
            Letter::PasswordReset {
                link: "l".into(),
                valid_for: Duration::from_secs(3600),
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
        for lang in Lang::ALL {
            for letter in all.clone() {
                letters()
                    .compose(lang, "ann@example.com", "ann", letter)
                    .unwrap();
            }
        }
    }

    #[test]
    fn durations_read_like_words() {
        let words = |secs, lang| humane_duration(Duration::from_secs(secs)).in_lang(lang);
        assert_eq!(words(1800, Lang::En), "30 minutes");
        assert_eq!(words(3600, Lang::En), "1 hour");
        assert_eq!(words(90, Lang::En), "90 seconds");
        assert_eq!(words(1, Lang::En), "1 second");
        assert_eq!(words(86_400, Lang::En), "1 day");
        assert_eq!(words(172_800, Lang::En), "2 days");
        assert_eq!(words(3601, Lang::En), "3601 seconds");
        assert_eq!(words(1800, Lang::Ko), "30분");
        assert_eq!(words(3600, Lang::Ko), "1시간");
        assert_eq!(words(90, Lang::Ko), "90초");
        assert_eq!(words(86_400, Lang::Ko), "1일");
        assert_eq!(
            humane_duration(Duration::from_secs(1800)).to_string(),
            "30 minutes"
        );
    }
}
