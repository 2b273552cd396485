//! The client's address: the TCP peer, unless that peer is a trusted proxy.

use std::net::IpAddr;

use actix_web::HttpRequest;

/// The address to log and rate-limit. `X-Forwarded-For` is believed only
/// when the peer is listed in `TRUSTED_PROXIES`; then the right-most entry
/// that is not itself a trusted proxy is the client.
pub fn client_ip(req: &HttpRequest, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|ip| !trusted.contains(ip))
            .unwrap_or(peer),
    )
}

/// Whether the TCP peer is one of `TRUSTED_PROXIES`.
pub fn peer_is_trusted(req: &HttpRequest, trusted: &[IpAddr]) -> bool {
    req.peer_addr()
        .is_some_and(|peer| trusted.contains(&peer.ip()))
}

/// A client address for log lines (`-` when unknown).
pub fn describe(ip: Option<IpAddr>) -> String {
    ip.map_or_else(|| "-".to_owned(), |ip| ip.to_string())
}
