//! The access log: one line per request, `PEER "METHOD PATH HTTP/x" STATUS
//! BYTES TIMEms`, written when the answer is ready, within the request's
//! scope (so a JSON line carries its request id). The value of a `token`
//! in the query is hidden: links from mail carry one, and a log line must
//! never open an account.

use std::time::Instant;

use actix_web::HttpRequest;
use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

/// The log target of access lines: the one actix-web's own logger used, so
/// `RUST_LOG` filters stay as they were.
pub const TARGET: &str = "actix_web::middleware::logger";

/// Middleware: logs the request's line once its answer is ready.
pub async fn log_access<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    let started = Instant::now();
    let res = next.call(req).await?;
    let bytes = match res.response().body().size() {
        BodySize::Sized(n) => n.to_string(),
        BodySize::None => "0".to_owned(),
        BodySize::Stream => "-".to_owned(),
    };
    let peer = res
        .request()
        .peer_addr()
        .map_or_else(|| "-".to_owned(), |a| a.ip().to_string());
    log::info!(
        target: TARGET,
        "{peer} \"{}\" {} {bytes} {:.6}ms",
        request_line(res.request()),
        res.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    Ok(res)
}

/// `METHOD PATH?QUERY HTTP/x`, with any `token` value hidden.
pub fn request_line(req: &HttpRequest) -> String {
    let query = req.query_string();
    let shown = if query.is_empty() {
        String::new()
    } else {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) if name.eq_ignore_ascii_case("token") => format!("{name}=[hidden]"),
                _ => pair.to_owned(),
            })
            .collect();
        format!("?{}", pairs.join("&"))
    };
    format!("{} {}{shown} {:?}", req.method(), req.path(), req.version())
}
