//! The page behind the login.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::page_for;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n::Text;
use crate::render::{self, Format};
use crate::state::AppState;

/// `GET /dashboard` (guarded): "Welcome to the dashboard, USERNAME" as a
/// page, a line of text (curl) or JSON.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    format: Format,
    user: web::ReqData<CurrentUser>,
) -> Result<HttpResponse, AppError> {
    let welcome = || {
        Text::new("dashboard-welcome")
            .with("name", user.username.as_str())
            .localized()
    };
    match format {
        Format::Html => {
            let ctx = page_for(&user);
            state
                .pages
                .respond(&req, StatusCode::OK, "dashboard.html", ctx)
        }
        Format::Json => Ok(render::json(
            StatusCode::OK,
            &serde_json::json!({ "id": user.id, "username": user.username, "message": welcome() }),
        )),
        Format::Text => Ok(render::text(StatusCode::OK, &welcome())),
    }
}
