//! The one place where errors become answers: ours (`AppError`), actix's
//! (extractors, the router's 404 and 405, the body limit) and a failing
//! middleware's, as an HTML page, a JSON object or one line of text.
//!
//! Every JSON error has one shape: `{"error": code, "message": text}`, plus
//! `"errors": {field: [problem, …]}` when fields are at fault.

use std::collections::BTreeMap;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::header::{self, ContentType};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, ResponseError as _};
use serde::Serialize;

use super::format::Format;
use super::pages::Pages;
use super::responses::{see_other, text};
use crate::body_limit::BODY_LIMIT;
use crate::error::{AppError, FieldErrors};
use crate::i18n::{Lang, Text};

/// The JSON error shape (`Error` in the OpenAPI document); `message` and
/// the problems in the reader's language, `error` the same in every language.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    /// A machine-readable code.
    #[schema(value_type = ErrorCode)]
    error: &'static str,
    /// What went wrong, for people.
    message: String,
    /// The problems per field (`form` for the whole form), when fields are at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<BTreeMap<String, Vec<String>>>)]
    errors: Option<BTreeMap<&'static str, Vec<String>>>,
}

/// The problems per field, in the reader's language.
fn localized(fields: &FieldErrors) -> BTreeMap<&'static str, Vec<String>> {
    fields
        .iter()
        .map(|(field, problems)| (*field, problems.iter().map(Text::localized).collect()))
        .collect()
}

/// The `error` codes of [`ErrorBody`] for the OpenAPI document: every code
/// an [`AppError`] can have.
pub struct ErrorCode;

impl utoipa::PartialSchema for ErrorCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .enum_values(Some(AppError::CODES.iter().copied()))
            .into()
    }
}

impl utoipa::ToSchema for ErrorCode {}

/// Middleware (outermost but for the access log and security headers):
/// answers every error in the request's [`Format`]. Answers a handler made
/// itself (a page, a 503 from `/readyz`) pass untouched.
pub async fn render_errors(
    pages: &Pages,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // Decided before the request goes on: a middleware that fails takes the
    // request with it.
    let format = Format::of(req.request());
    let res = match next.call(req).await {
        Ok(res) => res.map_into_boxed_body(),
        Err(e) => {
            let status = e.as_response_error().status_code();
            let error = AppError::from_actix(status, Some(&e), BODY_LIMIT);
            if status.is_server_error() {
                log::error!("a middleware failed: {}", error.log_chain());
            }
            // The request went down with the middleware: the page's
            // language switch returns home.
            let answer = plain_answer(format, &error, Some((pages, "/")));
            return Err(InternalError::from_response(e, answer).into());
        }
    };
    let status = res.status();
    let is_error_answer = (status.is_client_error() || status.is_server_error())
        && (res.response().error().is_some() || res.response().body().size().is_eof());
    if !is_error_answer {
        return Ok(res);
    }

    let converted;
    let error = match res
        .response()
        .error()
        .and_then(|e| e.as_error::<AppError>())
    {
        Some(ours) => ours,
        None => {
            converted = AppError::from_actix(status, res.response().error(), BODY_LIMIT);
            &converted
        }
    };
    let request = res.request();
    if error.status_code().is_server_error() {
        let (method, path) = (request.method(), request.path());
        log::error!("{method} {path}: {error}: {}", error.log_chain());
    }
    let mut answer = answer(format, request, pages, error);
    // Keep what the first answer said about allowed methods, cookies and
    // caching (the guard marks answers to a logged-in user private).
    for name in [
        header::ALLOW,
        header::SET_COOKIE,
        header::WWW_AUTHENTICATE,
        header::CACHE_CONTROL,
        header::VARY,
    ] {
        for value in res.headers().get_all(&name) {
            answer.headers_mut().append(name.clone(), value.clone());
        }
    }
    let (req, _) = res.into_parts();
    Ok(ServiceResponse::new(req, answer))
}

/// `error` as the answer for a client that wants `format`.
fn answer(format: Format, req: &HttpRequest, pages: &Pages, error: &AppError) -> HttpResponse {
    match (format, error) {
        (Format::Html, AppError::OnForm { cause, form }) => {
            let mut ctx = form.context.clone();
            ctx.insert("error", &cause.message(Lang::current()));
            let fields = error.field_errors().as_deref().map(localized);
            ctx.insert("errors", &fields.unwrap_or_default());
            match pages.respond(req, cause.status_code(), form.template, ctx) {
                Ok(page) => with_retry_after(page, error),
                Err(broken) => {
                    log::error!("{}", broken.log_chain());
                    plain_answer(format, &broken, Some((pages, req.path())))
                }
            }
        }
        (Format::Html, AppError::LoginRequired { next }) => see_other(&with_next("/login", next)),
        (Format::Html, AppError::ReauthRequired { next }) => {
            see_other(&with_next("/account/confirm", next))
        }
        _ => plain_answer(format, error, Some((pages, req.path()))),
    }
}

/// `path?next=…`, or `path` alone if `next` cannot be encoded.
fn with_next(path: &str, next: &str) -> String {
    serde_urlencoded::to_string([("next", next)])
        .map_or_else(|_| path.to_owned(), |query| format!("{path}?{query}"))
}

/// `error` as an error page, a JSON object or a line of text.
/// `pages` and the page's address show the page; without them, text.
fn plain_answer(format: Format, error: &AppError, pages: Option<(&Pages, &str)>) -> HttpResponse {
    let error = error.cause();
    let status = error.status_code();
    let message = error.message(Lang::current());
    let answer = match format {
        Format::Json => HttpResponse::build(status).json(ErrorBody {
            error: error.code(),
            errors: error.field_errors().as_deref().map(localized),
            message,
        }),
        Format::Html => match pages.and_then(|(p, here)| p.error_page(status, &message, here)) {
            Some(html) => HttpResponse::build(status)
                .content_type(ContentType::html())
                .body(html),
            None => text(status, &message),
        },
        Format::Text => text(status, &message),
    };
    with_retry_after(answer, error)
}

fn with_retry_after(mut answer: HttpResponse, error: &AppError) -> HttpResponse {
    if let Some(secs) = error.retry_after() {
        answer
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
    }
    answer
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn json_of(error: &AppError) -> serde_json::Value {
        let answer = plain_answer(Format::Json, error, None);
        let bytes = actix_web::body::to_bytes(answer.into_body());
        let bytes = futures_util::FutureExt::now_or_never(bytes)
            .unwrap()
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn every_json_error_has_one_shape() {
        let login = AppError::LoginRequired {
            next: "/dashboard".into(),
        };
        assert_eq!(
            json_of(&login),
            serde_json::json!({ "error": "unauthorized", "message": "Unauthorized" })
        );
        let fields = FieldErrors::from([("username", vec![Text::new("field-username-required")])]);
        let invalid = AppError::Validation(fields).on_form("login.html", tera::Context::new());
        assert_eq!(
            json_of(&invalid),
            serde_json::json!({
                "error": "validation_failed",
                "message": "Username is required.",
                "errors": { "username": ["Username is required."] },
            })
        );
        let throttled = AppError::Throttled {
            retry_after: Duration::from_secs(3),
        };
        assert_eq!(json_of(&throttled)["error"], "too_many_requests");
        let taken = json_of(&AppError::UsernameTaken);
        assert_eq!(
            taken["errors"]["username"][0],
            "That username is already taken"
        );
    }
}
