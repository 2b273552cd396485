//! The writing `users` commands. Each runs in one transaction with the
//! read of the account and the security event it records, so a failure
//! leaves nothing half-written.

use anyhow::Context as _;
use serde_json::json;

use super::json::rfc3339;
use super::{Outcome, change, find, now};
use crate::auth::tokens::LinkToken;
use crate::cli::{read_new_password, send_now};
use crate::config::{MailTransport, Settings};
use crate::db::account_tokens::Purpose;
use crate::db::accounts::AccountState;
use crate::db::security_events::{self, Event, Kind};
use crate::db::{AnyConnection, login_failures, users};
use crate::domain::NewPassword;
use crate::i18n;
use crate::mail::{Letter, humane_duration};

/// The detail of every event these commands record.
const BY_OPERATOR: &str = "by an operator";

/// How running servers learn of ended sessions.
const WITHIN_A_SECOND: &str = "running servers refuse them within a second";

/// The event `kind`, made by an operator (no client address).
fn operator_event(kind: Kind) -> Event<'static> {
    Event::new(kind, None).detail(BY_OPERATOR)
}

fn sessions(n: i64) -> String {
    if n == 1 {
        "1 active session".to_owned()
    } else {
        format!("{n} active sessions")
    }
}

/// `users lock NAME`: locks the account and ends every session; a locked
/// account is left as it is.
pub(super) fn lock(conn: &mut AnyConnection, name: &str) -> anyhow::Result<Outcome> {
    let (username, locked) = change(conn, name, |c, account| {
        let (id, username) = (account.row.id, account.row.username.clone());
        if account.row.locked_at.is_some() {
            return Ok((username, None));
        }
        users::set_locked(c, id, Some(now()))?;
        users::bump_generation(c, id, None)?;
        security_events::record(c, id, now(), operator_event(Kind::AccountLocked))?;
        Ok((username, Some(account.active_sessions)))
    })?;
    let username = &username;
    match locked {
        Some(ended) => Outcome::change(
            username,
            "locked",
            json!({ "sessions_ended": ended }),
            format!(
                "locked {username}: every login is refused; ended {} ({WITHIN_A_SECOND})",
                sessions(ended)
            ),
        ),
        None => Outcome::change(
            username,
            "already_locked",
            json!({ "sessions_ended": 0 }),
            format!("{username} was already locked; nothing changed"),
        ),
    }
}

/// `users unlock NAME`: clears the operator's lock and the failure
/// lock-out of the name (and its count of failed logins).
pub(super) fn unlock(conn: &mut AnyConnection, name: &str) -> anyhow::Result<Outcome> {
    let account = change(conn, name, |c, account| {
        let row = &account.row;
        if row.locked_at.is_some() {
            users::set_locked(c, row.id, None)?;
        }
        if account.failures > 0 {
            login_failures::clear(c, &row.username_normalized)?;
        }
        if account.state() != AccountState::Active {
            security_events::record(c, row.id, now(), operator_event(Kind::AccountUnlocked))?;
        }
        Ok(account.clone())
    })?;
    let username = &account.row.username;
    let was_locked = account.row.locked_at.is_some();
    let cleared = account.locked_out_until.map(|until| {
        format!(
            "its failure lock-out (until {} UTC)",
            until.format("%H:%M:%S")
        )
    });
    let (result, text) = match (was_locked, &cleared) {
        (true, None) => ("unlocked", format!("unlocked {username}")),
        (true, Some(c)) => ("unlocked", format!("unlocked {username} and cleared {c}")),
        (false, Some(c)) => (
            "lock_out_cleared",
            format!("{username} was not locked by an operator; cleared {c}"),
        ),
        (false, None) if account.failures > 0 => (
            "not_locked",
            format!(
                "{username} was not locked; reset its count of {} failed logins",
                account.failures
            ),
        ),
        (false, None) => (
            "not_locked",
            format!("{username} was not locked; nothing to do"),
        ),
    };
    let more = json!({ "was_locked": was_locked, "lock_out_cleared": cleared.is_some() });
    Outcome::change(username, result, more, text)
}

/// `users reset-password NAME`: a reset link as `/password/forgot` mails
/// one, printed alone on stdout (a note on stderr).
#[expect(
    clippy::print_stderr,
    reason = "the note goes beside the link, which stdout carries alone"
)]
pub(super) fn reset_link(
    conn: &mut AnyConnection,
    settings: &Settings,
    name: &str,
) -> anyhow::Result<Outcome> {
    let ttl = settings.password_reset_ttl;
    let issued_at = now();
    let (username, token) = change(conn, name, |c, account| {
        let token = LinkToken::issue(c, account.row.id, Purpose::Reset, None, issued_at, ttl)?;
        Ok((account.row.username.clone(), token))
    })?;
    let link = settings
        .public_url
        .link(&format!("/password/reset?token={}", token.as_str()));
    let expires_at = chrono::Duration::from_std(ttl)
        .ok()
        .and_then(|ttl| issued_at.checked_add_signed(ttl));
    let at = expires_at.map_or_else(String::new, |t| {
        t.format(", at %Y-%m-%d %H:%M UTC").to_string()
    });
    eprintln!(
        "A password-reset link for {username}: it works once and expires after {} \
         (PASSWORD_RESET_TTL){at}; a password change voids it.",
        humane_duration(ttl),
    );
    let more = json!({ "link": link, "expires_at": expires_at.map(rfc3339) });
    Outcome::change(&username, "link_issued", more, link)
}

/// `users reset-password NAME --password-stdin`: sets the password read
/// from stdin, which ends every session, and clears the failure lock-out.
pub(super) fn set_password(
    conn: &mut AnyConnection,
    settings: &Settings,
    name: &str,
) -> anyhow::Result<Outcome> {
    let row = find(conn, name)?.row;
    let (username, verified) = (
        row.username,
        row.email.filter(|_| row.email_verified_at.is_some()),
    );
    let password = read_new_password(true)?;
    let password = NewPassword::parse(&password, &username)
        .map_err(|p| anyhow::anyhow!("password refused: {}", i18n::english(&p)))?;
    let hash =
        bcrypt::hash(password.expose(), settings.bcrypt_cost).context("hashing the password")?;
    let ended = change(conn, name, |c, account| {
        let row = &account.row;
        users::set_password(c, row.id, &hash, None)?;
        login_failures::clear(c, &row.username_normalized)?;
        security_events::record(c, row.id, now(), operator_event(Kind::PasswordReset))?;
        Ok(account.active_sessions)
    })?;
    let text = format!(
        "set a new password for {username}; ended {} ({WITHIN_A_SECOND}) and cleared any failure lock-out",
        sessions(ended)
    );
    tell(settings, verified.as_deref(), &username);
    let more = json!({ "sessions_ended": ended });
    Outcome::change(&username, "password_set", more, text)
}

/// The notice of a password reset to the account's verified address, as
/// after a reset by link. Not with the development `log` transport, which
/// would print the message on stdout, where the command's answer goes.
#[expect(clippy::print_stderr, reason = "a note beside the command's answer")]
fn tell(settings: &Settings, verified: Option<&str>, username: &str) {
    let Some(to) = verified else { return };
    if matches!(settings.mail_transport, MailTransport::Log) {
        eprintln!("note: no notice mailed to {to} (MAIL_TRANSPORT=log)");
        return;
    }
    let letter = Letter::PasswordChanged { by_reset: true };
    match send_now(settings, to, username, letter) {
        Ok(true) => eprintln!("told {to}"),
        Ok(false) | Err(_) => {
            eprintln!("warning: the notice to {to} could not be sent (see the log)")
        }
    }
}

/// `users end-sessions NAME`: ends every session of the account.
pub(super) fn end_sessions(conn: &mut AnyConnection, name: &str) -> anyhow::Result<Outcome> {
    let (username, ended) = change(conn, name, |c, account| {
        let id = account.row.id;
        users::bump_generation(c, id, None)?;
        security_events::record(c, id, now(), operator_event(Kind::SessionsEnded))?;
        Ok((account.row.username.clone(), account.active_sessions))
    })?;
    let text = format!(
        "ended {} of {username} ({WITHIN_A_SECOND})",
        sessions(ended)
    );
    let more = json!({ "sessions_ended": ended });
    Outcome::change(&username, "sessions_ended", more, text)
}

/// `users delete NAME`: deletes the account (its sessions, passkeys,
/// links and history go with it) and forgets its failed logins.
pub(super) fn delete(conn: &mut AnyConnection, name: &str) -> anyhow::Result<Outcome> {
    let account = change(conn, name, |c, account| {
        users::delete(c, account.row.id)?;
        login_failures::clear(c, &account.row.username_normalized)?;
        Ok(account.clone())
    })?;
    let (username, id) = (&account.row.username, account.row.id);
    let text = format!(
        "deleted {username} (id {id}) with {}, {} and its history",
        sessions(account.active_sessions),
        passkeys(account.passkeys)
    );
    let more = json!({
        "id": id,
        "sessions_ended": account.active_sessions,
        "passkeys_deleted": account.passkeys,
    });
    Outcome::change(username, "deleted", more, text)
}

fn passkeys(n: i64) -> String {
    if n == 1 {
        "1 passkey".to_owned()
    } else {
        format!("{n} passkeys")
    }
}
