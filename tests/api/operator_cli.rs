//! `session-auth users …` as an operator runs it (the built binary, a clean
//! environment) on the database of a running app, and what the app's users
//! see of it over HTTP.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::process::*;

crate::stories!(
    list_pages_the_accounts_and_shows_their_states,
    show_gives_the_facts_sessions_and_events_in_any_case,
    a_lock_refuses_every_login_and_ends_sessions_until_unlocked,
    unlock_clears_a_failure_lock_out,
    a_printed_reset_link_works_once_on_the_reset_page,
    a_password_from_stdin_replaces_the_old_one_and_ends_sessions,
    a_refused_password_from_stdin_changes_nothing,
    end_sessions_ends_every_session_and_keeps_the_password,
    delete_removes_the_account_for_good,
    an_unknown_or_impossible_name_is_exit_3_for_every_command,
    a_lock_refuses_a_passkey_login_too,
);

const NEW_PASSWORD: &str = "an operator chose this passphrase";

/// Sessions ended from the command line end on a server within a second
/// (its session checks are cached that long); a little slack on top.
const ENDS_WITHIN: Duration = Duration::from_millis(1500);

/// An operator's shell: its own directory, the app's `DATABASE_URL`.
struct Operator {
    dir: tempfile::TempDir,
    database: String,
}

impl Operator {
    fn of(app: &TestApp) -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
            database: database_url_var(&app.settings.database_url),
        }
    }

    /// `session-auth users ARGS`.
    async fn users(&self, args: &[&str]) -> Finished {
        self.users_with_stdin(args, "").await
    }

    /// `session-auth users ARGS` with `stdin` piped in (off the runtime's
    /// thread, so the app keeps serving meanwhile).
    async fn users_with_stdin(&self, args: &[&str], stdin: &str) -> Finished {
        let mut command = session_auth(self.dir.path(), &["users"]);
        command.args(args).env("DATABASE_URL", &self.database);
        let stdin = stdin.to_owned();
        tokio::task::spawn_blocking(move || run(command, &stdin))
            .await
            .unwrap()
    }

    /// `users ARGS`, which must succeed: its stdout.
    async fn ok(&self, args: &[&str]) -> String {
        let out = self.users(args).await;
        assert_success(&out);
        out.stdout
    }

    /// `users --json ARGS`, which must succeed: its document.
    async fn json(&self, args: &[&str]) -> Value {
        let out = self.users(&[&["--json"], args].concat()).await;
        assert_success(&out);
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {out:#?}"))
    }
}

#[track_caller]
fn assert_success(out: &Finished) {
    assert!(out.status.success(), "expected success: {out:#?}");
    assert!(!out.stderr.contains("panicked"), "no panic: {out:#?}");
}

/// Waits until `client`'s session is refused on `/api/me`.
async fn assert_session_ends(client: &TestClient) {
    let deadline = Instant::now() + ENDS_WITHIN;
    loop {
        let status = client.get("/api/me").await.status();
        if status == StatusCode::UNAUTHORIZED {
            return;
        }
        assert_eq!(status, StatusCode::OK);
        assert!(
            Instant::now() < deadline,
            "the session still works after {ENDS_WITHIN:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A browser of `app` logged in as a new account `name`.
async fn registered(app: &TestApp, name: &str) -> TestClient {
    let client = app.new_client();
    assert_redirect(&client.register(name).await, "/dashboard");
    client
}

/// A JSON login's status and body.
async fn login(app: &TestApp, name: &str, password: &str) -> (StatusCode, Value) {
    let response = app.new_client().login_json(name, password).await;
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The account named `name` in a `users list --json` document.
fn listed<'a>(list: &'a Value, name: &str) -> Option<&'a Value> {
    list["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == name)
}

async fn list_pages_the_accounts_and_shows_their_states(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let operator = Operator::of(&app);
    let empty = operator.ok(&["list"]).await;
    assert!(empty.contains("page 1 of 1 (0 accounts)"), "{empty}");
    for name in ["alice", "bob", "carol", "dave", "erin"] {
        registered(&app, name).await;
    }
    operator.ok(&["lock", "bob"]).await;
    for _ in 0..app.settings.login_max_failures {
        let (status, _) = login(&app, "carol", "not her password at all").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    let first = operator.ok(&["list", "--per-page", "2"]).await;
    let lines: Vec<&str> = first.lines().collect();
    assert_eq!(
        lines.len(),
        4,
        "header, two accounts, the page line: {first}"
    );
    for column in [
        "ID", "USERNAME", "EMAIL", "STATE", "2FA", "PASSKEYS", "SESSIONS",
    ] {
        assert!(lines[0].contains(column), "{first}");
    }
    assert!(lines[1].contains("alice") && lines[1].contains("active"));
    assert!(lines[2].contains("bob") && lines[2].contains("locked"));
    // Aligned: every column starts where its header does.
    let state_at = lines[0].find("STATE").unwrap();
    assert_eq!(lines[1].find("active"), Some(state_at), "{first}");
    assert_eq!(lines[3], "page 1 of 3 (5 accounts)");

    let second = operator
        .ok(&["list", "--page", "2", "--per-page", "2"])
        .await;
    assert!(
        second.contains("carol") && second.contains("locked_out"),
        "{second}"
    );
    assert!(
        second.contains("dave") && !second.contains("alice"),
        "{second}"
    );
    let last = operator
        .ok(&["list", "--page", "3", "--per-page", "2"])
        .await;
    assert!(last.contains("erin") && last.contains("page 3 of 3 (5 accounts)"));
    let beyond = operator
        .ok(&["list", "--page", "4", "--per-page", "2"])
        .await;
    assert!(beyond.contains("no accounts on page 4"), "{beyond}");
    assert!(beyond.contains("page 4 of 3 (5 accounts)"), "{beyond}");

    let list = operator.json(&["list"]).await;
    assert_eq!(
        (
            &list["page"],
            &list["pages"],
            &list["total"],
            &list["per_page"]
        ),
        (&json!(1), &json!(1), &json!(5), &json!(50))
    );
    let names: Vec<&str> = list["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice", "bob", "carol", "dave", "erin"]);
    let states = ["active", "locked", "locked_out", "active", "active"];
    for (name, state) in names.iter().zip(states) {
        let account = listed(&list, name).unwrap();
        assert_eq!(account["state"], state, "{account}");
        assert_eq!(account["two_factor"], false, "{account}");
        assert_eq!(account["passkeys"], 0, "{account}");
        assert_eq!(account["email"], Value::Null, "{account}");
        let created = account["created_at"].as_str().unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(created).is_ok(),
            "{created}"
        );
    }
    let alice = listed(&list, "alice").unwrap();
    assert_eq!(alice["active_sessions"], 1, "the registration's session");
    let bob = listed(&list, "bob").unwrap();
    assert_eq!(bob["active_sessions"], 0, "the lock ended bob's session");
    assert!(bob["locked_at"].is_string());
    let carol = listed(&list, "carol").unwrap();
    assert!(carol["locked_out_until"].is_string(), "{carol}");
}

async fn show_gives_the_facts_sessions_and_events_in_any_case(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let operator = Operator::of(&app);
    registered(&app, "alice").await;
    let (status, _) = login(&app, "alice", "not the password at all").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = login(&app, "alice", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);

    let shown = operator.json(&["show", "ALICE"]).await;
    assert_eq!(shown["username"], "alice");
    assert_eq!(shown["state"], "active");
    assert_eq!(
        shown["active_sessions"], 2,
        "registration and login: {shown}"
    );
    assert!(shown["last_login_at"].is_string(), "{shown}");
    let sessions = shown["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2, "{shown}");
    for session in sessions {
        for field in ["id", "method", "label", "created_at", "last_seen_at"] {
            assert!(session[field].is_string(), "{field}: {session}");
        }
        assert_eq!(session["address"], "127.0.0.1", "{session}");
    }
    let kinds: Vec<&str> = shown["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.first(),
        Some(&"login_succeeded"),
        "newest first: {kinds:?}"
    );
    assert!(kinds.contains(&"login_failed"), "{kinds:?}");

    let text = operator.ok(&["show", "Alice"]).await;
    for expected in [
        "username    alice",
        "state       active",
        "Active sessions (2):",
        "login_succeeded",
        "login_failed",
        sessions[0]["id"].as_str().unwrap(),
    ] {
        assert!(text.contains(expected), "{expected:?} missing:\n{text}");
    }
}

async fn a_lock_refuses_every_login_and_ends_sessions_until_unlocked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let operator = Operator::of(&app);
    let browser = registered(&app, "alice").await;

    let said = operator.ok(&["lock", "Alice"]).await;
    assert!(said.contains("locked alice") && said.contains("ended 1 active session"));
    assert_session_ends(&browser).await;
    let (status, body) = login(&app, "alice", PASSWORD).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "account_locked");
    assert_eq!(body["message"], "This account is locked");
    let (status, _) = login(&app, "alice", "not the password at all").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let again = operator.json(&["lock", "alice"]).await;
    assert_eq!(
        again,
        json!({"username": "alice", "result": "already_locked", "sessions_ended": 0})
    );
    let events = operator.json(&["show", "alice"]).await["events"].clone();
    let locks: Vec<&Value> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "account_locked")
        .collect();
    assert_eq!(locks.len(), 1, "a second lock writes nothing: {events}");
    assert_eq!(locks[0]["detail"], "by an operator");
    assert_eq!(locks[0]["address"], Value::Null);

    let said = operator.ok(&["unlock", "alice"]).await;
    assert!(said.contains("unlocked alice"), "{said}");
    let (status, _) = login(&app, "alice", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    let shown = operator.json(&["show", "alice"]).await;
    assert_eq!(shown["state"], "active");
    assert_eq!(shown["events"][1]["kind"], "account_unlocked", "{shown}");
}

async fn unlock_clears_a_failure_lock_out(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let operator = Operator::of(&app);
    registered(&app, "alice").await;
    for _ in 0..app.settings.login_max_failures {
        login(&app, "alice", "not the password at all").await;
    }
    let (status, _) = login(&app, "alice", PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        operator.json(&["show", "alice"]).await["state"],
        "locked_out"
    );

    let said = operator.ok(&["unlock", "alice"]).await;
    assert!(
        said.contains("was not locked by an operator; cleared its failure lock-out"),
        "{said}"
    );
    let (status, _) = login(&app, "alice", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    let again = operator.json(&["unlock", "alice"]).await;
    assert_eq!(again["result"], "not_locked", "{again}");
}

async fn a_printed_reset_link_works_once_on_the_reset_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let operator = Operator::of(&app);
    let old_session = registered(&app, "alice").await;

    let out = operator.users(&["reset-password", "alice"]).await;
    assert_success(&out);
    let prefix = "http://localhost:8080/password/reset?token=";
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "only the link on stdout: {out:#?}");
    let token = lines[0].strip_prefix(prefix).expect("a reset link");
    assert!(
        out.stderr.contains("works once") && out.stderr.contains("30 minutes"),
        "{out:#?}"
    );

    let browser = app.new_client();
    let path = format!("/password/reset?token={token}");
    assert_redirect(&browser.get_html(&path).await, "/password/reset");
    assert_eq!(
        browser.get_html("/password/reset").await.status(),
        StatusCode::OK
    );
    let fields = [
        ("new_password", NEW_PASSWORD),
        ("new_password_confirm", NEW_PASSWORD),
    ];
    assert_redirect(
        &browser.post_form_html("/password/reset", &fields).await,
        "/login",
    );
    assert_eq!(login(&app, "alice", NEW_PASSWORD).await.0, StatusCode::OK);
    assert_eq!(
        login(&app, "alice", PASSWORD).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_session_ends(&old_session).await;
    let used = app.new_client().get_html(&path).await;
    assert_eq!(
        used.status(),
        StatusCode::BAD_REQUEST,
        "the link works once"
    );

    let issued = operator.json(&["reset-password", "alice"]).await;
    assert_eq!(issued["result"], "link_issued");
    assert!(
        issued["link"].as_str().unwrap().starts_with(prefix),
        "{issued}"
    );
}

async fn a_password_from_stdin_replaces_the_old_one_and_ends_sessions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let operator = Operator::of(&app);
    let browser = registered(&app, "alice").await;
    for _ in 0..app.settings.login_max_failures {
        login(&app, "alice", "not the password at all").await;
    }

    let stdin = format!("{NEW_PASSWORD}\n");
    let out = operator
        .users_with_stdin(&["reset-password", "ALICE", "--password-stdin"], &stdin)
        .await;
    assert_success(&out);
    assert!(
        out.stdout.contains("set a new password for alice"),
        "{out:#?}"
    );
    assert_session_ends(&browser).await;
    assert_eq!(
        login(&app, "alice", PASSWORD).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login(&app, "alice", NEW_PASSWORD).await.0,
        StatusCode::OK,
        "the lock-out was cleared too"
    );
    let shown = operator.json(&["show", "alice"]).await;
    let reset = shown["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "password_reset")
        .cloned();
    assert_eq!(reset.unwrap()["detail"], "by an operator");
}

async fn a_refused_password_from_stdin_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let operator = Operator::of(&app);
    let browser = registered(&app, "alice").await;
    for refused in ["short\n", "alice-alice-alice-alice\n", "\n"] {
        let out = operator
            .users_with_stdin(&["reset-password", "alice", "--password-stdin"], refused)
            .await;
        assert_eq!(out.status.code(), Some(1), "{refused:?}: {out:#?}");
        assert!(out.stderr.contains("password refused"), "{out:#?}");
        assert!(out.stdout.is_empty(), "{out:#?}");
    }
    tokio::time::sleep(ENDS_WITHIN).await;
    assert_eq!(
        browser.whoami().await.as_deref(),
        Some("alice"),
        "the session lives"
    );
    assert_eq!(login(&app, "alice", PASSWORD).await.0, StatusCode::OK);
    let shown = operator.json(&["show", "alice"]).await;
    assert!(
        !shown["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "password_reset"),
        "{shown}"
    );
}

async fn end_sessions_ends_every_session_and_keeps_the_password(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let operator = Operator::of(&app);
    let laptop = registered(&app, "alice").await;
    let phone = app.new_client();
    assert_eq!(
        phone.login_json("alice", PASSWORD).await.status(),
        StatusCode::OK
    );

    let said = operator.ok(&["end-sessions", "alice"]).await;
    assert!(said.contains("ended 2 active sessions of alice"), "{said}");
    assert_session_ends(&laptop).await;
    assert_session_ends(&phone).await;
    assert_eq!(
        operator.json(&["show", "alice"]).await["sessions"],
        json!([])
    );
    assert_eq!(login(&app, "alice", PASSWORD).await.0, StatusCode::OK);

    let ended = operator.json(&["end-sessions", "alice"]).await;
    assert_eq!(
        ended,
        json!({"username": "alice", "result": "sessions_ended", "sessions_ended": 1})
    );
    let shown = operator.json(&["show", "alice"]).await;
    assert_eq!(shown["events"][0]["kind"], "sessions_ended");
    assert_eq!(shown["events"][0]["detail"], "by an operator");
}

async fn delete_removes_the_account_for_good(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let operator = Operator::of(&app);
    let browser = registered(&app, "alice").await;
    registered(&app, "bob").await;

    let said = operator.ok(&["delete", "ALICE"]).await;
    assert!(said.contains("deleted alice (id 1)"), "{said}");
    assert_session_ends(&browser).await;
    assert_eq!(
        login(&app, "alice", PASSWORD).await.0,
        StatusCode::UNAUTHORIZED
    );
    let list = operator.json(&["list"]).await;
    assert!(listed(&list, "alice").is_none(), "{list}");
    assert!(listed(&list, "bob").is_some(), "{list}");
    assert_eq!(
        operator.users(&["show", "alice"]).await.status.code(),
        Some(3)
    );
    // The name is free again.
    registered(&app, "alice").await;
}

async fn an_unknown_or_impossible_name_is_exit_3_for_every_command(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let operator = Operator::of(&app);
    registered(&app, "alice").await;
    let commands: [&[&str]; 7] = [
        &["show"],
        &["lock"],
        &["unlock"],
        &["reset-password"],
        &["reset-password", "--password-stdin"],
        &["end-sessions"],
        &["delete"],
    ];
    for name in ["nobody", "no body", "x"] {
        for command in commands {
            let args = [&command[..1], &[name], &command[1..]].concat();
            for args in [args.clone(), [&["--json"], &args[..]].concat()] {
                let out = operator
                    .users_with_stdin(&args, &format!("{NEW_PASSWORD}\n"))
                    .await;
                assert_eq!(out.status.code(), Some(3), "{args:?}: {out:#?}");
                let expected = format!("error: no account named \"{name}\"");
                assert_eq!(
                    out.stderr_lines().last(),
                    Some(&expected.as_str()),
                    "{args:?}"
                );
                assert!(out.stdout.is_empty(), "{args:?}: {out:#?}");
            }
        }
    }
    // Nothing happened to anyone.
    let list = operator.json(&["list"]).await;
    assert_eq!(list["total"], 1);
    assert_eq!(listed(&list, "alice").unwrap()["state"], "active");
}

#[test]
fn users_help_documents_the_commands_and_exit_statuses() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(session_auth(dir.path(), &["users", "--help"]), "");
    assert_success(&out);
    for expected in [
        "list",
        "show",
        "lock",
        "unlock",
        "reset-password",
        "end-sessions",
        "delete",
        "--json",
        "3  no account named NAME",
        "2  bad usage or bad settings",
        "within a second",
    ] {
        assert!(
            out.stdout.contains(expected),
            "{expected:?}:\n{}",
            out.stdout
        );
    }
    let delete = run(session_auth(dir.path(), &["users", "delete", "--help"]), "");
    assert!(delete.stdout.contains("no undo"), "{}", delete.stdout);
    let lock = run(session_auth(dir.path(), &["users", "lock", "--help"]), "");
    assert!(lock.stdout.contains("within a second"), "{}", lock.stdout);
}

#[test]
fn bad_usage_and_bad_settings_are_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let database = sqlite_in(dir.path());
    let users = |args: &[&str], bcrypt_cost: &str| {
        let mut command = session_auth(dir.path(), &["users"]);
        command
            .args(args)
            .env("DATABASE_URL", &database)
            .env("BCRYPT_COST", bcrypt_cost);
        run(command, "")
    };
    for args in [
        &["lock"][..],
        &["list", "--page", "0"],
        &["list", "--per-page", "many"],
        &["frobnicate", "alice"],
        &[],
    ] {
        let out = users(args, "4");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:#?}");
    }
    let out = users(&["list"], "99");
    assert_eq!(out.status.code(), Some(2), "{out:#?}");
    assert!(out.stderr.contains("BCRYPT_COST"), "{out:#?}");
    let out = users(&["list"], "4");
    assert_success(&out);
    assert!(
        out.stdout.contains("page 1 of 1 (0 accounts)"),
        "{}",
        out.stdout
    );
}

async fn a_lock_refuses_a_passkey_login_too(backend: Backend) {
    let (app, mut key) = crate::passkeys::ann_with_a_passkey(backend).await;
    let operator = Operator::of(&app);
    operator.ok(&["lock", "ann"]).await;
    let refused = crate::passkeys::sign_in(&app.new_client(), &mut key, 1).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "account_locked");
    assert!(refused_login_recorded(&operator, "passkey").await);

    operator.ok(&["unlock", "ann"]).await;
    let client = app.new_client();
    let signed_in = crate::passkeys::sign_in(&client, &mut key, 2).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    assert_eq!(client.whoami().await.as_deref(), Some("ann"));
}

/// Whether ann's history has a failed `method` login because of the lock.
async fn refused_login_recorded(operator: &Operator, method: &str) -> bool {
    let shown = operator.json(&["show", "ann"]).await;
    shown["events"].as_array().unwrap().iter().any(|e| {
        e["kind"] == "login_failed"
            && e["method"] == method
            && e["detail"] == "the account is locked"
    })
}
