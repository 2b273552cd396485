//! Ids of logged-out sessions, kept until those sessions would have expired.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error};

use super::AnyConnection;
use super::schema::{revoked_sessions, users};
use super::users::SessionUser;

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

/// The guard's check in one round trip: what it needs of user `user_id`,
/// if that user exists and session `sid` was not logged out.
///
/// One statement rather than two, since each round trip waits for the
/// database to be scheduled, which is what a loaded machine delays
/// (bench/README.md, "Session checks under load").
pub fn live_session_user(
    conn: &mut AnyConnection,
    user_id: i32,
    sid: &str,
) -> QueryResult<Option<SessionUser>> {
    let revoked = revoked_sessions::table.filter(revoked_sessions::sid.eq(sid));
    users::table
        .find(user_id)
        .filter(diesel::dsl::not(diesel::dsl::exists(revoked)))
        .select(SessionUser::as_select())
        .first(conn)
        .optional()
}

/// The guard's check for many sessions at once: the users among `ids` that
/// exist, and the sessions among `sids` that were logged out.
pub fn live_session_users(
    conn: &mut AnyConnection,
    ids: &HashSet<i32>,
    sids: &[&str],
) -> QueryResult<(HashMap<i32, SessionUser>, HashSet<String>)> {
    let users = users::table
        .filter(users::id.eq_any(ids.iter().copied().collect::<Vec<_>>()))
        .select((users::id, SessionUser::as_select()))
        .load::<(i32, SessionUser)>(conn)?
        .into_iter()
        .collect();
    let revoked = revoked_sessions::table
        .filter(revoked_sessions::sid.eq_any(sids))
        .select(revoked_sessions::sid)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    Ok((users, revoked))
}

#[cfg(test)]
mod tests {

    use chrono::{TimeDelta, Utc};

    use super::*;
    use crate::db::sqlite_pool;

    #[test]
    fn a_session_logged_out_twice_is_recorded_once_without_an_error() {
        let (_dir, pool) = sqlite_pool();
        let mut conn = pool.get().unwrap();
        let now = Utc::now().naive_utc();
        let later = now + TimeDelta::hours(1);
        revoke(&mut conn, "sid-1", later, now).unwrap();
        revoke(&mut conn, "sid-1", later, now).unwrap();
        let revoked = revoked_sessions::table
            .count()
            .get_result::<i64>(&mut **conn);
        assert_eq!(revoked.unwrap(), 1);
    }

    #[test]
    fn a_live_session_needs_its_user_and_no_logout() {
        let (_dir, pool) = sqlite_pool();
        let mut conn = pool.get().unwrap();
        let now = Utc::now().naive_utc();
        let id = crate::db::test_user(&mut conn, "Alice");
        fn live(conn: &mut AnyConnection, id: i32, sid: &str) -> Option<SessionUser> {
            live_session_user(conn, id, sid).unwrap()
        }
        assert_eq!(live(&mut conn, id, "sid-1").unwrap().username, "Alice");
        assert!(live(&mut conn, id + 1, "sid-1").is_none(), "no such user");
        revoke(&mut conn, "sid-1", now + TimeDelta::hours(1), now).unwrap();
        assert!(live(&mut conn, id, "sid-1").is_none(), "logged out");
        assert!(
            live(&mut conn, id, "sid-2").is_some(),
            "another session of the user"
        );

        let ids = HashSet::from([id, id + 1]);
        let (users, revoked) =
            live_session_users(&mut conn, &ids, &["sid-1", "sid-2", "sid-3"]).unwrap();
        assert_eq!(
            users.keys().collect::<Vec<_>>(),
            [&id],
            "the users that exist"
        );
        assert_eq!(
            revoked,
            HashSet::from(["sid-1".to_owned()]),
            "the sessions logged out"
        );
    }
}
