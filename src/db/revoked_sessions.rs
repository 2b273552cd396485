//! Ids of logged-out sessions, kept until those sessions would have expired.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::revoked_sessions;

/// Records `sid` as logged out until `expires_at`; expired rows are purged on the way.
pub fn revoke(
    conn: &mut AnyConnection,
    sid: &str,
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<()> {
    conn.transaction(|conn| {
        diesel::delete(revoked_sessions::table.filter(revoked_sessions::expires_at.le(now)))
            .execute(conn)?;
        let known = revoked_sessions::table
            .find(sid)
            .count()
            .get_result::<i64>(conn)?
            > 0;
        if !known {
            diesel::insert_into(revoked_sessions::table)
                .values((
                    revoked_sessions::sid.eq(sid),
                    revoked_sessions::expires_at.eq(expires_at),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// Whether `sid` was logged out.
pub fn is_revoked(conn: &mut AnyConnection, sid: &str) -> QueryResult<bool> {
    Ok(revoked_sessions::table
        .find(sid)
        .count()
        .get_result::<i64>(conn)?
        > 0)
}
