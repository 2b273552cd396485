//! The ceiling: a minimal actix-web server answering `GET /` with a short
//! text, with the same worker count as session-auth (one per core).

use actix_web::{App, HttpServer, web};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(8081);
    HttpServer::new(|| App::new().route("/", web::get().to(|| async { "Hello, world!\n" })))
        .bind(("127.0.0.1", port))?
        .run()
        .await
}
