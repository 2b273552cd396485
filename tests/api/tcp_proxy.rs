//! A TCP proxy on 127.0.0.1 that a test switches off and on, to play a
//! database outage between the app and PostgreSQL: `cut` closes every open
//! link and drops new connections at once (a database that went away),
//! `stall` keeps the links open but passes nothing on any more (a hung
//! database host; the proxy still takes the bytes, so TCP-level timeouts and
//! keepalives see a live peer), `restore` forwards again.
//! Plain threads: it must keep working whatever the test's runtime is doing.

use std::io::{Read as _, Write as _};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

const FORWARD: u8 = 0;
const CUT: u8 = 1;
const STALL: u8 = 2;

/// The proxy; stops and closes every link when dropped.
pub struct TcpProxy {
    /// The port it listens on (127.0.0.1).
    pub port: u16,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

struct Shared {
    upstream: SocketAddr,
    mode: AtomicU8,
    stopping: AtomicBool,
    /// Both ends of every link made so far, to close them on `cut`.
    links: Mutex<Vec<TcpStream>>,
}

impl Shared {
    fn mode(&self) -> u8 {
        self.mode.load(Ordering::SeqCst)
    }

    fn keep(&self, stream: &TcpStream) {
        if let Ok(clone) = stream.try_clone() {
            self.links.lock().expect("links").push(clone);
        }
    }

    fn close_all(&self) {
        for stream in self.links.lock().expect("links").drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

impl TcpProxy {
    /// Listens on a free port of 127.0.0.1 and forwards to `upstream`.
    pub fn start(upstream: SocketAddr) -> Self {
        assert!(
            upstream.ip().is_loopback(),
            "the proxy only forwards to this machine, not {upstream}"
        );
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding the proxy");
        listener.set_nonblocking(true).expect("non-blocking accept");
        let port = listener.local_addr().expect("proxy address").port();
        let shared = Arc::new(Shared {
            upstream,
            mode: AtomicU8::new(FORWARD),
            stopping: AtomicBool::new(false),
            links: Mutex::new(Vec::new()),
        });
        let acceptor = {
            let shared = shared.clone();
            std::thread::spawn(move || accept_loop(&listener, &shared))
        };
        Self {
            port,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// The database goes away: every open link is closed, new connections
    /// are accepted and closed at once.
    pub fn cut(&self) {
        self.shared.mode.store(CUT, Ordering::SeqCst);
        self.shared.close_all();
    }

    /// The database falls silent: links stay open but nothing gets through
    /// either way, and new connections are accepted but never answered.
    pub fn stall(&self) {
        self.shared.mode.store(STALL, Ordering::SeqCst);
    }

    /// Back to normal for new connections; links closed by `cut` stay
    /// closed, links held by `stall` are closed (their protocol state is lost).
    pub fn restore(&self) {
        if self.shared.mode() == STALL {
            self.shared.close_all();
        }
        self.shared.mode.store(FORWARD, Ordering::SeqCst);
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        self.shared.close_all();
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        // Links accepted while the acceptor wound down.
        self.shared.close_all();
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    while !shared.stopping.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((client, _)) => open_link(client, shared),
            // Nothing waiting (non-blocking): look again shortly.
            Err(_) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
}

fn open_link(client: TcpStream, shared: &Arc<Shared>) {
    let _ = client.set_nonblocking(false);
    match shared.mode() {
        CUT => drop(client),
        STALL => shared.keep(&client),
        _ => {
            let Ok(server) = TcpStream::connect_timeout(&shared.upstream, Duration::from_secs(2))
            else {
                return;
            };
            shared.keep(&client);
            shared.keep(&server);
            for (from, to) in [(&client, &server), (&server, &client)] {
                let (Ok(from), Ok(to)) = (from.try_clone(), to.try_clone()) else {
                    continue;
                };
                let shared = shared.clone();
                std::thread::spawn(move || pump(from, to, &shared));
            }
        }
    }
}

/// Copies `from` → `to` until either closes; while stalled, bytes are lost.
fn pump(mut from: TcpStream, mut to: TcpStream, shared: &Shared) {
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(_) if shared.mode() == STALL => {}
            Ok(n) => {
                if to.write_all(&buffer[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}
