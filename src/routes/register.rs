//! Registration: the form and its submission (form post or JSON).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Deserialize;
use tera::Context;

use super::api::UserJson;
use super::input::Input;
use crate::auth::login;
use crate::client_ip;
use crate::db::users::{self, NewUser};
use crate::domain::{NewPassword, Username};
use crate::error::{AppError, FieldErrors};
use crate::render::{self, Format};
use crate::state::AppState;

/// The registration fields.
#[derive(Deserialize)]
pub struct RegisterForm {
    username: Option<String>,
    password: Option<String>,
    password_confirm: Option<String>,
}

/// `GET /register`: the form.
pub async fn form(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    render::page(
        &state,
        &req,
        StatusCode::OK,
        "register.html",
        form_context("", &FieldErrors::new()),
    )
}

fn form_context(username: &str, errors: &FieldErrors) -> Context {
    let mut ctx = Context::new();
    ctx.insert("form", &serde_json::json!({ "username": username }));
    ctx.insert("errors", errors);
    ctx
}

/// Checks every field and returns all problems at once.
fn validate(form: &RegisterForm) -> Result<(Username, NewPassword), FieldErrors> {
    let mut errors = FieldErrors::new();
    let raw_name = form.username.as_deref().unwrap_or_default();
    let password = form.password.as_deref().unwrap_or_default();
    let username = Username::parse(raw_name)
        .map_err(|e| errors.insert("username", e))
        .ok();
    let new_password = NewPassword::parse(password, raw_name)
        .map_err(|e| errors.insert("password", e))
        .ok();
    if form
        .password_confirm
        .as_deref()
        .is_some_and(|c| c != password)
    {
        errors.insert(
            "password_confirm",
            vec!["PasswordHasher do not match.".into()],
        );
    }
    match (username, new_password) {
        (Some(u), Some(p)) if errors.is_empty() => Ok((u, p)),
        _ => Err(errors),
    }
}

/// `POST /register`: creates the account and logs it in: 303 to
/// `/dashboard` (form) or 201 `{"id","username"}` (JSON); 422 lists every
/// problem; 409 when the name is taken.
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    input: Input<RegisterForm>,
) -> Result<HttpResponse, AppError> {
    let Input { value: form, json } = input;
    let browser = Format::of(&req) == Format::Html;
    let typed_name = form.username.clone().unwrap_or_default();
    let ip = client_ip::client_ip(&req, &state.settings.trusted_proxies);
    state.throttle.check_ip(ip)?;
    let rerender = |status: StatusCode, errors: FieldErrors| {
        render::page(
            &state,
            &req,
            status,
            "register.html",
            form_context(typed_name.trim(), &errors),
        )
    };

    let (username, password) = match validate(&form) {
        Ok(valid) => valid,
        Err(errors) if browser => return rerender(StatusCode::UNPROCESSABLE_ENTITY, errors),
        Err(errors) => return Err(AppError::Validation(errors)),
    };

    let hash = state.hasher.hash(password).await?;
    let name = username.clone();
    let created = state
        .db(move |conn| {
            let new_user = NewUser {
                username: name.as_str(),
                username_normalized: &name.normalized(),
                password_hash: &hash,
                created_at: chrono::Utc::now().naive_utc(),
            };
            match users::insert(conn, &new_user) {
                Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(None),
                other => Ok(Some(other?)),
            }
        })
        .await?;
    let Some(user) = created else {
        if browser {
            let taken =
                FieldErrors::from([("username", vec![AppError::UsernameTaken.to_string()])]);
            return rerender(StatusCode::CONFLICT, taken);
        }
        return Err(AppError::UsernameTaken);
    };

    login::start(&req, &user, false)?;
    let client = client_ip::describe(ip);
    log::info!("registered: username={:?} client={client}", user.username);
    if json {
        return Ok(render::json(
            StatusCode::CREATED,
            &UserJson {
                id: user.id,
                username: &user.username,
            },
        ));
    }
    Ok(render::see_other("/dashboard"))
}
