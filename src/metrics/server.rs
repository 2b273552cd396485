//! The second listener (`METRICS_ADDR`): `GET /metrics` and nothing else
//! (another method there is 405, another path 404). It is never on the main
//! port, so what it tells stays with whoever can reach this address.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::http::header::ContentType;
use actix_web::{App, HttpResponse, HttpServer, web};

use super::Metrics;

/// The media type of the Prometheus text format.
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The metrics server on `listener`: one worker, no signals of its own (it
/// stops with the app, `startup::Application::run_until_stopped`).
pub fn serve(metrics: Metrics, listener: TcpListener) -> std::io::Result<Server> {
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(metrics.clone()))
            .service(web::resource("/metrics").get(scrape))
            .default_service(web::to(HttpResponse::NotFound))
    })
    .workers(1)
    .shutdown_timeout(1)
    .disable_signals()
    .listen(listener)?
    .run())
}

/// `GET /metrics`: every series, in the Prometheus text format.
async fn scrape(metrics: web::Data<Metrics>) -> HttpResponse {
    match metrics.render() {
        Ok(text) => HttpResponse::Ok()
            .insert_header((actix_web::http::header::CONTENT_TYPE, TEXT_FORMAT))
            .body(text),
        Err(e) => {
            log::error!("rendering the metrics failed: {e:#}");
            HttpResponse::InternalServerError()
                .content_type(ContentType::plaintext())
                .body("rendering the metrics failed\n")
        }
    }
}
