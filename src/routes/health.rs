//! Liveness and readiness probes.

use actix_web::{HttpResponse, web};

use crate::db;
use crate::state::AppState;

/// `GET /healthz`: 200 `ok` while the process serves.
#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "live",
    tag = "health",
    responses((status = 200, description = "`ok`: the process serves (no database needed)",
        body = String, content_type = "text/plain"))
)]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok\n")
}

/// `GET /readyz`: 200 when the database answers, else 503.
#[utoipa::path(
    get,
    path = "/readyz",
    operation_id = "ready",
    tag = "health",
    responses(
        (status = 200, description = "`ready`: the database answers",
            body = String, content_type = "text/plain"),
        (status = 503, description = "`database unavailable`",
            body = String, content_type = "text/plain"),
    )
)]
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    match state.db.read(|conn| Ok(db::ping(conn)?)).await {
        Ok(()) => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("ready\n"),
        Err(e) => {
            log::warn!("readiness check failed: {e}");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain; charset=utf-8")
                .body("database unavailable\n")
        }
    }
}
