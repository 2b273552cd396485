//! session-auth: session-based login with Actix-web.
//!
//! A request passes `startup`'s middleware stack, each layer holding only
//! its own piece (captured there, once per worker): the `envelope` (the
//! request's id, its language and the security headers), the
//! one error renderer (`render::errors`, which answers every error in the
//! request's `render::Format`), `admission` (the body limit, `body_limit`,
//! and the cross-site refusal, `auth::csrf`), the session cookie's upkeep
//! (`auth::session_cookie`), actix-session (the encrypted cookie) and
//! actix-identity. `routes` holds the route table; the protected routes sit
//! behind one guard (`auth::guard`), which asks `auth::authenticator` who is
//! logged in (`auth::login` is what is sealed in the session,
//! `auth::expiry` its timeouts). Handlers share `state::AppState` and return
//! `error::AppError`, also for "show this form again". `auth::password_hasher`
//! runs bcrypt on `auth::hash_threads`, `db` keeps users in PostgreSQL or
//! SQLite through one Diesel code path, `domain` parses input into trusted
//! types, `render::pages` fills the templates, `assets` holds the static
//! files, `cookies` the attributes every cookie carries, `mail` composes and
//! sends mail from a background queue, `i18n` speaks English and Korean
//! (the reader's language chosen per request), `metrics` counts for
//! Prometheus (on a listener of its own), and `config` reads the settings.

// Lints: the `[lints]` table in Cargo.toml (it covers every target).

pub(crate) mod access_log;
pub(crate) mod admission;
pub(crate) mod assets;
pub(crate) mod auth;
pub(crate) mod body_limit;
pub mod cli;
pub mod client_ip;
pub mod config;
pub(crate) mod cookies;
pub(crate) mod db;
pub(crate) mod domain;
pub(crate) mod envelope;
pub(crate) mod error;
pub(crate) mod flash;
pub(crate) mod housekeeping;
pub(crate) mod i18n;
pub mod logging;
pub(crate) mod mail;
pub(crate) mod metrics;
pub(crate) mod render;
pub(crate) mod request_id;
pub(crate) mod routes;
pub(crate) mod signals;
pub mod startup;
pub(crate) mod state;

// For tests/api/openapi.rs: the routes the OpenAPI document leaves out.
pub use routes::NOT_IN_API;
