//! Integration tests: one binary, one module per feature. Each story runs on
//! SQLite and, when `TEST_DATABASE_URL` is set, on PostgreSQL.

mod helpers;
mod process;

mod basics;
mod cli;
mod curl_session;
mod logs;
mod settings;
