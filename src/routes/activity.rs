//! `/account/activity`: the account's last 50 security events.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::{page_for, rfc3339, when};
use crate::auth::CurrentUser;
use crate::db::security_events::{self, Kind};
use crate::domain::LoginMethod;
use crate::error::AppError;
use crate::render::{self, Format};
use crate::state::AppState;

/// How many events the page shows.
pub const SHOWN: i64 = 50;

/// `GET /account/activity`: newest first, with when, what, how and from
/// where (JSON: `{"events":[{"at","kind","description","method","address","detail"}]}`).
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    format: Format,
    user: web::ReqData<CurrentUser>,
) -> Result<HttpResponse, AppError> {
    let id = user.id;
    let events = state
        .db
        .read(move |c| Ok(security_events::recent(c, id, SHOWN)?))
        .await?;
    let html = format == Format::Html;
    let rows: Vec<_> = events
        .iter()
        .map(|e| {
            let description: &str = match Kind::parse(&e.kind) {
                Some(kind) => kind.description(),
                None => &e.kind,
            };
            let method = match (&e.method, html) {
                (Some(m), true) => Some(LoginMethod::describe(m)),
                (m, _) => m.as_deref(),
            };
            let at = if html { when(e.at) } else { rfc3339(e.at) };
            serde_json::json!({
                "at": at,
                "kind": e.kind,
                "description": description,
                "method": method,
                "address": e.address,
                "detail": e.detail,
            })
        })
        .collect();
    if !html {
        let body = serde_json::json!({ "events": rows });
        return Ok(render::json(StatusCode::OK, &body));
    }
    let mut ctx = page_for(&user);
    ctx.insert("events", &rows);
    state
        .pages
        .respond(&req, StatusCode::OK, "activity.html", ctx)
}
