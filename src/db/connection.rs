//! `AnyConnection`, in a module of its own: the derive generates items that
//! cannot carry docs.
#![allow(missing_docs, reason = "the derive generates undocumented items")]

use diesel::{PgConnection, SqliteConnection};

/// A connection to either backend.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    /// PostgreSQL, for production and `docker compose`.
    Postgresql(PgConnection),
    /// SQLite, the zero-setup default.
    Sqlite(SqliteConnection),
}
