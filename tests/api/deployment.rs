//! The container, without a Docker engine: the runtime stage of the
//! Dockerfile laid out in an empty directory (exactly what it copies, which
//! is the binary alone: templates, static files and migrations are
//! compiled in), run with the image's `ENV` and the compose file's app
//! environment against PostgreSQL, as the image's `USER` when the tests run
//! as root. It must migrate, serve the login flow and pass its own
//! `HEALTHCHECK`.
//!
//! Two things differ from `docker compose up`, on purpose: the server binds
//! 127.0.0.1 instead of the image's `HOST=0.0.0.0` (tests talk to this
//! machine only; the health check still runs once with `HOST=0.0.0.0`, which
//! it maps to loopback), and `DATABASE_URL` names a fresh test database
//! instead of `db:5432`.

use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use reqwest::StatusCode;
use serde_json::Value;

use crate::container_files::*;
use crate::helpers::{
    Backend, TestDb, assert_redirect, body_text, postgres_available, set_cookies,
};
use crate::process::{BIN, Service, database_url_var, run_for};
use crate::support::required;

/// Where the image's one binary comes from in the build stage.
const IMAGE_BINARY: &str = "/usr/local/bin/session-auth";

/// The runtime stage: the last one (what `docker build .` produces).
fn runtime_stage(stages: &[Stage]) -> &Stage {
    let last = stages.last().expect("the Dockerfile has a stage");
    assert_eq!(
        last.name.as_deref(),
        Some("runtime"),
        "the last stage (what `docker build .` produces) is `runtime`"
    );
    last
}

/// The binary the image ships: `target/release/session-auth`, as the image's
/// build stage makes it. CI builds it before the tests; elsewhere the debug
/// binary stands in, with a note.
fn shipped_binary() -> PathBuf {
    let debug = Path::new(BIN);
    let release = debug
        .parent()
        .and_then(Path::parent)
        .expect("target directory")
        .join("release")
        .join("session-auth");
    let missing = format!("{} is not built", release.display());
    let hint = "the DEBUG binary stands in; .ci/run builds the release binary with \
                `cargo build --release --locked` to test what the image ships";
    let Some(release) = required(
        release.is_file().then_some(release),
        "release binary",
        &missing,
        hint,
    ) else {
        return debug.to_owned();
    };
    let age = std::fs::metadata(&release)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok());
    eprintln!(
        "container layout: release binary {} (built {:?} ago)",
        release.display(),
        age.unwrap_or_default()
    );
    release
}

#[test]
fn the_dockerfile_builds_a_small_non_root_image_that_checks_its_own_health() {
    let stages = dockerfile_stages(&repository_file("Dockerfile"));
    assert!(stages.len() >= 2, "a multi-stage build");
    let runtime = runtime_stage(&stages);
    let builder = stages
        .iter()
        .find(|s| s.name.as_deref() == Some("builder"))
        .expect("a `builder` stage");
    assert!(
        builder
            .all("RUN")
            .iter()
            .any(|r| r.contains("cargo build --release --locked")
                && r.contains(&format!("target/release/session-auth {IMAGE_BINARY}"))),
        "the builder runs `cargo build --release --locked` and installs the binary at {IMAGE_BINARY}"
    );
    assert!(
        ["-slim", "distroless", "alpine", "scratch"]
            .iter()
            .any(|small| runtime.image.contains(small)),
        "a small runtime base image, not {}",
        runtime.image
    );
    let user = runtime.last("USER").expect("the runtime stage sets USER");
    assert!(
        !["root", "0", "0:0"].contains(&user),
        "a non-root USER, not {user}"
    );
    let env = runtime.env();
    let var = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    assert_eq!(var("HOST"), Some("0.0.0.0"), "listens on every interface");
    assert_eq!(var("APP_ENV"), Some("production"));
    let port = var("PORT").expect("ENV PORT");
    assert!(
        runtime
            .all("EXPOSE")
            .iter()
            .any(|e| e.split_whitespace().any(|p| p == port)),
        "EXPOSE {port}"
    );
    let (check, _) = healthcheck(runtime.last("HEALTHCHECK").expect("a HEALTHCHECK"));
    assert_eq!(check, ["session-auth", "healthcheck"], "HEALTHCHECK CMD");
    // Exec form, so the server is PID 1 and receives SIGTERM itself.
    assert_eq!(
        exec_form(runtime.last("ENTRYPOINT").expect("ENTRYPOINT")),
        ["session-auth"]
    );
    assert_eq!(exec_form(runtime.last("CMD").expect("CMD")), ["serve"]);
    assert!(runtime.all("ADD").is_empty(), "no ADD in the runtime stage");
}

/// Lays out what the runtime stage holds under `root`; returns the working
/// directory and the `USER`'s uid and gid (numeric).
fn lay_out_runtime(runtime: &Stage, root: &Path, binary: &Path) -> (PathBuf, (u32, u32)) {
    let copies = runtime.all("COPY");
    assert_eq!(
        copies.len(),
        1,
        "the runtime stage copies one thing, the binary; teach this test about {copies:?}"
    );
    let (flags, sources, dest) = copy_parts(copies[0]);
    assert_eq!(flags, ["--from=builder"], "COPY flags");
    assert_eq!(sources, [IMAGE_BINARY], "COPY source");
    let target = root.join(dest.trim_start_matches('/'));
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::copy(binary, &target).unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755)).unwrap();

    let user = runtime.last("USER").expect("USER");
    let ids: Vec<u32> = user
        .split(':')
        .map(|id| {
            id.parse()
                .unwrap_or_else(|_| panic!("USER {user}: use numeric ids"))
        })
        .collect();
    let (uid, gid) = (ids[0], *ids.get(1).unwrap_or(&ids[0]));

    // What the stage's RUN makes: the SQLite data directory, the user's own.
    let runs = runtime.all("RUN").join(" ");
    assert!(
        runs.contains("mkdir -p /app/data"),
        "the image makes /app/data"
    );
    let workdir = runtime.last("WORKDIR").expect("WORKDIR");
    let workdir = root.join(workdir.trim_start_matches('/'));
    let data = root.join("app/data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o750)).unwrap();
    if running_as_root(root) {
        std::os::unix::fs::chown(&data, Some(uid), Some(gid)).unwrap();
    }
    (workdir, (uid, gid))
}

/// Whether this test runs as root (it owns what it just created).
fn running_as_root(created: &Path) -> bool {
    std::fs::metadata(created).unwrap().uid() == 0
}

/// Every path under `root`, relative, sorted.
fn tree(root: &Path) -> Vec<String> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            out.push(path.strip_prefix(root).unwrap().display().to_string());
            if path.is_dir() {
                walk(&path, root, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

/// The image's `ENV` overlaid with the compose app's `environment` (as
/// `docker compose up` resolves it with no `.env`), `DATABASE_URL` pointed
/// at `database`.
fn container_environment(runtime: &Stage, database: &str) -> Vec<(String, String)> {
    let compose = compose_environment(&repository_file("docker-compose.yml"), "app");
    let keys: Vec<&str> = compose.iter().map(|(k, _)| k.as_str()).collect();
    for key in ["APP_ENV", "DATABASE_URL", "SECRET_KEY", "COOKIE_SECURE"] {
        assert!(
            keys.contains(&key),
            "compose app environment lacks {key}: {keys:?}"
        );
    }
    let mut env = runtime.env();
    for (key, value) in compose {
        let mut value = compose_default(&value);
        if key == "DATABASE_URL" {
            assert!(value.contains("@db:5432/"), "compose DATABASE_URL: {value}");
            value = database.to_owned();
        }
        env.retain(|(k, _)| *k != key);
        env.push((key, value));
    }
    env
}

#[tokio::test]
async fn the_runtime_image_layout_migrates_serves_the_login_flow_and_passes_its_healthcheck() {
    if !postgres_available() {
        return;
    }
    let stages = dockerfile_stages(&repository_file("Dockerfile"));
    let runtime = runtime_stage(&stages);
    let image = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let (workdir, (uid, gid)) = lay_out_runtime(runtime, image.path(), &shipped_binary());
    let as_root = running_as_root(image.path());
    let as_image_user = move |command: &mut Command| {
        if as_root {
            command.uid(uid).gid(gid);
        }
    };
    if !as_root {
        eprintln!("NOTE (container layout): not root, so the server runs as this user, not {uid}");
    }
    let before = tree(image.path());

    let (_db, url) = TestDb::create(Backend::Postgres);
    let env = container_environment(runtime, &database_url_var(&url));
    let (entrypoint, cmd) = (
        exec_form(runtime.last("ENTRYPOINT").unwrap()),
        exec_form(runtime.last("CMD").unwrap()),
    );
    assert_eq!(
        cmd,
        ["serve"],
        "Service::start runs `serve`, as the image does"
    );
    let binary = image.path().join("usr/local/bin").join(&entrypoint[0]);
    let server = Service::start(&binary, &workdir, logs.path(), &env, as_image_user);

    let log = server.log();
    assert!(
        log.contains("applied migration"),
        "it migrates the fresh database:\n{log}"
    );
    if as_root {
        let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid())).unwrap();
        let real_uid = status.lines().find_map(|l| l.strip_prefix("Uid:"));
        assert_eq!(
            real_uid.and_then(|ids| ids.split_whitespace().next()),
            Some(uid.to_string().as_str()),
            "the server runs as the image's USER"
        );
    }

    // Templates and static files come from inside the binary.
    let client = server.client();
    let login_page = client.get("/login").await;
    assert_eq!(login_page.status(), StatusCode::OK);
    assert!(body_text(login_page).await.contains(r#"name="username""#));
    let css = client.get("/static/css/app.css").await;
    assert_eq!(css.status(), StatusCode::OK);

    // The login flow (COOKIE_SECURE=false in the compose file: cookie `session`, not Secure).
    let response = client.register("alice").await;
    assert_redirect(&response, "/dashboard");
    let cookies = set_cookies(&response, "session");
    assert!(
        cookies.len() == 1 && !cookies[0].contains("Secure"),
        "one `session` cookie without Secure: {cookies:?}"
    );
    assert!(client.cookie("session").is_some());
    let me = client.get("/api/me").await;
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(me.json::<Value>().await.unwrap()["username"], "alice");
    let dashboard = client.get("/dashboard").await;
    assert!(
        body_text(dashboard)
            .await
            .contains("Welcome to the dashboard, alice")
    );
    let ready = client.get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::OK);

    // The image's HEALTHCHECK, within its own timeout: with the server's
    // address, and with the image's HOST=0.0.0.0, which means loopback.
    let (check, timeout) = healthcheck(runtime.last("HEALTHCHECK").unwrap());
    for host in ["127.0.0.1", "0.0.0.0"] {
        let mut command =
            server.sibling(&check[1..].iter().map(String::as_str).collect::<Vec<_>>());
        command.env("HOST", host);
        as_image_user(&mut command);
        let out = run_for(command, "", timeout);
        assert!(
            out.status.success() && out.stdout.contains("healthy"),
            "`{}` with HOST={host}: {out:#?}",
            check.join(" ")
        );
    }

    // A PostgreSQL deployment writes nothing to its filesystem.
    assert_eq!(
        tree(image.path()),
        before,
        "files the app wrote in the image"
    );
}
