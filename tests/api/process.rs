//! Running the built binary as a user would: in a temporary directory, with a
//! clean environment (no `.env` or `data/` of the repository leaks in), free
//! ports, and processes that are always killed, even when a test panics.
//! One-shot commands are here; a running server is a [`Service`].

#![allow(dead_code, reason = "not every story uses each helper")]

mod service;

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use session_auth::config::DatabaseUrl;

pub use service::{Service, bounded_client, bounded_client_with_cookie};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_session-auth");

/// How long a one-shot command may run before it counts as hung.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding a free port");
    listener.local_addr().expect("local address").port()
}

/// `program` in `dir` with an empty environment except `PATH`.
pub fn clean_command(program: &str, dir: &Path) -> Command {
    let mut command = Command::new(program);
    command.current_dir(dir).env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    command
}

/// `session-auth ARGS` in `dir`, with only `PATH` and `BCRYPT_COST=4` set.
pub fn session_auth(dir: &Path, args: &[&str]) -> Command {
    let mut command = clean_command(BIN, dir);
    command.args(args).env("BCRYPT_COST", "4");
    command
}

/// A `DATABASE_URL` for a fresh SQLite file in `dir`.
pub fn sqlite_in(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("x.db").display())
}

/// The value to put in `DATABASE_URL` for `url`.
pub fn database_url_var(url: &DatabaseUrl) -> String {
    match url {
        DatabaseUrl::Postgres(url) => url.clone(),
        DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
    }
}

/// What a finished command left behind.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    /// The non-empty lines of stderr.
    pub fn stderr_lines(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect()
    }
}

/// Runs `command` with `stdin` piped in; panics if it runs longer than
/// [`COMMAND_TIMEOUT`] (it is killed first).
pub fn run(command: Command, stdin: &str) -> Finished {
    run_for(command, stdin, COMMAND_TIMEOUT)
}

/// [`run`] with its own time limit.
pub fn run_for(mut command: Command, stdin: &str, timeout: Duration) -> Finished {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command
        .spawn()
        .unwrap_or_else(|e| panic!("starting {command:?}: {e}"));
    let mut guard = ChildGuard(child);
    let mut input = guard.0.stdin.take().expect("stdin");
    let stdin = stdin.to_owned();
    // A command that exits without reading its input gives a broken pipe: fine.
    let writer = std::thread::spawn(move || drop(input.write_all(stdin.as_bytes())));
    let stdout = read_in_background(guard.0.stdout.take().expect("stdout"));
    let stderr = read_in_background(guard.0.stderr.take().expect("stderr"));
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = guard.0.try_wait().expect("waiting for the command") {
            break status;
        }
        if Instant::now() > deadline {
            guard.kill();
            let stderr = stderr.join().unwrap_or_default();
            panic!("{command:?} still ran after {timeout:?} and was killed; stderr:\n{stderr}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = writer.join();
    Finished {
        status,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}

fn read_in_background(
    mut pipe: impl std::io::Read + Send + 'static,
) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Kills and reaps its child when dropped.
struct ChildGuard(Child);

impl ChildGuard {
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The status code of `GET /healthz` on 127.0.0.1:`port`, if anything answers.
pub fn healthz_status(port: u16) -> Option<u16> {
    let timeout = Duration::from_secs(1);
    let mut stream = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), timeout).ok()?;
    stream.set_read_timeout(Some(timeout)).ok()?;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut status_line = String::new();
    BufReader::new(stream).read_line(&mut status_line).ok()?;
    status_line.split_whitespace().nth(1)?.parse().ok()
}
