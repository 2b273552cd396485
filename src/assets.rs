//! The stylesheet, the passkey script and the icon, compiled into the binary, and their version:
//! pages link them as `…?v=VERSION` (a hash of their bytes), so such a URL
//! never changes meaning and may be cached for a year.

use std::hash::{DefaultHasher, Hash as _, Hasher as _};
use std::sync::OnceLock;

/// One static file.
pub struct Asset {
    /// Path under `/static/`.
    pub path: &'static str,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Its bytes.
    pub body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        path: "css/app.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../static/css/app.css"),
    },
    Asset {
        path: "js/passkeys.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../static/js/passkeys.js"),
    },
    Asset {
        path: "favicon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../static/favicon.svg"),
    },
];

/// The asset at `path` under `/static/`.
pub fn find(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.path == path)
}

/// A short hash of `parts`, in hex.
pub fn hash_hex(parts: &[&[u8]]) -> String {
    let mut hasher = DefaultHasher::new();
    for part in parts {
        part.hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}

/// A short hash of every asset: the `v` query value pages link with.
pub fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let bodies: Vec<&[u8]> = ASSETS.iter().map(|a| a.body).collect();
        hash_hex(&bodies)[..12].to_owned()
    })
}
