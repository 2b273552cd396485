//! Pages and answer formats: the embedded Tera templates, HTML/JSON/text
//! negotiation, and the one middleware that dresses every error answer.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage as _, HttpRequest, HttpResponse, web};
use serde::Serialize;
use tera::{Context, Tera};

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::state::AppState;

/// Templates compiled into the binary, so it runs from any directory.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("macros.html", include_str!("../templates/macros.html")),
    (
        "partials/flash.html",
        include_str!("../templates/partials/flash.html"),
    ),
    ("login.html", include_str!("../templates/login.html")),
    ("register.html", include_str!("../templates/register.html")),
    (
        "dashboard.html",
        include_str!("../templates/dashboard.html"),
    ),
    ("account.html", include_str!("../templates/account.html")),
    ("logout.html", include_str!("../templates/logout.html")),
    ("error.html", include_str!("../templates/error.html")),
];

/// How the client wants its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A browser: its `Accept` names `text/html`.
    Html,
    /// `Accept: application/json`, or a JSON body.
    Json,
    /// Everything else (curl, scripts).
    Text,
}

impl Format {
    /// Reads `Accept` and `Content-Type`.
    pub fn of(req: &HttpRequest) -> Self {
        let accept = req
            .headers()
            .get(header::ACCEPT)
            .map_or(&[][..], |v| v.as_bytes());
        if contains_ignore_case(accept, b"text/html") {
            Self::Html
        } else if contains_ignore_case(accept, b"application/json") || sends_json(req) {
            Self::Json
        } else {
            Self::Text
        }
    }
}

/// Media types are case-insensitive; this runs on every request, so no allocation.
fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// Whether the request body is JSON.
pub fn sends_json(req: &HttpRequest) -> bool {
    req.mime_type()
        .ok()
        .flatten()
        .is_some_and(|m| m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON))
}

/// The loaded templates and the values every page shows.
pub struct Pages {
    tera: Tera,
    asset_version: String,
    allow_registration: bool,
    remember_label: String,
}

impl Pages {
    /// Parses every template; a broken template stops the start.
    pub fn load(allow_registration: bool, remember_label: String) -> Result<Self, tera::Error> {
        let mut tera = Tera::default();
        tera.add_raw_templates(TEMPLATES.iter().copied())?;
        Ok(Self {
            tera,
            asset_version: crate::routes::static_files::asset_version().to_owned(),
            allow_registration,
            remember_label,
        })
    }

    /// Renders `template` with the shared values added.
    fn render(
        &self,
        template: &str,
        mut ctx: Context,
        user: Option<&CurrentUser>,
    ) -> Result<String, tera::Error> {
        ctx.insert("asset_version", &self.asset_version);
        ctx.insert("allow_registration", &self.allow_registration);
        ctx.insert("remember_label", &self.remember_label);
        if let Some(user) = user {
            ctx.insert(
                "user",
                &PageUser {
                    id: user.id,
                    username: &user.username,
                },
            );
        }
        self.tera.render(template, &ctx)
    }
}

#[derive(Serialize)]
struct PageUser<'a> {
    id: i32,
    username: &'a str,
}

/// Renders a page with the logged-in user (if the guard found one) and any
/// flash notices, which are then cleared.
pub fn page(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    template: &str,
    mut ctx: Context,
) -> Result<HttpResponse, AppError> {
    let flashes = state.flash.read(req);
    ctx.insert("flashes", &flashes.as_deref().unwrap_or_default());
    let user = req.extensions().get::<CurrentUser>().cloned();
    let html = state
        .pages
        .render(template, ctx, user.as_ref())
        .map_err(|e| anyhow::anyhow!("rendering {template}: {}", tera_cause(&e)))?;
    let mut response = HttpResponse::build(status);
    response.content_type(ContentType::html());
    // Shown once: the page that shows the notices clears them.
    if flashes.is_some() {
        response.cookie(state.flash.removal());
    }
    Ok(response.body(html))
}

/// Tera 1 prints only "Failed to render"; the cause is further down the chain.
fn tera_cause(e: &tera::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A JSON answer.
pub fn json(status: StatusCode, value: &impl Serialize) -> HttpResponse {
    HttpResponse::build(status).json(value)
}

/// 303 See Other to `location`.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

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
        StatusCode::PAYLOAD_TOO_LARGE => "Request body is too large (at most 16 KiB)".to_owned(),
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

/// `Cache-Control: no-store` and `Vary: Cookie`, for answers to a logged-in user.
pub fn mark_private(headers: &mut actix_web::http::header::HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.append(header::VARY, HeaderValue::from_static("Cookie"));
}
