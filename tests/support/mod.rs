//! What both test binaries (`api` and `browser`) share: the password of
//! every story's users, free ports, the `CI=true` rule for services a test
//! needs from outside the build, and an SMTP sink that keeps the mail the app
//! sends (`mail`). Each binary includes this file with
//! `#[path = "../support/mod.rs"] mod support;`, so everything here must be
//! used by both (the compiler checks each binary for unused code).

use std::net::TcpListener;

pub mod mail;

/// A password every story may use for its users.
pub const PASSWORD: &str = "correct horse battery staple";

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// The `CI=true` rule, for everything a test needs from outside the build
/// (PostgreSQL, curl, chromedriver, a release binary): `found` when it is
/// there. When it is missing (`found` is `None`), a test under `CI=true`
/// fails, since CI must run everything; elsewhere the test notes it on one
/// line of stderr (`SKIPPED (service): missing; hint`) and gets `None`.
#[track_caller]
pub fn required<T>(found: Option<T>, service: &str, missing: &str, hint: &str) -> Option<T> {
    if found.is_some() {
        return found;
    }
    assert!(
        std::env::var("CI").map_or(true, |v| v != "true"),
        "CI=true but {missing}: the {service} tests must run in CI; {hint}"
    );
    eprintln!("SKIPPED ({service}): {missing}; {hint}");
    None
}
