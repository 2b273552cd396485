//! The JSON API for scripts.

use actix_web::{HttpResponse, web};
use serde::Serialize;

use crate::auth::CurrentUser;

/// The public view of an account.
#[derive(Serialize)]
pub struct UserJson<'a> {
    /// Id.
    pub id: i32,
    /// Name as typed at registration.
    pub username: &'a str,
}

/// `GET /api/me` (guarded): 200 `{"id":…,"username":…}`.
pub async fn me(user: web::ReqData<CurrentUser>) -> HttpResponse {
    HttpResponse::Ok().json(UserJson {
        id: user.id,
        username: &user.username,
    })
}
