//! The JSON documents of `users --json`: fields in a fixed order, times in
//! RFC 3339 (UTC) as the JSON API writes them.

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::db::accounts::Account;
use crate::db::security_events::StoredEvent;
use crate::db::sessions::SessionRecord;

/// An account in JSON.
#[derive(Serialize)]
pub(super) struct AccountJson<'a> {
    id: i32,
    username: &'a str,
    email: Option<&'a str>,
    email_verified: bool,
    created_at: String,
    last_login_at: Option<String>,
    state: &'static str,
    locked_at: Option<String>,
    locked_out_until: Option<String>,
    failed_logins: i32,
    two_factor: bool,
    passkeys: i64,
    active_sessions: i64,
}

impl<'a> AccountJson<'a> {
    pub(super) fn of(account: &'a Account) -> Self {
        let row = &account.row;
        Self {
            id: row.id,
            username: &row.username,
            email: row.email.as_deref(),
            email_verified: row.email_verified_at.is_some(),
            created_at: rfc3339(row.created_at),
            last_login_at: row.last_login_at.map(rfc3339),
            state: account.state().as_str(),
            locked_at: row.locked_at.map(rfc3339),
            locked_out_until: account.locked_out_until.map(rfc3339),
            failed_logins: account.failures,
            two_factor: row.totp_enabled_at.is_some(),
            passkeys: account.passkeys,
            active_sessions: account.active_sessions,
        }
    }
}

/// `users list --json`.
#[derive(Serialize)]
pub(super) struct ListJson<'a> {
    pub(super) page: u32,
    pub(super) per_page: u32,
    pub(super) pages: i64,
    pub(super) total: i64,
    pub(super) accounts: Vec<AccountJson<'a>>,
}

/// `users show --json`: the account's fields, then its sessions and events.
#[derive(Serialize)]
pub(super) struct ShowJson<'a> {
    #[serde(flatten)]
    pub(super) account: AccountJson<'a>,
    pub(super) sessions: Vec<SessionJson<'a>>,
    pub(super) events: Vec<EventJson<'a>>,
}

/// A session in JSON (the fields of `GET /api/sessions`, and its expiry).
#[derive(Serialize)]
pub(super) struct SessionJson<'a> {
    id: &'a str,
    method: &'a str,
    address: Option<&'a str>,
    label: &'a str,
    created_at: String,
    last_seen_at: String,
    expires_at: String,
}

impl<'a> SessionJson<'a> {
    pub(super) fn of(s: &'a SessionRecord) -> Self {
        Self {
            id: &s.id,
            method: &s.method,
            address: s.address.as_deref(),
            label: &s.label,
            created_at: rfc3339(s.created_at),
            last_seen_at: rfc3339(s.last_seen_at),
            expires_at: rfc3339(s.expires_at),
        }
    }
}

/// A security event in JSON.
#[derive(Serialize)]
pub(super) struct EventJson<'a> {
    at: String,
    kind: &'a str,
    method: Option<&'a str>,
    address: Option<&'a str>,
    detail: Option<&'a str>,
}

impl<'a> EventJson<'a> {
    pub(super) fn of(e: &'a StoredEvent) -> Self {
        Self {
            at: rfc3339(e.at),
            kind: &e.kind,
            method: e.method.as_deref(),
            address: e.address.as_deref(),
            detail: e.detail.as_deref(),
        }
    }
}

/// A stored (UTC) time as the JSON API writes it.
pub(super) fn rfc3339(t: NaiveDateTime) -> String {
    t.and_utc().to_rfc3339()
}
