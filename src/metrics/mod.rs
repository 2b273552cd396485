//! Prometheus metrics, served on `METRICS_ADDR` only (`metrics::server`).
//!
//! **Design: a registry per application, no global recorder.** Each
//! `Application` owns one `prometheus::Registry` (the `prometheus` crate; its
//! process-global default registry is never used). The request middleware
//! gets its families once per worker (captured in `startup`); handlers reach
//! the rest through `AppState`. The integration tests build many apps inside
//! one process: with a process-global recorder (the `metrics` macros) they
//! would count into one another or fail to install theirs, so each app's
//! counts are its own, and a scrape shows only its app.
//!
//! With `METRICS_ADDR` unset, [`Metrics`] holds nothing: recording is one
//! branch on `None`, the request middleware is not in the stack at all, and
//! no listener is bound. Gauges that the app already knows (pool use, the
//! hashing queue, pool waits) are read at scrape time (`sampled`), not kept
//! up to date on every request.

mod logins;
pub mod requests;
mod sampled;
pub mod server;

use std::sync::Arc;

use prometheus::{Encoder as _, IntCounter, IntCounterVec, Opts, Registry, TextEncoder};

pub use logins::LoginOutcome;
use requests::RequestFamilies;
pub use sampled::{Kind, Probe};

use crate::domain::LoginMethod;
use crate::error::AppError;

/// The app's metrics: cheap to clone; off (empty) unless `METRICS_ADDR` is set.
#[derive(Clone, Default)]
pub struct Metrics(Option<Arc<Series>>);

struct Series {
    registry: Registry,
    requests: RequestFamilies,
    logins: IntCounterVec,
    lockouts: IntCounter,
    mails_sent: IntCounterVec,
    mails_failed: IntCounterVec,
}

impl Metrics {
    /// Metrics off: nothing is recorded.
    pub fn off() -> Self {
        Self(None)
    }

    /// Metrics on: every series registered (the login counters at zero for
    /// each method), plus `probes`, read at every scrape.
    pub fn on(probes: Vec<Probe>) -> anyhow::Result<Self> {
        let registry = Registry::new();
        let requests = RequestFamilies::register(&registry)?;
        let logins = IntCounterVec::new(
            Opts::new(
                "session_auth_logins_total",
                "Login attempts by method and outcome.",
            ),
            &["method", "outcome"],
        )?;
        for method in LoginMethod::ALL {
            for outcome in [LoginOutcome::Success, LoginOutcome::Failure] {
                logins.with_label_values(&[method.as_str(), outcome.as_str()]);
            }
        }
        let lockouts = IntCounter::new(
            "session_auth_lockouts_total",
            "Usernames locked after too many failed logins (each lock, also a longer one after another failure).",
        )?;
        let mails_sent = IntCounterVec::new(
            Opts::new(
                "session_auth_mails_sent_total",
                "Mails handed to the transport, by kind.",
            ),
            &["kind"],
        )?;
        let mails_failed = IntCounterVec::new(
            Opts::new(
                "session_auth_mails_failed_total",
                "Mails given up (after their retries) or never queued, by kind.",
            ),
            &["kind"],
        )?;
        registry.register(Box::new(logins.clone()))?;
        registry.register(Box::new(lockouts.clone()))?;
        registry.register(Box::new(mails_sent.clone()))?;
        registry.register(Box::new(mails_failed.clone()))?;
        for probe in probes {
            registry.register(Box::new(probe))?;
        }
        Ok(Self(Some(Arc::new(Series {
            registry,
            requests,
            logins,
            lockouts,
            mails_sent,
            mails_failed,
        }))))
    }

    /// The request families, for a worker's middleware (`None` when off).
    pub fn requests(&self) -> Option<RequestFamilies> {
        self.0.as_ref().map(|s| s.requests.clone())
    }

    /// One login attempt by `method` ended with `outcome`.
    pub fn login(&self, method: LoginMethod, outcome: LoginOutcome) {
        if let Some(s) = &self.0 {
            s.logins
                .with_label_values(&[method.as_str(), outcome.as_str()])
                .inc();
        }
    }

    /// A login attempt by `method` failed with `error` (an error that is no
    /// attempt's outcome, such as a missing field or a database outage, is
    /// not counted). Returns `error`, for `map_err`.
    pub fn login_failed(&self, method: LoginMethod, error: AppError) -> AppError {
        if let Some(outcome) = LoginOutcome::of_error(&error) {
            self.login(method, outcome);
        }
        error
    }

    /// A username was locked after too many failures.
    pub fn lockout(&self) {
        if let Some(s) = &self.0 {
            s.lockouts.inc();
        }
    }

    /// A mail of `kind` was handed over (`sent`) or given up.
    pub fn mail(&self, kind: &str, sent: bool) {
        if let Some(s) = &self.0 {
            let family = if sent { &s.mails_sent } else { &s.mails_failed };
            family.with_label_values(&[kind]).inc();
        }
    }

    /// Every series in the Prometheus text format (empty when off).
    pub fn render(&self) -> anyhow::Result<String> {
        let Some(s) = &self.0 else {
            return Ok(String::new());
        };
        let mut out = Vec::new();
        TextEncoder::new().encode(&s.registry.gather(), &mut out)?;
        Ok(String::from_utf8(out)?)
    }
}
