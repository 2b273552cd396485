//! Password reset by email: "Forgot password?" (`/password/forgot`) and the
//! link it sends (`/password/reset`).
//!
//! Asking answers alike whether or not an account matches: one read either
//! way, and the link is made and sent by a background task, so neither the
//! answer nor its time tells anything. Opening the link moves its token out
//! of the address bar into a sealed cookie for the reset form, so it leaks
//! through no `Referer` or history.

use std::time::Duration;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use diesel::Connection as _;
use serde::Deserialize;
use tera::Context;

use super::account::{new_password_fields, told};
use super::input::Input;
use crate::auth::login;
use crate::auth::tokens::{self, LinkToken};
use crate::client_ip;
use crate::db::account_tokens::{self, Purpose};
use crate::db::login_failures;
use crate::db::security_events::{self, Kind};
use crate::db::users::{self, User};
use crate::domain::{EmailAddress, LinkProblem, Username, normalize_username};
use crate::error::{AppError, FieldErrors};
use crate::flash::FlashMessage;
use crate::i18n::{Lang, Text};
use crate::mail::Letter;
use crate::render::Format;
use crate::render::error_responses as errors;
use crate::state::AppState;

/// Reset mails per account per hour, at most.
const RESET_MAILS_PER_HOUR: i64 = 3;

/// `POST /password/forgot` fields.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ForgotForm {
    /// A username or an email address.
    login: Option<String>,
}

/// `GET /password/reset` query.
#[derive(Deserialize)]
pub struct TokenQuery {
    /// The token from the link.
    pub token: Option<String>,
}

/// `POST /password/reset` fields (the token comes from the form's cookie
/// when the body does not carry it).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ResetForm {
    /// The token of the mailed link (else the `reset` cookie's).
    token: Option<String>,
    /// The rules of a new password (as at registration).
    new_password: Option<String>,
    /// Must match `new_password` when sent.
    new_password_confirm: Option<String>,
}

fn forgot_context(login: &str) -> Context {
    let mut ctx = Context::new();
    ctx.insert("form", &serde_json::json!({ "login": login }));
    ctx
}

/// `GET /password/forgot`: the form (username or email).
pub async fn forgot_form(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    state.pages.respond(
        &req,
        StatusCode::OK,
        "password_forgot.html",
        forgot_context(""),
    )
}

/// `POST /password/forgot`: 303 to `/login` with one notice (JSON: 202),
/// whether or not an account matches; a matching account with a verified
/// address gets a link (at most three an hour).
#[utoipa::path(
    post,
    path = "/password/forgot",
    operation_id = "forgot_password",
    tag = "password",
    request_body(content = ForgotForm, content_type = "application/json"),
    responses(
        (status = 202, description = "The same answer whether or not an account matches",
            body = super::api::Message),
        (status = 400, response = errors::BadRequest),
        (status = 422, response = errors::ValidationFailed),
        (status = 429, response = errors::TooManyRequests),
    )
)]
pub async fn forgot_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    format: Format,
    Input(form): Input<ForgotForm>,
) -> Result<HttpResponse, AppError> {
    let login = form.login.unwrap_or_default().trim().to_owned();
    let on_form = |error: AppError| error.on_form("password_forgot.html", forgot_context(&login));
    let ip = client_ip::client_ip(&req, &state.settings.trusted_proxies);
    state.throttle.check_ip(ip).map_err(on_form)?;
    if login.is_empty() {
        let problem = vec![Text::new("field-login-required")];
        return Err(on_form(AppError::Validation(FieldErrors::from([(
            "login", problem,
        )]))));
    }
    // Usernames have no `@`, so the field says which one it is. Something
    // that could be neither (a NUL byte PostgreSQL refuses, say) is looked up
    // as the empty key, which matches nothing: the same read, the same answer.
    let by_email = login.contains('@');
    let key = if by_email {
        EmailAddress::parse(&login).map(|a| a.normalized()).ok()
    } else {
        Username::parse(&login).map(|u| u.normalized()).ok()
    }
    .unwrap_or_default();
    let user = state
        .db
        .read(move |c| {
            Ok(if by_email {
                users::find_by_email(c, &key)?
            } else {
                users::find_by_normalized(c, &key)?
            })
        })
        .await?;
    let client = client_ip::describe(ip);
    match user {
        Some(user) if user.verified_email().is_some() => {
            log::info!("password reset asked: user_id={} client={client}", user.id);
            // The mail is written in the language of this request.
            actix_web::rt::spawn(Lang::current().scope(send_reset_link(state.clone(), user)));
        }
        Some(user) => log::info!(
            "password reset asked, no verified address: user_id={} client={client}",
            user.id
        ),
        None => log::info!("password reset asked for no account: client={client}"),
    }
    let answer = (StatusCode::ACCEPTED, "/login");
    told(
        &state,
        format,
        answer,
        FlashMessage::info(Text::new("notice-reset-sent")),
    )
}

/// Makes a reset link and mails it, unless the account had three this hour.
/// Runs after the answer went out; what happens is logged.
async fn send_reset_link(state: web::Data<AppState>, user: User) {
    let Some(to) = user.verified_email().map(str::to_owned) else {
        return;
    };
    let (id, ttl) = (user.id, state.settings.password_reset_ttl);
    let issued = state
        .db
        .run(move |c| {
            let now = Utc::now().naive_utc();
            let made = c.transaction(|c| {
                let token = LinkToken::issue(c, id, Purpose::Reset, None, now, ttl)?;
                // Counted after the insert, in its transaction: of two at
                // once, neither goes past the limit.
                let hour_ago = now - chrono::Duration::hours(1);
                if account_tokens::count_since(c, id, Purpose::Reset, hour_ago)?
                    > RESET_MAILS_PER_HOUR
                {
                    return Err(diesel::result::Error::RollbackTransaction);
                }
                Ok(token)
            });
            match made {
                Ok(token) => Ok(Some(token)),
                Err(diesel::result::Error::RollbackTransaction) => Ok(None),
                Err(e) => Err(e.into()),
            }
        })
        .await;
    match issued {
        Ok(Some(token)) => {
            let link = state
                .settings
                .public_url
                .link(&format!("/password/reset?token={}", token.as_str()));
            let letter = Letter::PasswordReset {
                link,
                valid_for: ttl,
            };
            state.mailer.send(&to, &user.username, letter);
        }
        Ok(None) => log::warn!(
            "password reset mail not sent: user_id={id} had {RESET_MAILS_PER_HOUR} this hour"
        ),
        Err(e) => log::error!(
            "password reset link not made: user_id={id}: {}",
            e.log_chain()
        ),
    }
}

/// The account a reset token opens, or why it does not.
async fn check_token(state: &AppState, token: Option<LinkToken>) -> Result<User, AppError> {
    let token = token.ok_or(AppError::InvalidLink(LinkProblem::Unknown))?;
    let hash = token.hash();
    let (row, user) = state
        .db
        .read(move |c| {
            let row = account_tokens::find(c, &hash, Purpose::Reset)?;
            let user = match &row {
                Some(row) => users::find_by_id(c, row.user_id)?,
                None => None,
            };
            Ok((row, user))
        })
        .await?;
    match (tokens::problem(row.as_ref(), Utc::now().naive_utc()), user) {
        (Some(problem), _) => Err(AppError::InvalidLink(problem)),
        // The account went with its tokens (cascade); a race at most.
        (None, None) => Err(AppError::InvalidLink(LinkProblem::Unknown)),
        (None, Some(user)) => Ok(user),
    }
}

fn reset_context(username: &str) -> Context {
    let mut ctx = Context::new();
    ctx.insert("account", &serde_json::json!({ "username": username }));
    ctx
}

/// A bad link's page: what is wrong and a way to ask again.
fn link_problem(error: AppError) -> AppError {
    let mut ctx = Context::new();
    ctx.insert("ask_again", "/password/forgot");
    ctx.insert("ask_again_label", "link-ask-again-reset");
    error.on_form("link_invalid.html", ctx)
}

/// `GET /password/reset?token=…`: checks the token, keeps it in a sealed
/// cookie and sends the browser to `/password/reset` without it; there
/// (`GET /password/reset`) the form for the new password. A bad token gets
/// 400 with a way to ask again (a dead token left in the cookie expires
/// with it).
pub async fn reset_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, AppError> {
    let cookie = &state.reset_cookie;
    if let Some(raw) = &query.token {
        let token = LinkToken::parse(raw).ok_or(AppError::InvalidLink(LinkProblem::Unknown));
        let token = token.map_err(link_problem)?;
        check_token(&state, Some(token.clone()))
            .await
            .map_err(link_problem)?;
        // The cookie lasts as long as a link may (an hour at most: the form is
        // filled in minutes; the token's own expiry still counts).
        let lifetime = state
            .settings
            .password_reset_ttl
            .min(Duration::from_secs(3600));
        return Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/password/reset"))
            .cookie(cookie.sealed(token.as_str().to_owned(), lifetime))
            .finish());
    }
    let token = cookie.read(&req).as_deref().and_then(LinkToken::parse);
    let user = check_token(&state, token).await.map_err(link_problem)?;
    state.pages.respond(
        &req,
        StatusCode::OK,
        "password_reset.html",
        reset_context(&user.username),
    )
}

/// `POST /password/reset`: with a live token and an acceptable password,
/// sets it, ends every session of the account, clears its lock-out and
/// sends a notice; 303 to `/login` (JSON: 204). The token is checked again
/// here and used up in the same transaction as the change.
#[utoipa::path(
    post,
    path = "/password/reset",
    operation_id = "reset_password",
    tag = "password",
    request_body(content = ResetForm, content_type = "application/json"),
    responses(
        (status = 204, description = "Changed: every session of the account ended"),
        (status = 400, response = errors::BadRequestOrInvalidToken),
        (status = 422, response = errors::ValidationFailed),
        (status = 429, response = errors::TooManyRequests),
    )
)]
pub async fn reset_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    format: Format,
    Input(form): Input<ResetForm>,
) -> Result<HttpResponse, AppError> {
    let from_body = form.token.as_deref().map(str::to_owned);
    let raw = from_body.or_else(|| state.reset_cookie.read(&req));
    let token = raw.as_deref().and_then(LinkToken::parse);
    let user = check_token(&state, token.clone())
        .await
        .map_err(link_problem)?;

    let mut errors = FieldErrors::new();
    let accepted = new_password_fields(
        form.new_password,
        form.new_password_confirm,
        &user.username,
        &mut errors,
    );
    let Some(accepted) = accepted.filter(|_| errors.is_empty()) else {
        let error = AppError::Validation(errors);
        return Err(error.on_form("password_reset.html", reset_context(&user.username)));
    };
    let hash = state.hasher.hash(accepted).await?;
    let (id, name) = (user.id, normalize_username(&user.username));
    let token_hash = token.map(|t| t.hash()).unwrap_or_default();
    let device = state.auth.device(&req);
    let changed = state
        .db
        .run(move |c| {
            c.transaction(|c| {
                let now = Utc::now().naive_utc();
                if account_tokens::consume(c, &token_hash, Purpose::Reset, now)?.is_none() {
                    return Ok(false);
                }
                // Bumps the generation (every session ends) and voids the
                // account's other reset links.
                users::set_password(c, id, &hash, None)?;
                login_failures::clear(c, &name)?;
                let event = device.event(Kind::PasswordReset);
                security_events::record(c, id, now, event)?;
                diesel::QueryResult::Ok(true)
            })
            .map_err(AppError::from)
        })
        .await?;
    if !changed {
        // Used by another request since the check above.
        return Err(link_problem(AppError::InvalidLink(LinkProblem::Used)));
    }
    state.auth.forget_checks();
    if login::read_sealed_login(&req).is_some_and(|(uid, _)| uid == id) {
        login::end(&req);
    }
    log::info!("password reset: user_id={id}; every session ended, lock-out cleared");
    if let Some(to) = user.verified_email() {
        let notice = Letter::PasswordChanged { by_reset: true };
        state.mailer.send(to, &user.username, notice);
    }
    let removal = state.reset_cookie.removal();
    if format == Format::Json {
        return Ok(HttpResponse::NoContent().cookie(removal).finish());
    }
    let mut answer = state.pages.flash().see_other_with(
        "/login",
        FlashMessage::success(Text::new("notice-password-reset")),
    )?;
    answer
        .add_cookie(&removal)
        .map_err(|e| AppError::Unexpected(e.into()))?;
    Ok(answer)
}
