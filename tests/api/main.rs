//! Integration tests: one binary, one module per feature. Each story runs on
//! SQLite and, when `TEST_DATABASE_URL` is set, on PostgreSQL.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is how a test fails, and the message says where"
)]
#![allow(
    clippy::print_stderr,
    reason = "a test says on stderr why it skipped a backend or what a child process printed"
)]

mod container_files;
mod helpers;
mod process;
#[path = "../support/mod.rs"]
mod support;
mod tcp_proxy;

mod account;
mod bad_cookies;
mod bad_input;
mod basics;
mod cli;
mod cookies;
mod csrf;
mod curl_session;
mod dashboard;
mod deployment;
mod devices;
mod email_address;
mod error_shape;
mod fuzz;
mod headers;
mod health_static;
mod instances;
mod korean_account;
mod languages;
mod login;
mod login_failures;
mod logout;
mod logs;
mod mail_in_korean;
mod metrics;
mod openapi;
mod operator_cli;
mod outage;
mod passkeys;
mod password_reset;
mod password_rules;
mod register;
mod session;
mod settings;
mod shutdown;
mod smtp_sink;
mod throttle;
mod timeouts;
mod timing;
mod two_factor;
mod under_load;
