//! `users list` and `users show`: what an operator reads about accounts, as
//! aligned text or as one JSON document.

use std::fmt::Write as _;

use anyhow::Context as _;
use chrono::NaiveDateTime;

use super::json::{AccountJson, EventJson, ListJson, SessionJson, ShowJson};
use super::{Outcome, find, now};
use crate::cli::table::Table;
use crate::db::AnyConnection;
use crate::db::accounts::{self, Account};
use crate::db::security_events::{self, StoredEvent};
use crate::db::sessions::{self, SessionRecord};

/// Security events `users show` lists.
const RECENT_EVENTS: i64 = 20;

/// `users list`: page `page` of `per_page` accounts, ordered by id.
pub(super) fn list(conn: &mut AnyConnection, page: u32, per_page: u32) -> anyhow::Result<Outcome> {
    let total = accounts::count(conn).context("counting the accounts")?;
    let offset = i64::from(page.saturating_sub(1)) * i64::from(per_page);
    let found =
        accounts::page(conn, offset, per_page.into(), now()).context("reading the accounts")?;
    let pages = ((total + i64::from(per_page) - 1) / i64::from(per_page)).max(1);
    let mut text = if found.is_empty() {
        format!("no accounts on page {page}\n")
    } else {
        accounts_table(&found).to_string()
    };
    let noun = if total == 1 { "account" } else { "accounts" };
    let _ = writeln!(text, "page {page} of {pages} ({total} {noun})");
    let json = ListJson {
        page,
        per_page,
        pages,
        total,
        accounts: found.iter().map(AccountJson::of).collect(),
    };
    Outcome::new(text, &json)
}

fn accounts_table(found: &[Account]) -> Table {
    let mut table = Table::new(&[
        "ID",
        "USERNAME",
        "EMAIL",
        "STATE",
        "2FA",
        "PASSKEYS",
        "SESSIONS",
        "CREATED (UTC)",
        "LAST LOGIN (UTC)",
    ]);
    for account in found {
        let row = &account.row;
        table.push(vec![
            row.id.to_string(),
            row.username.clone(),
            email_text(account),
            account.state().as_str().to_owned(),
            on_off(row.totp_enabled_at.is_some()).to_owned(),
            account.passkeys.to_string(),
            account.active_sessions.to_string(),
            when(row.created_at),
            row.last_login_at.map_or_else(|| "never".to_owned(), when),
        ]);
    }
    table
}

/// `users show NAME`: the account, its active sessions and recent events.
pub(super) fn show(conn: &mut AnyConnection, name: &str) -> anyhow::Result<Outcome> {
    let account = find(conn, name)?;
    let id = account.row.id;
    let active = sessions::active(conn, id, now()).context("reading the sessions")?;
    let events = security_events::recent(conn, id, RECENT_EVENTS).context("reading the events")?;
    let text = format!(
        "{}\n{}\n{}",
        facts_text(&account),
        sessions_text(&active),
        events_text(&events)
    );
    let json = ShowJson {
        account: AccountJson::of(&account),
        sessions: active.iter().map(SessionJson::of).collect(),
        events: events.iter().map(EventJson::of).collect(),
    };
    Outcome::new(text, &json)
}

fn facts_text(account: &Account) -> String {
    let row = &account.row;
    let state = match (row.locked_at, account.locked_out_until) {
        (Some(at), _) => format!("locked by an operator since {}", when(at)),
        (None, Some(until)) => format!(
            "locked_out until {} ({} failed logins)",
            when(until),
            account.failures
        ),
        (None, None) => "active".to_owned(),
    };
    let facts = [
        ("id", row.id.to_string()),
        ("username", row.username.clone()),
        ("email", email_text(account)),
        ("state", state),
        ("created", when(row.created_at)),
        (
            "last login",
            row.last_login_at.map_or_else(|| "never".to_owned(), when),
        ),
        (
            "two-factor",
            on_off(row.totp_enabled_at.is_some()).to_owned(),
        ),
        ("passkeys", account.passkeys.to_string()),
        ("sessions", format!("{} active", account.active_sessions)),
    ];
    facts
        .iter()
        .map(|(name, value)| format!("{name:<12}{value}\n"))
        .collect()
}

fn sessions_text(active: &[SessionRecord]) -> String {
    if active.is_empty() {
        return "Active sessions: none\n".to_owned();
    }
    let mut table = Table::new(&[
        "ID",
        "METHOD",
        "ADDRESS",
        "LABEL",
        "CREATED (UTC)",
        "LAST SEEN (UTC)",
    ]);
    for s in active {
        table.push(vec![
            s.id.clone(),
            s.method.clone(),
            s.address.clone().unwrap_or_else(|| "-".to_owned()),
            s.label.clone(),
            when(s.created_at),
            when(s.last_seen_at),
        ]);
    }
    format!("Active sessions ({}):\n{table}", active.len())
}

fn events_text(events: &[StoredEvent]) -> String {
    if events.is_empty() {
        return "Recent security events: none\n".to_owned();
    }
    let mut table = Table::new(&["AT (UTC)", "EVENT", "METHOD", "ADDRESS", "DETAIL"]);
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
    for e in events {
        table.push(vec![
            when(e.at),
            e.kind.clone(),
            or_dash(&e.method),
            or_dash(&e.address),
            or_dash(&e.detail),
        ]);
    }
    format!("Recent security events (newest first, {RECENT_EVENTS} at most):\n{table}")
}

fn email_text(account: &Account) -> String {
    match (&account.row.email, account.row.email_verified_at) {
        (Some(email), Some(_)) => email.clone(),
        (Some(email), None) => format!("{email} (unverified)"),
        (None, _) => "-".to_owned(),
    }
}

fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

/// A stored (UTC) time for the terminal.
fn when(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}
