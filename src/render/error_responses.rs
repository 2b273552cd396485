//! The error answers of the JSON API as reusable OpenAPI responses: each
//! one status with the [`ErrorBody`](super::errors::ErrorBody) shape, its
//! `error` narrowed to the codes that status can carry there.

use utoipa::ToResponse;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, Ref, Type};
use utoipa::openapi::{ContentBuilder, RefOr, Response, ResponseBuilder};

/// An error response: `Error`, its `error` one of `codes`; a throttled
/// answer carries `Retry-After`.
fn error(description: &str, codes: &[&str]) -> Response {
    let narrowed = ObjectBuilder::new().property(
        "error",
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(codes.iter().copied())),
    );
    let schema = AllOfBuilder::new()
        .item(Ref::from_schema_name("Error"))
        .item(narrowed);
    let mut response = ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new().schema(Some(schema)).build(),
    );
    if codes.contains(&"too_many_requests") {
        let seconds = ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(0));
        response = response.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(seconds)
                .description(Some("Seconds to wait before trying again."))
                .build(),
        );
    }
    response.build()
}

/// One unit struct per reusable response, named as the document names it.
macro_rules! error_responses {
    ($($(#[doc = $doc:literal])+ $name:ident => [$($code:literal),+];)+) => {$(
        $(#[doc = $doc])+
        pub struct $name;

        impl<'r> ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<Response>) {
                let description = concat!($($doc),+).trim();
                (stringify!($name), error(description, &[$($code),+]).into())
            }
        }
    )+};
}

error_responses! {
    /// 400: the body could not be read (malformed JSON, JSON that is not an
    /// object, a wrong or missing Content-Type).
    BadRequest => ["bad_request"];
    /// 400: the body could not be read, or the reset token is unknown, used
    /// or expired.
    BadRequestOrInvalidToken => ["bad_request", "invalid_token"];
    /// 401: no valid session cookie.
    LoginRequired => ["unauthorized"];
    /// 401: unknown username or wrong password (one message for both).
    InvalidCredentials => ["invalid_credentials"];
    /// 401: a wrong or reused code, or no first step waiting (or it expired).
    SecondStepFailed => ["invalid_code", "login_expired"];
    /// 401: the passkey login did not pass.
    PasskeyFailed => ["passkey_failed"];
    /// 403: a cross-site request (`Sec-Fetch-Site` or `Origin` of another site).
    CrossSite => ["forbidden"];
    /// 403: the account is locked by an operator, or a cross-site request.
    AccountLocked => ["account_locked", "forbidden"];
    /// 404: no such resource.
    NotFound => ["not_found"];
    /// 409: the username or email address belongs to another account
    /// (under `errors.username` or `errors.email`).
    Taken => ["username_taken", "email_taken"];
    /// 413: the body is over 16 KiB.
    PayloadTooLarge => ["payload_too_large"];
    /// 422: missing or invalid fields, each listed under `errors`.
    ValidationFailed => ["validation_failed"];
    /// 429: throttled (too many attempts from this address, a locked-out
    /// username, a full hashing queue); `Retry-After` says for how long.
    TooManyRequests => ["too_many_requests"];
    /// 503: the database does not answer; try again shortly.
    ServiceUnavailable => ["service_unavailable"];
}
