//! "Sudo mode": sensitive account changes (password, email, two-factor,
//! recovery codes, deletion) need a login or a confirmation of the password
//! within `REAUTH_WINDOW`. The middleware sits inside the login guard on
//! just those routes.

use std::time::Duration;

use actix_web::HttpMessage as _;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use super::login::{CurrentUser, unix_now};
use crate::error::AppError;

/// Middleware: lets the request through when the login is recent enough,
/// else answers `AppError::ReauthRequired` (a browser goes to
/// `/account/confirm` and back to the form's page).
pub async fn require_recent_login<B: MessageBody>(
    window: Duration,
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let recent = req
        .extensions()
        .get::<CurrentUser>()
        .is_some_and(|user| user.sealed.is_recent(window, unix_now()));
    if recent {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    // The form's page, to return to: a POST cannot be repeated.
    let back = if req.path().starts_with("/account/2fa") {
        "/account/2fa"
    } else if req.path().starts_with("/account/passkeys") {
        "/account/passkeys"
    } else {
        "/account"
    };
    let error = AppError::ReauthRequired {
        next: back.to_owned(),
    };
    Ok(req.error_response(error).map_into_right_body())
}
