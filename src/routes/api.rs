//! The JSON API for scripts.

use actix_web::{HttpResponse, web};
use serde::Serialize;

use crate::auth::CurrentUser;

/// The public view of an account (`User` in the OpenAPI document).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = User)]
pub struct UserJson<'a> {
    /// Id.
    pub id: i32,
    /// Name as typed at registration.
    pub username: &'a str,
}

/// `{"message"}`: a notice, for people (the document's schema of the
/// answers that carry only a notice).
#[derive(Serialize, utoipa::ToSchema)]
pub struct Message {
    /// The notice.
    pub message: String,
}

/// `GET /api/me` (guarded): 200 `{"id":…,"username":…}`.
#[utoipa::path(
    get,
    path = "/api/me",
    operation_id = "me",
    tag = "session",
    security(("session" = [])),
    responses(
        (status = 200, description = "The logged-in account", body = UserJson<'_>),
        (status = 401, response = crate::render::error_responses::LoginRequired),
    )
)]
pub async fn me(user: web::ReqData<CurrentUser>) -> HttpResponse {
    HttpResponse::Ok().json(UserJson {
        id: user.id,
        username: &user.username,
    })
}
