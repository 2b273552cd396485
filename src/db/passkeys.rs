//! Passkeys and the WebAuthn ceremonies waiting for an answer. The
//! credential and the ceremony state are JSON text made by `auth::passkeys`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::{passkeys, webauthn_ceremonies};

/// How many expired ceremonies one new ceremony deletes at most.
const CLEAN_UP_BATCH: i64 = 100;

/// One stored passkey.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = passkeys)]
pub struct StoredPasskey {
    /// Row id (what the delete button names).
    pub id: i32,
    /// The account.
    pub user_id: i32,
    /// The name the user gave it.
    pub name: String,
    /// The `Passkey` as JSON text.
    pub credential: String,
    /// Its credential id, base64url.
    pub credential_id: String,
    /// When it was added (UTC).
    pub created_at: NaiveDateTime,
    /// When it last logged in (UTC).
    pub last_used_at: Option<NaiveDateTime>,
}

/// A passkey to store.
#[derive(Insertable)]
#[diesel(table_name = passkeys)]
pub struct NewPasskey<'a> {
    /// The account.
    pub user_id: i32,
    /// Its name.
    pub name: &'a str,
    /// The `Passkey` as JSON text.
    pub credential: &'a str,
    /// Its credential id, base64url.
    pub credential_id: &'a str,
    /// Now (UTC).
    pub created_at: NaiveDateTime,
}

/// A ceremony's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Adding a passkey to an account.
    Register,
    /// Logging in with a passkey.
    Login,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Login => "login",
        }
    }
}

/// A stored ceremony.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webauthn_ceremonies)]
pub struct Ceremony {
    /// Its random id.
    pub id: String,
    /// The account (registration only).
    pub user_id: Option<i32>,
    /// The state, as JSON text.
    pub state: String,
    /// When it stops working (UTC).
    pub expires_at: NaiveDateTime,
}

/// The account's passkeys, oldest first.
pub fn list(conn: &mut AnyConnection, user_id: i32) -> QueryResult<Vec<StoredPasskey>> {
    passkeys::table
        .filter(passkeys::user_id.eq(user_id))
        .order(passkeys::id.asc())
        .select(StoredPasskey::as_select())
        .load(conn)
}

/// Stores a passkey.
pub fn insert(conn: &mut AnyConnection, passkey: &NewPasskey<'_>) -> QueryResult<()> {
    diesel::insert_into(passkeys::table)
        .values(passkey)
        .execute(conn)?;
    Ok(())
}

/// Deletes passkey `id` if it is the account's; `false` when it is not.
pub fn delete(conn: &mut AnyConnection, user_id: i32, id: i32) -> QueryResult<bool> {
    let deleted = diesel::delete(
        passkeys::table
            .filter(passkeys::id.eq(id))
            .filter(passkeys::user_id.eq(user_id)),
    )
    .execute(conn)?;
    Ok(deleted > 0)
}

/// The passkey with this credential id.
pub fn find_by_credential_id(
    conn: &mut AnyConnection,
    credential_id: &str,
) -> QueryResult<Option<StoredPasskey>> {
    passkeys::table
        .filter(passkeys::credential_id.eq(credential_id))
        .select(StoredPasskey::as_select())
        .first(conn)
        .optional()
}

/// Stores the credential after a login (its counter moved on) and the
/// time, only if it is still `before`: `false` when another login with the
/// same passkey came first.
pub fn record_use(
    conn: &mut AnyConnection,
    id: i32,
    before: &str,
    after: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        passkeys::table
            .filter(passkeys::id.eq(id))
            .filter(passkeys::credential.eq(before)),
    )
    .set((
        passkeys::credential.eq(after),
        passkeys::last_used_at.eq(now),
    ))
    .execute(conn)?;
    Ok(updated > 0)
}

/// Stores a new ceremony, first deleting up to a batch of expired ones.
pub fn begin_ceremony(
    conn: &mut AnyConnection,
    id: &str,
    user_id: Option<i32>,
    kind: Kind,
    state: &str,
    now: NaiveDateTime,
    ttl: chrono::Duration,
) -> QueryResult<()> {
    let stale: Vec<String> = webauthn_ceremonies::table
        .filter(webauthn_ceremonies::expires_at.lt(now))
        .select(webauthn_ceremonies::id)
        .limit(CLEAN_UP_BATCH)
        .load(conn)?;
    if !stale.is_empty() {
        diesel::delete(webauthn_ceremonies::table.filter(webauthn_ceremonies::id.eq_any(stale)))
            .execute(conn)?;
    }
    diesel::insert_into(webauthn_ceremonies::table)
        .values((
            webauthn_ceremonies::id.eq(id),
            webauthn_ceremonies::user_id.eq(user_id),
            webauthn_ceremonies::kind.eq(kind.as_str()),
            webauthn_ceremonies::state.eq(state),
            webauthn_ceremonies::expires_at.eq(now + ttl),
        ))
        .execute(conn)?;
    Ok(())
}

/// Takes ceremony `id` of `kind` (of `user_id` when given) out of the
/// table: deleted before its answer is checked, so it works once, for the
/// one caller whose delete removed it; `None` when unknown, used, another
/// account's or expired.
pub fn take_ceremony(
    conn: &mut AnyConnection,
    id: &str,
    kind: Kind,
    user_id: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<Option<Ceremony>> {
    let found: Option<Ceremony> = webauthn_ceremonies::table
        .find(id)
        .filter(webauthn_ceremonies::kind.eq(kind.as_str()))
        .select(Ceremony::as_select())
        .first(conn)
        .optional()?;
    let Some(ceremony) = found else {
        return Ok(None);
    };
    let deleted = diesel::delete(webauthn_ceremonies::table.find(&ceremony.id)).execute(conn)?;
    let valid = deleted == 1 && ceremony.user_id == user_id && ceremony.expires_at > now;
    Ok(valid.then_some(ceremony))
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, Utc};

    use super::*;
    use crate::db::sqlite_pool;

    fn ceremonies(conn: &mut AnyConnection) -> i64 {
        webauthn_ceremonies::table.count().get_result(conn).unwrap()
    }

    #[test]
    fn a_ceremony_is_taken_once_by_its_kind_and_account_before_it_expires() {
        let (_dir, pool) = sqlite_pool();
        let mut conn = pool.get().unwrap();
        let c = &mut **conn;
        let now = Utc::now().naive_utc();
        let ttl = TimeDelta::minutes(5);
        begin_ceremony(c, "a", None, Kind::Login, "{}", now, ttl).unwrap();
        assert!(
            take_ceremony(c, "a", Kind::Register, None, now)
                .unwrap()
                .is_none()
        );
        let taken = take_ceremony(c, "a", Kind::Login, None, now).unwrap();
        assert_eq!(taken.map(|t| t.state).as_deref(), Some("{}"));
        assert!(
            take_ceremony(c, "a", Kind::Login, None, now)
                .unwrap()
                .is_none()
        );

        // Another account's: gone all the same, for nobody.
        begin_ceremony(c, "b", None, Kind::Register, "{}", now, ttl).unwrap();
        assert!(
            take_ceremony(c, "b", Kind::Register, Some(1), now)
                .unwrap()
                .is_none()
        );
        assert_eq!(ceremonies(c), 0);

        begin_ceremony(c, "c", None, Kind::Login, "{}", now, ttl).unwrap();
        let late = now + ttl + TimeDelta::seconds(1);
        assert!(
            take_ceremony(c, "c", Kind::Login, None, late)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn expired_ceremonies_go_in_bounded_batches() {
        let (_dir, pool) = sqlite_pool();
        let mut conn = pool.get().unwrap();
        let c = &mut **conn;
        let then = Utc::now().naive_utc() - TimeDelta::hours(1);
        for i in 0..150 {
            let id = format!("old-{i}");
            begin_ceremony(c, &id, None, Kind::Login, "{}", then, TimeDelta::minutes(5)).unwrap();
        }
        let now = Utc::now().naive_utc();
        let ttl = TimeDelta::minutes(5);
        begin_ceremony(c, "new-1", None, Kind::Login, "{}", now, ttl).unwrap();
        assert_eq!(ceremonies(c), 150 - CLEAN_UP_BATCH + 1);
        begin_ceremony(c, "new-2", None, Kind::Login, "{}", now, ttl).unwrap();
        assert_eq!(ceremonies(c), 2, "only the live ones are left");
    }
}
