//! session-auth: session-based login with Actix-web.
//!
//! A request passes `startup`'s middleware stack: security headers, error
//! rendering (`render`), the session cookie's policy (`auth::session_cookie`),
//! actix-session (the encrypted cookie) and actix-identity. `routes` holds
//! the route table; the protected routes sit behind one guard
//! (`auth::guard`). `auth::login` logs in, re-issues and logs out,
//! `auth::expiry` decides whether a sealed login is still valid,
//! `auth::password_hasher` runs bcrypt off the async workers, `db` keeps users in
//! PostgreSQL or SQLite through one Diesel code path, `domain` parses input
//! into trusted types, and `config` reads the settings.

#![forbid(unsafe_code)]
#![warn(missing_docs, clippy::unwrap_used, clippy::expect_used)]

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
