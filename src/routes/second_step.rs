//! The second step of a login with TOTP on: `/login/2fa` takes a code from
//! the authenticator app or a recovery code.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use tera::Context;

use super::api::UserJson;
use super::input::Input;
use super::login::logged_in;
use crate::auth::credentials::{self, Checker};
use crate::auth::totp::TotpSecret;
use crate::auth::{recovery_codes, two_step};
use crate::client_ip;
use crate::db::{two_factor, users};
use crate::domain::LoginMethod;
use crate::error::AppError;
use crate::mail::Letter;
use crate::metrics::LoginOutcome;
use crate::render::error_responses as errors;
use crate::render::{self, Format};
use crate::state::AppState;

/// `POST /login/2fa` fields (and those of turning TOTP off): one of the two.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CodeForm {
    /// The 6-digit code of the authenticator app.
    pub(super) code: Option<String>,
    /// An unused recovery code (dashes, spaces and case do not matter).
    pub(super) recovery_code: Option<String>,
}

/// `GET /login/2fa`: the code form while a first step waits (else back to `/login`).
pub async fn form(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    if two_step::pending(&req).is_none() {
        return Ok(render::see_other("/login"));
    }
    state
        .pages
        .respond(&req, StatusCode::OK, "login_2fa.html", Context::new())
}

/// `POST /login/2fa`: a right code (never a step twice) or an unused
/// recovery code completes the login as a fresh session; a wrong one
/// counts toward the username lock-out like a wrong password.
#[utoipa::path(
    post,
    path = "/login/2fa",
    operation_id = "login_second_step",
    tag = "login",
    security((), ("session" = [])),
    request_body(content = CodeForm, content_type = "application/json"),
    responses(
        (status = 200, description = "Logged in: a fresh session cookie", body = UserJson<'_>,
            links(("me" = (operation_id = "me")))),
        (status = 400, response = errors::BadRequest),
        (status = 401, response = errors::SecondStepFailed),
        (status = 403, response = errors::AccountLocked),
        (status = 429, response = errors::TooManyRequests),
    )
)]
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    format: Format,
    Input(form): Input<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let on_form = |error: AppError| error.on_form("login_2fa.html", Context::new());
    let tried = match form.code.as_deref().map(str::trim) {
        Some(code) if !code.is_empty() => LoginMethod::Totp,
        _ => LoginMethod::RecoveryCode,
    };
    let metrics = &state.metrics;
    let ip = client_ip::client_ip(&req, &state.settings.trusted_proxies);
    state.throttle.check_ip(ip).map_err(|e| {
        metrics.login(tried, LoginOutcome::Throttled);
        on_form(e)
    })?;
    let device = state.auth.device(&req);
    let expired = || {
        metrics.login(tried, LoginOutcome::Expired);
        AppError::SecondStepExpired.on_form("login.html", expired_context())
    };
    let pending = two_step::pending(&req).ok_or_else(expired)?;
    let id = pending.user_id;
    let user = state
        .db
        .read(move |c| Ok(users::find_by_id(c, id)?))
        .await?
        .filter(|u| u.session_generation == pending.generation)
        .ok_or_else(expired)?;
    let Some(secret) = user
        .totp_secret
        .as_deref()
        .and_then(TotpSecret::from_base32)
    else {
        // Turned off meanwhile: the password alone logs in again.
        two_step::forget(&req);
        return Err(expired());
    };
    let checker = Checker {
        db: &state.db,
        hasher: &state.hasher,
        max_failures: state.settings.login_max_failures,
        metrics: &state.metrics,
    };
    credentials::second_step_allowed(&checker, &user, &device)
        .await
        .map_err(|e| on_form(metrics.login_failed(tried, e)))?;

    let Some(method) = check_code(&state, &secret, &user, &form).await? else {
        credentials::second_step_failed(&checker, &user, tried, &device).await?;
        return Err(on_form(metrics.login_failed(tried, AppError::InvalidCode)));
    };
    let start = state.auth.session_start(&req, pending.remember);
    credentials::second_step_passed(&checker, &user, method, &start).await?;
    metrics.login(method, LoginOutcome::Success);
    logged_in(&req, format, &user, &start, &pending.next)
}

/// Which of the form's two fields passed: a current code (never a step
/// twice) or an unused recovery code (used up), if either.
pub(super) async fn check_code(
    state: &AppState,
    secret: &TotpSecret,
    user: &users::User,
    form: &CodeForm,
) -> Result<Option<LoginMethod>, AppError> {
    match (form.code.as_deref(), form.recovery_code.as_deref()) {
        (Some(code), _) if !code.trim().is_empty() => {
            accept_code(state, secret, user.id, user.totp_last_step, code).await
        }
        (_, Some(code)) if !code.trim().is_empty() => use_recovery_code(state, user, code).await,
        _ => Ok(None),
    }
}

/// Whether `code` is right for a step later than the last one accepted,
/// which it then becomes (atomically: two requests cannot both use it).
async fn accept_code(
    state: &AppState,
    secret: &TotpSecret,
    user_id: i32,
    last_step: Option<i64>,
    code: &str,
) -> Result<Option<LoginMethod>, AppError> {
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or_default();
    let Some(step) = secret.accept(code, now, last_step) else {
        return Ok(None);
    };
    let taken = state
        .db
        .run(move |c| Ok(two_factor::accept_step(c, user_id, step)?))
        .await?;
    Ok(taken.then_some(LoginMethod::Totp))
}

/// Whether `code` is one of the account's unused recovery codes, which is
/// then used up; the verified address is told.
async fn use_recovery_code(
    state: &AppState,
    user: &users::User,
    code: &str,
) -> Result<Option<LoginMethod>, AppError> {
    let Some(hash) = recovery_codes::hash(code) else {
        return Ok(None);
    };
    let id = user.id;
    let now = chrono::Utc::now().naive_utc();
    let left = state
        .db
        .run(move |c| {
            Ok(match two_factor::use_recovery_code(c, id, &hash, now)? {
                true => Some(two_factor::codes_left(c, id)?),
                false => None,
            })
        })
        .await?;
    let Some(left) = left else {
        return Ok(None);
    };
    log::info!("recovery code used: user_id={id} left={left}");
    if let Some(to) = user.verified_email() {
        state
            .mailer
            .send(to, &user.username, Letter::RecoveryCodeUsed { left });
    }
    Ok(Some(LoginMethod::RecoveryCode))
}

fn expired_context() -> Context {
    let mut ctx = Context::new();
    ctx.insert(
        "form",
        &serde_json::json!({ "username": "", "next": "", "remember": false }),
    );
    ctx
}
