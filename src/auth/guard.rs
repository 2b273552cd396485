//! The one guard on the protected routes (`/dashboard`, `/account…`, `/api/me`),
//! put on each of them by `routes::configure` (not on their path prefixes).
//!
//! It authenticates the request, hands a [`CurrentUser`](super::login::CurrentUser)
//! to the handlers (which never check again) and marks the answer private.
//! An anonymous request is `AppError::LoginRequired`: the error renderer
//! sends a browser to the login page and answers others 401.

use actix_web::HttpMessage as _;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::middleware::Next;

use super::authenticator::Authenticator;
use crate::error::AppError;

/// Middleware: lets logged-in requests through, answers the others
/// `AppError::LoginRequired`.
pub async fn require_login<B: MessageBody>(
    auth: &Authenticator,
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    // Errors are answered here, not returned: an error leaving a middleware
    // would skip the session middleware's cookie (a purged session) and the
    // error renderer.
    match auth.authenticate(req.request()).await {
        Err(e) => Ok(req.error_response(e).map_into_right_body()),
        Ok(Some(user)) => {
            req.extensions_mut().insert(user);
            let mut res = next.call(req).await?;
            mark_private(res.headers_mut());
            Ok(res.map_into_left_body())
        }
        Ok(None) => {
            // Only a GET can be repeated after login; a POST returns to the form's page.
            let next = match req.uri().path_and_query() {
                Some(pq) if req.method() == Method::GET => pq.as_str(),
                _ => "/dashboard",
            };
            let error = AppError::LoginRequired {
                next: next.to_owned(),
            };
            Ok(req.error_response(error).map_into_right_body())
        }
    }
}

/// `Cache-Control: no-store` and `Vary: Cookie`, for answers to a logged-in user.
fn mark_private(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.append(header::VARY, HeaderValue::from_static("Cookie"));
}
