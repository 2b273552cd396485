//! The account's email address: the verification link
//! (`/email/verify`), changing the address and sending the link again
//! (`/account/email…`, behind the login guard).

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use diesel::Connection as _;
use serde::Deserialize;
use tera::Context;

use super::account::{account_context, check_current_password, done};
use super::input::Input;
use super::password::TokenQuery;
use crate::auth::CurrentUser;
use crate::auth::login::read_sealed_login;
use crate::auth::tokens::{self, LinkToken, verification_link};
use crate::db::account_tokens::{self, Purpose};
use crate::db::security_events::{self, Kind};
use crate::db::{is_unique_violation_of, users};
use crate::domain::LinkProblem;
use crate::domain::{EmailAddress, masked, normalize_email};
use crate::error::{AppError, FieldErrors};
use crate::i18n::Text;
use crate::mail::Letter;
use crate::render::Format;
use crate::state::AppState;

/// Verification mails per account per hour, at most.
const VERIFY_MAILS_PER_HOUR: i64 = 3;

/// `POST /account/email` fields: an empty `email` removes the address.
#[derive(Deserialize)]
pub struct EmailForm {
    email: Option<String>,
    current_password: Option<String>,
}

/// `GET /email/verify?token=…`: marks the address verified (the link works
/// once, for 24 hours, and only while the address is still the account's),
/// then 303 to the account page (or the login page) with a notice; JSON 200.
pub async fn verify(
    req: HttpRequest,
    state: web::Data<AppState>,
    format: Format,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, AppError> {
    let token = query.token.as_deref().and_then(LinkToken::parse);
    let problem = match token {
        None => Some(LinkProblem::Unknown),
        Some(token) => {
            let hash = token.hash();
            let device = state.auth.device(&req);
            state
                .db
                .run(move |c| {
                    c.transaction(|c| {
                        let now = Utc::now().naive_utc();
                        let Some(row) = account_tokens::consume(c, &hash, Purpose::Verify, now)?
                        else {
                            let row = account_tokens::find(c, &hash, Purpose::Verify)?;
                            return Ok(
                                tokens::problem(row.as_ref(), now).or(Some(LinkProblem::Used))
                            );
                        };
                        let address = row.email_normalized.unwrap_or_default();
                        if !users::mark_email_verified(c, row.user_id, &address, now)? {
                            return Ok(Some(LinkProblem::Replaced));
                        }
                        account_tokens::void(c, row.user_id, Purpose::Verify)?;
                        let event = device.event(Kind::EmailVerified);
                        security_events::record(c, row.user_id, now, event)?;
                        log::info!("email verified: user_id={}", row.user_id);
                        diesel::QueryResult::Ok(None)
                    })
                    .map_err(AppError::from)
                })
                .await?
        }
    };
    if let Some(problem) = problem {
        let mut ctx = Context::new();
        ctx.insert("ask_again", "/account");
        ctx.insert("ask_again_label", "link-ask-again-account");
        return Err(AppError::InvalidLink(problem).on_form("link_invalid.html", ctx));
    }
    let location = if read_sealed_login(&req).is_some() {
        "/account"
    } else {
        "/login"
    };
    done(&state, format, Text::new("notice-email-verified"), location)
}

/// `POST /account/email`: with the current password, sets a new address
/// (unverified; its link is mailed) or removes it; the old verified
/// address is told.
pub async fn change(
    req: HttpRequest,
    state: web::Data<AppState>,
    format: Format,
    user: web::ReqData<CurrentUser>,
    Input(form): Input<EmailForm>,
) -> Result<HttpResponse, AppError> {
    let raw = form.email.unwrap_or_default();
    let mut errors = FieldErrors::new();
    let address = match raw.trim() {
        "" => None,
        typed => EmailAddress::parse(typed)
            .map_err(|e| errors.insert("email", vec![e]))
            .ok(),
    };
    check_current_password(&state, user.id, form.current_password, &mut errors).await?;
    let account = account_context(&state, &user).await?;
    if !errors.is_empty() {
        return Err(AppError::Validation(errors).on_form("account.html", account));
    }

    let id = user.id;
    let public_url = state.settings.public_url.clone();
    let new = address.clone();
    let device = state.auth.device(&req);
    let old = state
        .db
        .run(move |c| {
            c.transaction(|c| {
                let old = users::find_by_id(c, id)?;
                let pair = new
                    .as_ref()
                    .map(|a| (a.as_str().to_owned(), a.normalized()));
                // The verified address typed again: nothing to change or verify.
                let verified = old.as_ref().and_then(|u| u.verified_email());
                if let (Some(verified), Some((_, normalized))) = (verified, &pair)
                    && normalize_email(verified) == *normalized
                {
                    return Ok(None);
                }
                users::set_email(c, id, pair.as_ref().map(|(a, n)| (a.as_str(), n.as_str())))?;
                let detail = if pair.is_some() { "changed" } else { "removed" };
                let event = device.event(Kind::EmailChanged).detail(detail);
                security_events::record(c, id, Utc::now().naive_utc(), event)?;
                account_tokens::void(c, id, Purpose::Verify)?;
                let link = match &pair {
                    Some((_, normalized)) => {
                        Some(verification_link(c, &public_url, id, normalized)?)
                    }
                    None => None,
                };
                Ok(Some((old, link)))
            })
            .map_err(|e| match e {
                e if is_unique_violation_of(&e, "email") => AppError::EmailTaken,
                e => AppError::from(e),
            })
        })
        .await
        .map_err(|e| match e {
            AppError::EmailTaken => e.on_form("account.html", account.clone()),
            other => other,
        })?;
    let Some((old, link)) = old else {
        return done(
            &state,
            format,
            Text::new("notice-email-unchanged"),
            "/account",
        );
    };
    let old_verified = old
        .as_ref()
        .and_then(|u| u.verified_email())
        .map(str::to_owned);
    if let (Some(address), Some(link)) = (&address, link) {
        state.mailer.send(
            address.as_str(),
            &user.username,
            Letter::VerifyEmail { link },
        );
    }
    if let Some(old_address) = old_verified.filter(|o| {
        address
            .as_ref()
            .is_none_or(|a| a.normalized() != o.to_lowercase())
    }) {
        let notice = Letter::EmailChanged {
            new_address: address.as_ref().map(|a| masked(a.as_str())),
        };
        state.mailer.send(&old_address, &user.username, notice);
    }
    log::info!(
        "email address {}: user_id={id}",
        if address.is_some() {
            "changed"
        } else {
            "removed"
        }
    );
    let message = match &address {
        Some(a) => Text::new("notice-email-saved").with("address", a.as_str()),
        None => Text::new("notice-email-removed"),
    };
    done(&state, format, message, "/account")
}

/// `POST /account/email/resend`: mails the verification link again (three
/// an hour at most).
pub async fn resend(
    state: web::Data<AppState>,
    format: Format,
    user: web::ReqData<CurrentUser>,
) -> Result<HttpResponse, AppError> {
    let id = user.id;
    let public_url = state.settings.public_url.clone();
    let outcome = state
        .db
        .run(move |c| {
            c.transaction(|c| {
                let Some(account) = users::find_by_id(c, id)? else {
                    return Ok(Resend::NoAddress);
                };
                let (Some(address), None) = (account.email.clone(), account.email_verified_at)
                else {
                    return Ok(if account.email.is_some() {
                        Resend::Verified
                    } else {
                        Resend::NoAddress
                    });
                };
                let hour_ago = Utc::now().naive_utc() - chrono::Duration::hours(1);
                if account_tokens::count_since(c, id, Purpose::Verify, hour_ago)?
                    >= VERIFY_MAILS_PER_HOUR
                {
                    return Ok(Resend::TooMany);
                }
                let normalized = normalize_email(&address);
                let link = verification_link(c, &public_url, id, &normalized)?;
                diesel::QueryResult::Ok(Resend::Sent { address, link })
            })
            .map_err(AppError::from)
        })
        .await?;
    match outcome {
        Resend::Sent { address, link } => {
            state
                .mailer
                .send(&address, &user.username, Letter::VerifyEmail { link });
            done(
                &state,
                format,
                Text::new("notice-email-resent").with("address", address.as_str()),
                "/account",
            )
        }
        Resend::Verified => done(
            &state,
            format,
            Text::new("notice-email-already-verified"),
            "/account",
        ),
        Resend::NoAddress => {
            let problem = vec![Text::new("field-email-none")];
            Err(AppError::Validation(FieldErrors::from([(
                "email", problem,
            )])))
        }
        Resend::TooMany => Err(AppError::Throttled {
            retry_after: std::time::Duration::from_secs(3600),
        }),
    }
}

/// What "send the link again" found.
enum Resend {
    Sent { address: String, link: String },
    Verified,
    NoAddress,
    TooMany,
}
