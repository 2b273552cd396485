//! The one place that gives every error answer (ours, actix's, a
//! middleware's) the client's format: an HTML page, a JSON object, or one
//! line of text.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use tera::Context;

use super::{Format, tera_cause};
use crate::error::AppError;
use crate::state::AppState;

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<&'a crate::error::FieldErrors>,
}

/// Middleware: gives every error answer (ours, actix's, a middleware's) the
/// client's format: an HTML page, a JSON object, or one line of text.
/// Answers a handler rendered itself (a form with its errors) pass untouched.
pub async fn negotiate_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?.map_into_boxed_body();
    let http_req = res.request().clone();
    let status = res.status();
    let is_error_answer = (status.is_client_error() || status.is_server_error())
        && (res.response().error().is_some() || res.response().body().size().is_eof());
    if !is_error_answer {
        return Ok(res);
    }

    let (message, code, fields) = match res.response().error() {
        Some(e) => match e.as_error::<AppError>() {
            Some(app) => {
                if status.is_server_error() {
                    log::error!(
                        "{} {}: {app}: {:#}",
                        http_req.method(),
                        http_req.path(),
                        anyhow_chain(app)
                    );
                }
                (
                    app.to_string(),
                    app.code(),
                    match app {
                        AppError::Validation(f) => Some(f.clone()),
                        _ => None,
                    },
                )
            }
            None => {
                if status.is_server_error() {
                    log::error!("{} {}: {e}", http_req.method(), http_req.path());
                }
                (public_message(status, e), default_code(status), None)
            }
        },
        None => (reason(status).to_owned(), default_code(status), None),
    };

    let mut response = match Format::of(&http_req) {
        Format::Json => HttpResponse::build(status).json(ErrorBody {
            error: code,
            message: message.clone(),
            errors: fields.as_ref(),
        }),
        Format::Html => match error_page(&http_req, status, &message) {
            Some(html) => HttpResponse::build(status)
                .content_type(ContentType::html())
                .body(html),
            None => text_response(status, &message),
        },
        Format::Text => text_response(status, &message),
    };
    // Keep what the original answer said about retrying and allowed methods.
    for name in [
        header::RETRY_AFTER,
        header::ALLOW,
        header::SET_COOKIE,
        header::WWW_AUTHENTICATE,
    ] {
        for value in res.headers().get_all(&name) {
            response.headers_mut().append(name.clone(), value.clone());
        }
    }
    let (req, _) = res.into_parts();
    Ok(ServiceResponse::new(req, response))
}

fn text_response(status: StatusCode, message: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(ContentType::plaintext())
        .body(format!("{message}\n"))
}

/// The error page, or `None` when even that fails (then plain text serves).
fn error_page(req: &HttpRequest, status: StatusCode, message: &str) -> Option<String> {
    let state = req.app_data::<web::Data<AppState>>()?;
    let mut ctx = Context::new();
    ctx.insert("status", &status.as_u16());
    ctx.insert("title", reason(status));
    ctx.insert("message", message);
    // The error answer was made without asking who is logged in (a refused
    // cross-site post, say): a "Log in" link would suggest a logout.
    ctx.insert("neutral_nav", &true);
    match state.pages.render("error.html", ctx, None) {
        Ok(html) => Some(html),
        Err(e) => {
            log::error!("rendering error.html: {}", tera_cause(&e));
            None
        }
    }
}

fn anyhow_chain(e: &AppError) -> String {
    match e {
        AppError::Unexpected(inner) | AppError::DatabaseUnavailable(inner) => format!("{inner:#}"),
        other => other.to_string(),
    }
}

/// Messages for actix's own errors: the client's fault is described, ours is not.
fn public_message(status: StatusCode, e: &actix_web::Error) -> String {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge.to_string(),
        s if s.is_server_error() => reason(s).to_owned(),
        _ => e.to_string(),
    }
}

fn reason(status: StatusCode) -> &'static str {
    status.canonical_reason().unwrap_or("Error")
}

fn default_code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
        StatusCode::SERVICE_UNAVAILABLE => "service_unavailable",
        s if s.is_server_error() => "internal_error",
        _ => "error",
    }
}
