//! The account page and its three forms: change password, log out other
//! sessions, delete the account. All behind the login guard.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::Connection as _;
use serde::Deserialize;
use tera::Context;

use super::input::Input;
use super::{page_for, when};
use crate::auth::password_hasher::Verification;
use crate::auth::{CurrentUser, login};
use crate::db::security_events::{self, Kind};
use crate::db::{login_failures, users};
use crate::domain::{NewPassword, SafeNext, normalize_username};
use crate::error::{AppError, FieldErrors};
use crate::flash::FlashMessage;
use crate::i18n::Text;
use crate::mail::Letter;
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

/// The account's email address and whether it is verified.
async fn email_of(state: &AppState, user_id: i32) -> Result<(Option<String>, bool), AppError> {
    let user = state
        .db
        .read(move |c| Ok(users::find_by_id(c, user_id)?))
        .await?;
    Ok(user.map_or((None, false), |u| {
        let verified = u.email_verified_at.is_some();
        (u.email, verified)
    }))
}

/// The account page's values; a failed form adds its `errors`.
pub(super) async fn account_context(
    state: &AppState,
    user: &CurrentUser,
) -> Result<Context, AppError> {
    let (email, verified) = email_of(state, user.id).await?;
    let mut ctx = page_for(user);
    ctx.insert(
        "account",
        &serde_json::json!({
            "username": user.username,
            "created_at": when(user.created_at),
            "last_login_at": user.last_login_at.map(when),
            "email": email,
            "email_verified": verified,
        }),
    );
    Ok(ctx)
}

/// `GET /account`: username, creation time, last login, and the forms (a
/// page), or the same facts in JSON for any other client.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    format: Format,
    user: web::ReqData<CurrentUser>,
) -> Result<HttpResponse, AppError> {
    if format == Format::Html {
        let mut ctx = account_context(&state, &user).await?;
        ctx.insert("errors", &FieldErrors::new());
        return state
            .pages
            .respond(&req, StatusCode::OK, "account.html", ctx);
    }
    let (email, verified) = email_of(&state, user.id).await?;
    Ok(render::json(
        StatusCode::OK,
        &serde_json::json!({
            "id": user.id,
            "username": user.username,
            "created_at": user.created_at.and_utc().to_rfc3339(),
            "last_login_at": user.last_login_at.map(|t| t.and_utc().to_rfc3339()),
            "email": email,
            "email_verified": verified,
        }),
    ))
}

/// Success: a flash and 303 back (forms), or 200 `{"message"}` (JSON).
pub(super) fn done(
    state: &AppState,
    format: Format,
    message: Text,
    location: &str,
) -> Result<HttpResponse, AppError> {
    told(
        state,
        format,
        (StatusCode::OK, location),
        FlashMessage::success(message),
    )
}

/// `notice` as a flash on the page at `location` (forms, 303), or
/// `{"message"}` with `status` (JSON).
pub(super) fn told(
    state: &AppState,
    format: Format,
    (status, location): (StatusCode, &str),
    notice: FlashMessage,
) -> Result<HttpResponse, AppError> {
    if format == Format::Json {
        return Ok(render::json(
            status,
            &serde_json::json!({ "message": notice.message.localized() }),
        ));
    }
    state.pages.flash().see_other_with(location, notice)
}

/// Whether `password` is the user's current one (bcrypt, off the async threads).
async fn password_matches(
    state: &AppState,
    user_id: i32,
    password: String,
) -> Result<bool, AppError> {
    let stored = state
        .db
        .read(move |c| Ok(users::find_by_id(c, user_id)?.map(|u| u.password_hash)))
        .await?;
    Ok(matches!(
        state.hasher.verify(password, stored).await?,
        Verification::Valid { .. }
    ))
}

/// The `new_password` and `new_password_confirm` fields: the password when
/// it passes the rules and the repetition matches, else the problems in `errors`.
pub(super) fn new_password_fields(
    new: Option<String>,
    confirm: Option<String>,
    username: &str,
    errors: &mut FieldErrors,
) -> Option<NewPassword> {
    let new = new.unwrap_or_default();
    let accepted = NewPassword::parse(&new, username)
        .map_err(|e| errors.insert("new_password", e))
        .ok();
    if confirm.is_some_and(|c| c != new) {
        errors.insert(
            "new_password_confirm",
            vec![Text::new("field-passwords-differ")],
        );
    }
    accepted
}

/// The `current_password` field: a problem in `errors` unless it is the user's password.
pub(super) async fn check_current_password(
    state: &AppState,
    user_id: i32,
    current: Option<String>,
    errors: &mut FieldErrors,
) -> Result<(), AppError> {
    let current = current.unwrap_or_default();
    if current.is_empty() {
        errors.insert(
            "current_password",
            vec![Text::new("field-current-password-required")],
        );
    } else if !password_matches(state, user_id, current).await? {
        errors.insert(
            "current_password",
            vec![Text::new("field-current-password-wrong")],
        );
    }
    Ok(())
}

/// `POST /account/password`: checks the current password, sets the new one,
/// ends every other session of the user; this one is re-issued and stays.
pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    format: Format,
    user: web::ReqData<CurrentUser>,
    Input(form): Input<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::new();
    let accepted = new_password_fields(
        form.new_password,
        form.new_password_confirm,
        &user.username,
        &mut errors,
    );
    check_current_password(&state, user.id, form.current_password, &mut errors).await?;
    let Some(accepted) = accepted.filter(|_| errors.is_empty()) else {
        let ctx = account_context(&state, &user).await?;
        return Err(AppError::Validation(errors).on_form("account.html", ctx));
    };

    let hash = state.hasher.hash(accepted).await?;
    let (id, sid, device) = (user.id, user.sealed.sid.clone(), state.auth.device(&req));
    let (generation, account) = state
        .db
        .run(move |c| {
            let event = device.event(Kind::PasswordChanged);
            let generation = security_events::with_event(c, id, event, |c| {
                users::set_password(c, id, &hash, Some(&sid))
            })?;
            Ok((generation, users::find_by_id(c, id)?))
        })
        .await?;
    state.auth.reissue(&req, &user.sealed, generation)?;
    log::info!("password changed: user_id={id}; other sessions ended");
    if let Some(to) = account.as_ref().and_then(users::User::verified_email) {
        let notice = Letter::PasswordChanged { by_reset: false };
        state.mailer.send(to, &user.username, notice);
    }
    done(
        &state,
        format,
        Text::new("notice-password-changed"),
        "/account",
    )
}

/// `?next=` of `POST /account/logout-others`: the page to return to.
#[derive(Deserialize)]
pub struct ReturnTo {
    next: Option<String>,
}

/// `POST /account/logout-others`: ends every other session; this one
/// stays. A form returns to `next` (the sessions page sends its own), else `/account`.
pub async fn logout_others(
    req: HttpRequest,
    state: web::Data<AppState>,
    format: Format,
    user: web::ReqData<CurrentUser>,
    query: web::Query<ReturnTo>,
) -> Result<HttpResponse, AppError> {
    let next = query.next.as_deref().and_then(SafeNext::parse);
    let (id, sid, device) = (user.id, user.sealed.sid.clone(), state.auth.device(&req));
    let generation = state
        .db
        .run(move |c| {
            let event = device.event(Kind::SessionsEnded);
            Ok(security_events::with_event(c, id, event, |c| {
                users::bump_generation(c, id, Some(&sid))
            })?)
        })
        .await?;
    state.auth.reissue(&req, &user.sealed, generation)?;
    log::info!("other sessions ended: user_id={id}");
    done(
        &state,
        format,
        Text::new("notice-others-logged-out"),
        next.as_ref().map_or("/account", SafeNext::as_str),
    )
}

/// `POST /account/delete`: with the password, deletes the account and its
/// data in one transaction, ends the session, 303 to `/login`.
pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    format: Format,
    user: web::ReqData<CurrentUser>,
    Input(form): Input<DeleteForm>,
) -> Result<HttpResponse, AppError> {
    let password = form.password.unwrap_or_default();
    if password.is_empty() || !password_matches(&state, user.id, password).await? {
        let problem = Text::new("field-delete-needs-password");
        let errors = FieldErrors::from([("password", vec![problem])]);
        let ctx = account_context(&state, &user).await?;
        return Err(AppError::Validation(errors).on_form("account.html", ctx));
    }
    let (id, name) = (user.id, normalize_username(&user.username));
    state
        .db
        .run(move |c| {
            c.transaction(|c| {
                users::delete(c, id)?;
                login_failures::clear(c, &name)
            })?;
            Ok(())
        })
        .await?;
    // The account is gone, so every cookie of it is dead: no revocation needed.
    state.auth.forget_checks();
    login::end(&req);
    log::info!("account deleted: user_id={id}");
    done(
        &state,
        format,
        Text::new("notice-account-deleted"),
        "/login",
    )
}
