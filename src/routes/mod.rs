//! The route table, on one screen.

pub mod account;
pub mod activity;
pub mod api;
pub mod confirm;
pub mod dashboard;
pub mod email;
pub mod health;
pub mod input;
pub mod language;
pub mod login;
pub mod logout;
pub mod openapi;
pub mod passkeys;
pub mod password;
pub mod register;
pub mod second_step;
pub mod sessions;
pub mod static_files;
pub mod two_factor;

use std::rc::Rc;
use std::time::Duration;

use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, HttpResponse, Route, web};

use crate::auth::recent::require_recent_login;
use crate::auth::{Authenticator, CurrentUser, require_login};
use crate::error::{AppError, FieldErrors};
use crate::i18n::Text;
use crate::render::{self, PageUser};
use crate::state::AppState;

/// The routes of the table below that `/api/openapi.json` leaves out, as
/// (method, path): the pages and forms of the site itself (which answer
/// JSON clients too, but are not the API) and the static files. Every other
/// route is in the document; `tests/api/openapi.rs` checks both lists
/// against this table, so a new route is one or the other.
pub const NOT_IN_API: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/login"),
    ("GET", "/logout"),
    ("GET", "/password/forgot"),
    ("GET", "/password/reset"),
    ("GET", "/email/verify"),
    ("POST", "/language"),
    ("GET", "/login/2fa"),
    ("GET", "/register"),
    ("GET", "/dashboard"),
    ("GET", "/account"),
    ("POST", "/account/password"),
    ("POST", "/account/logout-others"),
    ("POST", "/account/delete"),
    ("POST", "/account/email"),
    ("POST", "/account/email/resend"),
    ("GET", "/account/confirm"),
    ("POST", "/account/confirm"),
    ("POST", "/account/confirm/passkey/start"),
    ("POST", "/account/confirm/passkey/finish"),
    ("GET", "/account/2fa"),
    ("POST", "/account/2fa/setup"),
    ("POST", "/account/2fa/confirm"),
    ("POST", "/account/2fa/recovery-codes"),
    ("POST", "/account/2fa/disable"),
    ("GET", "/account/passkeys"),
    ("POST", "/account/passkeys/register/start"),
    ("POST", "/account/passkeys/register/finish"),
    ("POST", "/account/passkeys/{id}/delete"),
    ("GET", "/account/sessions"),
    ("POST", "/account/sessions/{id}/logout"),
    ("GET", "/account/activity"),
    ("GET", "/static/{path:.*}"),
    ("GET", "/favicon.ico"),
];

/// Registers every route; `auth` is the guard's (this worker's) authenticator,
/// `reauth_window` how recent a login must be for sensitive changes.
/// `/register` exists only while registration is allowed.
pub fn configure(
    cfg: &mut web::ServiceConfig,
    allow_registration: bool,
    auth: &Rc<Authenticator>,
    reauth_window: Duration,
) {
    let guarded = |route: Route| {
        let auth = Rc::clone(auth);
        route.wrap(from_fn(move |req, next| {
            let auth = Rc::clone(&auth);
            async move { require_login(&auth, req, next).await }
        }))
    };
    // Sensitive changes: the guard first, then the recent-login check.
    let sensitive = |route: Route| {
        guarded(route.wrap(from_fn(move |req, next| {
            require_recent_login(reauth_window, req, next)
        })))
    };
    cfg.service(web::resource("/").get(home))
        .service(web::resource("/healthz").get(health::live))
        .service(web::resource("/readyz").get(health::ready))
        .service(web::resource("/api/openapi.json").get(openapi::serve))
        .service(web::resource("/login").get(login::form).post(login::submit))
        .service(
            web::resource("/logout")
                .get(logout::confirm)
                .post(logout::submit),
        )
        .service(
            web::resource("/password/forgot")
                .get(password::forgot_form)
                .post(password::forgot_submit),
        )
        .service(
            web::resource("/password/reset")
                .get(password::reset_form)
                .post(password::reset_submit),
        )
        .service(web::resource("/email/verify").get(email::verify))
        .service(web::resource("/language").post(language::choose))
        .service(
            web::resource("/login/2fa")
                .get(second_step::form)
                .post(second_step::submit),
        )
        .service(web::resource("/login/passkey/start").post(passkeys::login_start))
        .service(web::resource("/login/passkey/finish").post(passkeys::login_finish));
    if allow_registration {
        cfg.service(
            web::resource("/register")
                .get(register::form)
                .post(register::submit),
        );
    }
    // The guarded area: one middleware, no checks in the handlers. An
    // anonymous request is `LoginRequired`: a browser goes to the login
    // page, others get 401. The guard sits on each route of the area, not
    // on a path prefix, so that an unknown path there is 404 and a wrong
    // method 405, whoever asks.
    cfg.service(web::resource("/dashboard").route(guarded(web::get().to(dashboard::show))))
        .service(web::resource("/account").route(guarded(web::get().to(account::show))))
        .service(
            web::resource("/account/password")
                .route(sensitive(web::post().to(account::change_password))),
        )
        .service(
            web::resource("/account/logout-others")
                .route(guarded(web::post().to(account::logout_others))),
        )
        .service(web::resource("/account/delete").route(sensitive(web::post().to(account::delete))))
        .service(web::resource("/account/email").route(sensitive(web::post().to(email::change))))
        .service(
            web::resource("/account/email/resend").route(guarded(web::post().to(email::resend))),
        )
        .service(
            web::resource("/account/confirm")
                .route(guarded(web::get().to(confirm::form)))
                .route(guarded(web::post().to(confirm::submit))),
        )
        .service(
            web::resource("/account/confirm/passkey/start")
                .route(guarded(web::post().to(passkeys::confirm_start))),
        )
        .service(
            web::resource("/account/confirm/passkey/finish")
                .route(guarded(web::post().to(passkeys::confirm_finish))),
        )
        .service(web::resource("/account/2fa").route(guarded(web::get().to(two_factor::show))))
        .service(
            web::resource("/account/2fa/setup").route(sensitive(web::post().to(two_factor::setup))),
        )
        .service(
            web::resource("/account/2fa/confirm")
                .route(sensitive(web::post().to(two_factor::confirm))),
        )
        .service(
            web::resource("/account/2fa/recovery-codes")
                .route(sensitive(web::post().to(two_factor::regenerate))),
        )
        .service(
            web::resource("/account/2fa/disable")
                .route(sensitive(web::post().to(two_factor::disable))),
        )
        .service(web::resource("/account/passkeys").route(guarded(web::get().to(passkeys::show))))
        .service(
            web::resource("/account/passkeys/register/start")
                .route(sensitive(web::post().to(passkeys::register_start))),
        )
        .service(
            web::resource("/account/passkeys/register/finish")
                .route(sensitive(web::post().to(passkeys::register_finish))),
        )
        .service(
            web::resource("/account/passkeys/{id}/delete")
                .route(sensitive(web::post().to(passkeys::delete))),
        )
        .service(web::resource("/account/sessions").route(guarded(web::get().to(sessions::show))))
        .service(
            web::resource("/account/sessions/{id}/logout")
                .route(guarded(web::post().to(sessions::logout))),
        )
        .service(web::resource("/account/activity").route(guarded(web::get().to(activity::show))))
        .service(web::resource("/api/me").route(guarded(web::get().to(api::me))))
        .service(web::resource("/api/sessions").route(guarded(web::get().to(sessions::list))))
        .service(
            web::resource("/api/sessions/{id}").route(guarded(web::delete().to(sessions::delete))),
        )
        // Last: the tail pattern is a regex, tried only when nothing above matched.
        .service(web::resource("/static/{path:.*}").get(static_files::serve))
        .service(web::resource("/favicon.ico").get(static_files::favicon));
}

/// A page's values for the logged-in `user` (`user` in the templates: the
/// navigation shows the logged-in links).
pub fn page_for(user: &CurrentUser) -> tera::Context {
    let mut ctx = tera::Context::new();
    ctx.insert(
        "user",
        &PageUser {
            id: user.id,
            username: &user.username,
        },
    );
    ctx
}

/// A time as the pages show it: `2026-12-01 18:30 UTC`.
pub fn when(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A time as the JSON API gives it: RFC 3339 in UTC, whole seconds
/// (`2026-12-01T18:30:05+00:00`).
pub fn rfc3339(t: chrono::NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// 422 for the whole form, with `problem`.
pub fn form_problem(problem: Text) -> AppError {
    AppError::Validation(FieldErrors::from([("form", vec![problem])]))
}

/// `GET /`: 303 to `/dashboard` when logged in, else to `/login`.
pub async fn home(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let logged_in = state.auth.authenticate(&req).await?.is_some();
    Ok(render::see_other(if logged_in {
        "/dashboard"
    } else {
        "/login"
    }))
}

/// Any unknown route: 404.
pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}
