//! Logging out: a GET shows a button, only a POST logs out.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use tera::Context;

use crate::error::AppError;
use crate::flash::FlashMessage;
use crate::i18n::Text;
use crate::state::AppState;

/// `GET /logout`: a page whose button POSTs `/logout`.
pub async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    state
        .pages
        .respond(&req, StatusCode::OK, "logout.html", Context::new())
}

/// `POST /logout`: ends the session, removes the cookie, 303 to `/login`
/// with the notice "You have been logged out".
#[utoipa::path(
    post,
    path = "/logout",
    operation_id = "logout",
    tag = "session",
    security((), ("session" = [])),
    responses(
        (status = 303, description = "Logged out (also when nobody was): the session cookie \
            is removed; to `/login`, in every format",
            headers(("Location" = String, description = "`/login`"))),
    )
)]
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    state.auth.logout(&req).await?;
    state
        .pages
        .flash()
        .see_other_with("/login", FlashMessage::info(Text::new("notice-logged-out")))
}
