//! Building and running the server; `main` and the tests share this.

use std::net::TcpListener;
use std::time::Duration;

use actix_identity::IdentityMiddleware;
use actix_identity::config::LogoutBehavior;
use actix_session::SessionMiddleware;
use actix_session::config::{BrowserSession, CookieContentSecurity};
use actix_session::storage::CookieSessionStore;
use actix_web::cookie::SameSite;
use actix_web::dev::Server;
use actix_web::middleware::{Condition, DefaultHeaders, Logger, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;

use crate::auth::csrf::refuse_cross_site;
use crate::auth::hash_threads::HashThreads;
use crate::auth::login::IDENTITY_KEY;
use crate::auth::session_checks::SessionCheckCache;
use crate::auth::session_cookie::{
    SessionCookieConfig, note_session_outcome, reseal_and_set_lifetime,
};
use crate::auth::throttle::Throttle;
use crate::auth::{PasswordHasher, SessionTimeouts};
use crate::config::Settings;
use crate::db;
use crate::flash::FlashCookies;
use crate::render::{self, Pages};
use crate::routes::{
    self,
    input::{BODY_LIMIT, limit_body},
};
use crate::state::AppState;

/// How long a request waits for a database connection before answering 503.
pub const DB_CONNECTION_TIMEOUT: Duration = Duration::from_secs(3);

/// A bound, ready-to-run server.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Connects and migrates the database, loads the templates and binds the
    /// listener (port 0 picks a free one).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let url = settings.database_url.clone();
        let size = settings.database_pool_size;
        let pool = tokio::task::spawn_blocking(move || {
            db::connect_and_migrate(&url, size, DB_CONNECTION_TIMEOUT)
        })
        .await
        .context("database start-up task")??;

        let listener = TcpListener::bind((settings.host.as_str(), settings.port))
            .with_context(|| format!("binding {}:{}", settings.host, settings.port))?;
        let port = listener.local_addr()?.port();
        let workers = settings.workers;
        let state = web::Data::new(build_state(settings, pool)?);
        state.hasher.prewarm();
        log::info!(
            "listening on http://{}:{port} ({} database)",
            state.settings.host,
            state.settings.database_url.backend()
        );

        let access_log =
            log::log_enabled!(target: "actix_web::middleware::logger", log::Level::Info);
        let server = HttpServer::new(move || {
            let state = state.clone();
            let allow_registration = state.settings.allow_registration;
            let session = session_middleware(&state.session_cookie);
            // Middleware runs outermost-first in the REVERSE order of `.wrap`:
            // Logger → security headers → error rendering → body limit →
            // cross-site refusal → cookie seal policy
            // → actix-session → actix-identity → session hook → routes (whose
            // guarded routes add the login guard).
            App::new()
                .app_data(state)
                .app_data(web::PayloadConfig::new(BODY_LIMIT))
                .configure(|cfg| routes::configure(cfg, allow_registration))
                .default_service(web::to(routes::not_found))
                .wrap(from_fn(note_session_outcome))
                .wrap(identity_middleware())
                .wrap(session)
                .wrap(from_fn(reseal_and_set_lifetime))
                .wrap(from_fn(refuse_cross_site))
                .wrap(from_fn(limit_body))
                .wrap(from_fn(render::negotiate_errors))
                .wrap(security_headers())
                // The access log costs a formatted line per request: skip it
                // entirely when RUST_LOG leaves it out.
                .wrap(Condition::new(
                    access_log,
                    Logger::new(r#"%a "%r" %s %b %Dms"#),
                ))
        })
        .workers(workers)
        .shutdown_timeout(10)
        // actix-server stops at once on SIGINT; `run_until_stopped` handles
        // SIGINT and SIGTERM itself, both gracefully.
        .disable_signals()
        .listen(listener)?
        .run();
        Ok(Self { port, server })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the server is stopped, or until SIGTERM or Ctrl-C
    /// (SIGINT): then it takes no new connections, lets the requests in
    /// flight finish (for up to the shutdown timeout) and returns. Another
    /// signal meanwhile stops it at once.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let mut server = std::pin::pin!(self.server);
        let mut signals = StopSignals::listen()?;
        let first = tokio::select! {
            served = &mut server => return served,
            signal = signals.next() => signal,
        };
        log::info!(
            "{first} received; finishing the requests in flight (another signal stops at once)"
        );
        // The command goes out now; the server's own future tells the end.
        drop(handle.stop(true));
        tokio::select! {
            served = &mut server => served,
            second = signals.next() => {
                log::warn!(
                    "second signal ({second}) received; stopping at once, \
                     requests in flight get no answer"
                );
                // Dropping the server stops its workers without waiting.
                Ok(())
            }
        }
    }
}

/// SIGTERM (`docker stop`, Kubernetes) and SIGINT (Ctrl-C) as one stream.
struct StopSignals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl StopSignals {
    #[cfg(unix)]
    fn listen() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    #[cfg(not(unix))]
    fn listen() -> std::io::Result<Self> {
        Ok(Self {})
    }

    /// Waits for the next signal; returns its name.
    #[cfg(unix)]
    async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.term.recv() => "SIGTERM",
            _ = self.int.recv() => "SIGINT",
        }
    }

    #[cfg(not(unix))]
    async fn next(&mut self) -> &'static str {
        match tokio::signal::ctrl_c().await {
            Ok(()) => "Ctrl-C",
            // No way to listen: never stop on a signal.
            Err(_) => std::future::pending().await,
        }
    }
}

fn build_state(settings: Settings, pool: db::Pool) -> anyhow::Result<AppState> {
    let remember_days = settings.remember_me_duration.as_secs() / 86_400;
    let remember_label = if remember_days >= 1 {
        format!(
            "Keep me logged in for {remember_days} day{}",
            if remember_days == 1 { "" } else { "s" }
        )
    } else {
        "Keep me logged in".to_owned()
    };
    let pages = Pages::load(settings.allow_registration, remember_label)
        .map_err(|e| anyhow::anyhow!("loading templates: {e:?}"))?;
    let key = settings.secret_key.0.clone();
    Ok(AppState {
        pool,
        pages,
        flash: FlashCookies::new(key.clone(), settings.cookie_secure),
        hasher: PasswordHasher::new(settings.bcrypt_cost, HashThreads::start(settings.workers)?),
        timeouts: SessionTimeouts {
            idle: settings.idle_timeout,
            absolute: settings.absolute_timeout,
            remember: settings.remember_me_duration,
        },
        session_cookie: SessionCookieConfig {
            name: settings.session_cookie_name(),
            secure: settings.cookie_secure,
            key,
            fallbacks: settings
                .secret_key_fallbacks
                .iter()
                .map(|k| k.0.clone())
                .collect(),
            remember_secs: i64::try_from(settings.remember_me_duration.as_secs())
                .unwrap_or(i64::MAX),
        },
        throttle: Throttle::new(settings.login_ip_limit),
        session_checks: SessionCheckCache::default(),
        settings,
    })
}

/// The whole cookie policy in one place.
fn session_middleware(cookie: &SessionCookieConfig) -> SessionMiddleware<CookieSessionStore> {
    SessionMiddleware::builder(CookieSessionStore::default(), cookie.key.clone())
        .cookie_name(cookie.name.to_owned())
        .cookie_content_security(CookieContentSecurity::Private)
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_path("/".to_owned())
        .cookie_domain(None)
        .cookie_secure(cookie.secure)
        // A browser-session cookie; "remember me" gets its Max-Age in `reseal_and_set_lifetime`.
        .session_lifecycle(BrowserSession::default())
        .build()
}

/// Timeouts are ours (sealed in `SealedLogin`), not actix-identity's.
fn identity_middleware() -> IdentityMiddleware {
    IdentityMiddleware::builder()
        .id_key(IDENTITY_KEY)
        .logout_behavior(LogoutBehavior::PurgeSession)
        .login_deadline(None)
        .visit_deadline(None)
        .build()
}

fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            "Content-Security-Policy",
            "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
        ))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
}
