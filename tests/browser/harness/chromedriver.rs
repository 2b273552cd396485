//! chromedriver: which binary (the `CI=true` rule), and its processes.
//!
//! chromedriver starts in a process group of its own, and that whole group
//! (chromedriver and every Chromium process under it) is killed when the
//! [`Chromedriver`] is dropped, so a failing test leaves no Chromium behind.

use std::fs::File;
use std::net::TcpStream;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::TIMEOUT;
use crate::support::{free_port, required};

/// The chromedriver to use: `CHROMEDRIVER`, or `None` when it is not set
/// (a skip locally, a failure under `CI=true`: see [`required`]).
pub fn chromedriver() -> Option<PathBuf> {
    let path = std::env::var_os("CHROMEDRIVER").filter(|p| !p.is_empty());
    required(
        path.map(PathBuf::from),
        "browser",
        "CHROMEDRIVER is not set",
        "set CHROMEDRIVER=/usr/bin/chromedriver to run the browser tests",
    )
}

/// A chromedriver in a process group of its own, killed with all of its
/// Chromium processes when dropped.
pub(super) struct Chromedriver {
    child: Child,
    pub(super) port: u16,
    log: PathBuf,
}

impl Chromedriver {
    /// Starts `binary` on a free port, logging to `dir/chromedriver.log`,
    /// and waits until it listens.
    pub(super) async fn start(binary: &Path, dir: &Path) -> Self {
        let port = free_port();
        let log = dir.join("chromedriver.log");
        let log_file = File::create(&log).expect("chromedriver log file");
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("log file"))
            .stderr(log_file)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", binary.display()));
        let mut driver = Self { child, port, log };

        let deadline = Instant::now() + TIMEOUT;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = driver.child.try_wait() {
                panic!("chromedriver exited with {status}:\n{}", driver.log_text());
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on port {port}:\n{}",
                driver.log_text()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        driver
    }

    /// What chromedriver has logged so far.
    pub(super) fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn signal_group(&self, signal: &str) -> bool {
        Command::new("kill")
            .args([signal, "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        self.signal_group("-TERM");
        let _ = self.child.wait();
        // Chromium's own processes go with their group; give them a moment,
        // then make sure none survives.
        let deadline = Instant::now() + Duration::from_secs(3);
        while group_alive(self.child.id()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        self.signal_group("-KILL");
    }
}

/// Whether a process of group `pgid` is still running. Zombies do not count:
/// the processes Chromium leaves to be reaped by PID 1 may stay zombies for a
/// while, and `kill -0` would count them. Without `/proc`, assume yes.
fn group_alive(pgid: u32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return true;
    };
    entries.flatten().any(|entry| {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            return false;
        };
        // `pid (comm) state ppid pgrp …`; comm may hold spaces and parentheses.
        let mut fields = stat
            .rsplit_once(')')
            .map_or("", |(_, rest)| rest)
            .split_whitespace();
        let state = fields.next();
        let pgrp = fields.nth(1);
        state.is_some_and(|s| s != "Z" && s != "X") && pgrp == Some(&pgid.to_string())
    })
}
