//! Logging in: the form and its submission (form post or JSON).

use actix_web::ResponseError as _;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use tera::Context;

use super::api::UserJson;
use super::input::{Input, checkbox};
use crate::auth::{credentials, login};
use crate::client_ip;
use crate::domain::SafeNext;
use crate::error::{AppError, FieldErrors};
use crate::render::{self, Format};
use crate::state::AppState;

/// `?next=` on the login page.
#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// The login fields.
#[derive(Deserialize)]
pub struct LoginForm {
    username: Option<String>,
    password: Option<String>,
    #[serde(default, deserialize_with = "checkbox")]
    remember: bool,
    next: Option<String>,
}

/// `GET /login`: the form, carrying a safe `next` along.
pub async fn form(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let next = query.next.as_deref().and_then(SafeNext::parse);
    let ctx = form_context("", next.as_ref().map_or("", SafeNext::as_str), false, None);
    render::page(&state, &req, StatusCode::OK, "login.html", ctx)
}

fn form_context(username: &str, next: &str, remember: bool, error: Option<&str>) -> Context {
    let mut ctx = Context::new();
    ctx.insert(
        "form",
        &serde_json::json!({ "username": username, "next": next, "remember": remember }),
    );
    if let Some(error) = error {
        ctx.insert("error", error);
    }
    ctx
}

/// `POST /login`: on success a fresh session, then 303 to `next` (form) or
/// 200 `{"id","username"}` (JSON). Unknown name and wrong password get the
/// same 401 at the same cost; a throttled attempt gets 429 with `Retry-After`.
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    input: Input<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let Input { value: form, json } = input;
    let name = form.username.unwrap_or_default();
    let next = form.next.as_deref().and_then(SafeNext::parse);
    let browser = Format::of(&req) == Format::Html;
    // A browser sees the form again with the message; other clients get the error.
    let refuse = |error: AppError| {
        if !browser {
            return Err(error);
        }
        let ctx = form_context(
            &name,
            next.as_ref().map_or("", SafeNext::as_str),
            form.remember,
            Some(&error.to_string()),
        );
        let mut page = render::page(&state, &req, error.status_code(), "login.html", ctx)?;
        if let Some(secs) = error.retry_after() {
            page.headers_mut().insert(header::RETRY_AFTER, secs.into());
        }
        Ok(page)
    };

    let ip = client_ip::client_ip(&req, &state.settings.trusted_proxies);
    if let Err(throttled) = state.throttle.check_ip(ip) {
        return refuse(throttled);
    }
    let password = form.password.unwrap_or_default();
    if let Err(missing) = required(&name, &password) {
        return refuse(missing);
    }
    let client = client_ip::describe(ip);
    let user = match credentials::check(&state, &name, password, &client).await {
        Ok(user) => user,
        Err(e @ (AppError::InvalidCredentials | AppError::Throttled { .. })) => return refuse(e),
        Err(e) => return Err(e),
    };
    login::start(&req, &user, form.remember)?;

    if json {
        return Ok(render::json(
            StatusCode::OK,
            &UserJson {
                id: user.id,
                username: &user.username,
            },
        ));
    }
    Ok(render::see_other(
        next.as_ref().map_or("/dashboard", SafeNext::as_str),
    ))
}

/// 422 naming each empty field.
fn required(name: &str, password: &str) -> Result<(), AppError> {
    let mut missing = FieldErrors::new();
    if name.trim().is_empty() {
        missing.insert("username", vec!["Username is required.".into()]);
    }
    if password.is_empty() {
        missing.insert("password", vec!["Password is required.".into()]);
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(missing))
    }
}
