//! The client's address: the TCP peer, unless that peer is a trusted proxy.

use std::net::IpAddr;

use actix_web::HttpRequest;
use ipnet::IpNet;

/// `TRUSTED_PROXIES`: single addresses (`10.0.0.7`) or networks in CIDR
/// notation (`172.30.80.0/24`, for replicas behind a proxy whose address a
/// container network hands out).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses a comma-separated list; blanks are ignored.
    pub fn parse(value: &str) -> Result<Self, String> {
        value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{s:?} is not an IP address or network (CIDR)"))
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// Whether `ip` is one of the trusted addresses or inside a trusted network.
    pub fn contains(&self, ip: &IpAddr) -> bool {
        // An IPv4 client of a dual-stack listener shows as `::ffff:a.b.c.d`.
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// Whether no proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The address to log and rate-limit. `X-Forwarded-For` is believed only
/// when the peer is listed in `TRUSTED_PROXIES`; then the right-most entry
/// that is not itself a trusted proxy is the client.
pub fn client_ip(req: &HttpRequest, trusted: &TrustedProxies) -> Option<IpAddr> {
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
pub fn peer_is_trusted(req: &HttpRequest, trusted: &TrustedProxies) -> bool {
    req.peer_addr()
        .is_some_and(|peer| trusted.contains(&peer.ip()))
}

/// A client address for log lines (`-` when unknown).
pub fn describe(ip: Option<IpAddr>) -> String {
    ip.map_or_else(|| "-".to_owned(), |ip| ip.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn trusts_single_addresses_and_networks() {
        let trusted = TrustedProxies::parse("10.0.0.7, 172.30.80.0/24,::1").unwrap();
        assert!(trusted.contains(&ip("10.0.0.7")));
        assert!(!trusted.contains(&ip("10.0.0.8")));
        assert!(trusted.contains(&ip("172.30.80.2")));
        assert!(trusted.contains(&ip("::ffff:172.30.80.200")));
        assert!(!trusted.contains(&ip("172.30.81.2")));
        assert!(trusted.contains(&ip("::1")));
    }

    #[test]
    fn refuses_what_is_neither_an_address_nor_a_network() {
        for bad in ["proxy", "10.0.0.0/33", "10.0.0.1/", "1.2.3"] {
            let err = TrustedProxies::parse(bad).unwrap_err();
            assert!(err.contains(bad), "{bad}: {err}");
        }
        assert!(TrustedProxies::parse(" , ").unwrap().is_empty());
    }
}
