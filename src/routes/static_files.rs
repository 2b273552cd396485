//! Serving the stylesheet and icon (`assets`) with cache headers: a year
//! for a versioned URL (`?v=VERSION`), an hour without the version. ETags
//! answer revalidation with 304.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::assets::{self, Asset};
use crate::error::AppError;

/// `GET /static/{path}`.
pub async fn serve(req: HttpRequest, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let asset = assets::find(path.as_str()).ok_or(AppError::NotFound)?;
    Ok(respond(&req, asset))
}

/// `GET /favicon.ico`: the SVG icon, for browsers that ask by the old name.
pub async fn favicon(req: HttpRequest) -> Result<HttpResponse, AppError> {
    let asset = assets::find("favicon.svg").ok_or(AppError::NotFound)?;
    Ok(respond(&req, asset))
}

fn respond(req: &HttpRequest, asset: &Asset) -> HttpResponse {
    let etag = format!("\"{}\"", assets::hash_hex(&[asset.body]));
    let versioned = req
        .query_string()
        .split('&')
        .any(|p| p == format!("v={}", assets::version()));
    let cache = if versioned {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=3600"
    };
    let not_modified = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static(cache)))
        .insert_header((header::ETAG, etag));
    if not_modified {
        return response.finish();
    }
    response.content_type(asset.content_type).body(asset.body)
}
