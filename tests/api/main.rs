//! Integration tests: one binary, one module per feature. Each story runs on
//! SQLite and, when `TEST_DATABASE_URL` is set, on PostgreSQL.

mod container_files;
mod helpers;
mod process;
mod service;
mod tcp_proxy;

mod basics;
mod cli;
mod curl_session;
mod deployment;
mod instances;
mod logs;
mod outage;
mod settings;
mod shutdown;
