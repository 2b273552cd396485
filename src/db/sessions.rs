//! Session records (`/account/sessions`): one per login, beside its cookie.
//! The cookie stays the session; a record is what the user sees and ends.
//! Whoever ends a session here also revokes its cookie (`revoked_sessions`),
//! in the same transaction.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::sessions;

/// A new session's record.
#[derive(Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSession<'a> {
    /// Public id (random).
    pub id: &'a str,
    /// The cookie's session id.
    pub sid: &'a str,
    /// The account.
    pub user_id: i32,
    /// How the login was made (`domain::LoginMethod`).
    pub method: &'a str,
    /// The client's address as the app sees it (behind `TRUSTED_PROXIES`).
    pub address: Option<&'a str>,
    /// The `User-Agent` header (cut to a sane length).
    pub user_agent: &'a str,
    /// "Firefox on Linux".
    pub label: &'a str,
    /// Login time (UTC).
    pub created_at: NaiveDateTime,
    /// Same as `created_at` at first.
    pub last_seen_at: NaiveDateTime,
    /// When the cookie stops being valid (UTC).
    pub expires_at: NaiveDateTime,
}

/// One stored record.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct SessionRecord {
    /// Public id.
    pub id: String,
    /// The cookie's session id.
    pub sid: String,
    /// How the login was made.
    pub method: String,
    /// The client's address at login.
    pub address: Option<String>,
    /// The `User-Agent` at login.
    pub user_agent: String,
    /// "Firefox on Linux".
    pub label: String,
    /// Login time (UTC).
    pub created_at: NaiveDateTime,
    /// Last seen (UTC), refreshed when the cookie is re-sealed.
    pub last_seen_at: NaiveDateTime,
    /// When the cookie stops being valid (UTC).
    pub expires_at: NaiveDateTime,
}

/// `INSERT` the record of a new session.
pub fn insert(conn: &mut AnyConnection, new: &NewSession<'_>) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values(new)
        .execute(conn)
        .map(drop)
}

/// The user's sessions that are neither ended nor expired at `now`, most recently seen first.
pub fn active(
    conn: &mut AnyConnection,
    user_id: i32,
    now: NaiveDateTime,
) -> QueryResult<Vec<SessionRecord>> {
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::ended_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .order((sessions::last_seen_at.desc(), sessions::created_at.desc()))
        .select(SessionRecord::as_select())
        .load(conn)
}

/// How many sessions of the user are active at `now`.
pub fn count_active(
    conn: &mut AnyConnection,
    user_id: i32,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::ended_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .count()
        .get_result(conn)
}

/// Marks the user's active session `id` ended; returns its record (the
/// caller revokes its cookie), or `None` when `id` is not one of the user's
/// active sessions (another user's id included).
pub fn end(
    conn: &mut AnyConnection,
    user_id: i32,
    id: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<SessionRecord>> {
    conn.transaction(|conn| {
        let found = sessions::table
            .filter(sessions::id.eq(id))
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::ended_at.is_null())
            .filter(sessions::expires_at.gt(now))
            .select(SessionRecord::as_select())
            .first(conn)
            .optional()?;
        if let Some(record) = &found {
            mark_ended(conn, &record.sid, now)?;
        }
        Ok(found)
    })
}

/// Marks the record of cookie session `sid` ended (a logout: the caller revokes the cookie).
pub fn mark_ended(conn: &mut AnyConnection, sid: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(
        sessions::table
            .filter(sessions::sid.eq(sid))
            .filter(sessions::ended_at.is_null()),
    )
    .set(sessions::ended_at.eq(now))
    .execute(conn)?;
    Ok(updated > 0)
}

/// Marks every open record of the user ended but `keep`'s (the session
/// generation was bumped, which ends their cookies); returns how many.
pub fn mark_all_ended(
    conn: &mut AnyConnection,
    user_id: i32,
    keep: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let open = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::ended_at.is_null());
    match keep {
        Some(sid) => diesel::update(open.filter(sessions::sid.ne(sid)))
            .set(sessions::ended_at.eq(now))
            .execute(conn),
        None => diesel::update(open)
            .set(sessions::ended_at.eq(now))
            .execute(conn),
    }
}

/// Refreshes the last-seen time and expiry of session `new.sid` (when its
/// cookie is re-sealed with a new last-seen time). A live session without
/// a record (logged in before records existed, or whose record was cleaned
/// up while its expiry lagged) gets `new` as its record.
pub fn touch(conn: &mut AnyConnection, new: &NewSession<'_>) -> QueryResult<()> {
    let updated = diesel::update(
        sessions::table
            .filter(sessions::sid.eq(new.sid))
            .filter(sessions::ended_at.is_null()),
    )
    .set((
        sessions::last_seen_at.eq(new.last_seen_at),
        sessions::expires_at.eq(new.expires_at),
    ))
    .execute(conn)?;
    if updated > 0 {
        return Ok(());
    }
    match insert(conn, new) {
        // Ended meanwhile (its record stays ended), or written by another request.
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(()),
        other => other,
    }
}

/// Deletes up to `batch` records that ended or expired before `before`;
/// returns how many (fewer than `batch`: nothing is left to delete).
pub fn delete_finished(
    conn: &mut AnyConnection,
    before: NaiveDateTime,
    batch: i64,
) -> QueryResult<usize> {
    let finished = sessions::table
        .filter(
            sessions::expires_at
                .le(before)
                .or(sessions::ended_at.le(before)),
        )
        .select(sessions::id)
        .limit(batch);
    let ids: Vec<String> = finished.load(conn)?;
    diesel::delete(sessions::table.filter(sessions::id.eq_any(&ids))).execute(conn)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, Utc};

    use super::*;
    use crate::db::{sqlite_pool, test_user};

    #[test]
    fn finished_records_go_in_bounded_batches_and_live_ones_stay() {
        let (_dir, pool) = sqlite_pool();
        let mut conn = pool.get().unwrap();
        let now = Utc::now().naive_utc();
        let user_id = test_user(&mut conn, "ann");
        let record = |n: usize, expires_at| {
            let (id, sid) = (format!("id-{n}"), format!("sid-{n}"));
            move |conn: &mut AnyConnection| {
                insert(
                    conn,
                    &NewSession {
                        id: &id,
                        sid: &sid,
                        user_id,
                        method: "password",
                        address: None,
                        user_agent: "",
                        label: "Unknown device",
                        created_at: now,
                        last_seen_at: now,
                        expires_at,
                    },
                )
                .unwrap();
            }
        };
        for n in 0..5 {
            record(n, now - TimeDelta::minutes(1))(&mut conn);
        }
        for n in 5..8 {
            record(n, now + TimeDelta::hours(1))(&mut conn);
        }
        assert!(mark_ended(&mut conn, "sid-7", now - TimeDelta::seconds(1)).unwrap());

        assert_eq!(delete_finished(&mut conn, now, 4).unwrap(), 4, "one batch");
        assert_eq!(delete_finished(&mut conn, now, 4).unwrap(), 2, "the rest");
        assert_eq!(delete_finished(&mut conn, now, 4).unwrap(), 0);
        let left: Vec<String> = active(&mut conn, user_id, now)
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(left.len(), 2);
        assert!(left.contains(&"id-5".to_owned()) && left.contains(&"id-6".to_owned()));
        assert!(end(&mut conn, user_id, "id-5", now).unwrap().is_some());
        assert!(
            end(&mut conn, user_id, "id-5", now).unwrap().is_none(),
            "once"
        );
        assert!(
            end(&mut conn, user_id + 1, "id-6", now).unwrap().is_none(),
            "not theirs"
        );
        assert_eq!(count_active(&mut conn, user_id, now).unwrap(), 1);

        // A live session without a record gets one when it is next seen; an
        // ended one stays ended.
        let later = now + TimeDelta::hours(2);
        let missing = NewSession {
            id: "id-9",
            sid: "sid-9",
            user_id,
            method: "unknown",
            address: Some("127.0.0.1"),
            user_agent: "curl/8",
            label: "curl",
            created_at: now,
            last_seen_at: now,
            expires_at: later,
        };
        touch(&mut conn, &missing).unwrap();
        let ended_again = NewSession {
            id: "id-10",
            sid: "sid-5",
            ..missing
        };
        touch(&mut conn, &ended_again).unwrap();
        let ids: Vec<String> = active(&mut conn, user_id, now)
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(ids.len(), 2, "{ids:?}");
        assert!(ids.contains(&"id-9".to_owned()) && !ids.contains(&"id-10".to_owned()));
    }
}
