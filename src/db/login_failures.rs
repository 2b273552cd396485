//! Consecutive failed logins per normalized username (existing or not).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::login_failures;

/// One username's failures.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = login_failures)]
pub struct LoginFailures {
    /// Consecutive failures so far.
    pub failures: i32,
    /// Locked until this time (UTC), if locked.
    pub locked_until: Option<NaiveDateTime>,
}

/// The failure record for `name`, if any.
pub fn find(conn: &mut AnyConnection, name: &str) -> QueryResult<Option<LoginFailures>> {
    login_failures::table
        .find(name)
        .select(LoginFailures::as_select())
        .first(conn)
        .optional()
}

/// Counts one more failure; `lock_for(failures)` says how long to lock the
/// name (if at all) at that count. Returns the new record.
pub fn record_failure(
    conn: &mut AnyConnection,
    name: &str,
    now: NaiveDateTime,
    lock_for: impl Fn(i32) -> Option<chrono::Duration>,
) -> QueryResult<LoginFailures> {
    use diesel::result::{DatabaseErrorKind, Error};
    match try_record_failure(conn, name, now, &lock_for) {
        // Another instance inserted the first failure at the same moment:
        // the row exists now, so the second try increments it.
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
            try_record_failure(conn, name, now, &lock_for)
        }
        other => other,
    }
}

fn try_record_failure(
    conn: &mut AnyConnection,
    name: &str,
    now: NaiveDateTime,
    lock_for: &dyn Fn(i32) -> Option<chrono::Duration>,
) -> QueryResult<LoginFailures> {
    conn.transaction(|conn| {
        // Increment in SQL (not read-modify-write), so concurrent failures all count.
        let updated = diesel::update(login_failures::table.find(name))
            .set(login_failures::failures.eq(login_failures::failures + 1))
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(login_failures::table)
                .values((
                    login_failures::username_normalized.eq(name),
                    login_failures::failures.eq(1),
                ))
                .execute(conn)?;
        }
        let failures: i32 = login_failures::table
            .find(name)
            .select(login_failures::failures)
            .first(conn)?;
        let locked_until = lock_for(failures).map(|d| now + d);
        diesel::update(login_failures::table.find(name))
            .set(login_failures::locked_until.eq(locked_until))
            .execute(conn)?;
        Ok(LoginFailures {
            failures,
            locked_until,
        })
    })
}

/// Forgets the failures of `name` (after a successful login).
pub fn clear(conn: &mut AnyConnection, name: &str) -> QueryResult<()> {
    diesel::delete(login_failures::table.find(name)).execute(conn)?;
    Ok(())
}
