//! Graceful shutdown (SPEC: "SIGTERM and Ctrl-C stop the server
//! gracefully"): what `docker stop` and Kubernetes do to the container's
//! PID 1. Requests already being served finish with their normal answer,
//! no new connection is taken, and the process exits 0 in good time.

use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::helpers::{PASSWORD, assert_redirect, post_login};
use crate::process::{Service, bounded_client, sqlite_in};

/// bcrypt at this cost keeps a registration busy for over a second: long
/// enough to send SIGTERM while it is in flight.
const SLOW_BCRYPT_COST: &str = "14";

/// How long the process may take to exit after SIGTERM.
const EXIT_LIMIT: Duration = Duration::from_secs(15);

/// Whether a new TCP connection to 127.0.0.1:`port` is refused.
fn refuses_connections(port: u16) -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(1)).is_err()
}

/// The CPU time process `pid` has used so far (Linux: `/proc/PID/stat`).
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/PID/stat");
    // After "pid (comm) ": state is field 3; utime and stime are fields 14 and 15.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .expect("comm")
        .1
        .split_whitespace()
        .collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    // USER_HZ is 100 on every Linux this runs on.
    Duration::from_millis(ticks * 10)
}

/// Waits (up to 20 s) until process `pid` uses no CPU for 200 ms; returns its CPU time.
async fn until_idle(pid: u32) -> Duration {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last = cpu_time(pid);
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let now = cpu_time(pid);
        if now == last {
            return now;
        }
        assert!(Instant::now() < deadline, "the server never went idle");
        last = now;
    }
}

#[tokio::test]
async fn sigterm_lets_the_request_in_flight_finish_then_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_in(dir.path());
    let mut server = Service::start_debug(
        dir.path(),
        &[("DATABASE_URL", &db), ("BCRYPT_COST", SLOW_BCRYPT_COST)],
    );
    let (client, _jar) = bounded_client();
    // The server hashes a dummy password at start; let it finish.
    let idle = until_idle(server.pid()).await;

    // A registration is under way: bcrypt is hashing its password.
    let started = Instant::now();
    let registration = tokio::spawn(
        client
            .post(server.url("/register"))
            .form(&[
                ("username", "alice"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ])
            .send(),
    );
    // It is in flight once the server burns CPU on it (bcrypt), however
    // loaded the machine is.
    let working = || cpu_time(server.pid()) >= idle + Duration::from_millis(100);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !working() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        working(),
        "the server did not start on the registration within 10 s"
    );
    assert!(
        !registration.is_finished(),
        "the registration finished before SIGTERM: raise SLOW_BCRYPT_COST"
    );

    server.signal("TERM");
    let signalled = Instant::now();

    // Draining: the listener is closed at once, while the registration still runs.
    let deadline = signalled + Duration::from_secs(2);
    while !refuses_connections(server.port) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let refused_after = signalled.elapsed();
    assert!(
        refuses_connections(server.port),
        "a new connection was still accepted 2 s after SIGTERM; log:\n{}",
        server.log()
    );
    let drained_early = !registration.is_finished();

    let response = registration
        .await
        .expect("the request task")
        .unwrap_or_else(|e| {
            panic!(
                "the request in flight got no answer after SIGTERM: {e}; log:\n{}",
                server.log()
            )
        });
    let answered_after = started.elapsed();
    assert_redirect(&response, "/dashboard");
    assert!(
        drained_early,
        "new connections were still accepted until the request in flight had finished \
         (refused {refused_after:?} after SIGTERM)"
    );

    let status = server.wait_for_exit(EXIT_LIMIT).await.unwrap_or_else(|| {
        panic!(
            "still running {EXIT_LIMIT:?} after SIGTERM; log:\n{}",
            server.log()
        )
    });
    let exited_after = signalled.elapsed();
    assert!(
        status.success(),
        "exit status after SIGTERM: {status}; log:\n{}",
        server.log()
    );
    assert!(
        refuses_connections(server.port),
        "something still listens after exit"
    );
    eprintln!(
        "registration answered {answered_after:?} after it was sent; new connections refused \
         {refused_after:?} and the process gone {exited_after:?} after SIGTERM"
    );

    // The registration really happened: the account exists after a restart.
    let server = Service::start_debug(dir.path(), &[("DATABASE_URL", &db)]);
    let (client, _jar) = bounded_client();
    let response = post_login(&client, &server.address, "alice", PASSWORD).await;
    assert_redirect(&response, "/dashboard");
}

/// SIGTERM (`docker stop`) and SIGINT (Ctrl-C) alike.
#[tokio::test]
async fn sigterm_or_ctrl_c_on_an_idle_server_exits_zero_promptly() {
    for signal in ["TERM", "INT"] {
        let dir = tempfile::tempdir().unwrap();
        let db = sqlite_in(dir.path());
        let mut server = Service::start_debug(dir.path(), &[("DATABASE_URL", &db)]);
        // A client that keeps its connection open between requests, as browsers do.
        let (client, _jar) = bounded_client();
        let response = client
            .get(server.url("/login"))
            .send()
            .await
            .expect("GET /login");
        assert_eq!(response.status(), reqwest::StatusCode::OK);

        server.signal(signal);
        let signalled = Instant::now();
        let status = server.wait_for_exit(EXIT_LIMIT).await.unwrap_or_else(|| {
            panic!(
                "still running {EXIT_LIMIT:?} after SIG{signal}; log:\n{}",
                server.log()
            )
        });
        let exited_after = signalled.elapsed();
        assert!(status.success(), "exit status after SIG{signal}: {status}");
        eprintln!("idle server gone {exited_after:?} after SIG{signal}");
        // Well inside `docker stop`'s default grace period of 10 s.
        assert!(
            exited_after < Duration::from_secs(5),
            "an idle server (one keep-alive connection open) took {exited_after:?} to stop on SIG{signal}"
        );
    }
}
