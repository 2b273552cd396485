//! User records. Plain functions over a connection; they read like the SQL they run.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::users;
use super::{AnyConnection, account_tokens, sessions};

/// One account as stored.
#[derive(Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    /// Primary key; never reused.
    pub id: i32,
    /// The name as typed at registration.
    pub username: String,
    /// bcrypt hash.
    pub password_hash: String,
    /// Sealed into session cookies; bumped to end every earlier session.
    pub session_generation: i32,
    /// The email address as typed, if the account has one.
    pub email: Option<String>,
    /// When the address was verified by its link; mail goes only to a verified one.
    pub email_verified_at: Option<NaiveDateTime>,
    /// The TOTP secret (base32), once two-factor login is on.
    pub totp_secret: Option<String>,
    /// The last TOTP step accepted (never accepted again).
    pub totp_last_step: Option<i64>,
    /// When an operator locked the account (every login refused), if locked.
    pub locked_at: Option<NaiveDateTime>,
}

impl User {
    /// Whether a login needs a second step (TOTP is on).
    pub fn has_totp(&self) -> bool {
        self.totp_secret.is_some()
    }

    /// The address that may receive mail: set and verified.
    pub fn verified_email(&self) -> Option<&str> {
        self.email
            .as_deref()
            .filter(|_| self.email_verified_at.is_some())
    }
}

/// What the guard needs of a user on every request (no password hash).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct SessionUser {
    /// The name as typed at registration.
    pub username: String,
    /// Current session generation.
    pub session_generation: i32,
    /// When the account was made (UTC).
    pub created_at: NaiveDateTime,
    /// The most recent successful login (UTC), if any.
    pub last_login_at: Option<NaiveDateTime>,
}

// Manual Debug so the password hash never reaches a log line.
impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("session_generation", &self.session_generation)
            .finish_non_exhaustive()
    }
}

/// A new account, ready to insert.
#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    /// As typed.
    pub username: &'a str,
    /// Lowercase form.
    pub username_normalized: &'a str,
    /// bcrypt hash.
    pub password_hash: &'a str,
    /// Creation time (UTC).
    pub created_at: NaiveDateTime,
    /// The address as typed (unverified), if given.
    pub email: Option<&'a str>,
    /// Its lowercase form.
    pub email_normalized: Option<&'a str>,
}

/// `SELECT … WHERE id = ?`
pub fn find_by_id(conn: &mut AnyConnection, id: i32) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// `SELECT … WHERE username_normalized = ?`
pub fn find_by_normalized(conn: &mut AnyConnection, normalized: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::username_normalized.eq(normalized))
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// `SELECT … WHERE email_normalized = ?`
pub fn find_by_email(conn: &mut AnyConnection, normalized: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email_normalized.eq(normalized))
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// Sets (or with `None` removes) the address; a new address is unverified.
pub fn set_email(
    conn: &mut AnyConnection,
    id: i32,
    email: Option<(&str, &str)>,
) -> QueryResult<()> {
    let (email, normalized) = email.unzip();
    diesel::update(users::table.find(id))
        .set((
            users::email.eq(email),
            users::email_normalized.eq(normalized),
            users::email_verified_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Marks the address verified, if it is still `normalized`; returns whether it was.
pub fn mark_email_verified(
    conn: &mut AnyConnection,
    id: i32,
    normalized: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        users::table
            .find(id)
            .filter(users::email_normalized.eq(normalized)),
    )
    .set(users::email_verified_at.eq(at))
    .execute(conn)?;
    Ok(updated > 0)
}

/// `INSERT … RETURNING id`, then reads the row back. A taken name surfaces as
/// `DatabaseError(UniqueViolation, _)`.
pub fn insert(conn: &mut AnyConnection, new_user: &NewUser<'_>) -> QueryResult<User> {
    conn.transaction(|conn| {
        let id: i32 = diesel::insert_into(users::table)
            .values(new_user)
            .returning(users::id)
            .get_result(conn)?;
        users::table.find(id).select(User::as_select()).first(conn)
    })
}

/// Records a successful login; replaces the hash when it was re-hashed at a new cost.
pub fn record_login(
    conn: &mut AnyConnection,
    id: i32,
    at: NaiveDateTime,
    new_hash: Option<&str>,
) -> QueryResult<()> {
    let target = users::table.find(id);
    match new_hash {
        Some(hash) => diesel::update(target)
            .set((users::last_login_at.eq(at), users::password_hash.eq(hash)))
            .execute(conn)?,
        None => diesel::update(target)
            .set(users::last_login_at.eq(at))
            .execute(conn)?,
    };
    Ok(())
}

/// Replaces the password hash (a re-hash at a new cost; the password is the same).
pub fn replace_hash(conn: &mut AnyConnection, id: i32, hash: &str) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set(users::password_hash.eq(hash))
        .execute(conn)?;
    Ok(())
}

/// Sets a new password hash and bumps the session generation, which ends
/// every earlier session but `keep`'s; every unused reset link dies with
/// the old password. Returns the new generation.
pub fn set_password(
    conn: &mut AnyConnection,
    id: i32,
    hash: &str,
    keep: Option<&str>,
) -> QueryResult<i32> {
    conn.transaction(|conn| {
        diesel::update(users::table.find(id))
            .set(users::password_hash.eq(hash))
            .execute(conn)?;
        account_tokens::void(conn, id, account_tokens::Purpose::Reset)?;
        bump_generation(conn, id, keep)
    })
}

/// Bumps the session generation, which ends every earlier session, and
/// marks their records ended, all but `keep`'s (the caller re-seals that
/// one under the new generation). Returns the new generation.
pub fn bump_generation(conn: &mut AnyConnection, id: i32, keep: Option<&str>) -> QueryResult<i32> {
    conn.transaction(|conn| {
        let generation = diesel::update(users::table.find(id))
            .set(users::session_generation.eq(users::session_generation + 1))
            .returning(users::session_generation)
            .get_result(conn)?;
        sessions::mark_all_ended(conn, id, keep, chrono::Utc::now().naive_utc())?;
        Ok(generation)
    })
}

/// Sets or clears the operator's lock.
pub fn set_locked(conn: &mut AnyConnection, id: i32, at: Option<NaiveDateTime>) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set(users::locked_at.eq(at))
        .execute(conn)
        .map(drop)
}

/// Deletes the account; returns whether a row was deleted.
pub fn delete(conn: &mut AnyConnection, id: i32) -> QueryResult<bool> {
    Ok(diesel::delete(users::table.find(id)).execute(conn)? > 0)
}
