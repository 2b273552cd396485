//! The route table, on one screen.

pub mod account;
pub mod api;
pub mod dashboard;
pub mod health;
pub mod input;
pub mod login;
pub mod logout;
pub mod register;
pub mod static_files;

use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, HttpResponse, Route, web};

use crate::auth::{self, require_login, require_login_api};
use crate::error::AppError;
use crate::render;
use crate::state::AppState;

/// Registers every route. `/register` exists only while registration is allowed.
pub fn configure(cfg: &mut web::ServiceConfig, allow_registration: bool) {
    cfg.service(web::resource("/").get(home))
        .service(web::resource("/healthz").get(health::live))
        .service(web::resource("/readyz").get(health::ready))
        .service(web::resource("/login").get(login::form).post(login::submit))
        .service(
            web::resource("/logout")
                .get(logout::confirm)
                .post(logout::submit),
        );
    if allow_registration {
        cfg.service(
            web::resource("/register")
                .get(register::form)
                .post(register::submit),
        );
    }
    // The guarded area: one middleware, no checks in the handlers. It sits
    // on each route of the area, not on a path prefix, so that an unknown
    // path there is 404 and a wrong method 405, whoever asks.
    cfg.service(web::resource("/dashboard").route(guarded_page(web::get().to(dashboard::show))))
        .service(web::resource("/account").route(guarded_page(web::get().to(account::show))))
        .service(
            web::resource("/account/password")
                .route(guarded_page(web::post().to(account::change_password))),
        )
        .service(
            web::resource("/account/logout-others")
                .route(guarded_page(web::post().to(account::logout_others))),
        )
        .service(
            web::resource("/account/delete").route(guarded_page(web::post().to(account::delete))),
        )
        .service(web::resource("/api/me").route(guarded_api(web::get().to(api::me))))
        // Last: the tail pattern is a regex, tried only when nothing above matched.
        .service(web::resource("/static/{path:.*}").get(static_files::serve))
        .service(web::resource("/favicon.ico").get(static_files::favicon));
}

/// `route` behind the login guard; anonymous browsers go to the login page.
fn guarded_page(route: Route) -> Route {
    route.wrap(from_fn(require_login))
}

/// `route` behind the login guard; anonymous clients get 401 JSON.
fn guarded_api(route: Route) -> Route {
    route.wrap(from_fn(require_login_api))
}

/// `GET /`: 303 to `/dashboard` when logged in, else to `/login`.
pub async fn home(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let logged_in = auth::login::authenticate(&req, &state).await?.is_some();
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
