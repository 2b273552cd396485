//! Graceful shutdown on SIGTERM and Ctrl-C (docs/contract.md, "Stopping"): what `docker stop` and Kubernetes do to the container's
//! PID 1. Requests already being served finish with their normal answer,
//! no new connection is taken, and the process exits 0 in good time.

use std::io::Write as _;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use reqwest::Method;

use crate::helpers::{PASSWORD, assert_redirect};
use crate::process::{Service, sqlite_in};

/// bcrypt at this cost keeps a registration busy for over a second: long
/// enough to send a signal while it is in flight.
const SLOW_BCRYPT_COST: &str = "14";

/// How long the process may take to exit after SIGTERM or Ctrl-C.
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
    the_request_in_flight_finishes_then_the_process_exits_zero("TERM").await;
}

/// Ctrl-C in a terminal (or `docker run -it`) is SIGINT: as graceful as SIGTERM.
#[tokio::test]
async fn ctrl_c_lets_the_request_in_flight_finish_then_exits_zero() {
    the_request_in_flight_finishes_then_the_process_exits_zero("INT").await;
}

/// A registration is in flight (bcrypt at work) when SIG`signal` arrives:
/// the listener closes at once, the registration is answered and done, and
/// the process exits 0.
async fn the_request_in_flight_finishes_then_the_process_exits_zero(signal: &str) {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_in(dir.path());
    let mut server = Service::start_debug(
        dir.path(),
        &[("DATABASE_URL", &db), ("BCRYPT_COST", SLOW_BCRYPT_COST)],
    );
    let client = server.client();
    // The server hashes a dummy password at start; let it finish.
    let idle = until_idle(server.pid()).await;

    // A registration is under way: bcrypt is hashing its password.
    let started = Instant::now();
    let registration = tokio::spawn(
        client
            .request(Method::POST, "/register")
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
        "the registration finished before SIG{signal}: raise SLOW_BCRYPT_COST"
    );

    server.signal(signal);
    let signalled = Instant::now();

    // Draining: the listener is closed at once, while the registration still runs.
    let deadline = signalled + Duration::from_secs(2);
    while !refuses_connections(server.port) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let refused_after = signalled.elapsed();
    assert!(
        refuses_connections(server.port),
        "a new connection was still accepted 2 s after SIG{signal}; log:\n{}",
        server.log()
    );
    let drained_early = !registration.is_finished();

    let response = registration
        .await
        .expect("the request task")
        .unwrap_or_else(|e| {
            panic!(
                "the request in flight got no answer after SIG{signal}: {e}; log:\n{}",
                server.log()
            )
        });
    let answered_after = started.elapsed();
    assert_redirect(&response, "/dashboard");
    assert!(
        drained_early,
        "new connections were still accepted until the request in flight had finished \
         (refused {refused_after:?} after SIG{signal})"
    );

    let status = server.wait_for_exit(EXIT_LIMIT).await.unwrap_or_else(|| {
        panic!(
            "still running {EXIT_LIMIT:?} after SIG{signal}; log:\n{}",
            server.log()
        )
    });
    let exited_after = signalled.elapsed();
    assert!(
        status.success(),
        "exit status after SIG{signal}: {status}; log:\n{}",
        server.log()
    );
    assert!(
        refuses_connections(server.port),
        "something still listens after exit"
    );
    eprintln!(
        "registration answered {answered_after:?} after it was sent; new connections refused \
         {refused_after:?} and the process gone {exited_after:?} after SIG{signal}"
    );

    // The registration really happened: the account exists after a restart.
    let server = Service::start_debug(dir.path(), &[("DATABASE_URL", &db)]);
    let client = server.client();
    let response = client.login("alice", PASSWORD).await;
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
        let client = server.client();
        let response = client.get("/login").await;
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

/// The operator who presses Ctrl-C twice does not want to wait: the first
/// one starts the graceful stop, which would wait for a client still
/// sending its request; the second stops at once, and the log says so.
#[tokio::test]
async fn a_second_ctrl_c_stops_at_once_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_in(dir.path());
    let mut server = Service::start_debug(dir.path(), &[("DATABASE_URL", &db)]);
    // A client is in the middle of sending a login: its request is in flight
    // for as long as it likes.
    let mut slow = TcpStream::connect(("127.0.0.1", server.port)).expect("connecting");
    write!(
        slow,
        "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nusername=al"
    )
    .expect("sending half a request");
    tokio::time::sleep(Duration::from_millis(300)).await;

    server.signal("INT");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        server.exit_status().is_none(),
        "the first Ctrl-C did not wait for the request in flight; log:\n{}",
        server.log()
    );

    server.signal("INT");
    let signalled = Instant::now();
    let status = server
        .wait_for_exit(Duration::from_secs(3))
        .await
        .unwrap_or_else(|| {
            panic!(
                "still running 3 s after the second Ctrl-C; log:\n{}",
                server.log()
            )
        });
    eprintln!(
        "gone {:?} after the second Ctrl-C ({status})",
        signalled.elapsed()
    );
    let log = server.log();
    assert!(
        log.lines()
            .any(|l| l.contains("second") && l.contains("at once")),
        "no log line says the second signal stopped the server at once:\n{log}"
    );
}

/// A mail queued when SIGTERM arrives still goes out, its retry included,
/// before the process exits 0; a second signal does not wait for mail.
#[tokio::test]
async fn mail_queued_at_sigterm_is_still_delivered_and_a_second_signal_does_not_wait() {
    use crate::support::mail::SmtpSink;
    for second_signal in [false, true] {
        let sink = SmtpSink::start().await;
        let dir = tempfile::tempdir().unwrap();
        let database = sqlite_in(dir.path());
        let transport = sink.url();
        let vars = [
            ("DATABASE_URL", database.as_str()),
            ("MAIL_TRANSPORT", transport.as_str()),
        ];
        let mut server = Service::serve(dir.path(), &vars);
        let client = server.client();
        let body = serde_json::json!({ "username": "mia", "password": PASSWORD, "email": "mia@example.com" });
        let response = client.post_json("/register", &body).await;
        assert_eq!(response.status(), reqwest::StatusCode::CREATED);
        sink.next_mail_to("mia@example.com", Duration::from_secs(10))
            .await;
        let response = client.get_json("/account").await;
        assert_eq!(response.status(), reqwest::StatusCode::OK);

        // The next send is refused once: the message waits 2 s for its retry.
        sink.fail_next(1);
        let resend = client
            .post_json("/account/email/resend", &serde_json::json!({}))
            .await;
        assert_eq!(resend.status(), reqwest::StatusCode::OK);
        let deadline = Instant::now() + Duration::from_secs(5);
        while sink.refused() == 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(sink.refused(), 1, "the first try was refused");
        let signalled = Instant::now();
        server.signal("TERM");
        if second_signal {
            tokio::time::sleep(Duration::from_millis(200)).await;
            server.signal("TERM");
        }
        let status = server
            .wait_for_exit(EXIT_LIMIT)
            .await
            .expect("the process exits");
        let took = signalled.elapsed();
        let delivered = sink.all().len();
        if second_signal {
            assert!(
                took < Duration::from_millis(1500),
                "stopped at once: {took:?}"
            );
            assert_eq!(delivered, 1, "the queued mail was given up");
            assert!(server.log().contains("unsent"), "{}", server.log());
        } else {
            assert!(status.success(), "{status:?}\n{}", server.log());
            assert_eq!(delivered, 2, "the queued mail went out:\n{}", server.log());
            assert!(
                took >= Duration::from_millis(1500),
                "it waited for the retry: {took:?}"
            );
        }
    }
}
