//! `/account/2fa`: setting up TOTP (QR code and secret, confirmed by a
//! code), the ten recovery codes shown once, regenerating them, turning it
//! off. Changes need a recent login (`auth::recent`).

use actix_session::SessionExt as _;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use tera::Context;

use super::account::done;
use super::input::Input;
use super::second_step::{CodeForm, check_code};
use super::{form_problem, page_for};
use crate::auth::CurrentUser;
use crate::auth::recovery_codes;
use crate::auth::totp::TotpSecret;
use crate::db::security_events::{self, Kind};
use crate::db::{two_factor, users};
use crate::error::{AppError, FieldErrors};
use crate::i18n::Text;
use crate::mail::Letter;
use crate::render::{self, Format};
use crate::state::AppState;

/// Session key of the secret being set up (sealed in the cookie until confirmed).
const SETUP_KEY: &str = "totp_setup";
/// The issuer an authenticator app shows.
const ISSUER: &str = "session-auth";

/// The account as this page needs it.
async fn account(state: &AppState, id: i32) -> Result<users::User, AppError> {
    let found = state
        .db
        .read(move |c| Ok(users::find_by_id(c, id)?))
        .await?;
    found.ok_or(AppError::NotFound)
}

fn page(user: &CurrentUser, view: &str) -> Context {
    let mut ctx = page_for(user);
    ctx.insert("view", view);
    ctx
}

/// How many unused recovery codes the account has.
async fn codes_left(state: &AppState, id: i32) -> Result<i64, AppError> {
    state
        .db
        .read(move |c| Ok(two_factor::codes_left(c, id)?))
        .await
}

/// `GET /account/2fa`: whether it is on and how many recovery codes are left.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    format: Format,
    user: web::ReqData<CurrentUser>,
) -> Result<HttpResponse, AppError> {
    let account = account(&state, user.id).await?;
    let left = codes_left(&state, user.id).await?;
    if format != Format::Html {
        let body =
            serde_json::json!({ "enabled": account.has_totp(), "recovery_codes_left": left });
        return Ok(render::json(StatusCode::OK, &body));
    }
    let mut ctx = page(&user, if account.has_totp() { "on" } else { "off" });
    ctx.insert("codes_left", &left);
    state
        .pages
        .respond(&req, StatusCode::OK, "two_factor.html", ctx)
}

/// The set-up page of `secret`: its QR code, the secret as text, the code field.
fn setup_page(user: &CurrentUser, secret: &TotpSecret) -> Result<Context, AppError> {
    let url = secret
        .otpauth_url(&user.username, ISSUER)
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("an otpauth URL for a new secret")))?;
    let qr = qrcode::QrCode::new(url.as_bytes())
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("QR code: {e}")))?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    let mut ctx = page(user, "setup");
    ctx.insert("qr_svg", &qr);
    let grouped: Vec<String> = secret
        .base32()
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    ctx.insert("secret", &grouped.join(" "));
    Ok(ctx)
}

/// `POST /account/2fa/setup`: a new secret, kept in the session until a
/// code confirms it; the page shows it as a QR code and as text (JSON:
/// `{"secret","otpauth_url"}`).
pub async fn setup(
    req: HttpRequest,
    state: web::Data<AppState>,
    format: Format,
    user: web::ReqData<CurrentUser>,
) -> Result<HttpResponse, AppError> {
    if account(&state, user.id).await?.has_totp() {
        return Err(form_problem(Text::new("problem-2fa-already-on")));
    }
    let secret = TotpSecret::generate();
    req.get_session()
        .insert(SETUP_KEY, secret.base32())
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("session: {e}")))?;
    if format != Format::Html {
        let body = serde_json::json!({
            "secret": secret.base32(),
            "otpauth_url": secret.otpauth_url(&user.username, ISSUER),
        });
        return Ok(render::json(StatusCode::OK, &body));
    }
    let ctx = setup_page(&user, &secret)?;
    state
        .pages
        .respond(&req, StatusCode::OK, "two_factor.html", ctx)
}

/// The page (or JSON) that shows new recovery codes, once.
fn show_codes(
    req: &HttpRequest,
    state: &AppState,
    format: Format,
    user: &CurrentUser,
    codes: &[String],
) -> Result<HttpResponse, AppError> {
    if format != Format::Html {
        return Ok(render::json(
            StatusCode::OK,
            &serde_json::json!({ "recovery_codes": codes }),
        ));
    }
    let mut ctx = page(user, "codes");
    ctx.insert("codes", codes);
    state
        .pages
        .respond(req, StatusCode::OK, "two_factor.html", ctx)
}

/// `POST /account/2fa/confirm`: a right code for the secret being set up
/// turns TOTP on (its step counts as used) and shows ten recovery codes once.
pub async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    format: Format,
    user: web::ReqData<CurrentUser>,
    Input(form): Input<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let session = req.get_session();
    let Some(secret) = session
        .get::<String>(SETUP_KEY)
        .ok()
        .flatten()
        .as_deref()
        .and_then(TotpSecret::from_base32)
    else {
        return Err(form_problem(Text::new("problem-2fa-no-secret")));
    };
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or_default();
    let code = form.code.unwrap_or_default();
    let Some(step) = secret.accept(&code, now, None) else {
        let problem = Text::new("field-2fa-code-wrong");
        let error = AppError::Validation(FieldErrors::from([("code", vec![problem])]));
        return Err(error.on_form("two_factor.html", setup_page(&user, &secret)?));
    };
    let codes = recovery_codes::generate();
    let hashes: Vec<String> = codes
        .iter()
        .filter_map(|c| recovery_codes::hash(c))
        .collect();
    let (id, base32) = (user.id, secret.base32().to_owned());
    let now = chrono::Utc::now().naive_utc();
    let device = state.auth.device(&req);
    let account = state
        .db
        .run(move |c| {
            let event = device.event(Kind::TwoFactorEnabled);
            security_events::with_event(c, id, event, |c| {
                two_factor::enable(c, id, &base32, step, &hashes, now)
            })?;
            Ok(users::find_by_id(c, id)?)
        })
        .await?;
    session.remove(SETUP_KEY);
    log::info!("two-factor authentication on: user_id={id}");
    if let Some(to) = account.as_ref().and_then(users::User::verified_email) {
        state
            .mailer
            .send(to, &user.username, Letter::TwoFactorChanged { on: true });
    }
    show_codes(&req, &state, format, &user, &codes)
}

/// `POST /account/2fa/recovery-codes`: ten new codes, shown once; the old ones stop working.
pub async fn regenerate(
    req: HttpRequest,
    state: web::Data<AppState>,
    format: Format,
    user: web::ReqData<CurrentUser>,
) -> Result<HttpResponse, AppError> {
    if !account(&state, user.id).await?.has_totp() {
        return Err(form_problem(Text::new("problem-2fa-off")));
    }
    let codes = recovery_codes::generate();
    let hashes: Vec<String> = codes
        .iter()
        .filter_map(|c| recovery_codes::hash(c))
        .collect();
    let (id, device) = (user.id, state.auth.device(&req));
    state
        .db
        .run(move |c| {
            let event = device.event(Kind::RecoveryCodesReplaced);
            Ok(security_events::with_event(c, id, event, |c| {
                two_factor::replace_recovery_codes(c, id, &hashes)
            })?)
        })
        .await?;
    log::info!("recovery codes replaced: user_id={id}");
    show_codes(&req, &state, format, &user, &codes)
}

/// `POST /account/2fa/disable`: with a current code or a recovery code,
/// turns TOTP off and deletes the recovery codes.
pub async fn disable(
    req: HttpRequest,
    state: web::Data<AppState>,
    format: Format,
    user: web::ReqData<CurrentUser>,
    Input(form): Input<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let account = account(&state, user.id).await?;
    let Some(secret) = account
        .totp_secret
        .as_deref()
        .and_then(TotpSecret::from_base32)
    else {
        return done(&state, format, Text::new("notice-2fa-off"), "/account/2fa");
    };
    if check_code(&state, &secret, &account, &form)
        .await?
        .is_none()
    {
        let problem = Text::new("field-2fa-disable-code");
        let mut ctx = page(&user, "on");
        ctx.insert("codes_left", &codes_left(&state, user.id).await?);
        let error = AppError::Validation(FieldErrors::from([("code", vec![problem])]));
        return Err(error.on_form("two_factor.html", ctx));
    }
    let (id, device) = (user.id, state.auth.device(&req));
    state
        .db
        .run(move |c| {
            let event = device.event(Kind::TwoFactorDisabled);
            Ok(security_events::with_event(c, id, event, |c| {
                two_factor::disable(c, id)
            })?)
        })
        .await?;
    log::info!("two-factor authentication off: user_id={id}");
    if let Some(to) = account.verified_email() {
        state
            .mailer
            .send(to, &user.username, Letter::TwoFactorChanged { on: false });
    }
    done(&state, format, Text::new("notice-2fa-off"), "/account/2fa")
}
