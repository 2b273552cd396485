//! Mail: security notices and links, sent without holding up a request.
//!
//! A handler calls [`Mailer::send`], which composes the message
//! (`letters`) in the language of the request being answered and queues it; one background task hands each message to the
//! transport (`transport`), trying a failed one again after growing waits.
//! Every outcome is logged (recipient, kind, reason), never the message
//! itself, and the answer the person sees never depends on it, so the mail
//! path tells no one whether an account exists.

mod letters;
mod markup;
mod transport;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use lettre::message::Mailbox;
use tokio::sync::{Notify, Semaphore, mpsc};
use tokio::task::JoinSet;

pub use letters::{Letter, Letters, humane_duration};
use transport::Transport;

use crate::config::Settings;
use crate::i18n::Lang;
use crate::metrics::Metrics;

/// Tries per message: the first and three more after growing waits.
const ATTEMPTS: u32 = 4;
/// The waits before the second, third and fourth try, in units of `mail_retry_after`.
const WAIT_FACTORS: [u32; 3] = [1, 5, 15];
/// Messages handed over at the same time.
const CONCURRENT_SENDS: usize = 4;

/// One composed message and what the log and the `log` transport show of it.
pub struct Outgoing {
    /// What kind of message ("password_reset", …), for the log.
    pub kind: &'static str,
    /// The recipient, for the log.
    pub to: String,
    /// The message itself.
    pub message: lettre::Message,
    /// The text part (the `log` transport prints it).
    pub text: String,
}

/// Composes and queues messages (cheap to clone; shared by every worker).
#[derive(Clone)]
pub struct Mailer {
    letters: Arc<Letters>,
    queue: mpsc::UnboundedSender<Outgoing>,
    /// Messages queued and not yet sent or given up.
    pending: Arc<AtomicUsize>,
    /// Counts each message sent or given up, by kind.
    metrics: Metrics,
}

/// The background task that sends what was queued; [`Outbox::finish`]
/// lets it send what is left at shutdown.
pub struct Outbox {
    closing: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
    pending: Arc<AtomicUsize>,
    failed: Arc<AtomicUsize>,
}

impl Mailer {
    /// The mailer and its sending task (spawned on the current Tokio
    /// runtime); `metrics` counts what it sends and gives up.
    pub fn start(settings: &Settings, metrics: Metrics) -> anyhow::Result<(Self, Outbox)> {
        let transport = Transport::new(&settings.mail_transport)?;
        if matches!(transport, Transport::Off) {
            log::warn!(
                "MAIL_TRANSPORT is not set: no mail can be sent (email verification, password reset and notices)"
            );
        }
        let letters = Letters::load(settings.mail_from.clone(), settings.public_url.clone())?;
        let (queue, messages) = mpsc::unbounded_channel();
        let closing = Arc::new(Notify::new());
        let pending = Arc::new(AtomicUsize::new(0));
        let failed = Arc::new(AtomicUsize::new(0));
        let counts = Counts {
            pending: Arc::clone(&pending),
            failed: Arc::clone(&failed),
            metrics: metrics.clone(),
        };
        let task = tokio::spawn(deliver_all(
            messages,
            transport,
            settings.mail_retry_after,
            Arc::clone(&closing),
            counts,
        ));
        let mailer = Self {
            letters: Arc::new(letters),
            queue,
            pending: Arc::clone(&pending),
            metrics,
        };
        Ok((
            mailer,
            Outbox {
                closing,
                task,
                pending,
                failed,
            },
        ))
    }

    /// Composes `letter` for `username` at `to` and queues it. Returns at
    /// once; a message that cannot be composed or queued is logged. It is
    /// written in the language of the request being answered (a task spawned
    /// for one carries it: [`Lang::scope`]); outside a request, in English.
    pub fn send(&self, to: &str, username: &str, letter: Letter) {
        let kind = letter.kind();
        let outgoing = match self.letters.compose(Lang::current(), to, username, letter) {
            Ok(outgoing) => outgoing,
            Err(e) => {
                log::error!("mail not sent: kind={kind} to={to:?}: composing it failed: {e:#}");
                self.metrics.mail(kind, false);
                return;
            }
        };
        self.pending.fetch_add(1, Ordering::SeqCst);
        if self.queue.send(outgoing).is_err() {
            self.pending.fetch_sub(1, Ordering::SeqCst);
            self.metrics.mail(kind, false);
            log::error!("mail not sent: kind={kind} to={to:?}: the server is shutting down");
        }
    }
}

impl Outbox {
    /// Stops taking messages and waits up to `bound` for the queued ones
    /// (retries included), or until `stop` completes; what is still unsent
    /// then is logged as lost. Returns how many messages were not delivered
    /// (given up or unsent).
    pub async fn finish(self, bound: Duration, stop: impl Future<Output = ()>) -> usize {
        self.closing.notify_one();
        let mut task = self.task;
        let emptied = tokio::select! {
            waited = tokio::time::timeout(bound, &mut task) => waited.is_ok(),
            () = stop => false,
        };
        if !emptied {
            task.abort();
            let unsent = self.pending.load(Ordering::SeqCst);
            if unsent > 0 {
                log::error!("mail: stopped with {unsent} message(s) unsent (see the lines above)");
            }
        }
        self.pending.load(Ordering::SeqCst) + self.failed.load(Ordering::SeqCst)
    }
}

/// The sending task: each message in a task of its own (so one waiting to
/// be retried holds up no other), at most [`CONCURRENT_SENDS`] at a time.
async fn deliver_all(
    mut messages: mpsc::UnboundedReceiver<Outgoing>,
    transport: Transport,
    retry_after: Duration,
    closing: Arc<Notify>,
    counts: Counts,
) {
    let permits = Arc::new(Semaphore::new(CONCURRENT_SENDS));
    let mut sending = JoinSet::new();
    let mut closed = false;
    loop {
        tokio::select! {
            next = messages.recv() => match next {
                Some(mail) => {
                    let transport = transport.clone();
                    let permits = Arc::clone(&permits);
                    let counts = counts.clone();
                    sending.spawn(async move {
                        // The semaphore is never closed.
                        let _permit = permits.acquire().await;
                        let sent = deliver(&transport, &mail, retry_after).await;
                        if !sent {
                            counts.failed.fetch_add(1, Ordering::SeqCst);
                        }
                        counts.metrics.mail(mail.kind, sent);
                        counts.pending.fetch_sub(1, Ordering::SeqCst);
                    });
                }
                // Closed and drained: what is queued is all in `sending`.
                None => break,
            },
            () = closing.notified(), if !closed => {
                closed = true;
                messages.close();
            }
            Some(_) = sending.join_next(), if !sending.is_empty() => {}
        }
    }
    while sending.join_next().await.is_some() {}
}

/// Messages in the queue or being sent, and those given up.
#[derive(Clone)]
struct Counts {
    pending: Arc<AtomicUsize>,
    failed: Arc<AtomicUsize>,
    metrics: Metrics,
}

/// Sends one message, trying again after a transient failure; whether it
/// was handed over.
async fn deliver(transport: &Transport, mail: &Outgoing, retry_after: Duration) -> bool {
    let (kind, to) = (mail.kind, mail.to.as_str());
    for attempt in 1..=ATTEMPTS {
        let Err(error) = transport.send(mail).await else {
            log::info!("mail sent: kind={kind} to={to:?}");
            return true;
        };
        let last = attempt == ATTEMPTS || error.permanent;
        if last {
            log::error!(
                "mail NOT delivered: kind={kind} to={to:?} after {attempt} attempt(s): {}",
                error.reason
            );
            return false;
        }
        let factor = WAIT_FACTORS[usize::try_from(attempt - 1).unwrap_or(0).min(2)];
        let wait = retry_after.saturating_mul(factor);
        log::warn!(
            "mail send failed (attempt {attempt} of {ATTEMPTS}, next in {} ms): kind={kind} to={to:?}: {}",
            wait.as_millis(),
            error.reason
        );
        tokio::time::sleep(wait).await;
    }
    false
}

/// The mailbox of a recipient, from an address already checked at input.
fn mailbox(to: &str) -> anyhow::Result<Mailbox> {
    Ok(Mailbox::new(None, to.parse()?))
}
