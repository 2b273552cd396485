//! The account page and its three forms: change password, log out other
//! sessions, delete the account. All behind the login guard.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::Connection as _;
use serde::Deserialize;
use tera::Context;

use super::input::Input;
use crate::auth::password::Verification;
use crate::auth::{CurrentUser, session};
use crate::db::{login_failures, users};
use crate::domain::{NewPassword, normalize_username};
use crate::error::{AppError, FieldErrors};
use crate::flash::FlashMessage;
use crate::render::{self, Format};
use crate::state::AppState;

/// `POST /account/password` fields.
#[derive(Deserialize)]
pub struct PasswordForm {
    current_password: Option<String>,
    new_password: Option<String>,
    new_password_confirm: Option<String>,
}

/// `POST /account/delete` fields.
#[derive(Deserialize)]
pub struct DeleteForm {
    password: Option<String>,
}

fn when(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Renders the account page with `errors` (keys as the template names them).
fn page(
    state: &AppState,
    req: &HttpRequest,
    user: &CurrentUser,
    status: StatusCode,
    errors: &FieldErrors,
) -> Result<HttpResponse, AppError> {
    let mut ctx = Context::new();
    ctx.insert(
        "account",
        &serde_json::json!({
            "username": user.username,
            "created_at": when(user.created_at),
            "last_login_at": user.last_login_at.map(when),
        }),
    );
    ctx.insert("errors", errors);
    render::page(state, req, status, "account.html", ctx)
}

/// `GET /account`: username, creation time, last login, and the forms.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: web::ReqData<CurrentUser>,
) -> Result<HttpResponse, AppError> {
    if Format::of(&req) == Format::Html {
        return page(&state, &req, &user, StatusCode::OK, &FieldErrors::new());
    }
    Ok(render::json(
        StatusCode::OK,
        &serde_json::json!({
            "id": user.id,
            "username": user.username,
            "created_at": user.created_at.and_utc().to_rfc3339(),
            "last_login_at": user.last_login_at.map(|t| t.and_utc().to_rfc3339()),
        }),
    ))
}

/// Success: a flash and 303 back (forms), or `{"message"}` (JSON).
fn done(
    state: &AppState,
    json: bool,
    message: &str,
    location: &str,
) -> Result<HttpResponse, AppError> {
    if json {
        return Ok(render::json(
            StatusCode::OK,
            &serde_json::json!({ "message": message }),
        ));
    }
    let mut response = render::see_other(location);
    response
        .add_cookie(&state.flash.cookie(&[FlashMessage::success(message)]))
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("flash cookie: {e}")))?;
    Ok(response)
}

/// Whether `password` is the user's current one (bcrypt, off the async threads).
async fn password_matches(
    state: &AppState,
    user_id: i32,
    password: String,
) -> Result<bool, AppError> {
    let stored = state
        .db(move |c| Ok(users::find_by_id(c, user_id)?.map(|u| u.password_hash)))
        .await?;
    Ok(matches!(
        state.passwords.verify(password, stored).await?,
        Verification::Valid { .. }
    ))
}

/// `POST /account/password`: checks the current password, sets the new one,
/// ends every other session of the user; this one is re-issued and stays.
pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: web::ReqData<CurrentUser>,
    input: Input<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let Input { value: form, json } = input;
    let new = form.new_password.unwrap_or_default();
    let mut errors = FieldErrors::new();
    let accepted = NewPassword::parse(&new, &user.username)
        .map_err(|e| errors.insert("new_password", e))
        .ok();
    if form.new_password_confirm.is_some_and(|c| c != new) {
        errors.insert(
            "new_password_confirm",
            vec!["Passwords do not match.".into()],
        );
    }
    let current = form.current_password.unwrap_or_default();
    if current.is_empty() {
        errors.insert(
            "current_password",
            vec!["Current password is required.".into()],
        );
    } else if !password_matches(&state, user.id, current).await? {
        errors.insert(
            "current_password",
            vec!["Current password is incorrect.".into()],
        );
    }
    let Some(accepted) = accepted.filter(|_| errors.is_empty()) else {
        return invalid(&state, &req, &user, errors);
    };

    let hash = state.passwords.hash(accepted).await?;
    let id = user.id;
    let generation = state
        .db(move |c| Ok(users::set_password(c, id, &hash)?))
        .await?;
    session::reissue(&req, &state, &user.auth, generation)?;
    log::info!("password changed: user_id={id}; other sessions ended");
    done(&state, json, "Password changed", "/account")
}

/// `POST /account/logout-others`: ends every other session; this one stays.
pub async fn logout_others(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: web::ReqData<CurrentUser>,
) -> Result<HttpResponse, AppError> {
    let id = user.id;
    let generation = state
        .db(move |c| Ok(users::bump_generation(c, id)?))
        .await?;
    session::reissue(&req, &state, &user.auth, generation)?;
    log::info!("other sessions ended: user_id={id}");
    done(
        &state,
        render::sends_json(&req),
        "Your other sessions have been logged out",
        "/account",
    )
}

/// `POST /account/delete`: with the password, deletes the account and its
/// data in one transaction, ends the session, 303 to `/login`.
pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: web::ReqData<CurrentUser>,
    input: Input<DeleteForm>,
) -> Result<HttpResponse, AppError> {
    let Input { value: form, json } = input;
    let password = form.password.unwrap_or_default();
    if password.is_empty() || !password_matches(&state, user.id, password).await? {
        let message = "Enter your current password to delete the account.";
        return invalid(
            &state,
            &req,
            &user,
            FieldErrors::from([("password", vec![message.to_owned()])]),
        );
    }
    let (id, name) = (user.id, normalize_username(&user.username));
    state
        .db(move |c| {
            c.transaction(|c| {
                users::delete(c, id)?;
                login_failures::clear(c, &name)
            })?;
            Ok(())
        })
        .await?;
    // The account is gone, so every cookie of it is dead: no revocation needed.
    state.sessions.invalidate();
    session::end(&req);
    log::info!("account deleted: user_id={id}");
    done(&state, json, "Your account has been deleted", "/login")
}

/// 422: the account page with the problems (browsers), or the error.
fn invalid(
    state: &AppState,
    req: &HttpRequest,
    user: &CurrentUser,
    mut errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    if Format::of(req) != Format::Html {
        return Err(AppError::Validation(errors));
    }
    // The delete form's field is named `password`; the page shows it apart.
    if let Some(problems) = errors.remove("password") {
        errors.insert("delete_password", problems);
    }
    page(state, req, user, StatusCode::UNPROCESSABLE_ENTITY, &errors)
}
