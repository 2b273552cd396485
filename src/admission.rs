//! [`admit`]: the requests refused before they reach the session, each
//! answered here (an error leaving a middleware would skip the error
//! rendering): a body over the limit (`body_limit`, 413) and an unsafe
//! request from another site (`auth::csrf`, 403). One layer for both: a
//! layer of middleware costs every request a boxed future.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use crate::auth::csrf;
use crate::body_limit;
use crate::client_ip::TrustedProxies;

/// Middleware: the body limit first (so an oversized cross-site POST is a
/// 413, as from anyone), then the cross-site refusal; `trusted`
/// (`TRUSTED_PROXIES`) may name the host the client addressed.
pub async fn admit<B: MessageBody>(
    trusted: &TrustedProxies,
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let checked = match body_limit::check(&mut req).await {
        Ok(()) => csrf::check(&req, trusted),
        Err(refusal) => Err(refusal),
    };
    match checked {
        Ok(()) => Ok(next.call(req).await?.map_into_left_body()),
        Err(refusal) => Ok(req.error_response(refusal).map_into_right_body()),
    }
}
