//! Stylesheet and icon, compiled into the binary and served with cache headers.
//!
//! Pages link assets as `…?v=VERSION` (a hash of their bytes): such a URL
//! never changes meaning, so it may be cached for a year; without the
//! version an asset is cached for an hour. ETags answer revalidation with 304.

use std::hash::{DefaultHasher, Hash as _, Hasher as _};
use std::sync::OnceLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::AppError;

struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        path: "css/app.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../static/css/app.css"),
    },
    Asset {
        path: "favicon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../../static/favicon.svg"),
    },
];

fn hash_hex(parts: &[&[u8]]) -> String {
    let mut hasher = DefaultHasher::new();
    for part in parts {
        part.hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}

/// A short hash of every asset: the `v` query value pages link with.
pub fn asset_version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let bodies: Vec<&[u8]> = ASSETS.iter().map(|a| a.body).collect();
        hash_hex(&bodies)[..12].to_owned()
    })
}

/// `GET /static/{path}`.
pub async fn serve(req: HttpRequest, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let asset = ASSETS
        .iter()
        .find(|a| a.path == path.as_str())
        .ok_or(AppError::NotFound)?;
    Ok(respond(&req, asset))
}

/// `GET /favicon.ico`: the SVG icon, for browsers that ask by the old name.
pub async fn favicon(req: HttpRequest) -> Result<HttpResponse, AppError> {
    let asset = ASSETS
        .iter()
        .find(|a| a.path == "favicon.svg")
        .ok_or(AppError::NotFound)?;
    Ok(respond(&req, asset))
}

fn respond(req: &HttpRequest, asset: &Asset) -> HttpResponse {
    let etag = format!("\"{}\"", hash_hex(&[asset.body]));
    let versioned = req
        .query_string()
        .split('&')
        .any(|p| p == format!("v={}", asset_version()));
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
