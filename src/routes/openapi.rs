//! The OpenAPI 3.1 document of the JSON API, generated from the handlers'
//! `#[utoipa::path]` attributes and the types they answer with, and served
//! at `GET /api/openapi.json`.
//!
//! A JSON client is one that sends a JSON body or `Accept: application/json`
//! (paths under `/api/` always answer JSON): the document describes the
//! answers such a client gets. `tests/api/openapi.rs` keeps it in step with
//! the route table, and `.ci/schemathesis` checks a running server against it.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde_json::Value;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{Modify, OpenApi};

use crate::error::AppError;
use crate::render::error_responses as errors;
use crate::state::AppState;

/// The document: every route of the JSON API, with the errors each can answer.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "session-auth",
        description = "The JSON API of session-auth: send JSON bodies (or `Accept: \
            application/json`) and keep the session cookie. Every error is \
            `{\"error\": code, \"message\": text}`, plus `errors` per field when fields are at fault."
    ),
    paths(
        super::login::submit,
        super::second_step::submit,
        super::passkeys::login_start,
        super::passkeys::login_finish,
        super::register::submit,
        super::logout::submit,
        super::api::me,
        super::sessions::list,
        super::sessions::delete,
        super::password::forgot_submit,
        super::password::reset_submit,
        super::health::live,
        super::health::ready,
        serve,
    ),
    components(schemas(crate::render::errors::ErrorBody), responses(
        errors::BadRequest,
        errors::BadRequestOrInvalidToken,
        errors::LoginRequired,
        errors::InvalidCredentials,
        errors::SecondStepFailed,
        errors::PasskeyFailed,
        errors::CrossSite,
        errors::AccountLocked,
        errors::NotFound,
        errors::Taken,
        errors::PayloadTooLarge,
        errors::ValidationFailed,
        errors::TooManyRequests,
        errors::ServiceUnavailable,
    )),
    modifiers(&EveryRoute),
)]
pub struct ApiDoc;

/// What every route can answer besides its own answers, added once here
/// rather than on each handler, and the session cookie's scheme.
struct EveryRoute;

impl Modify for EveryRoute {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "session",
                "The session cookie a login sets (`__Host-session` with \
                 APP_ENV=production and COOKIE_SECURE on).",
            ))),
        );
        for (path, item) in doc.paths.paths.iter_mut() {
            // The probes and this document need no database.
            let uses_database =
                !matches!(path.as_str(), "/healthz" | "/readyz" | "/api/openapi.json");
            let safe = [&mut item.get];
            let unsafe_ = [&mut item.post, &mut item.delete];
            for (operation, is_unsafe) in safe
                .into_iter()
                .map(|o| (o, false))
                .chain(unsafe_.into_iter().map(|o| (o, true)))
            {
                let Some(operation) = operation.as_mut() else {
                    continue;
                };
                // The body limit runs first, on every path and method.
                add(operation, 413, "PayloadTooLarge");
                // The cross-site refusal, on unsafe methods.
                if is_unsafe {
                    add(operation, 403, "CrossSite");
                }
                if uses_database {
                    add(operation, 503, "ServiceUnavailable");
                }
            }
        }
    }
}

/// Adds the reusable response `name` for `status` unless the handler gave one.
fn add(operation: &mut Operation, status: u16, name: &str) {
    operation
        .responses
        .responses
        .entry(status.to_string())
        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
}

/// The document as served: with or without `/register` (`ALLOW_REGISTRATION`).
static DOCUMENTS: LazyLock<[Result<String, String>; 2]> = LazyLock::new(|| {
    let full = ApiDoc::openapi();
    let mut closed = full.clone();
    closed.paths.paths.remove("/register");
    [full, closed].map(|doc| {
        let mut value = serde_json::to_value(&doc).map_err(|e| e.to_string())?;
        camel_case_links(&mut value);
        serde_json::to_string(&value).map_err(|e| e.to_string())
    })
});

/// utoipa 5 writes a Link's fields in snake case (`operation_id`); OpenAPI
/// spells them `operationId`, `operationRef` and `requestBody`.
fn camel_case_links(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(links)) = map.get_mut("links") {
                for link in links.values_mut().filter_map(Value::as_object_mut) {
                    for (from, to) in [
                        ("operation_id", "operationId"),
                        ("operation_ref", "operationRef"),
                        ("request_body", "requestBody"),
                    ] {
                        if let Some(v) = link.remove(from) {
                            link.insert(to.to_owned(), v);
                        }
                    }
                }
            }
            map.values_mut().for_each(camel_case_links);
        }
        Value::Array(items) => items.iter_mut().for_each(camel_case_links),
        _ => {}
    }
}

/// `GET /api/openapi.json` (anyone): this document.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    operation_id = "openapi",
    tag = "health",
    responses((status = 200, description = "This OpenAPI 3.1 document", body = Object))
)]
pub async fn serve(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let which = usize::from(!state.settings.allow_registration);
    let json = DOCUMENTS[which]
        .as_ref()
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("the OpenAPI document: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(json.clone()))
}
