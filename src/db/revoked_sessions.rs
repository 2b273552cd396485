//! Ids of logged-out sessions, kept until those sessions would have expired.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error};

use super::AnyConnection;
use super::schema::revoked_sessions;

/// Records `sid` as logged out until `expires_at`; expired rows are purged on the way.
/// Recording it twice is no error: two logouts of one cookie may race (a
/// count-then-insert would let both insert, and one fail on the key).
pub fn revoke(
    conn: &mut AnyConnection,
    sid: &str,
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let recorded = conn.transaction(|conn| {
        diesel::delete(revoked_sessions::table.filter(revoked_sessions::expires_at.le(now)))
            .execute(conn)?;
        diesel::insert_into(revoked_sessions::table)
            .values((
                revoked_sessions::sid.eq(sid),
                revoked_sessions::expires_at.eq(expires_at),
            ))
            .execute(conn)
    });
    match recorded {
        // Already recorded (by another request, or earlier): what we wanted.
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(()),
        other => other.map(drop),
    }
}

/// Whether `sid` was logged out.
pub fn is_revoked(conn: &mut AnyConnection, sid: &str) -> QueryResult<bool> {
    Ok(revoked_sessions::table
        .find(sid)
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::{TimeDelta, Utc};

    use super::*;
    use crate::config::DatabaseUrl;

    #[test]
    fn a_session_logged_out_twice_is_recorded_once_without_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::Sqlite(dir.path().join("t.db"));
        let pool = crate::db::connect_and_migrate(&url, 1, Duration::from_secs(5)).unwrap();
        let mut conn = pool.get().unwrap();
        let now = Utc::now().naive_utc();
        let later = now + TimeDelta::hours(1);
        revoke(&mut conn, "sid-1", later, now).unwrap();
        revoke(&mut conn, "sid-1", later, now).unwrap();
        assert!(is_revoked(&mut conn, "sid-1").unwrap());
        assert!(!is_revoked(&mut conn, "sid-2").unwrap());
    }
}
