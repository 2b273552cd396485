//! Integration tests: one binary, one module per feature. Each story runs on
//! SQLite and, when `TEST_DATABASE_URL` is set, on PostgreSQL.

mod helpers;

mod bad_cookies;
mod bad_input;
mod basics;
mod dashboard;
mod fuzz;
mod health_static;
mod login;
mod login_failures;
mod logout;
mod password_rules;
mod register;
