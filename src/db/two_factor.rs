//! TOTP settings and recovery codes of an account.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::{recovery_codes, users};

/// Turns TOTP on with `secret`, counts `step` as used, and replaces the
/// recovery codes with `code_hashes`, in one transaction.
pub fn enable(
    conn: &mut AnyConnection,
    user_id: i32,
    secret: &str,
    step: i64,
    code_hashes: &[String],
    now: NaiveDateTime,
) -> QueryResult<()> {
    conn.transaction(|conn| {
        diesel::update(users::table.find(user_id))
            .set((
                users::totp_secret.eq(secret),
                users::totp_enabled_at.eq(now),
                users::totp_last_step.eq(step),
            ))
            .execute(conn)?;
        replace_recovery_codes(conn, user_id, code_hashes)
    })
}

/// Turns TOTP off and deletes the recovery codes.
pub fn disable(conn: &mut AnyConnection, user_id: i32) -> QueryResult<()> {
    conn.transaction(|conn| {
        diesel::update(users::table.find(user_id))
            .set((
                users::totp_secret.eq(None::<String>),
                users::totp_enabled_at.eq(None::<NaiveDateTime>),
                users::totp_last_step.eq(None::<i64>),
            ))
            .execute(conn)?;
        diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id)))
            .execute(conn)?;
        Ok(())
    })
}

/// Deletes the account's recovery codes and stores `code_hashes` instead.
pub fn replace_recovery_codes(
    conn: &mut AnyConnection,
    user_id: i32,
    code_hashes: &[String],
) -> QueryResult<()> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id)))
        .execute(conn)?;
    let rows: Vec<_> = code_hashes
        .iter()
        .map(|hash| {
            (
                recovery_codes::user_id.eq(user_id),
                recovery_codes::code_hash.eq(hash),
            )
        })
        .collect();
    // One INSERT per row: SQLite's batch insert needs a feature Diesel's
    // MultiConnection does not offer.
    for row in rows {
        diesel::insert_into(recovery_codes::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// Accepts TOTP step `step` for the account if it is later than the last
/// one accepted; `false` when another request took it (or a later one) first.
pub fn accept_step(conn: &mut AnyConnection, user_id: i32, step: i64) -> QueryResult<bool> {
    let updated = diesel::update(
        users::table
            .find(user_id)
            .filter(users::totp_secret.is_not_null())
            .filter(
                users::totp_last_step
                    .is_null()
                    .or(users::totp_last_step.lt(step)),
            ),
    )
    .set(users::totp_last_step.eq(step))
    .execute(conn)?;
    Ok(updated > 0)
}

/// Uses the recovery code with this hash once; `false` when there is no such
/// unused code.
pub fn use_recovery_code(
    conn: &mut AnyConnection,
    user_id: i32,
    code_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        recovery_codes::table
            .filter(recovery_codes::user_id.eq(user_id))
            .filter(recovery_codes::code_hash.eq(code_hash))
            .filter(recovery_codes::used_at.is_null()),
    )
    .set(recovery_codes::used_at.eq(now))
    .execute(conn)?;
    Ok(updated > 0)
}

/// How many unused recovery codes the account has left.
pub fn codes_left(conn: &mut AnyConnection, user_id: i32) -> QueryResult<i64> {
    recovery_codes::table
        .filter(recovery_codes::user_id.eq(user_id))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)
}
