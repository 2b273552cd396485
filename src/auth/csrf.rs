//! Cross-site request forgery, refused by Fetch Metadata (no tokens).
//!
//! An unsafe request (POST, PUT, PATCH, DELETE) is refused with 403 when its
//! `Sec-Fetch-Site` is present and neither `same-origin` nor `none`, or,
//! without that header, when its `Origin` names another host. Requests with
//! neither header (curl, scripts) pass: no victim's browser sends those.
//! The same rule as Go's `net/http` CrossOriginProtection; like Go it
//! compares hosts, not schemes (HSTS covers the scheme).

use actix_web::dev::ServiceRequest;
use actix_web::http::header::{self, HeaderMap};

use crate::client_ip::{self, TrustedProxies};
use crate::error::AppError;
use crate::i18n::Text;

/// Refuses (403) an unsafe request from another site; see the module docs.
/// `trusted` (`TRUSTED_PROXIES`) may name the host the client addressed
/// (`X-Forwarded-Host`).
pub fn check(req: &ServiceRequest, trusted: &TrustedProxies) -> Result<(), AppError> {
    if req.method().is_safe() || is_same_origin(req, trusted) {
        return Ok(());
    }
    log::warn!(
        "refused a cross-site {} {} (Sec-Fetch-Site {:?}, Origin {:?})",
        req.method(),
        req.path(),
        header_str(req.headers(), "sec-fetch-site").unwrap_or("-"),
        header_str(req.headers(), "origin").unwrap_or("-"),
    );
    Err(AppError::Forbidden(Text::new("error-cross-site")))
}

fn is_same_origin(req: &ServiceRequest, trusted: &TrustedProxies) -> bool {
    let headers = req.headers();
    if let Some(site) = header_str(headers, "sec-fetch-site") {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = header_str(headers, header::ORIGIN.as_str()) else {
        return true;
    };
    // `Origin: null` and malformed values have no host, so they never match.
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest)
        .filter(|host| !host.is_empty() && !host.contains('/'));
    match (origin_host, own_host(req, trusted)) {
        (Some(theirs), Some(ours)) => theirs.eq_ignore_ascii_case(ours),
        _ => false,
    }
}

/// The host the client addressed: `X-Forwarded-Host` from a trusted proxy, else `Host`.
fn own_host<'a>(req: &'a ServiceRequest, trusted: &TrustedProxies) -> Option<&'a str> {
    let forwarded = client_ip::peer_is_trusted(req.request(), trusted)
        .then(|| header_str(req.headers(), "x-forwarded-host"))
        .flatten()
        .and_then(|v| v.split(',').next())
        .map(str::trim);
    forwarded
        .or_else(|| header_str(req.headers(), header::HOST.as_str()))
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}
