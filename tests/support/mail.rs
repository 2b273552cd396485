//! A test-side SMTP sink ([`SmtpSink`]) and the messages it keeps ([`Mail`]).
//! The sink speaks just enough RFC 5321 for lettre's client: plain text, no
//! STARTTLS, no AUTH, several connections and several messages per connection.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use mailparse::MailHeaderMap as _;
use tokio::io::{AsyncBufRead, AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::{AbortHandle, JoinSet};

/// An SMTP server on 127.0.0.1 for one test: accepts every message, keeps them
/// in memory. Dropping it stops the server and closes its connections.
pub struct SmtpSink {
    port: u16,
    shared: Arc<Shared>,
    server: AbortHandle,
}

/// What the server task and the test share.
#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    arrived: Notify,
}

#[derive(Default)]
struct State {
    mails: Vec<(Mail, bool)>,
    fail_next: usize,
    refused: usize,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl SmtpSink {
    /// Binds 127.0.0.1 on a free port and serves SMTP from a tokio task.
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the SMTP sink binds 127.0.0.1");
        let port = listener.local_addr().expect("a local address").port();
        let shared = Arc::new(Shared::default());
        let for_server = Arc::clone(&shared);
        let server = tokio::spawn(async move {
            // Aborting this task drops the set, which aborts every connection.
            let mut connections = JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                while connections.try_join_next().is_some() {}
                connections.spawn(serve(stream, Arc::clone(&for_server)));
            }
        });
        SmtpSink {
            port,
            shared,
            server: server.abort_handle(),
        }
    }

    /// The port the sink listens on (host 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `smtp://127.0.0.1:PORT`: plain SMTP, as lettre's `from_url` reads it.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The next `n` DATA transactions are answered "451 4.3.0 try again later"
    /// (a transient failure) after the message; then mail is accepted again.
    pub fn fail_next(&self, n: usize) {
        self.shared.state().fail_next = n;
    }

    /// Waits (up to `timeout`) for a message not yet taken with an envelope
    /// recipient `to` (case-insensitive), marks it taken and returns it.
    /// Panics on timeout, listing what did arrive.
    pub async fn next_mail_to(&self, to: &str, timeout: Duration) -> Mail {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Registered before looking, so no arrival slips in between.
            let arrived = self.shared.arrived.notified();
            {
                let mut state = self.shared.state();
                let found = state.mails.iter_mut().find(|(mail, taken)| {
                    !*taken && mail.envelope_to.iter().any(|r| r.eq_ignore_ascii_case(to))
                });
                if let Some((mail, taken)) = found {
                    *taken = true;
                    return mail.clone();
                }
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                let seen: Vec<String> = (self.all().iter())
                    .map(|m| format!("{:?} {:?}", m.envelope_to, m.subject))
                    .collect();
                let seen = if seen.is_empty() {
                    "nothing".into()
                } else {
                    seen.join(", ")
                };
                panic!("no new mail to {to} within {timeout:?}; arrived: {seen}");
            }
        }
    }

    /// Every message received so far (taken or not), in order of arrival.
    pub fn all(&self) -> Vec<Mail> {
        self.shared
            .state()
            .mails
            .iter()
            .map(|(mail, _)| mail.clone())
            .collect()
    }

    /// How many DATA transactions [`SmtpSink::fail_next`] has refused so far.
    pub fn refused(&self) -> usize {
        self.shared.state().refused
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// One SMTP connection; returns when the client quits or goes away.
async fn serve(stream: TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let (mut from, mut to) = (String::new(), Vec::new());
    write.write_all(b"220 localhost SMTP sink\r\n").await?;
    while let Some(line) = read_line(&mut read).await? {
        let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
        let reply = match verb.as_str() {
            "EHLO" => "250-localhost\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760",
            "HELO" => "250 localhost",
            "MAIL" => {
                (from, to) = (address(&line), Vec::new());
                "250 2.1.0 ok"
            }
            "RCPT" => {
                to.push(address(&line));
                "250 2.1.5 ok"
            }
            "DATA" if to.is_empty() => "503 5.5.1 RCPT first",
            "DATA" => {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let mut raw = String::new();
                loop {
                    let Some(line) = read_line(&mut read).await? else {
                        return Ok(());
                    };
                    if line == "." {
                        break;
                    }
                    raw.push_str(line.strip_prefix('.').unwrap_or(&line));
                    raw.push_str("\r\n");
                }
                let mail = Mail::parse(&raw, std::mem::take(&mut from), std::mem::take(&mut to));
                let mut state = shared.state();
                if state.fail_next > 0 {
                    state.fail_next -= 1;
                    state.refused += 1;
                    "451 4.3.0 try again later"
                } else {
                    state.mails.push((mail, false));
                    shared.arrived.notify_waiters();
                    "250 2.0.0 queued"
                }
            }
            "RSET" => {
                (from, to) = (String::new(), Vec::new());
                "250 2.0.0 ok"
            }
            "NOOP" => "250 2.0.0 ok",
            "QUIT" => {
                write.write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(());
            }
            _ => "502 5.5.2 command not implemented",
        };
        write.write_all(format!("{reply}\r\n").as_bytes()).await?;
    }
    Ok(())
}

/// One line without its CRLF (or LF); `None` at end of stream.
async fn read_line(read: &mut (impl AsyncBufRead + Unpin)) -> std::io::Result<Option<String>> {
    let mut line = Vec::new();
    if read.read_until(b'\n', &mut line).await? == 0 {
        return Ok(None);
    }
    let line = String::from_utf8_lossy(&line);
    Ok(Some(line.trim_end_matches(['\r', '\n']).to_owned()))
}

/// The address between `<` and `>` in `MAIL FROM:<a@b> SIZE=…` or `RCPT TO:<a@b>`.
fn address(line: &str) -> String {
    let after = line.split_once('<').map_or("", |(_, rest)| rest);
    after
        .split_once('>')
        .map_or(after, |(addr, _)| addr)
        .to_owned()
}

/// One received message, parsed with mailparse.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The address of `MAIL FROM` (empty for a bounce).
    pub envelope_from: String,
    /// The addresses of every `RCPT TO`, in order.
    pub envelope_to: Vec<String>,
    /// The DATA as received (dot-unstuffed, CRLF line ends).
    pub raw: String,
    /// The decoded `Subject` header (empty without one).
    pub subject: String,
    /// The top-level headers, in order, their values decoded.
    pub headers: Vec<(String, String)>,
    /// The decoded text/plain part (empty without one).
    pub text: String,
    /// The decoded text/html part, if any.
    pub html: Option<String>,
}

impl Mail {
    /// The first top-level header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        (self.headers.iter())
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The first link in the text part that starts with `prefix`, whole, up
    /// to whitespace.
    pub fn link(&self, prefix: &str) -> Option<String> {
        (self.text.split_whitespace())
            .find(|word| word.starts_with(prefix))
            .map(str::to_owned)
    }

    /// The value of `token=` in [`Mail::link`]'s link, as written there.
    pub fn token(&self, prefix: &str) -> Option<String> {
        let link = self.link(prefix)?;
        let query = link.split_once('?')?.1.split('#').next()?;
        (query.split('&'))
            .find_map(|pair| pair.strip_prefix("token="))
            .map(str::to_owned)
    }

    /// Parses a raw RFC 5322 message (also an `.eml` file written by
    /// lettre's file transport). Panics when mailparse cannot read it.
    pub fn parse(raw: &str, envelope_from: String, envelope_to: Vec<String>) -> Mail {
        let parsed = mailparse::parse_mail(raw.as_bytes()).expect("a parsable message");
        let part = |mimetype: &str| {
            (parsed.parts())
                .find(|part| part.ctype.mimetype.eq_ignore_ascii_case(mimetype))
                .map(|part| part.get_body().expect("a decodable body"))
        };
        Mail {
            subject: parsed
                .headers
                .get_first_value("Subject")
                .unwrap_or_default(),
            headers: (parsed.headers.iter())
                .map(|h| (h.get_key(), h.get_value()))
                .collect(),
            text: part("text/plain").unwrap_or_default(),
            html: part("text/html"),
            envelope_from,
            envelope_to,
            raw: raw.to_owned(),
        }
    }
}
