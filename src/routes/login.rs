//! Logging in: the form and its submission (form post or JSON).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use tera::Context;

use super::api::UserJson;
use super::input::{Input, checkbox};
use crate::auth::password::Verification;
use crate::auth::session;
use crate::client_ip;
use crate::db::users;
use crate::domain::{SafeNext, normalize_username};
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
/// same 401 at the same cost.
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    input: Input<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let Input { value: form, json } = input;
    let name = form.username.unwrap_or_default();
    let password = form.password.unwrap_or_default();
    let next = form.next.as_deref().and_then(SafeNext::parse);
    let next_str = next.as_ref().map_or("", SafeNext::as_str);
    let browser = Format::of(&req) == Format::Html;

    let mut missing = FieldErrors::new();
    if name.trim().is_empty() {
        missing.insert("username", vec!["Username is required.".into()]);
    }
    if password.is_empty() {
        missing.insert("password", vec!["Password is required.".into()]);
    }
    if !missing.is_empty() {
        if browser {
            let message = missing
                .values()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join(" ");
            let ctx = form_context(&name, next_str, form.remember, Some(&message));
            return render::page(
                &state,
                &req,
                StatusCode::UNPROCESSABLE_ENTITY,
                "login.html",
                ctx,
            );
        }
        return Err(AppError::Validation(missing));
    }

    let client = client_ip::describe(&req, &state.settings.trusted_proxies);
    let normalized = normalize_username(&name);
    let user = state
        .db(move |conn| Ok(users::find_by_normalized(conn, &normalized)?))
        .await?;
    let stored_hash = user.as_ref().map(|u| u.password_hash.clone());
    let verification = state.passwords.verify(password, stored_hash).await?;
    let (user, rehash) = match (user, verification) {
        (Some(user), Verification::Valid { rehash }) => (user, rehash),
        _ => {
            log::info!("login failed: username={name:?} client={client}");
            if browser {
                let error = AppError::InvalidCredentials.to_string();
                let ctx = form_context(&name, next_str, form.remember, Some(&error));
                return render::page(&state, &req, StatusCode::UNAUTHORIZED, "login.html", ctx);
            }
            return Err(AppError::InvalidCredentials);
        }
    };

    let (id, now) = (user.id, chrono::Utc::now().naive_utc());
    state
        .db(move |conn| Ok(users::record_login(conn, id, now, rehash.as_deref())?))
        .await?;
    session::start(&req, &user, form.remember)?;
    log::info!(
        "login succeeded: username={:?} client={client}",
        user.username
    );

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
