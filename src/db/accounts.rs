//! Accounts as an operator sees them (`session-auth users`): each with its
//! state and counts, never a secret (no password hash, no TOTP secret).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{passkeys, users};
use super::{AnyConnection, login_failures, sessions};

/// The stored facts of one account that an operator may see.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct AccountRow {
    /// Primary key.
    pub id: i32,
    /// The name as typed at registration.
    pub username: String,
    /// Its lowercase form (the key of `login_failures`).
    pub username_normalized: String,
    /// The email address as typed, if any.
    pub email: Option<String>,
    /// When the address was verified, if it was.
    pub email_verified_at: Option<NaiveDateTime>,
    /// When the account was made (UTC).
    pub created_at: NaiveDateTime,
    /// The most recent successful login (UTC), if any.
    pub last_login_at: Option<NaiveDateTime>,
    /// When TOTP was turned on, if it is on.
    pub totp_enabled_at: Option<NaiveDateTime>,
    /// When an operator locked the account, if locked.
    pub locked_at: Option<NaiveDateTime>,
}

/// Whether the account can log in now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountState {
    /// Nothing stops a login.
    Active,
    /// An operator locked it (`users.locked_at`): every login is refused.
    Locked,
    /// Too many failed logins: the name is locked out for a while.
    LockedOut,
}

impl AccountState {
    /// `active`, `locked` or `locked_out`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Locked => "locked",
            Self::LockedOut => "locked_out",
        }
    }
}

/// One account with what goes with it, as of a moment.
#[derive(Debug, Clone)]
pub struct Account {
    /// The stored facts.
    pub row: AccountRow,
    /// The end of a failure lock-out still running at that moment.
    pub locked_out_until: Option<NaiveDateTime>,
    /// Consecutive failed logins counted for the name.
    pub failures: i32,
    /// Passkeys registered.
    pub passkeys: i64,
    /// Sessions neither ended nor expired at that moment.
    pub active_sessions: i64,
}

impl Account {
    /// The operator's lock wins over a failure lock-out.
    pub fn state(&self) -> AccountState {
        if self.row.locked_at.is_some() {
            AccountState::Locked
        } else if self.locked_out_until.is_some() {
            AccountState::LockedOut
        } else {
            AccountState::Active
        }
    }
}

/// `SELECT count(*) FROM users`
pub fn count(conn: &mut AnyConnection) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

/// Up to `limit` accounts from `offset` on, ordered by id, as of `now`.
pub fn page(
    conn: &mut AnyConnection,
    offset: i64,
    limit: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<Account>> {
    let rows = users::table
        .order(users::id.asc())
        .offset(offset)
        .limit(limit)
        .select(AccountRow::as_select())
        .load(conn)?;
    rows.into_iter()
        .map(|row| complete(conn, row, now))
        .collect()
}

/// The account whose normalized name is `normalized`, as of `now`.
pub fn find(
    conn: &mut AnyConnection,
    normalized: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<Account>> {
    let row = users::table
        .filter(users::username_normalized.eq(normalized))
        .select(AccountRow::as_select())
        .first(conn)
        .optional()?;
    row.map(|row| complete(conn, row, now)).transpose()
}

/// `SELECT count(*) FROM passkeys WHERE user_id = ?`
pub fn count_passkeys(conn: &mut AnyConnection, user_id: i32) -> QueryResult<i64> {
    passkeys::table
        .filter(passkeys::user_id.eq(user_id))
        .count()
        .get_result(conn)
}

// A few small reads per account: a page holds at most a few hundred, and
// the command line is no hot path.
fn complete(conn: &mut AnyConnection, row: AccountRow, now: NaiveDateTime) -> QueryResult<Account> {
    let failures = login_failures::find(conn, &row.username_normalized)?;
    let locked_out_until = failures
        .as_ref()
        .and_then(|f| f.locked_until)
        .filter(|until| *until > now);
    Ok(Account {
        locked_out_until,
        failures: failures.map_or(0, |f| f.failures),
        passkeys: count_passkeys(conn, row.id)?,
        active_sessions: sessions::count_active(conn, row.id, now)?,
        row,
    })
}
