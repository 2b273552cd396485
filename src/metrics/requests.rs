//! The request middleware: every answer counted and timed by route pattern,
//! method and status, as the client finally sees it (it sits outside the
//! error renderer).
//!
//! The hot path pays two clock reads, actix's `match_pattern` (a walk down
//! the already matched resource path, and one small `String` it allocates),
//! one hash look-up in this worker's own table of handles, and a few atomic
//! adds. No label is formatted per request: the handles for a route, method
//! and status are made once, on its first answer, and kept (the table is
//! bounded: route patterns are the app's own, an unknown path is
//! [`UNMATCHED`], a method outside the standard ones is `other`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use prometheus::{Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts};

/// The route label of a path that matched no route (scanners, typos): one
/// label for all of them, so that no client can grow the series.
pub const UNMATCHED: &str = "unmatched";
/// The route label of a request that a middleware failed (it has no answer
/// of a route).
const FAILED: &str = "middleware_error";

/// Latency buckets in seconds: from a cached page (well under a
/// millisecond) to a bcrypt login (a quarter second at cost 12) and the
/// database time-outs (seconds).
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The request counter and latency histogram of one app.
#[derive(Clone)]
pub struct RequestFamilies {
    count: IntCounterVec,
    latency: HistogramVec,
}

impl RequestFamilies {
    pub(super) fn register(registry: &prometheus::Registry) -> anyhow::Result<Self> {
        let labels = ["route", "method", "status"];
        let count = IntCounterVec::new(
            Opts::new(
                "session_auth_http_requests_total",
                "Answers by route pattern, method and status.",
            ),
            &labels,
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "session_auth_http_request_duration_seconds",
                "Time to answer, by route pattern, method and status.",
            )
            .buckets(BUCKETS.to_vec()),
            &labels,
        )?;
        registry.register(Box::new(count.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        Ok(Self { count, latency })
    }
}

/// One worker's handles, made on first use (the middleware's own piece).
pub struct WorkerRequests {
    families: RequestFamilies,
    handles: RefCell<HashMap<Key, (IntCounter, Histogram)>>,
}

#[derive(Hash, PartialEq, Eq)]
struct Key {
    /// The route pattern; `None` for [`UNMATCHED`].
    route: Option<String>,
    method: &'static str,
    status: u16,
}

impl WorkerRequests {
    /// A worker's table over `families`.
    pub fn new(families: RequestFamilies) -> Self {
        Self {
            families,
            handles: RefCell::default(),
        }
    }

    fn observe(&self, key: Key, seconds: f64) {
        let mut handles = self.handles.borrow_mut();
        let (count, latency) = handles.entry(key).or_insert_with_key(|key| {
            let status = key.status.to_string();
            let route = key.route.as_deref().unwrap_or(UNMATCHED);
            let labels = [route, key.method, status.as_str()];
            (
                self.families.count.with_label_values(&labels),
                self.families.latency.with_label_values(&labels),
            )
        });
        count.inc();
        latency.observe(seconds);
    }
}

/// Middleware: counts and times the answer.
pub async fn record<B: MessageBody>(
    requests: &WorkerRequests,
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    let result = next.call(req).await;
    let seconds = started.elapsed().as_secs_f64();
    let key = match &result {
        Ok(res) => Key {
            route: res.request().match_pattern(),
            method,
            status: res.status().as_u16(),
        },
        // The request is gone with the failed middleware; the error still
        // becomes an answer with its status.
        Err(e) => Key {
            route: Some(FAILED.to_owned()),
            method,
            status: e.as_response_error().status_code().as_u16(),
        },
    };
    requests.observe(key, seconds);
    result
}

/// The method label: the standard methods by name, any other as `other`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}
