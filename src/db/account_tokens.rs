//! Links sent by mail: password reset and email verification. A row holds
//! only the SHA-256 of its token (`auth::tokens`), so the table alone opens
//! no account.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::account_tokens;

/// What a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `PUBLIC_URL/password/reset?token=…`
    Reset,
    /// `PUBLIC_URL/email/verify?token=…`
    Verify,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Reset => "reset",
            Self::Verify => "verify",
        }
    }
}

/// One stored token.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = account_tokens)]
pub struct Token {
    /// The account it opens or verifies.
    pub user_id: i32,
    /// For `Verify`: the address it verifies.
    pub email_normalized: Option<String>,
    /// When it stops working (UTC).
    pub expires_at: NaiveDateTime,
    /// When it was used or voided, if it was.
    pub used_at: Option<NaiveDateTime>,
}

/// A token ready to insert.
#[derive(Insertable)]
#[diesel(table_name = account_tokens)]
pub struct NewToken<'a> {
    /// Hex SHA-256 of the token.
    pub token_hash: &'a str,
    /// The account.
    pub user_id: i32,
    /// `Purpose::as_str`.
    pub purpose: &'static str,
    /// For `Verify`: the address.
    pub email_normalized: Option<&'a str>,
    /// Now (UTC).
    pub created_at: NaiveDateTime,
    /// Now + its lifetime.
    pub expires_at: NaiveDateTime,
}

impl<'a> NewToken<'a> {
    /// A token of `purpose` for `user_id`, valid from `now` for `ttl`.
    pub fn new(
        token_hash: &'a str,
        user_id: i32,
        purpose: Purpose,
        now: NaiveDateTime,
        ttl: chrono::Duration,
    ) -> Self {
        Self {
            token_hash,
            user_id,
            purpose: purpose.as_str(),
            email_normalized: None,
            created_at: now,
            expires_at: now + ttl,
        }
    }
}

/// How many rows a clean-up deletes at most: bounded work per insert.
const CLEAN_UP_BATCH: i64 = 100;

/// Stores `token`, first deleting up to a batch of tokens that expired a day ago.
pub fn insert(conn: &mut AnyConnection, token: &NewToken<'_>) -> QueryResult<()> {
    let long_expired = token.created_at - chrono::Duration::days(1);
    let stale = account_tokens::table
        .filter(account_tokens::expires_at.lt(long_expired))
        .select(account_tokens::token_hash)
        .limit(CLEAN_UP_BATCH);
    let stale: Vec<String> = stale.load(conn)?;
    if !stale.is_empty() {
        diesel::delete(account_tokens::table.filter(account_tokens::token_hash.eq_any(stale)))
            .execute(conn)?;
    }
    diesel::insert_into(account_tokens::table)
        .values(token)
        .execute(conn)?;
    Ok(())
}

/// How many tokens of `purpose` were made for `user_id` since `since`
/// (used or not): the per-account mail limit.
pub fn count_since(
    conn: &mut AnyConnection,
    user_id: i32,
    purpose: Purpose,
    since: NaiveDateTime,
) -> QueryResult<i64> {
    account_tokens::table
        .filter(account_tokens::user_id.eq(user_id))
        .filter(account_tokens::purpose.eq(purpose.as_str()))
        .filter(account_tokens::created_at.gt(since))
        .count()
        .get_result(conn)
}

/// The token with this hash and purpose, used or not.
pub fn find(conn: &mut AnyConnection, hash: &str, purpose: Purpose) -> QueryResult<Option<Token>> {
    account_tokens::table
        .find(hash)
        .filter(account_tokens::purpose.eq(purpose.as_str()))
        .select(Token::as_select())
        .first(conn)
        .optional()
}

/// Uses the token once: `Some` (its row) only for the one caller that
/// found it unused and unexpired, whatever runs at the same time.
pub fn consume(
    conn: &mut AnyConnection,
    hash: &str,
    purpose: Purpose,
    now: NaiveDateTime,
) -> QueryResult<Option<Token>> {
    let updated = diesel::update(
        account_tokens::table
            .find(hash)
            .filter(account_tokens::purpose.eq(purpose.as_str()))
            .filter(account_tokens::used_at.is_null())
            .filter(account_tokens::expires_at.gt(now)),
    )
    .set(account_tokens::used_at.eq(now))
    .execute(conn)?;
    if updated == 0 {
        return Ok(None);
    }
    find(conn, hash, purpose)
}

/// Voids every unused token of `purpose` of the user (a password changed,
/// an address replaced).
pub fn void(conn: &mut AnyConnection, user_id: i32, purpose: Purpose) -> QueryResult<()> {
    let now = chrono::Utc::now().naive_utc();
    diesel::update(
        account_tokens::table
            .filter(account_tokens::user_id.eq(user_id))
            .filter(account_tokens::purpose.eq(purpose.as_str()))
            .filter(account_tokens::used_at.is_null()),
    )
    .set(account_tokens::used_at.eq(now))
    .execute(conn)?;
    Ok(())
}
