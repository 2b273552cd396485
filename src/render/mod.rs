//! Pages and answer formats: the embedded Tera templates, HTML/JSON/text
//! negotiation, and (in `errors`) the one middleware that dresses every
//! error answer.

mod errors;

pub use errors::negotiate_errors;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType, HeaderValue};
use actix_web::{HttpMessage as _, HttpRequest, HttpResponse};
use serde::Serialize;
use tera::{Context, Tera};

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::state::AppState;

/// Templates compiled into the binary, so it runs from any directory.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("macros.html", include_str!("../../templates/macros.html")),
    (
        "partials/flash.html",
        include_str!("../../templates/partials/flash.html"),
    ),
    ("login.html", include_str!("../../templates/login.html")),
    (
        "register.html",
        include_str!("../../templates/register.html"),
    ),
    (
        "dashboard.html",
        include_str!("../../templates/dashboard.html"),
    ),
    ("account.html", include_str!("../../templates/account.html")),
    ("logout.html", include_str!("../../templates/logout.html")),
    ("error.html", include_str!("../../templates/error.html")),
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
pub(crate) fn tera_cause(e: &tera::Error) -> String {
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

/// `Cache-Control: no-store` and `Vary: Cookie`, for answers to a logged-in user.
pub fn mark_private(headers: &mut header::HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.append(header::VARY, HeaderValue::from_static("Cookie"));
}
