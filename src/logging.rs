//! The log: `env_logger` on stderr, filtered by `RUST_LOG`, as text (the
//! default) or, with `LOG_FORMAT=json`, one JSON object per line. A line
//! written while a request is handled carries its id (`request_id`).

use std::io::Write as _;

use crate::request_id::RequestId;

/// `LOG_FORMAT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// `[time LEVEL target] message`, as env_logger writes it.
    #[default]
    Text,
    /// `{"time","level","target","message","request_id"}` per line.
    Json,
}

impl LogFormat {
    /// `text` or `json` (any case).
    pub fn parse(value: &str) -> Result<Self, String> {
        match value.trim().to_ascii_lowercase().as_str() {
            "" | "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            other => Err(format!("{other:?} is neither text nor json")),
        }
    }
}

/// Starts the logger (once, before anything logs).
pub fn init(format: LogFormat) {
    let mut builder =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"));
    if format == LogFormat::Json {
        builder.format(|buf, record| {
            let line = serde_json::json!({
                "time": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                "level": record.level().as_str(),
                "target": record.target(),
                "message": record.args().to_string(),
                "request_id": RequestId::current().as_ref().map(RequestId::as_str),
            });
            writeln!(buf, "{line}")
        });
    }
    builder.init();
}
