//! A fresh database per story: a SQLite file in a temporary directory, or a
//! `test_<uuid>` database on `TEST_DATABASE_URL`, removed afterwards.

use diesel::{Connection as _, PgConnection, RunQueryDsl as _};
use session_auth::config::DatabaseUrl;

use super::Backend;

/// A fresh database that is removed when dropped.
pub enum TestDb {
    /// The directory holding the file; removed on drop.
    Sqlite {
        _dir: tempfile::TempDir,
    },
    Postgres {
        admin_url: String,
        name: String,
    },
}

impl TestDb {
    /// Creates an empty database for `backend`; returns it with its URL.
    pub fn create(backend: Backend) -> (Self, DatabaseUrl) {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = DatabaseUrl::Sqlite(dir.path().join("test.db"));
                (Self::Sqlite { _dir: dir }, url)
            }
            Backend::Postgres => {
                let admin_url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
                let name = format!("test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = PgConnection::establish(&admin_url)
                    .unwrap_or_else(|e| panic!("connecting to TEST_DATABASE_URL: {e}"));
                diesel::sql_query(format!(r#"CREATE DATABASE "{name}""#))
                    .execute(&mut admin)
                    .expect("CREATE DATABASE");
                let url = with_database(&admin_url, &name);
                (
                    Self::Postgres { admin_url, name },
                    DatabaseUrl::Postgres(url),
                )
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Self::Postgres { admin_url, name } = self
            && let Ok(mut admin) = PgConnection::establish(admin_url)
        {
            let _ = diesel::sql_query(format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#))
                .execute(&mut admin);
        }
    }
}

/// `postgres://u@h:p/admin?x` → `postgres://u@h:p/name?x`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..path_start]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}
