//! `/account/confirm`: the password again, for sensitive changes after
//! `REAUTH_WINDOW` ("sudo mode").

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use tera::Context;

use super::account::{check_current_password, done};
use super::input::Input;
use super::page_for;
use crate::auth::CurrentUser;
use crate::domain::SafeNext;
use crate::error::{AppError, FieldErrors};
use crate::i18n::Text;
use crate::render::Format;
use crate::state::AppState;

/// `?next=` of the confirmation page.
#[derive(Deserialize)]
pub struct ConfirmQuery {
    next: Option<String>,
}

/// `POST /account/confirm` fields.
#[derive(Deserialize)]
pub struct ConfirmForm {
    password: Option<String>,
    next: Option<String>,
}

fn context(user: &CurrentUser, next: &str) -> Context {
    let mut ctx = page_for(user);
    ctx.insert("form", &serde_json::json!({ "next": next }));
    ctx
}

fn safe_next(next: Option<&str>) -> String {
    next.and_then(SafeNext::parse)
        .map_or_else(|| "/account".to_owned(), |n| n.as_str().to_owned())
}

/// `GET /account/confirm`: the password form, returning to a safe `next`.
pub async fn form(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: web::ReqData<CurrentUser>,
    query: web::Query<ConfirmQuery>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(query.next.as_deref());
    state
        .pages
        .respond(&req, StatusCode::OK, "confirm.html", context(&user, &next))
}

/// `POST /account/confirm`: the right password re-seals the session as
/// confirmed now, then 303 to `next` (JSON: 200 `{"message"}`).
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    format: Format,
    user: web::ReqData<CurrentUser>,
    Input(form): Input<ConfirmForm>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(form.next.as_deref());
    let mut errors = FieldErrors::new();
    check_current_password(&state, user.id, form.password, &mut errors).await?;
    if let Some(problems) = errors.remove("current_password") {
        let errors = FieldErrors::from([("password", problems)]);
        return Err(AppError::Validation(errors).on_form("confirm.html", context(&user, &next)));
    }
    state.auth.confirm(&req, &user.sealed)?;
    log::info!(
        "password confirmed for sensitive changes: user_id={}",
        user.id
    );
    done(&state, format, Text::new("notice-confirmed"), &next)
}
