//! Handing one message to `MAIL_TRANSPORT`: an SMTP server, a directory of
//! `.eml` files, standard output, or nowhere.

use std::io::Write as _;
use std::time::Duration;

use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport as _, Tokio1Executor};

use super::Outgoing;
use crate::config::MailTransport;

/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(15);

/// The transport, ready to send.
#[derive(Clone)]
pub enum Transport {
    /// An SMTP server (connections pooled).
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// One `.eml` file per message.
    File(AsyncFileTransport<Tokio1Executor>),
    /// The message on standard output.
    Log,
    /// Nothing is sent.
    Off,
}

/// Why a message was not handed over.
#[derive(Debug)]
pub struct SendError {
    /// Trying again cannot help (the server refused the message for good).
    pub permanent: bool,
    /// What went wrong, for the log (never the message itself).
    pub reason: String,
}

impl Transport {
    /// Builds the transport `MAIL_TRANSPORT` names (a `file:` directory is
    /// created here, so a bad one stops the start).
    pub fn new(setting: &MailTransport) -> anyhow::Result<Self> {
        Ok(match setting {
            MailTransport::Smtp(server) => {
                let tls = TlsParameters::new(server.host.clone())?;
                let mut builder =
                    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(server.host.as_str())
                        .port(server.port)
                        .timeout(Some(SMTP_TIMEOUT))
                        .pool_config(PoolConfig::new().max_size(4))
                        .tls(if server.implicit_tls {
                            Tls::Wrapper(tls)
                        } else {
                            Tls::Opportunistic(tls)
                        });
                if let Some((user, password)) = &server.credentials {
                    builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
                }
                Self::Smtp(builder.build())
            }
            MailTransport::File(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    anyhow::anyhow!("MAIL_TRANSPORT: creating {}: {e}", dir.display())
                })?;
                Self::File(AsyncFileTransport::new(dir))
            }
            MailTransport::Log => Self::Log,
            MailTransport::Off => Self::Off,
        })
    }

    /// Hands `mail` over once.
    pub async fn send(&self, mail: &Outgoing) -> Result<(), SendError> {
        match self {
            Self::Smtp(smtp) => smtp
                .send(mail.message.clone())
                .await
                .map(drop)
                .map_err(|e| SendError {
                    permanent: e.is_permanent(),
                    reason: error_chain(&e),
                }),
            Self::File(files) => files
                .send(mail.message.clone())
                .await
                .map(drop)
                .map_err(|e| SendError {
                    permanent: false,
                    reason: error_chain(&e),
                }),
            Self::Log => {
                print_message(mail);
                Ok(())
            }
            Self::Off => Err(SendError {
                permanent: true,
                reason: "MAIL_TRANSPORT is not set".into(),
            }),
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `MAIL_TRANSPORT=log` (development only): the message as a person reads
/// it — headers and the text part — on standard output, not in the log.
fn print_message(mail: &Outgoing) {
    let headers = mail.message.headers();
    let mut out = String::from("----- mail (MAIL_TRANSPORT=log) -----\n");
    for name in [
        "Message-ID",
        "Date",
        "From",
        "To",
        "Subject",
        "Auto-Submitted",
    ] {
        if let Some(value) = headers.get_raw(name) {
            out.push_str(&format!("{name}: {value}\n"));
        }
    }
    out.push('\n');
    out.push_str(&mail.text);
    out.push_str("\n----- end of mail -----\n");
    let mut stdout = std::io::stdout().lock();
    // Standard output closed: nothing more can be done, and the log says the mail was "sent".
    let _ = stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush());
}
