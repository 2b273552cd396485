//! The one guard on the protected routes (`/dashboard`, `/account…`, `/api/me`),
//! put on each of them by `routes::configure` (not on their path prefixes).
//!
//! It authenticates the request, hands a [`CurrentUser`](crate::auth::CurrentUser) to the handlers
//! (which never check again) and marks the answer private. Anonymous
//! browsers are sent to the login page; other clients get 401.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpMessage as _, HttpResponse, web};

use super::login::authenticate;
use crate::error::AppError;
use crate::render::{self, Format};
use crate::state::AppState;

/// Guard for pages: anonymous browsers get 303 to `/login?next=…`.
pub async fn require_login(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    guard(req, next, anonymous_page).await
}

/// Guard for the JSON API: anonymous clients get 401 `{"error":"unauthorized"}`.
pub async fn require_login_api(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    guard(req, next, |_| unauthorized_json()).await
}

async fn guard<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
    on_anonymous: fn(&ServiceRequest) -> HttpResponse,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("AppState missing")))?;
    match authenticate(req.request(), &state).await {
        // Answered here: an error leaving a middleware would skip the error rendering.
        Err(e) => Ok(req.error_response(e).map_into_right_body()),
        Ok(Some(user)) => {
            req.extensions_mut().insert(user);
            let mut res = next.call(req).await?;
            render::mark_private(res.headers_mut());
            Ok(res.map_into_left_body())
        }
        Ok(None) => {
            let response = on_anonymous(&req);
            Ok(req.into_response(response).map_into_right_body())
        }
    }
}

fn anonymous_page(req: &ServiceRequest) -> HttpResponse {
    match Format::of(req.request()) {
        Format::Html => {
            // Only a GET can be repeated after login; a POST returns to the form's page.
            let back = if req.method() == Method::GET {
                req.uri()
                    .path_and_query()
                    .map_or("/dashboard", |pq| pq.as_str())
            } else {
                "/dashboard"
            };
            let query = serde_urlencoded::to_string([("next", back)]).unwrap_or_default();
            render::see_other(&format!("/login?{query}"))
        }
        Format::Json => unauthorized_json(),
        Format::Text => HttpResponse::build(StatusCode::UNAUTHORIZED)
            .content_type(actix_web::http::header::ContentType::plaintext())
            .body("Unauthorized\n"),
    }
}

fn unauthorized_json() -> HttpResponse {
    render::json(
        StatusCode::UNAUTHORIZED,
        &serde_json::json!({ "error": "unauthorized" }),
    )
}
