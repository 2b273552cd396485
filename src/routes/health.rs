//! Liveness and readiness probes.

use actix_web::{HttpResponse, web};

use crate::db;
use crate::state::AppState;

/// `GET /healthz`: 200 `ok` while the process serves.
pub async fn live() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok\n")
}

/// `GET /readyz`: 200 when the database answers, else 503.
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
