//! Logging in: the form and its submission (form post or JSON).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use tera::Context;

use super::api::UserJson;
use super::input::{Input, checkbox};
use crate::auth::credentials::{self, Passed};
use crate::auth::session_records::SessionStart;
use crate::auth::{login, two_step};
use crate::client_ip;
use crate::db::users::User;
use crate::domain::{LoginMethod, SafeNext};
use crate::error::{AppError, FieldErrors};
use crate::i18n::Text;
use crate::metrics::LoginOutcome;
use crate::render::error_responses as errors;
use crate::render::{self, Format};
use crate::state::AppState;

/// `?next=` on the login page.
#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// The login fields.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginForm {
    /// Any case.
    username: Option<String>,
    password: Option<String>,
    /// Keep me logged in (`REMEMBER_ME_DURATION`); also `"on"`.
    #[serde(default, deserialize_with = "checkbox")]
    remember: bool,
    /// Where a form post goes afterwards (a safe local path); ignored in JSON.
    next: Option<String>,
}

/// What `POST /login` answers in JSON when TOTP is on: the password was
/// right, the code comes next (`POST /login/2fa`).
#[derive(Serialize, utoipa::ToSchema)]
pub struct SecondFactorRequired {
    /// Always `true`.
    pub two_factor_required: bool,
}

/// `POST /login`'s JSON answers: logged in, or the second step next.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum LoginAnswer<'a> {
    /// Logged in: the account.
    LoggedIn(UserJson<'a>),
    /// TOTP is on: send the code to `POST /login/2fa`.
    SecondFactor(SecondFactorRequired),
}

/// `GET /login`: the form, carrying a safe `next` along.
pub async fn form(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let next = query.next.as_deref().and_then(SafeNext::parse);
    let ctx = form_context("", next.as_ref().map_or("", SafeNext::as_str), false);
    state.pages.respond(&req, StatusCode::OK, "login.html", ctx)
}

/// The form's values; a failed attempt adds its `error`.
fn form_context(username: &str, next: &str, remember: bool) -> Context {
    let mut ctx = Context::new();
    ctx.insert(
        "form",
        &serde_json::json!({ "username": username, "next": next, "remember": remember }),
    );
    ctx
}

/// `POST /login`: on success a fresh session, then 303 to `next` (or 200
/// `{"id","username"}` in JSON). Unknown name and wrong password get the
/// same 401 at the same cost; a throttled attempt gets 429 with
/// `Retry-After`. A browser sees these on the form again.
#[utoipa::path(
    post,
    path = "/login",
    operation_id = "login",
    tag = "login",
    request_body(content = LoginForm, content_type = "application/json"),
    responses(
        (status = 200, description = "Logged in (a new session cookie), or, with TOTP on, \
            the second step next (the cookie then holds only the pending step)",
            body = LoginAnswer<'_>,
            links(
                ("me" = (operation_id = "me")),
                ("sessions" = (operation_id = "list_sessions")),
            )),
        (status = 400, response = errors::BadRequest),
        (status = 401, response = errors::InvalidCredentials),
        (status = 403, response = errors::AccountLocked),
        (status = 422, response = errors::ValidationFailed),
        (status = 429, response = errors::TooManyRequests),
    )
)]
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    format: Format,
    Input(form): Input<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let name = form.username.unwrap_or_default();
    let next = form.next.as_deref().and_then(SafeNext::parse);
    let next = next.as_ref().map_or("", SafeNext::as_str);
    let on_form =
        |error: AppError| error.on_form("login.html", form_context(&name, next, form.remember));

    let ip = client_ip::client_ip(&req, &state.settings.trusted_proxies);
    let metrics = &state.metrics;
    state.throttle.check_ip(ip).map_err(|e| {
        metrics.login(LoginMethod::Password, LoginOutcome::Throttled);
        on_form(e)
    })?;
    let password = form.password.unwrap_or_default();
    required(&name, &password).map_err(on_form)?;
    let checker = credentials::Checker {
        db: &state.db,
        hasher: &state.hasher,
        max_failures: state.settings.login_max_failures,
        metrics: &state.metrics,
    };
    let start = state.auth.session_start(&req, form.remember);
    let passed = credentials::check(checker, &name, password, &start)
        .await
        .map_err(|e| metrics.login_failed(LoginMethod::Password, e))
        .map_err(|e| match e {
            AppError::InvalidCredentials | AppError::Throttled { .. } | AppError::AccountLocked => {
                on_form(e)
            }
            other => other,
        })?;
    match passed {
        Passed::LoggedIn(user) => {
            metrics.login(LoginMethod::Password, LoginOutcome::Success);
            logged_in(&req, format, &user, &start, next)
        }
        Passed::SecondFactor(user) => {
            metrics.login(LoginMethod::Password, LoginOutcome::SecondStepPending);
            two_step::begin(&req, &user, form.remember, next)?;
            if format == Format::Json {
                let pending = LoginAnswer::SecondFactor(SecondFactorRequired {
                    two_factor_required: true,
                });
                return Ok(render::json(StatusCode::OK, &pending));
            }
            Ok(render::see_other("/login/2fa"))
        }
    }
}

/// A completed login (recorded with `start`): a fresh session, then 303 to
/// `next` or `/dashboard` (JSON: 200 `{"id","username"}`).
pub(super) fn logged_in(
    req: &HttpRequest,
    format: Format,
    user: &User,
    start: &SessionStart,
    next: &str,
) -> Result<HttpResponse, AppError> {
    login::start(req, user, start)?;
    if format == Format::Json {
        return Ok(render::json(
            StatusCode::OK,
            &LoginAnswer::LoggedIn(UserJson {
                id: user.id,
                username: &user.username,
            }),
        ));
    }
    Ok(render::see_other(if next.is_empty() {
        "/dashboard"
    } else {
        next
    }))
}
/// 422 naming each empty field.
fn required(name: &str, password: &str) -> Result<(), AppError> {
    let mut missing = FieldErrors::new();
    if name.trim().is_empty() {
        missing.insert("username", vec![Text::new("field-username-required")]);
    }
    if password.is_empty() {
        missing.insert("password", vec![Text::new("field-password-required")]);
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(missing))
    }
}
