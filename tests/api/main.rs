//! Integration tests: one binary, one module per feature. Each story runs on
//! SQLite and, when `TEST_DATABASE_URL` is set, on PostgreSQL.

mod helpers;

mod account;
mod basics;
mod cookies;
mod csrf;
mod headers;
mod session;
mod throttle;
mod timeouts;
mod timing;
