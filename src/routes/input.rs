//! `Input<T>`: a POST body read from a form or from JSON, with the answers
//! for bad input (400 with a message; docs/contract.md, Routes).

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use percent_encoding::percent_decode_str;
use serde::de::{self, DeserializeOwned, Deserializer};

use crate::error::AppError;
use crate::i18n::Text;

/// A request body decoded from a form or from JSON. (How to answer is
/// `render::Format`'s business, not the body's.)
pub struct Input<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Input<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let kind = body_kind(req);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let kind = kind?;
            let bytes = body.await?;
            let json = match kind {
                Some(json) => json,
                // `curl -X POST` sends neither body nor type: an empty form.
                None if bytes.is_empty() => false,
                // A body of unknown type is answered as one of a wrong type.
                None => {
                    return Err(
                        AppError::BadRequest(Text::new("error-missing-content-type")).into(),
                    );
                }
            };
            let value = if json {
                parse_json_object(&bytes)?
            } else {
                check_form_utf8(&bytes)?;
                serde_urlencoded::from_bytes(&bytes).map_err(|e| {
                    AppError::BadRequest(
                        Text::new("error-malformed-form").with("detail", e.to_string()),
                    )
                })?
            };
            Ok(Self(value))
        })
    }
}

/// A JSON body must be an object: serde would otherwise fill a struct from
/// an array by position.
fn parse_json_object<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let malformed = |e: serde_json::Error| {
        AppError::BadRequest(Text::new("error-malformed-json").with("detail", e.to_string()))
    };
    match serde_json::from_slice::<serde_json::Value>(bytes).map_err(malformed)? {
        object @ serde_json::Value::Object(_) => serde_json::from_value(object).map_err(malformed),
        _ => Err(AppError::BadRequest(Text::new("error-json-not-object"))),
    }
}

/// `Some(true)` for JSON, `Some(false)` for a form, `None` when no type is given.
fn body_kind(req: &HttpRequest) -> Result<Option<bool>, actix_web::Error> {
    match req.mime_type() {
        Err(_) => Err(AppError::BadRequest(Text::new("error-bad-content-type")).into()),
        Ok(None) => Ok(None),
        Ok(Some(m)) if m.essence_str() == "application/x-www-form-urlencoded" => Ok(Some(false)),
        Ok(Some(_)) if crate::render::format::sends_json(req) => Ok(Some(true)),
        Ok(Some(m)) => Err(AppError::BadRequest(
            Text::new("error-unsupported-body").with("type", m.essence_str()),
        )
        .into()),
    }
}

/// serde_urlencoded replaces invalid UTF-8 with U+FFFD silently; we refuse it.
fn check_form_utf8(body: &[u8]) -> Result<(), AppError> {
    let bad = || AppError::BadRequest(Text::new("error-form-not-utf8"));
    let text = std::str::from_utf8(body).map_err(|_| bad())?;
    for part in text.split(['&', '=']) {
        percent_decode_str(&part.replace('+', " "))
            .decode_utf8()
            .map_err(|_| bad())?;
    }
    Ok(())
}

/// A checkbox: `on`/`true`/`1`/`yes` from a form, or a JSON boolean.
pub fn checkbox<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    struct Visitor;
    impl de::Visitor<'_> for Visitor {
        type Value = bool;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a boolean or \"on\"")
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
            Ok(v)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
            Ok(matches!(
                v.to_ascii_lowercase().as_str(),
                "on" | "true" | "1" | "yes"
            ))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
            Ok(v != 0)
        }
        fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
            Ok(false)
        }
    }
    deserializer.deserialize_any(Visitor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_with_invalid_utf8_are_refused() {
        assert!(check_form_utf8(b"username=alice&password=%FF%FE").is_err());
        assert!(check_form_utf8(b"username=\xff").is_err());
        assert!(check_form_utf8(b"username=%C3%A9l%C3%A8ve+x&p=a%2Bb").is_ok());
    }
}
