//! Building and running the server; `main` and the tests share this.

use std::net::TcpListener;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;

use crate::access_log::{self, log_access};
use crate::admission::admit;
use crate::auth::login::identity_middleware;
use crate::auth::passkeys::Passkeys;
use crate::auth::session_cookie::{
    SessionCookieConfig, note_session_outcome, reseal_and_set_lifetime,
};
use crate::auth::throttle::Throttle;
use crate::auth::{Authenticator, PasswordHasher, SessionTimeouts};
use crate::body_limit::BODY_LIMIT;
use crate::config::{PublicUrl, Settings};
use crate::cookies::SealedCookie;
use crate::db::{self, Database};
use crate::envelope::envelope;
use crate::flash::FlashCookies;
use crate::housekeeping::Housekeeping;
use crate::i18n;
use crate::mail::{Mailer, Outbox};
use crate::metrics::requests::{self, WorkerRequests};
use crate::metrics::{self, Kind, Metrics, Probe};
use crate::render::{self, Pages};
use crate::routes;
use crate::signals::StopSignals;
use crate::state::AppState;

/// How long a request waits for a database connection before answering 503.
pub const DB_CONNECTION_TIMEOUT: Duration = Duration::from_secs(3);

/// A bound, ready-to-run server.
pub struct Application {
    port: u16,
    server: Server,
    /// The `METRICS_ADDR` listener's port and server, when metrics are on.
    metrics: Option<(u16, Server)>,
    outbox: Outbox,
    housekeeping: Housekeeping,
}

/// How long a stopping server waits for queued mail.
const MAIL_DRAIN_BOUND: Duration = Duration::from_secs(10);

impl Application {
    /// Connects and migrates the database, loads the templates and binds the
    /// listener (port 0 picks a free one).
    pub async fn build(mut settings: Settings) -> anyhow::Result<Self> {
        i18n::check().map_err(|e| anyhow::anyhow!("loading translations: {e}"))?;
        // One hashing thread more than the workers (bench/README.md, "Logins
        // during a page flood"): two left logins a quarter of the bcrypt
        // bound during a page flood, four cut the pages to half.
        let hasher = PasswordHasher::start(settings.bcrypt_cost, settings.workers + 1)?;
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
        if settings.public_url.derived {
            settings.public_url = PublicUrl::derive(&settings.host, port);
        }
        log::info!(
            "listening on http://{}:{port} ({} database)",
            settings.host,
            settings.database_url.backend()
        );
        let workers = settings.workers;
        let cookie = session_cookie_config(&settings);
        let db = Database::new(pool);
        let (metrics, metrics_listener) = match &settings.metrics_addr {
            Some(addr) => {
                let listener = TcpListener::bind((addr.host.as_str(), addr.port))
                    .with_context(|| format!("binding METRICS_ADDR {addr}"))?;
                let bound = listener.local_addr()?;
                log::info!("metrics on http://{bound}/metrics");
                (Metrics::on(scraped_series(&db, &hasher)?)?, Some(listener))
            }
            None => (Metrics::off(), None),
        };
        let (mailer, outbox) = Mailer::start(&settings, metrics.clone())?;
        log::info!(
            "links in mail point to {} (mail transport: {:?})",
            settings.public_url.origin(),
            settings.mail_transport
        );
        let passkeys = relying_party(&settings)?;
        let parts = Parts {
            db,
            hasher,
            mailer,
            passkeys,
            metrics: metrics.clone(),
        };
        let state = web::Data::new(build_state(settings, parts)?);
        let housekeeping = Housekeeping::new(state.db.clone(), state.settings.activity_retention);

        let access_log = log::log_enabled!(target: access_log::TARGET, log::Level::Info);
        let request_metrics = metrics.requests();
        let server = HttpServer::new(move || {
            // Each middleware gets its own piece, once per worker; an `Rc`
            // clone per request (no atomics) hands it to the request.
            let pages = Rc::new(Arc::clone(&state.pages));
            let cookie = Rc::new(cookie.clone());
            let cookie_inner = Rc::clone(&cookie);
            let proxies = Rc::new(state.settings.trusted_proxies.clone());
            let ids_from = Rc::clone(&proxies);
            let guard = Rc::new(state.auth.clone());
            // Off: an empty table, never used (the middleware is skipped).
            let counted = request_metrics.clone();
            let counted = Rc::new(counted.map(WorkerRequests::new));
            let allow_registration = state.settings.allow_registration;
            let reauth_window = state.settings.reauth_window;
            // Middleware runs outermost-first in the REVERSE order of `.wrap`:
            // envelope (request id, language, security headers) → metrics →
            // access log → error rendering → admission (body limit, then
            // cross-site refusal) → cookie re-sealing and lifetime →
            // actix-session → actix-identity → session outcome → routes (whose
            // guarded routes add the login guard). The error renderer sits
            // outside everything that can fail, and inside the envelope
            // whose headers every answer carries.
            App::new()
                .app_data(state.clone())
                .app_data(web::PayloadConfig::new(BODY_LIMIT))
                .configure(|cfg| routes::configure(cfg, allow_registration, &guard, reauth_window))
                .default_service(web::to(routes::not_found))
                .wrap(from_fn(move |req, next| {
                    let cookie = Rc::clone(&cookie_inner);
                    async move { note_session_outcome(&cookie, req, next).await }
                }))
                .wrap(identity_middleware())
                .wrap(cookie.middleware())
                .wrap(from_fn(move |req, next| {
                    let cookie = Rc::clone(&cookie);
                    async move { reseal_and_set_lifetime(&cookie, req, next).await }
                }))
                .wrap(from_fn(move |req, next| {
                    let proxies = Rc::clone(&proxies);
                    async move { admit(&proxies, req, next).await }
                }))
                .wrap(from_fn(move |req, next| {
                    let pages = Rc::clone(&pages);
                    async move { render::render_errors(&pages, req, next).await }
                }))
                // The access log costs a formatted line per request: skip it
                // entirely when RUST_LOG leaves it out.
                .wrap(Condition::new(access_log, from_fn(log_access)))
                // Outside the error renderer: counts the final status. Off,
                // it is not in the stack.
                .wrap(Condition::new(
                    counted.is_some(),
                    from_fn(move |req, next| {
                        let counted = Rc::clone(&counted);
                        async move {
                            match counted.as_ref() {
                                Some(counted) => requests::record(counted, req, next).await,
                                None => next.call(req).await,
                            }
                        }
                    }),
                ))
                // Outermost: every answer, and every log line of its request,
                // carries the request's id; errors speak its language too.
                .wrap(from_fn(move |req, next| {
                    let proxies = Rc::clone(&ids_from);
                    async move { envelope(&proxies, req, next).await }
                }))
        })
        .workers(workers)
        .shutdown_timeout(10)
        // actix-server stops at once on SIGINT; `run_until_stopped` handles
        // SIGINT and SIGTERM itself, both gracefully.
        .disable_signals()
        .listen(listener)?
        .run();
        let metrics = match metrics_listener {
            Some(listener) => {
                let port = listener.local_addr()?.port();
                Some((port, metrics::server::serve(metrics, listener)?))
            }
            None => None,
        };
        Ok(Self {
            port,
            server,
            metrics,
            outbox,
            housekeeping,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The metrics listener's port actually bound (`None`: metrics off).
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(port, _)| *port)
    }

    /// Serves until the server is stopped, or until SIGTERM or Ctrl-C
    /// (SIGINT): then it takes no new connections, lets the requests in
    /// flight finish (for up to the shutdown timeout), lets queued mail go
    /// out (for up to [`MAIL_DRAIN_BOUND`]) and returns. Another signal
    /// meanwhile stops it at once.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let mut signals = StopSignals::listen()?;
        // Clean-ups and the metrics listener run while the server serves and
        // stop with it (dropped here: the metrics go before the mail drains).
        let serving = tokio::select! {
            served = Self::serve(self.server, &mut signals) => served,
            never = self.housekeeping.run_forever() => match never {},
            never = serve_metrics(self.metrics.map(|(_, server)| server)) => match never {},
        };
        let Some(served) = serving else {
            // Stopped at once: mail still queued is given up (and logged).
            self.outbox
                .finish(Duration::ZERO, std::future::ready(()))
                .await;
            return Ok(());
        };
        let second = async {
            let signal = signals.next().await;
            log::warn!("{signal} received; stopping at once, queued mail is not sent");
        };
        let _undelivered = self.outbox.finish(MAIL_DRAIN_BOUND, second).await;
        served
    }

    /// Serves until stopped; `None` when a second signal stopped it at once.
    async fn serve(server: Server, signals: &mut StopSignals) -> Option<std::io::Result<()>> {
        let handle = server.handle();
        let mut server = std::pin::pin!(server);
        let first = tokio::select! {
            served = &mut server => return Some(served),
            signal = signals.next() => signal,
        };
        log::info!(
            "{first} received; finishing the requests in flight (another signal stops at once)"
        );
        // The command goes out now; the server's own future tells the end.
        drop(handle.stop(true));
        tokio::select! {
            served = &mut server => Some(served),
            second = signals.next() => {
                log::warn!(
                    "second signal ({second}) received; stopping at once, \
                     requests in flight get no answer"
                );
                // Dropping the server stops its workers without waiting.
                None
            }
        }
    }
}

/// Serves the metrics until dropped; a metrics listener that fails is
/// logged and leaves the app serving.
async fn serve_metrics(server: Option<Server>) -> std::convert::Infallible {
    if let Some(server) = server
        && let Err(e) = server.await
    {
        log::error!("the metrics listener stopped: {e}");
    }
    std::future::pending().await
}

/// What the app reads at every scrape of `/metrics`: the pool, its waits
/// and the hashing queue (kept anyway, so free between scrapes).
fn scraped_series(db: &Database, hasher: &PasswordHasher) -> anyhow::Result<Vec<Probe>> {
    let (pool, waits, slow) = (db.clone(), db.clone(), db.clone());
    let queue = hasher.clone();
    vec![
        Probe::gauges(
            "session_auth_db_pool_connections",
            "Open database connections, in use or idle.",
            "state",
            move || {
                let stats = pool.pool_stats();
                vec![
                    ("in_use", f64::from(stats.open.saturating_sub(stats.idle))),
                    ("idle", f64::from(stats.idle)),
                ]
            },
        ),
        Probe::single(
            Kind::Counter,
            "session_auth_db_pool_waits_total",
            "Units of database work that found every connection busy and waited.",
            move || waits.pool_stats().waits as f64,
        ),
        Probe::single(
            Kind::Counter,
            "session_auth_db_pool_slow_waits_total",
            "Waits for a database connection over 100 ms.",
            move || slow.pool_stats().slow_waits as f64,
        ),
        Probe::single(
            Kind::Gauge,
            "session_auth_password_hash_queue_depth",
            "Password hashes and checks waiting for a hashing thread.",
            move || queue.queue_depth() as f64,
        ),
    ]
    .into_iter()
    .collect()
}

/// The passkeys' relying party, from `PUBLIC_URL` (as bound) and
/// `WEBAUTHN_RP_ID`. With neither naming a domain (`PUBLIC_URL` on an IP
/// address), passkeys are off and the start says so.
fn relying_party(settings: &Settings) -> anyhow::Result<Option<Passkeys>> {
    let rp_id = settings.webauthn_rp_id();
    if settings.webauthn_rp_id.is_none() && rp_id.parse::<std::net::IpAddr>().is_ok() {
        log::warn!(
            "passkeys are off: PUBLIC_URL ({}) is an IP address, which browsers refuse as a relying-party id; set WEBAUTHN_RP_ID and a PUBLIC_URL with a domain name",
            settings.public_url.origin()
        );
        return Ok(None);
    }
    let passkeys = Passkeys::new(settings.public_url.origin(), rp_id)?;
    log::info!("passkeys: relying-party id {rp_id}");
    Ok(Some(passkeys))
}

/// What the state is built from, besides the settings.
struct Parts {
    db: Database,
    hasher: PasswordHasher,
    mailer: Mailer,
    passkeys: Option<Passkeys>,
    metrics: Metrics,
}

fn build_state(settings: Settings, parts: Parts) -> anyhow::Result<AppState> {
    let Parts {
        db,
        hasher,
        mailer,
        passkeys,
        metrics,
    } = parts;
    let flash = FlashCookies::new(settings.secret_key.0.clone(), settings.cookie_secure);
    let pages = Pages::load(
        settings.allow_registration,
        passkeys.is_some(),
        settings.remember_me_duration,
        flash,
    )
    .map_err(|e| anyhow::anyhow!("loading templates: {e:?}"))?;
    let timeouts = SessionTimeouts {
        idle: settings.idle_timeout,
        absolute: settings.absolute_timeout,
        remember: settings.remember_me_duration,
    };
    Ok(AppState {
        auth: Authenticator::new(db.clone(), timeouts, settings.trusted_proxies.clone()),
        db,
        pages: Arc::new(pages),
        hasher,
        throttle: Throttle::new(settings.login_ip_limit),
        mailer,
        reset_cookie: SealedCookie::new(
            settings.secret_key.0.clone(),
            ("reset", "__Secure-reset"),
            "/password/reset",
            settings.cookie_secure,
        ),
        passkeys,
        metrics,
        settings,
    })
}

fn session_cookie_config(settings: &Settings) -> SessionCookieConfig {
    SessionCookieConfig {
        name: settings.session_cookie_name(),
        secure: settings.cookie_secure,
        key: settings.secret_key.0.clone(),
        fallbacks: settings
            .secret_key_fallbacks
            .iter()
            .map(|k| k.0.clone())
            .collect(),
        remember_secs: i64::try_from(settings.remember_me_duration.as_secs()).unwrap_or(i64::MAX),
    }
}
