//! Registration: the form and its submission (form post or JSON).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use tera::Context;

use super::api::UserJson;
use super::input::Input;
use crate::auth::login;
use crate::client_ip;
use crate::db::ResultExt as _;
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
    let mut ctx = form_context("");
    ctx.insert("errors", &FieldErrors::new());
    state
        .pages
        .respond(&req, StatusCode::OK, "register.html", ctx)
}

/// The form's values; a failed attempt adds its `errors`.
fn form_context(username: &str) -> Context {
    let mut ctx = Context::new();
    ctx.insert("form", &serde_json::json!({ "username": username }));
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
        errors.insert("password_confirm", vec!["Passwords do not match.".into()]);
    }
    match (username, new_password) {
        (Some(u), Some(p)) if errors.is_empty() => Ok((u, p)),
        _ => Err(errors),
    }
}

/// `POST /register`: creates the account and logs it in: 303 to
/// `/dashboard` (or 201 `{"id","username"}` in JSON); 422 lists every
/// problem; 409 when the name is taken. A browser sees these on the form again.
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    format: Format,
    Input(form): Input<RegisterForm>,
) -> Result<HttpResponse, AppError> {
    let ip = client_ip::client_ip(&req, &state.settings.trusted_proxies);
    state.throttle.check_ip(ip)?;
    let typed_name = form.username.as_deref().unwrap_or_default().trim();
    let on_form = |error: AppError| error.on_form("register.html", form_context(typed_name));
    let (username, password) =
        validate(&form).map_err(|errors| on_form(AppError::Validation(errors)))?;

    let hash = state.hasher.hash(password).await?;
    let name = username.clone();
    let user = state
        .db
        .run(move |conn| {
            let new_user = NewUser {
                username: name.as_str(),
                username_normalized: &name.normalized(),
                password_hash: &hash,
                created_at: chrono::Utc::now().naive_utc(),
            };
            users::insert(conn, &new_user).on_unique_violation(AppError::UsernameTaken)
        })
        .await
        .map_err(|e| match e {
            AppError::UsernameTaken => on_form(e),
            other => other,
        })?;

    login::start(&req, &user, false)?;
    let client = client_ip::describe(ip);
    log::info!("registered: username={:?} client={client}", user.username);
    if format == Format::Json {
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
