//! session-auth: session-based login with Actix-web.
//!
//! A request passes `startup`'s middleware stack: security headers, error
//! rendering (`render`), the session cookie's policy (`auth::cookie`),
//! actix-session (the encrypted cookie) and actix-identity. `routes` holds
//! the route table; the protected scopes sit behind one guard
//! (`auth::middleware`). `auth::session` decides whether a sealed login is
//! still valid, `auth::password` runs bcrypt off the async workers, `db`
//! keeps users in PostgreSQL or SQLite through one Diesel code path,
//! `domain` parses input into trusted types, and `config` reads the settings.

// Lints: the `[lints]` table in Cargo.toml (it covers every target).

pub mod auth;
pub mod cli;
pub mod client_ip;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod flash;
pub mod render;
pub mod routes;
pub mod startup;
pub mod state;
