//! [`check`]: 413 past the 16 KiB limit, on every route.

use actix_web::dev::{Payload, ServiceRequest};
use actix_web::http::header;
use actix_web::{HttpMessage as _, web};
use futures_util::StreamExt as _;

use crate::error::AppError;
use crate::i18n::Text;

/// The largest body any route reads.
pub const BODY_LIMIT: usize = 16 * 1024;

/// A body over [`BODY_LIMIT`] is refused (413) on every route, also on
/// those that never read their body (they would act on a request they
/// should refuse): `admission` asks here before the session. A declared
/// `Content-Length` over the limit is refused unread; any other body
/// (chunked, without a length) is read here up to the limit and handed on.
/// A request without a body costs nothing.
pub async fn check(req: &mut ServiceRequest) -> Result<(), AppError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|len| len > BODY_LIMIT as u64) {
        return Err(AppError::PayloadTooLarge { limit: BODY_LIMIT });
    }
    match req.take_payload() {
        Payload::None => {}
        mut payload => {
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| {
                    AppError::BadRequest(
                        Text::new("error-body-unreadable").with("detail", e.to_string()),
                    )
                })?;
                if body.len() + chunk.len() > BODY_LIMIT {
                    return Err(AppError::PayloadTooLarge { limit: BODY_LIMIT });
                }
                body.extend_from_slice(&chunk);
            }
            req.set_payload(Payload::from(body.freeze()));
        }
    }
    Ok(())
}
