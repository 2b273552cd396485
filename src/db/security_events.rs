//! The account's security history (`/account/activity`). Each event is
//! written in the transaction of the change it describes, so the history
//! never shows a change that did not happen, nor misses one that did.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::security_events;
use crate::i18n::Text;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The account was made (registration or the command line).
    AccountCreated,
    /// A login succeeded (`method` says how).
    LoginSucceeded,
    /// A login failed: wrong password or code, or the account is locked.
    LoginFailed,
    /// Too many failures: the username is locked for a while.
    LockedOut,
    /// The password was changed on the account page.
    PasswordChanged,
    /// The password was reset by a link (or by an operator).
    PasswordReset,
    /// The email address was changed or removed.
    EmailChanged,
    /// The email address was verified by its link.
    EmailVerified,
    /// TOTP was turned on.
    TwoFactorEnabled,
    /// TOTP was turned off.
    TwoFactorDisabled,
    /// New recovery codes replaced the old ones.
    RecoveryCodesReplaced,
    /// A passkey was added.
    PasskeyAdded,
    /// A passkey was removed.
    PasskeyRemoved,
    /// One session ended: a logout, or "Log out this session".
    SessionEnded,
    /// Every other session (or every session) was ended.
    SessionsEnded,
    /// An operator locked the account.
    AccountLocked,
    /// An operator unlocked the account.
    AccountUnlocked,
}

impl Kind {
    /// Every kind, in the order above.
    pub const ALL: [Self; 17] = [
        Self::AccountCreated,
        Self::LoginSucceeded,
        Self::LoginFailed,
        Self::LockedOut,
        Self::PasswordChanged,
        Self::PasswordReset,
        Self::EmailChanged,
        Self::EmailVerified,
        Self::TwoFactorEnabled,
        Self::TwoFactorDisabled,
        Self::RecoveryCodesReplaced,
        Self::PasskeyAdded,
        Self::PasskeyRemoved,
        Self::SessionEnded,
        Self::SessionsEnded,
        Self::AccountLocked,
        Self::AccountUnlocked,
    ];

    /// The stored (and JSON) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccountCreated => "account_created",
            Self::LoginSucceeded => "login_succeeded",
            Self::LoginFailed => "login_failed",
            Self::LockedOut => "locked_out",
            Self::PasswordChanged => "password_changed",
            Self::PasswordReset => "password_reset",
            Self::EmailChanged => "email_changed",
            Self::EmailVerified => "email_verified",
            Self::TwoFactorEnabled => "two_factor_enabled",
            Self::TwoFactorDisabled => "two_factor_disabled",
            Self::RecoveryCodesReplaced => "recovery_codes_replaced",
            Self::PasskeyAdded => "passkey_added",
            Self::PasskeyRemoved => "passkey_removed",
            Self::SessionEnded => "session_ended",
            Self::SessionsEnded => "sessions_ended",
            Self::AccountLocked => "account_locked",
            Self::AccountUnlocked => "account_unlocked",
        }
    }

    /// The kind stored as `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// How the activity page says it.
    pub const fn description(self) -> Text {
        match self {
            Self::AccountCreated => Text::new("activity-account-created"),
            Self::LoginSucceeded => Text::new("activity-login-succeeded"),
            Self::LoginFailed => Text::new("activity-login-failed"),
            Self::LockedOut => Text::new("activity-locked-out"),
            Self::PasswordChanged => Text::new("activity-password-changed"),
            Self::PasswordReset => Text::new("activity-password-reset"),
            Self::EmailChanged => Text::new("activity-email-changed"),
            Self::EmailVerified => Text::new("activity-email-verified"),
            Self::TwoFactorEnabled => Text::new("activity-two-factor-enabled"),
            Self::TwoFactorDisabled => Text::new("activity-two-factor-disabled"),
            Self::RecoveryCodesReplaced => Text::new("activity-recovery-codes-replaced"),
            Self::PasskeyAdded => Text::new("activity-passkey-added"),
            Self::PasskeyRemoved => Text::new("activity-passkey-removed"),
            Self::SessionEnded => Text::new("activity-session-ended"),
            Self::SessionsEnded => Text::new("activity-sessions-ended"),
            Self::AccountLocked => Text::new("activity-account-locked"),
            Self::AccountUnlocked => Text::new("activity-account-unlocked"),
        }
    }
}

/// An event to record.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    /// What happened.
    pub kind: Kind,
    /// How (a login method), if it matters.
    pub method: Option<&'a str>,
    /// The client's address, when a request made it.
    pub address: Option<&'a str>,
    /// A short detail ("Firefox on Linux", "by an operator").
    pub detail: Option<&'a str>,
}

impl<'a> Event<'a> {
    /// `kind` from `address`, with no method or detail.
    pub fn new(kind: Kind, address: Option<&'a str>) -> Self {
        Self {
            kind,
            method: None,
            address,
            detail: None,
        }
    }

    /// With `method`.
    #[must_use]
    pub fn method(self, method: &'a str) -> Self {
        Self {
            method: Some(method),
            ..self
        }
    }

    /// With `detail`.
    #[must_use]
    pub fn detail(self, detail: &'a str) -> Self {
        Self {
            detail: Some(detail),
            ..self
        }
    }
}

/// One stored event.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = security_events)]
pub struct StoredEvent {
    /// When (UTC).
    pub at: NaiveDateTime,
    /// What ([`Kind::as_str`]).
    pub kind: String,
    /// How.
    pub method: Option<String>,
    /// From where.
    pub address: Option<String>,
    /// A short detail.
    pub detail: Option<String>,
}

/// Records `event` for the user at `at`.
pub fn record(
    conn: &mut AnyConnection,
    user_id: i32,
    at: NaiveDateTime,
    event: Event<'_>,
) -> QueryResult<()> {
    diesel::insert_into(security_events::table)
        .values((
            security_events::user_id.eq(user_id),
            security_events::at.eq(at),
            security_events::kind.eq(event.kind.as_str()),
            security_events::method.eq(event.method),
            security_events::address.eq(event.address),
            security_events::detail.eq(event.detail),
        ))
        .execute(conn)
        .map(drop)
}

/// Runs `change` and records `event` for it now, in one transaction.
pub fn with_event<T>(
    conn: &mut AnyConnection,
    user_id: i32,
    event: Event<'_>,
    change: impl FnOnce(&mut AnyConnection) -> QueryResult<T>,
) -> QueryResult<T> {
    conn.transaction(|conn| {
        let done = change(conn)?;
        record(conn, user_id, chrono::Utc::now().naive_utc(), event)?;
        Ok(done)
    })
}

/// The user's last `limit` events, newest first.
pub fn recent(conn: &mut AnyConnection, user_id: i32, limit: i64) -> QueryResult<Vec<StoredEvent>> {
    security_events::table
        .filter(security_events::user_id.eq(user_id))
        .order(security_events::id.desc())
        .limit(limit)
        .select(StoredEvent::as_select())
        .load(conn)
}

/// Deletes up to `batch` events older than `before`; returns how many.
pub fn prune(conn: &mut AnyConnection, before: NaiveDateTime, batch: i64) -> QueryResult<usize> {
    let old: Vec<i64> = security_events::table
        .filter(security_events::at.lt(before))
        .order(security_events::id.asc())
        .select(security_events::id)
        .limit(batch)
        .load(conn)?;
    diesel::delete(security_events::table.filter(security_events::id.eq_any(&old))).execute(conn)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, Utc};

    use super::*;
    use crate::db::{sqlite_pool, test_user};

    #[test]
    fn old_events_are_pruned_in_batches_and_recent_ones_listed_newest_first() {
        let (_dir, pool) = sqlite_pool();
        let mut conn = pool.get().unwrap();
        let now = Utc::now().naive_utc();
        let id = test_user(&mut conn, "ann");
        let old = now - TimeDelta::days(100);
        for _ in 0..3 {
            record(&mut conn, id, old, Event::new(Kind::LoginFailed, None)).unwrap();
        }
        record(
            &mut conn,
            id,
            now,
            Event::new(Kind::LoginSucceeded, Some("127.0.0.1")),
        )
        .unwrap();
        record(&mut conn, id, now, Event::new(Kind::PasswordChanged, None)).unwrap();

        let cutoff = now - TimeDelta::days(90);
        assert_eq!(prune(&mut conn, cutoff, 2).unwrap(), 2);
        assert_eq!(prune(&mut conn, cutoff, 2).unwrap(), 1);
        assert_eq!(prune(&mut conn, cutoff, 2).unwrap(), 0);
        let kinds: Vec<String> = recent(&mut conn, id, 50)
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(kinds, ["password_changed", "login_succeeded"]);
    }

    #[test]
    fn every_kind_has_a_name_that_reads_back_and_words() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
            assert!(!kind.description().to_string().is_empty());
        }
        assert_eq!(Kind::parse("no_such_kind"), None);
    }
}
