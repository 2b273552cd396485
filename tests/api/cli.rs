//! The command line, run as an operator would: the built binary in an empty
//! directory with a clean environment.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use reqwest::StatusCode;

use crate::helpers::*;
use crate::process::*;
use crate::support::free_port;

crate::stories!(
    a_created_user_can_log_in,
    a_taken_name_is_refused_in_any_case,
    a_created_user_with_an_email_gets_a_verification_link,
);

/// `create-user ARGS` on `database` with `stdin`, run in `dir`.
fn create_user(dir: &Path, database: &str, args: &[&str], stdin: &str) -> Finished {
    let mut command = session_auth(dir, &["create-user"]);
    command.args(args).env("DATABASE_URL", database);
    run(command, stdin)
}

#[track_caller]
fn assert_success(out: &Finished) {
    assert!(out.status.success(), "expected success: {out:#?}");
}

#[track_caller]
fn assert_failure_saying(out: &Finished, message: &str) {
    assert!(!out.status.success(), "expected a failure: {out:#?}");
    assert!(
        out.stderr.contains(message),
        "stderr should say {message:?}: {out:#?}"
    );
    assert!(!out.stderr.contains("panicked"), "no panic: {out:#?}");
}

async fn a_created_user_with_an_email_gets_a_verification_link(backend: Backend) {
    let (_db, url) = TestDb::create(backend);
    let database = database_url_var(&url);
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    let transport = format!("file:{}", outbox.display());
    let with_mail = |args: &[&str]| {
        let mut command = session_auth(dir.path(), &["create-user"]);
        command
            .args(args)
            .env("DATABASE_URL", &database)
            .env("MAIL_TRANSPORT", &transport);
        run(command, &format!("{PASSWORD}\n"))
    };

    let out = with_mail(&["alice", "--password-stdin", "--email", "Alice@Example.com"]);
    assert_success(&out);
    assert!(
        out.stdout
            .contains("sent a link to verify Alice@Example.com"),
        "{out:#?}"
    );
    let files: Vec<_> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|f| f.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "one message: {files:?}");
    let raw = std::fs::read_to_string(&files[0]).unwrap();
    let mail = crate::support::mail::Mail::parse(&raw, String::new(), vec![]);
    assert_eq!(mail.subject, "Confirm your email address");
    let token = mail
        .token("http://localhost:8080/email/verify?token=")
        .expect("a link");

    for (args, says) in [
        (
            ["bob", "--password-stdin", "--email", "ALICE@example.com"],
            "belongs to another account",
        ),
        (
            ["bob", "--password-stdin", "--email", "not-an-address"],
            "Enter an email address",
        ),
    ] {
        assert_failure_saying(&with_mail(&args), says);
    }

    let server = Service::serve(dir.path(), &[("DATABASE_URL", &database)]);
    let client = server.client();
    assert_eq!(
        client.login_json("alice", PASSWORD).await.status(),
        StatusCode::OK
    );
    let verified = client
        .get_json(&format!("/email/verify?token={token}"))
        .await;
    assert_eq!(verified.status(), StatusCode::OK);
    let me: serde_json::Value = client.get_json("/account").await.json().await.unwrap();
    assert_eq!(
        (me["email"].as_str(), me["email_verified"].as_bool()),
        (Some("Alice@Example.com"), Some(true))
    );
    // "bob" was never half-created.
    let bob = server.client();
    assert_eq!(bob.register("bob").await.status(), StatusCode::SEE_OTHER);
    // The history starts with the account, made by an operator.
    let history: serde_json::Value = client
        .get_json("/account/activity")
        .await
        .json()
        .await
        .unwrap();
    let events = history["events"].as_array().unwrap();
    let first = events.last().unwrap();
    assert_eq!(first["kind"], "account_created", "{history}");
    assert_eq!(first["detail"], "by an operator");

    // An operator's reset tells the verified address, as a reset by link does.
    let mut reset = session_auth(dir.path(), &["users", "reset-password", "alice"]);
    reset
        .arg("--password-stdin")
        .env("DATABASE_URL", &database)
        .env("MAIL_TRANSPORT", &transport);
    let out = run(reset, "an operator chose this passphrase\n");
    assert_success(&out);
    assert!(out.stderr.contains("told Alice@Example.com"), "{out:#?}");
    let notices: Vec<String> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap())
        .filter(|raw| !raw.contains("Confirm your email address"))
        .collect();
    assert_eq!(notices.len(), 1, "{notices:?}");
    let notice = crate::support::mail::Mail::parse(&notices[0], String::new(), vec![]);
    assert!(
        notice.subject.to_lowercase().contains("password"),
        "{}",
        notice.subject
    );
}

#[test]
fn help_lists_every_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(session_auth(dir.path(), &["--help"]), "");
    assert_success(&out);
    for command in [
        "serve",
        "migrate",
        "create-user",
        "generate-secret",
        "healthcheck",
        "users",
    ] {
        assert!(
            out.stdout
                .lines()
                .any(|l| l.split_whitespace().next() == Some(command)),
            "--help does not list {command}:\n{}",
            out.stdout
        );
    }
}

#[test]
fn version_prints_name_and_version() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(session_auth(dir.path(), &["--version"]), "");
    assert_success(&out);
    assert_eq!(out.stdout.trim(), "session-auth 0.1.0");
}

#[test]
fn generate_secret_prints_a_fresh_key_of_at_least_64_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let secret = || {
        let out = run(session_auth(dir.path(), &["generate-secret"]), "");
        assert_success(&out);
        out.stdout.trim().to_owned()
    };
    let (first, second) = (secret(), secret());
    let bytes = BASE64
        .decode(&first)
        .unwrap_or_else(|e| panic!("not base64: {first:?}: {e}"));
    assert!(bytes.len() >= 64, "{} bytes", bytes.len());
    assert_ne!(first, second, "two calls print the same secret");
}

#[test]
fn migrate_applies_once_then_says_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let migrate = || {
        let mut command = session_auth(dir.path(), &["migrate"]);
        command.env("DATABASE_URL", sqlite_in(dir.path()));
        let out = run(command, "");
        assert_success(&out);
        out.stdout
    };
    let first = migrate();
    assert!(
        !first.contains("up to date"),
        "a fresh database has pending migrations: {first}"
    );
    assert!(
        dir.path().join("x.db").is_file(),
        "the database file is created"
    );
    let second = migrate();
    assert!(second.contains("up to date"), "second run: {second}");
}

async fn a_created_user_can_log_in(backend: Backend) {
    let (_db, url) = TestDb::create(backend);
    let database = database_url_var(&url);
    let dir = tempfile::tempdir().unwrap();

    let out = create_user(
        dir.path(),
        &database,
        &["alice", "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    assert_success(&out);

    let server = Service::serve(dir.path(), &[("DATABASE_URL", &database)]);
    let client = server.client();
    let response = client.login_json("alice", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    let me: serde_json::Value = response.json().await.unwrap();
    assert_eq!(me["username"], "alice");
    assert_eq!(client.whoami().await.as_deref(), Some("alice"));
}

async fn a_taken_name_is_refused_in_any_case(backend: Backend) {
    let (_db, url) = TestDb::create(backend);
    let database = database_url_var(&url);
    let dir = tempfile::tempdir().unwrap();
    let stdin = format!("{PASSWORD}\n");

    assert_success(&create_user(
        dir.path(),
        &database,
        &["alice", "--password-stdin"],
        &stdin,
    ));
    for taken in ["alice", "ALICE", "Alice"] {
        let out = create_user(dir.path(), &database, &[taken, "--password-stdin"], &stdin);
        assert_failure_saying(&out, "already taken");
    }
}

#[test]
fn without_the_flag_the_password_is_read_twice_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let database = sqlite_in(dir.path());

    let out = create_user(
        dir.path(),
        &database,
        &["bob"],
        &format!("{PASSWORD}\n{PASSWORD}\n"),
    );
    assert_success(&out);

    let other = "another correct horse battery";
    let out = create_user(
        dir.path(),
        &database,
        &["carol"],
        &format!("{PASSWORD}\n{other}\n"),
    );
    assert_failure_saying(&out, "do not match");
    // Nothing was created: the name is still free.
    let out = create_user(
        dir.path(),
        &database,
        &["carol"],
        &format!("{other}\n{other}\n"),
    );
    assert_success(&out);
}

#[test]
fn a_weak_password_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let database = sqlite_in(dir.path());
    let out = create_user(
        dir.path(),
        &database,
        &["dave", "--password-stdin"],
        "password\n",
    );
    assert_failure_saying(&out, "too easy to guess");
}

#[test]
fn an_invalid_username_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let database = sqlite_in(dir.path());
    let stdin = format!("{PASSWORD}\n");
    let too_long = "x".repeat(33);
    for bad in ["ab", "with space", "semi;colon", "émile", too_long.as_str()] {
        let out = create_user(dir.path(), &database, &[bad, "--password-stdin"], &stdin);
        assert!(!out.status.success(), "{bad:?} was accepted: {out:#?}");
        assert!(
            !out.stderr_lines().is_empty(),
            "{bad:?}: a message is expected"
        );
        assert!(!out.stderr.contains("panicked"), "{bad:?}: {out:#?}");
    }
}

#[test]
fn healthcheck_follows_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let database = sqlite_in(dir.path());
    let healthcheck = |port: u16| {
        let mut command = session_auth(dir.path(), &["healthcheck"]);
        command
            .env("DATABASE_URL", &database)
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string());
        run(command, "")
    };

    let server = Service::serve(dir.path(), &[("DATABASE_URL", &database)]);
    assert_success(&healthcheck(server.port));

    let out = healthcheck(free_port());
    assert!(!out.status.success(), "nothing listens, yet: {out:#?}");
    assert!(
        !out.stderr_lines().is_empty(),
        "a message is expected: {out:#?}"
    );
    assert!(!out.stderr.contains("panicked"), "{out:#?}");
}
