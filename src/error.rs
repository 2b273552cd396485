//! `AppError`: every failure a request can meet (ours, an extractor's, a
//! middleware's) and its status. `render::errors` is the one place that
//! turns it into an answer (HTML, JSON or text).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpResponse, ResponseError};

use crate::domain::LinkProblem;
use crate::i18n::{Lang, Text};

/// Problems per form field (`"form"` for the whole form), in a stable order.
pub type FieldErrors = BTreeMap<&'static str, Vec<Text>>;

/// A form to show a browser again, with the values it typed.
#[derive(Debug)]
pub struct FormPage {
    /// The form's template.
    pub template: &'static str,
    /// The values the template needs besides the problems.
    pub context: tera::Context,
}

/// An error answered to the client.
#[derive(Debug)]
pub enum AppError {
    /// 400: the body or query could not be read (malformed, wrong type, bad UTF-8).
    BadRequest(Text),
    /// 422: every field problem, listed.
    Validation(FieldErrors),
    /// 401: one message for unknown name and wrong password.
    InvalidCredentials,
    /// 401: this needs a login. A browser is sent (303) to the login page
    /// instead, which returns it to `next` afterwards.
    LoginRequired {
        /// Where to go after the login.
        next: String,
    },
    /// 401: a wrong code at the second step of a login (turning two-factor
    /// authentication off with a wrong code is a 422 on its form).
    InvalidCode,
    /// 401: a passkey login that did not pass (unknown passkey, used or
    /// expired ceremony, bad signature or counter), with one message.
    PasskeyFailed,
    /// 401: the second step of a login came after its five minutes (or
    /// without a first step).
    SecondStepExpired,
    /// 403: a sensitive change needs a login or a confirmation within
    /// `REAUTH_WINDOW`. A browser is sent (303) to `/account/confirm`, which
    /// returns it to `next`.
    ReauthRequired {
        /// The page to return to after the confirmation.
        next: String,
    },
    /// 403: an operator locked the account (`session-auth users lock`); only
    /// a right password (or passkey) learns this.
    AccountLocked,
    /// 403: refused, e.g. a cross-site form post.
    Forbidden(Text),
    /// 404
    NotFound,
    /// 409
    UsernameTaken,
    /// 409: another account has this email address.
    EmailTaken,
    /// 400: a link from a mail that does not work (unknown, used, expired).
    InvalidLink(LinkProblem),
    /// 413: a body over the limit, on any route.
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// 429 with `Retry-After`.
    Throttled {
        /// How long the client should wait.
        retry_after: Duration,
    },
    /// 503: the database does not answer; the cause is logged.
    DatabaseUnavailable(anyhow::Error),
    /// 500: cause chain logged, body stays opaque.
    Unexpected(anyhow::Error),
    /// Any other client error actix answered by itself (405, 415, …).
    Status(StatusCode),
    /// `cause`, shown to a browser on its form again (status and message of
    /// `cause`); other clients get `cause` itself.
    OnForm {
        /// What went wrong.
        cause: Box<AppError>,
        /// The form to show again.
        form: Box<FormPage>,
    },
}

impl AppError {
    /// This error, shown to a browser on the form `template` filled from `context`.
    pub fn on_form(self, template: &'static str, context: tera::Context) -> Self {
        Self::OnForm {
            cause: Box::new(self),
            form: Box::new(FormPage { template, context }),
        }
    }

    /// The error itself, without the form it is shown on.
    pub fn cause(&self) -> &Self {
        match self {
            Self::OnForm { cause, .. } => cause.cause(),
            other => other,
        }
    }

    /// The `Retry-After` seconds of a throttled answer (rounded up).
    pub fn retry_after(&self) -> Option<u64> {
        match self.cause() {
            Self::Throttled { retry_after } => Some(retry_after_secs(retry_after)),
            _ => None,
        }
    }

    /// The problems per field: those listed, or the username that is taken.
    pub fn field_errors(&self) -> Option<Cow<'_, FieldErrors>> {
        match self.cause() {
            Self::Validation(fields) => Some(Cow::Borrowed(fields)),
            taken @ Self::UsernameTaken => Some(Cow::Owned(FieldErrors::from([(
                "username",
                vec![taken.text()],
            )]))),
            taken @ Self::EmailTaken => Some(Cow::Owned(FieldErrors::from([(
                "email",
                vec![taken.text()],
            )]))),
            _ => None,
        }
    }

    /// Every code [`AppError::code`] can give, for the OpenAPI document's
    /// enum (a unit test below keeps the two in step).
    pub const CODES: &'static [&'static str] = &[
        "bad_request",
        "validation_failed",
        "invalid_credentials",
        "invalid_code",
        "passkey_failed",
        "login_expired",
        "reauthentication_required",
        "unauthorized",
        "forbidden",
        "account_locked",
        "not_found",
        "username_taken",
        "email_taken",
        "invalid_token",
        "payload_too_large",
        "too_many_requests",
        "service_unavailable",
        "internal_error",
        "method_not_allowed",
        "unsupported_media_type",
        "error",
    ];

    /// A short machine-readable code for JSON answers.
    pub fn code(&self) -> &'static str {
        match self.cause() {
            Self::BadRequest(_) => "bad_request",
            Self::Validation(_) => "validation_failed",
            Self::InvalidCredentials => "invalid_credentials",
            Self::InvalidCode => "invalid_code",
            Self::PasskeyFailed => "passkey_failed",
            Self::SecondStepExpired => "login_expired",
            Self::ReauthRequired { .. } => "reauthentication_required",
            Self::LoginRequired { .. } => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::AccountLocked => "account_locked",
            Self::NotFound => "not_found",
            Self::UsernameTaken => "username_taken",
            Self::EmailTaken => "email_taken",
            Self::InvalidLink(_) => "invalid_token",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::Throttled { .. } => "too_many_requests",
            Self::DatabaseUnavailable(_) => "service_unavailable",
            Self::Unexpected(_) => "internal_error",
            Self::Status(StatusCode::METHOD_NOT_ALLOWED) => "method_not_allowed",
            Self::Status(StatusCode::UNSUPPORTED_MEDIA_TYPE) => "unsupported_media_type",
            Self::Status(_) | Self::OnForm { .. } => "error",
        }
    }

    /// An error answer actix (an extractor, a router, a middleware) made by
    /// itself, as ours: the client's fault is described, ours is not.
    /// `limit` is the body limit actix enforced, for a 413.
    pub fn from_actix(status: StatusCode, error: Option<&actix_web::Error>, limit: usize) -> Self {
        let described =
            || error.map_or_else(|| Self::Status(status).to_string(), |e| e.to_string());
        match status {
            StatusCode::BAD_REQUEST => {
                Self::BadRequest(Text::new("error-bad-request").with("detail", described()))
            }
            StatusCode::NOT_FOUND => Self::NotFound,
            StatusCode::PAYLOAD_TOO_LARGE => Self::PayloadTooLarge { limit },
            StatusCode::SERVICE_UNAVAILABLE => {
                Self::DatabaseUnavailable(anyhow::anyhow!(described()))
            }
            s if s.is_server_error() => Self::Unexpected(anyhow::anyhow!(described())),
            s => Self::Status(s),
        }
    }

    /// The cause chain to log for a server error.
    pub fn log_chain(&self) -> String {
        match self.cause() {
            Self::Unexpected(inner) | Self::DatabaseUnavailable(inner) => format!("{inner:#}"),
            other => other.to_string(),
        }
    }

    /// What the person is told, kept as a message id until the answer is
    /// rendered in the reader's language.
    pub fn text(&self) -> Text {
        match self {
            Self::BadRequest(text) | Self::Forbidden(text) => text.clone(),
            Self::Validation(fields) => summary(fields),
            Self::InvalidCredentials => Text::new("error-invalid-credentials"),
            Self::LoginRequired { .. } => Text::new("error-login-required"),
            Self::InvalidCode => Text::new("error-invalid-code"),
            Self::PasskeyFailed => Text::new("error-passkey-failed"),
            Self::SecondStepExpired => Text::new("error-second-step-expired"),
            Self::ReauthRequired { .. } => Text::new("error-reauth-required"),
            Self::AccountLocked => Text::new("error-account-locked"),
            Self::NotFound => Text::new("error-not-found"),
            Self::UsernameTaken => Text::new("error-username-taken"),
            Self::EmailTaken => Text::new("error-email-taken"),
            Self::InvalidLink(problem) => problem.text(),
            Self::PayloadTooLarge { limit } => {
                Text::new("error-payload-too-large").with("kib", limit / 1024)
            }
            Self::Throttled { retry_after } => {
                Text::new("error-throttled").with("seconds", retry_after_secs(retry_after))
            }
            Self::DatabaseUnavailable(_) => Text::new("error-unavailable"),
            Self::Unexpected(_) => Text::new("error-internal"),
            Self::Status(status) => status_text(*status),
            Self::OnForm { cause, .. } => cause.text(),
        }
    }

    /// The message in `lang` (a list of problems: each in turn).
    pub fn message(&self, lang: Lang) -> String {
        match self.cause() {
            Self::Validation(fields) => fields
                .values()
                .flatten()
                .map(|problem| problem.in_lang(lang))
                .collect::<Vec<_>>()
                .join(" "),
            other => other.text().in_lang(lang),
        }
    }
}

/// The first problem stands for a list of them (`message` joins them all).
fn summary(errors: &FieldErrors) -> Text {
    errors
        .values()
        .flatten()
        .next()
        .cloned()
        .unwrap_or_else(|| Text::new("error-validation"))
}

/// The status line's reason, for the statuses actix answers by itself.
fn status_text(status: StatusCode) -> Text {
    match status {
        StatusCode::METHOD_NOT_ALLOWED => Text::new("error-method-not-allowed"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Text::new("error-unsupported-media-type"),
        StatusCode::NOT_ACCEPTABLE => Text::new("error-not-acceptable"),
        StatusCode::URI_TOO_LONG => Text::new("error-uri-too-long"),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => Text::new("error-headers-too-large"),
        other => Text::new("error-status")
            .with("status", other.as_u16())
            .with("reason", other.canonical_reason().unwrap_or("Error")),
    }
}

/// English, as the logs show it.
impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for AppError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::DatabaseUnavailable(inner) | Self::Unexpected(inner) => Some(inner.as_ref()),
            _ => None,
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        Self::Unexpected(e)
    }
}

fn retry_after_secs(d: &Duration) -> u64 {
    // Round up: "retry after 0 seconds" would invite an immediate retry.
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self.cause() {
            Self::BadRequest(_) | Self::InvalidLink(_) => StatusCode::BAD_REQUEST,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::InvalidCredentials
            | Self::InvalidCode
            | Self::PasskeyFailed
            | Self::SecondStepExpired
            | Self::LoginRequired { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::AccountLocked | Self::ReauthRequired { .. } => {
                StatusCode::FORBIDDEN
            }
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::UsernameTaken | Self::EmailTaken => StatusCode::CONFLICT,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::DatabaseUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unexpected(_) | Self::OnForm { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Status(status) => *status,
        }
    }

    /// Status and plain text. In the app `render::errors` answers instead,
    /// in the client's format; this is what a test without it sees.
    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header(ContentType::plaintext());
        if let Some(secs) = self.retry_after() {
            response.insert_header((header::RETRY_AFTER, secs));
        }
        response.body(self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttled_rounds_retry_after_up_and_sets_the_header() {
        let err = AppError::Throttled {
            retry_after: Duration::from_millis(1500),
        };
        let response = err.error_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "2");
    }

    #[test]
    fn unexpected_errors_do_not_leak_their_cause() {
        let err = AppError::from(anyhow::anyhow!("password=hunter2 in a query"));
        assert_eq!(err.to_string(), "Internal server error");
    }

    #[test]
    fn validation_lists_every_problem() {
        let mut errors = FieldErrors::new();
        errors.insert("username", vec![Text::new("field-username-required")]);
        errors.insert("password", vec![Text::new("field-password-required")]);
        let text = AppError::Validation(errors).to_string();
        assert!(text.contains("Username is required.") && text.contains("Password is required."));
    }

    #[test]
    fn every_code_is_listed_for_the_openapi_document() {
        let every_variant = [
            AppError::BadRequest(Text::new("error-bad-request")),
            AppError::Validation(FieldErrors::new()),
            AppError::InvalidCredentials,
            AppError::LoginRequired {
                next: String::new(),
            },
            AppError::InvalidCode,
            AppError::PasskeyFailed,
            AppError::SecondStepExpired,
            AppError::ReauthRequired {
                next: String::new(),
            },
            AppError::AccountLocked,
            AppError::Forbidden(Text::new("error-cross-site")),
            AppError::NotFound,
            AppError::UsernameTaken,
            AppError::EmailTaken,
            AppError::InvalidLink(LinkProblem::Unknown),
            AppError::PayloadTooLarge { limit: 1 },
            AppError::Throttled {
                retry_after: Duration::ZERO,
            },
            AppError::DatabaseUnavailable(anyhow::anyhow!("down")),
            AppError::Unexpected(anyhow::anyhow!("bug")),
            AppError::Status(StatusCode::METHOD_NOT_ALLOWED),
            AppError::Status(StatusCode::UNSUPPORTED_MEDIA_TYPE),
            AppError::Status(StatusCode::IM_A_TEAPOT),
        ];
        let codes: Vec<_> = every_variant.iter().map(AppError::code).collect();
        for code in &codes {
            assert!(
                AppError::CODES.contains(code),
                "{code} is not in AppError::CODES"
            );
        }
        for listed in AppError::CODES {
            assert!(codes.contains(listed), "{listed} is listed but never given");
        }
    }

    #[test]
    fn an_error_on_a_form_keeps_the_status_code_and_message_of_its_cause() {
        let err = AppError::InvalidCredentials.on_form("login.html", tera::Context::new());
        assert_eq!(err.status_code(), StatusCode::UNAUTHORIZED);
        assert_eq!(err.code(), "invalid_credentials");
        assert_eq!(err.to_string(), "Invalid username or password");
    }
}
