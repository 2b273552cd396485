//! Registration: the form and its submission (form post or JSON).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use tera::Context;

use super::api::UserJson;
use super::input::Input;
use crate::auth::login;
use crate::auth::tokens::verification_link;
use crate::client_ip;
use crate::db::security_events::{self, Kind};
use crate::db::users::{self, NewUser};
use crate::db::{is_unique_violation_of, unique_violation_as};
use crate::domain::{EmailAddress, LoginMethod, NewPassword, Username};
use crate::error::{AppError, FieldErrors};
use crate::i18n::Text;
use crate::mail::Letter;
use crate::render::error_responses as errors;
use crate::render::{self, Format};
use crate::state::AppState;
use diesel::Connection as _;

/// The registration fields.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct RegisterForm {
    /// 3–32 characters from `A-Z a-z 0-9 . _ -`, unique ignoring case.
    #[schema(pattern = "^[A-Za-z0-9._-]{3,32}$")]
    username: Option<String>,
    /// 8 characters to 72 bytes, not too easy to guess, without the username.
    #[schema(min_length = 8)]
    password: Option<String>,
    /// Must match `password` when sent.
    password_confirm: Option<String>,
    /// Optional; verified by a link before it is used.
    email: Option<String>,
}

/// `GET /register`: the form.
pub async fn form(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let mut ctx = form_context("", "");
    ctx.insert("errors", &FieldErrors::new());
    state
        .pages
        .respond(&req, StatusCode::OK, "register.html", ctx)
}

/// The form's values; a failed attempt adds its `errors`.
fn form_context(username: &str, email: &str) -> Context {
    let mut ctx = Context::new();
    ctx.insert(
        "form",
        &serde_json::json!({ "username": username, "email": email }),
    );
    ctx
}

/// What a valid registration holds.
type Valid = (Username, NewPassword, Option<EmailAddress>);

/// Checks every field and returns all problems at once.
fn validate(form: &RegisterForm) -> Result<Valid, FieldErrors> {
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
            vec![Text::new("field-passwords-differ")],
        );
    }
    let email = match form.email.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(typed) => EmailAddress::parse(typed)
            .map_err(|e| errors.insert("email", vec![e]))
            .ok(),
    };
    match (username, new_password) {
        (Some(u), Some(p)) if errors.is_empty() => Ok((u, p, email)),
        _ => Err(errors),
    }
}

/// `POST /register`: creates the account and logs it in: 303 to
/// `/dashboard` (or 201 `{"id","username"}` in JSON); 422 lists every
/// problem; 409 when the name is taken. A browser sees these on the form again.
#[utoipa::path(
    post,
    path = "/register",
    operation_id = "register",
    tag = "login",
    description = "Creates the account and logs it in (a new session cookie). \
        Absent (404) when `ALLOW_REGISTRATION=false`, and then not in this document.",
    request_body(content = RegisterForm, content_type = "application/json"),
    responses(
        (status = 201, description = "Created and logged in", body = UserJson<'_>,
            links(
                ("me" = (operation_id = "me")),
                ("login" = (operation_id = "login", request_body = json!({
                    "username": "$request.body#/username",
                    "password": "$request.body#/password",
                }))),
            )),
        (status = 400, response = errors::BadRequest),
        (status = 409, response = errors::Taken),
        (status = 422, response = errors::ValidationFailed),
        (status = 429, response = errors::TooManyRequests),
    )
)]
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    format: Format,
    Input(form): Input<RegisterForm>,
) -> Result<HttpResponse, AppError> {
    let ip = client_ip::client_ip(&req, &state.settings.trusted_proxies);
    state.throttle.check_ip(ip)?;
    let typed_name = form.username.as_deref().unwrap_or_default().trim();
    let typed_email = form.email.as_deref().unwrap_or_default().trim();
    let on_form =
        |error: AppError| error.on_form("register.html", form_context(typed_name, typed_email));
    let (username, password, email) =
        validate(&form).map_err(|errors| on_form(AppError::Validation(errors)))?;

    let hash = state.hasher.hash(password).await?;
    let name = username.clone();
    let address = email.clone();
    let public_url = state.settings.public_url.clone();
    let start = state.auth.session_start(&req, false);
    let recorded = start.clone();
    let (user, link) = state
        .db
        .run(move |conn| {
            let normalized = address.as_ref().map(EmailAddress::normalized);
            let new_user = NewUser {
                username: name.as_str(),
                username_normalized: &name.normalized(),
                password_hash: &hash,
                created_at: chrono::Utc::now().naive_utc(),
                email: address.as_ref().map(EmailAddress::as_str),
                email_normalized: normalized.as_deref(),
            };
            // The account and its verification link, together or not at all.
            conn.transaction(|conn| {
                let user = users::insert(conn, &new_user)?;
                let created = recorded.device.event(Kind::AccountCreated);
                security_events::record(conn, user.id, new_user.created_at, created)?;
                recorded.record(conn, user.id, LoginMethod::Password)?;
                let link = match &normalized {
                    Some(n) => Some(verification_link(conn, &public_url, user.id, n)?),
                    None => None,
                };
                Ok((user, link))
            })
            .map_err(|e| match e {
                e if is_unique_violation_of(&e, "email") => AppError::EmailTaken,
                e => unique_violation_as(e, AppError::UsernameTaken),
            })
        })
        .await
        .map_err(|e| match e {
            AppError::UsernameTaken | AppError::EmailTaken => on_form(e),
            other => other,
        })?;
    if let (Some(address), Some(link)) = (&email, link) {
        state.mailer.send(
            address.as_str(),
            &user.username,
            Letter::VerifyEmail { link },
        );
    }

    login::start(&req, &user, &start)?;
    log::info!(
        "registered: username={:?} client={}",
        user.username,
        start.device.client()
    );
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
