//! `session-auth serve` as a process under a test's full control: any binary
//! (debug or release), any environment, its process id for signals and its
//! exit status. It runs with a clean environment on a free port of 127.0.0.1
//! and is always killed when dropped.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::{BIN, ChildGuard, clean_command, healthz_status};
use crate::helpers::{TestClient, assert_redirect};
use crate::support::free_port;

/// How long a server may take to migrate and answer `/healthz`.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// What every server of this build gets unless the test says otherwise.
const TEST_DEFAULTS: [(&str, &str); 2] = [("BCRYPT_COST", "4"), ("DATABASE_POOL_SIZE", "2")];

/// `session-auth serve` from `binary`, run in `dir`; killed when dropped.
pub struct Service {
    child: ChildGuard,
    binary: PathBuf,
    dir: PathBuf,
    vars: Vec<(String, String)>,
    pub port: u16,
    /// `http://127.0.0.1:PORT`
    pub address: String,
    /// Where its stdout and stderr go.
    pub log_path: PathBuf,
}

impl Service {
    /// Starts `binary serve` in `dir` with only `PATH` and `vars` set, plus
    /// `HOST=127.0.0.1` and a free `PORT` (these two always win), writing
    /// its output to a file in `log_dir`; waits until `/healthz` answers 200.
    /// `prepare` may adjust the command (e.g. the user it runs as).
    pub fn start(
        binary: &Path,
        dir: &Path,
        log_dir: &Path,
        vars: &[(String, String)],
        prepare: impl Fn(&mut Command),
    ) -> Self {
        // Another process may take the free port before the server binds it: retry.
        for attempt in 1..=3 {
            let port = free_port();
            let log_path = log_dir.join(format!("server-{port}.log"));
            let log = std::fs::File::create(&log_path).expect("creating the server log");
            let mut vars = vars.to_vec();
            vars.retain(|(k, _)| k != "HOST" && k != "PORT");
            vars.push(("HOST".into(), "127.0.0.1".into()));
            vars.push(("PORT".into(), port.to_string()));
            let mut command = command(binary, dir, &vars, &["serve"]);
            prepare(&mut command);
            command
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("log file"))
                .stderr(log);
            let child = command
                .spawn()
                .unwrap_or_else(|e| panic!("starting {command:?}: {e}"));
            let mut service = Self {
                child: ChildGuard(child),
                binary: binary.to_owned(),
                dir: dir.to_owned(),
                vars,
                port,
                address: format!("http://127.0.0.1:{port}"),
                log_path,
            };
            match service.wait_until_healthy() {
                Ok(()) => return service,
                Err(log) if attempt < 3 && log.contains("binding") => continue,
                Err(log) => panic!("the server did not start; its output:\n{log}"),
            }
        }
        unreachable!()
    }

    /// The debug binary of this build in `dir`, as an operator starts it, with
    /// `vars` and [`TEST_DEFAULTS`] unless given; its log goes to `dir`.
    pub fn serve(dir: &Path, vars: &[(&str, &str)]) -> Self {
        let all: Vec<(String, String)> = with_defaults(&TEST_DEFAULTS, vars)
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Self::start(Path::new(BIN), dir, dir, &all, |_| {})
    }

    /// [`Service::serve`], and without the per-address login limit
    /// (`LOGIN_IP_LIMIT=0`) unless given: the deployment stories log in
    /// many times from 127.0.0.1.
    pub fn start_debug(dir: &Path, vars: &[(&str, &str)]) -> Self {
        Self::serve(dir, &with_defaults(&[("LOGIN_IP_LIMIT", "0")], vars))
    }

    /// Polls `/healthz`; on failure, returns the server's output.
    fn wait_until_healthy(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + START_TIMEOUT;
        while Instant::now() < deadline {
            if let Some(status) = self.exit_status() {
                return Err(format!("(exited with {status})\n{}", self.log()));
            }
            if healthz_status(self.port) == Some(200) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill();
        Err(format!(
            "(no 200 from /healthz within {START_TIMEOUT:?})\n{}",
            self.log()
        ))
    }

    /// The same binary with `args`, the same directory and environment
    /// (e.g. `healthcheck`, which must find this server through `HOST`/`PORT`).
    pub fn sibling(&self, args: &[&str]) -> Command {
        command(&self.binary, &self.dir, &self.vars, args)
    }

    /// The process id, for signals.
    pub fn pid(&self) -> u32 {
        self.child.0.id()
    }

    /// Sends `signal` (e.g. `TERM`) with `kill(1)`.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid().to_string())
            .status()
            .expect("running kill");
        assert!(status.success(), "kill -{signal} {} failed", self.pid());
    }

    /// The exit status, if the process has ended.
    pub fn exit_status(&mut self) -> Option<ExitStatus> {
        self.child.0.try_wait().expect("checking the server")
    }

    /// Waits up to `limit` for the process to end (without blocking the
    /// test's async runtime); `None` if it still runs.
    pub async fn wait_for_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.exit_status() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Everything the server wrote so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// A new browser for this server (see [`TestClient::new`]).
    pub fn client(&self) -> TestClient {
        TestClient::new(&self.address)
    }

    /// A new browser that registered `name` with the stories' password;
    /// asserts the 303 to `/dashboard`.
    pub async fn user(&self, name: &str) -> TestClient {
        let client = self.client();
        assert_redirect(&client.register(name).await, "/dashboard");
        client
    }

    /// Kills the server (if it still runs) and reaps it.
    pub fn kill(&mut self) {
        self.child.kill();
    }
}

/// `vars`, preceded by each of `defaults` whose name `vars` does not set.
fn with_defaults<'a>(
    defaults: &[(&'a str, &'a str)],
    vars: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    defaults
        .iter()
        .filter(|(k, _)| !vars.iter().any(|(given, _)| given == k))
        .chain(vars)
        .copied()
        .collect()
}

fn command(binary: &Path, dir: &Path, vars: &[(String, String)], args: &[&str]) -> Command {
    let mut command = clean_command(binary.to_str().expect("UTF-8 binary path"), dir);
    command.args(args).envs(vars.iter().map(|(k, v)| (k, v)));
    command
}
