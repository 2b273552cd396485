//! What a login records about its session ([`SessionStart`]): the record
//! on `/account/sessions` and the login event, written in the login's own
//! transaction. The cookie stays the session: the guard never reads a record.

use actix_web::HttpRequest;
use actix_web::http::header;
use chrono::{DateTime, NaiveDateTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::expiry::{SealedLogin, SessionTimeouts};
use crate::client_ip::{self, TrustedProxies};
use crate::db::security_events::{self, Event, Kind};
use crate::db::{AnyConnection, sessions};
use crate::domain::{LoginMethod, user_agent};

/// Where a request comes from, as a session record and an event show it.
#[derive(Debug, Clone)]
pub struct Device {
    /// The client's address (`X-Forwarded-For` only from a trusted proxy).
    pub address: Option<String>,
    /// The `User-Agent` header, kept short.
    pub user_agent: String,
    /// "Firefox on Linux".
    pub label: String,
}

impl Device {
    /// The device of `req`.
    pub fn of(req: &HttpRequest, trusted: &TrustedProxies) -> Self {
        let raw = req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        Self {
            address: client_ip::client_ip(req, trusted).map(|ip| ip.to_canonical().to_string()),
            user_agent: user_agent::keep(raw),
            label: user_agent::label(raw),
        }
    }

    /// The address for log lines (`-` when unknown).
    pub fn client(&self) -> &str {
        self.address.as_deref().unwrap_or("-")
    }

    /// An event of `kind` from this device.
    pub fn event(&self, kind: Kind) -> Event<'_> {
        Event::new(kind, self.address.as_deref())
    }
}

/// A session about to begin: its cookie's id and times, and what its record shows.
#[derive(Debug, Clone)]
pub struct SessionStart {
    /// The new session id (sealed in the cookie; revoked at logout).
    pub sid: String,
    /// "Remember me".
    pub remember: bool,
    /// Login time, unix seconds.
    pub at: i64,
    /// Where the login comes from.
    pub device: Device,
    /// When the new cookie stops being valid, unless it is used.
    expires_at: i64,
}

impl SessionStart {
    /// A new session for `req` under `timeouts`.
    pub fn new(
        req: &HttpRequest,
        trusted: &TrustedProxies,
        timeouts: &SessionTimeouts,
        remember: bool,
    ) -> Self {
        let at = chrono::Utc::now().timestamp();
        let sealed = SealedLogin {
            generation: 0,
            sid: new_sid(),
            login_at: at,
            seen_at: at,
            remember,
            confirmed_at: None,
        };
        Self {
            expires_at: timeouts.expires_at(&sealed),
            sid: sealed.sid,
            remember,
            at,
            device: Device::of(req, trusted),
        }
    }

    /// Writes the session's record and the login event, in the caller's transaction.
    pub fn record(
        &self,
        conn: &mut AnyConnection,
        user_id: i32,
        method: LoginMethod,
    ) -> diesel::QueryResult<()> {
        let at = naive(self.at);
        let id = new_sid();
        sessions::insert(
            conn,
            &sessions::NewSession {
                id: &id,
                sid: &self.sid,
                user_id,
                method: method.as_str(),
                address: self.device.address.as_deref(),
                user_agent: &self.device.user_agent,
                label: &self.device.label,
                created_at: at,
                last_seen_at: at,
                expires_at: naive(self.expires_at),
            },
        )?;
        let event = self
            .device
            .event(Kind::LoginSucceeded)
            .method(method.as_str())
            .detail(&self.device.label);
        security_events::record(conn, user_id, at, event)
    }
}

/// A random id of 128 bits, base64url: session ids and session records' public ids.
pub fn new_sid() -> String {
    let bytes: [u8; 16] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Unix seconds as a UTC timestamp (the epoch when out of range).
pub fn naive(unix: i64) -> NaiveDateTime {
    DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .naive_utc()
}
