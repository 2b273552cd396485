//! The route table, on one screen.

pub mod account;
pub mod api;
pub mod dashboard;
pub mod email;
pub mod health;
pub mod input;
pub mod login;
pub mod logout;
pub mod password;
pub mod register;
pub mod static_files;

use std::rc::Rc;

use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, HttpResponse, Route, web};

use crate::auth::{Authenticator, require_login};
use crate::error::AppError;
use crate::render;
use crate::state::AppState;

/// Registers every route; `auth` is the guard's (this worker's) authenticator.
/// `/register` exists only while registration is allowed.
pub fn configure(cfg: &mut web::ServiceConfig, allow_registration: bool, auth: &Rc<Authenticator>) {
    let guarded = |route: Route| {
        let auth = Rc::clone(auth);
        route.wrap(from_fn(move |req, next| {
            let auth = Rc::clone(&auth);
            async move { require_login(&auth, req, next).await }
        }))
    };
    cfg.service(web::resource("/").get(home))
        .service(web::resource("/healthz").get(health::live))
        .service(web::resource("/readyz").get(health::ready))
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
        .service(web::resource("/email/verify").get(email::verify));
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
                .route(guarded(web::post().to(account::change_password))),
        )
        .service(
            web::resource("/account/logout-others")
                .route(guarded(web::post().to(account::logout_others))),
        )
        .service(web::resource("/account/delete").route(guarded(web::post().to(account::delete))))
        .service(web::resource("/account/email").route(guarded(web::post().to(email::change))))
        .service(
            web::resource("/account/email/resend").route(guarded(web::post().to(email::resend))),
        )
        .service(web::resource("/api/me").route(guarded(web::get().to(api::me))))
        // Last: the tail pattern is a regex, tried only when nothing above matched.
        .service(web::resource("/static/{path:.*}").get(static_files::serve))
        .service(web::resource("/favicon.ico").get(static_files::favicon));
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
