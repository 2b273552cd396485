//! Request ids: every answer carries `X-Request-Id`, and every log line
//! written while its request is handled carries the same id (`logging`).
//!
//! The id comes from a trusted proxy's `X-Request-Id` (`TRUSTED_PROXIES`),
//! so one id follows the request through the proxy's log and ours; from
//! anyone else the header is ignored and a new id is made, since a client
//! could otherwise write what it likes into our log lines.

use std::sync::Arc;

use actix_web::HttpMessage as _;
use actix_web::dev::ServiceRequest;
use actix_web::http::header::HeaderName;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::client_ip::{self, TrustedProxies};

/// The header, both ways.
pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");
/// The longest id taken from a proxy.
const MAX_LEN: usize = 128;

tokio::task_local! {
    static CURRENT: RequestId;
}

/// One request's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(Arc<str>);

impl RequestId {
    /// A new random id (128 bits, base64url: 22 characters).
    pub fn new() -> Self {
        let bytes: [u8; 16] = rand::random();
        Self(URL_SAFE_NO_PAD.encode(bytes).into())
    }

    /// A proxy's id, if it is one we can log as it is: 1 to 128 printable
    /// ASCII characters without spaces, quotes or backslashes.
    pub fn from_proxy(value: &str) -> Option<Self> {
        let fits = (1..=MAX_LEN).contains(&value.len())
            && value
                .bytes()
                .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b'\\'));
        fits.then(|| Self(value.into()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id `req` is handled under: its trusted proxy's, else a new one.
    /// Kept in the request's extensions too, for the handlers.
    pub fn of(req: &ServiceRequest, trusted: &TrustedProxies) -> Self {
        let forwarded = client_ip::peer_is_trusted(req.request(), trusted)
            .then(|| req.headers().get(&HEADER)?.to_str().ok())
            .flatten()
            .and_then(Self::from_proxy);
        let id = forwarded.unwrap_or_default();
        req.extensions_mut().insert(id.clone());
        id
    }

    /// Runs `work` (a request's handling) in this id's scope.
    pub async fn scope<F: Future>(self, work: F) -> F::Output {
        CURRENT.scope(self, work).await
    }

    /// The id of the request being handled on this task, if any.
    pub fn current() -> Option<Self> {
        CURRENT.try_with(Clone::clone).ok()
    }

    /// Runs `work` (on a blocking thread) as part of the current request, so
    /// that its log lines carry the id too.
    pub fn carry<T>(id: Option<&Self>, work: impl FnOnce() -> T) -> T {
        match id {
            Some(id) => CURRENT.sync_scope(id.clone(), work),
            None => work(),
        }
    }
}

impl Default for RequestId {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_ids_are_unique_and_a_proxys_is_kept_only_when_printable() {
        assert_ne!(RequestId::new(), RequestId::new());
        assert_eq!(RequestId::new().as_str().len(), 22);
        assert!(RequestId::from_proxy("f3a9c2-01:edge/7").is_some());
        for bad in [
            "",
            "two words",
            "quote\"d",
            "back\\slash",
            "tab\tbed",
            "é",
            &"x".repeat(129),
        ] {
            assert!(RequestId::from_proxy(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn blocking_work_carries_the_id() {
        let id = RequestId::new();
        assert_eq!(RequestId::carry(Some(&id), RequestId::current), Some(id));
        assert_eq!(RequestId::carry(None, RequestId::current), None);
    }
}
