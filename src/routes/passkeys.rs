//! Passkeys (WebAuthn): `/account/passkeys` lists, adds and removes them;
//! `/login/passkey/*` logs in with one, no username or password needed.
//! The ceremonies are JSON, spoken by `static/js/passkeys.js`; their state
//! stays on the server (`db::passkeys`), single use, for five minutes.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::Connection as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::account::done;
use super::input::{Input, checkbox};
use super::{form_problem, page_for, when};
use crate::auth::credentials::{self, Checker};
use crate::auth::passkeys::{CEREMONY_TTL, Passkeys, ceremony_id};
use crate::auth::{CurrentUser, login};
use crate::client_ip;
use crate::db::passkeys::{self as store, Kind, NewPasskey};
use crate::db::{is_unique_violation_of, security_events, users};
use crate::domain::{LoginMethod, SafeNext};
use crate::error::{AppError, FieldErrors};
use crate::i18n::Text;
use crate::mail::Letter;
use crate::metrics::LoginOutcome;
use crate::render::error_responses as errors;
use crate::render::{self, Format};
use crate::state::AppState;

/// The longest passkey name, in characters.
const MAX_NAME: usize = 64;

/// `POST /account/passkeys/register/start` fields.
#[derive(Deserialize)]
pub struct NameForm {
    name: Option<String>,
}

/// The answer to a ceremony: `ceremony` from its start, `credential` from
/// `navigator.credentials` (base64url fields).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct FinishForm {
    /// The `ceremony` of the start's answer.
    ceremony: Option<String>,
    /// The `PublicKeyCredential`, binary fields in base64url.
    credential: Option<Value>,
    /// Login only: where to go afterwards.
    next: Option<String>,
    /// Login only: keep me logged in.
    #[serde(default, deserialize_with = "checkbox")]
    remember: bool,
}

/// `POST /login/passkey/start`'s answer (the document's schema of it).
#[derive(Serialize, utoipa::ToSchema)]
pub struct PasskeyCeremony {
    /// The ceremony to answer (32 random bytes, base64url).
    pub ceremony: String,
    /// `{"publicKey": …}` for `navigator.credentials.get`, binary fields in base64url.
    pub options: Value,
}

/// `POST /login/passkey/finish`'s answer (the document's schema of it).
#[derive(Serialize, utoipa::ToSchema)]
pub struct PasskeyLogin {
    /// The account's id.
    pub id: i32,
    /// The account's name.
    pub username: String,
    /// Where a page goes next: the safe `next` sent, else `/dashboard`.
    pub redirect: String,
}

/// What a registration ceremony keeps: the name asked for and webauthn-rs's state.
#[derive(Serialize, Deserialize)]
struct Registration {
    name: String,
    state: String,
}

/// A passkey as the list shows it.
#[derive(Serialize)]
struct Listed {
    id: i32,
    name: String,
    created_at: String,
    last_used_at: Option<String>,
}

fn rp(state: &AppState) -> Result<&Passkeys, AppError> {
    state
        .passkeys
        .as_ref()
        .ok_or_else(|| form_problem(Text::new("problem-passkeys-off")))
}

/// `GET /account/passkeys`: the account's passkeys (name, added, last
/// used), the form to add one and a button to remove each; JSON: the list.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    format: Format,
    user: web::ReqData<CurrentUser>,
) -> Result<HttpResponse, AppError> {
    let id = user.id;
    let stored = state.db.read(move |c| Ok(store::list(c, id)?)).await?;
    if format != Format::Html {
        let listed: Vec<Listed> = stored
            .into_iter()
            .map(|p| Listed {
                id: p.id,
                name: p.name,
                created_at: p.created_at.and_utc().to_rfc3339(),
                last_used_at: p.last_used_at.map(|t| t.and_utc().to_rfc3339()),
            })
            .collect();
        return Ok(render::json(StatusCode::OK, &listed));
    }
    let listed: Vec<Listed> = stored
        .into_iter()
        .map(|p| Listed {
            id: p.id,
            name: p.name,
            created_at: when(p.created_at),
            last_used_at: p.last_used_at.map(when),
        })
        .collect();
    let mut ctx = page_for(&user);
    ctx.insert("passkeys", &listed);
    state
        .pages
        .respond(&req, StatusCode::OK, "passkeys.html", ctx)
}

/// A passkey's name: trimmed, 1 to 64 characters, no control characters.
fn parse_name(name: Option<String>) -> Result<String, AppError> {
    let name = name.unwrap_or_default().trim().to_owned();
    let problem = if name.is_empty() {
        Some(Text::new("field-passkey-name-required"))
    } else if name.chars().count() > MAX_NAME {
        Some(Text::new("field-passkey-name-long").with("max", MAX_NAME))
    } else if name.chars().any(char::is_control) {
        Some(Text::new("field-passkey-name-control"))
    } else {
        None
    };
    match problem {
        Some(p) => Err(AppError::Validation(FieldErrors::from([("name", vec![p])]))),
        None => Ok(name),
    }
}

/// `POST /account/passkeys/register/start` (`{"name"}`, recent login):
/// 200 `{"ceremony","options"}`: the creation options (a discoverable
/// credential with user verification) and the ceremony to answer.
pub async fn register_start(
    state: web::Data<AppState>,
    user: web::ReqData<CurrentUser>,
    Input(form): Input<NameForm>,
) -> Result<HttpResponse, AppError> {
    let rp = rp(&state)?;
    let name = parse_name(form.name)?;
    let id = user.id;
    let existing: Vec<String> = state
        .db
        .read(move |c| Ok(store::list(c, id)?))
        .await?
        .into_iter()
        .map(|p| p.credential_id)
        .collect();
    let started = rp.start_registration(user.id, &user.username, &existing)?;
    let kept = serde_json::to_string(&Registration {
        name,
        state: started.state,
    })
    .map_err(anyhow::Error::from)?;
    let ceremony = begin(&state, Some(user.id), Kind::Register, kept).await?;
    Ok(render::json(
        StatusCode::OK,
        &PasskeyCeremony {
            ceremony,
            options: started.options,
        },
    ))
}

/// Stores a new ceremony; returns its id.
async fn begin(
    state: &AppState,
    user_id: Option<i32>,
    kind: Kind,
    kept: String,
) -> Result<String, AppError> {
    let id = ceremony_id();
    let ttl = chrono::Duration::from_std(CEREMONY_TTL).map_err(anyhow::Error::from)?;
    let now = chrono::Utc::now().naive_utc();
    let row = id.clone();
    state
        .db
        .run(move |c| {
            Ok(store::begin_ceremony(
                c, &row, user_id, kind, &kept, now, ttl,
            )?)
        })
        .await?;
    Ok(id)
}

/// Takes the ceremony out of the table (deleted before its answer is checked).
async fn take(
    state: &AppState,
    id: Option<String>,
    kind: Kind,
    user_id: Option<i32>,
) -> Result<Option<store::Ceremony>, AppError> {
    let Some(id) = id.filter(|i| !i.is_empty() && i.len() <= 128) else {
        return Ok(None);
    };
    let now = chrono::Utc::now().naive_utc();
    state
        .db
        .run(move |c| Ok(store::take_ceremony(c, &id, kind, user_id, now)?))
        .await
}

/// `POST /account/passkeys/register/finish` (`{"ceremony","credential"}`,
/// recent login): the authenticator's answer checked against the
/// ceremony, the passkey stored: 201 `{"id","name"}`; the verified
/// address is told. A used, expired or unknown ceremony, or an answer
/// that does not pass, is 422.
pub async fn register_finish(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: web::ReqData<CurrentUser>,
    Input(form): Input<FinishForm>,
) -> Result<HttpResponse, AppError> {
    let rp = rp(&state)?;
    let failed = || form_problem(Text::new("problem-passkey-not-added"));
    let ceremony = take(&state, form.ceremony, Kind::Register, Some(user.id))
        .await?
        .ok_or_else(failed)?;
    let kept: Registration = serde_json::from_str(&ceremony.state).map_err(|e| {
        log::warn!("unreadable registration ceremony: {e}");
        failed()
    })?;
    let credential = form.credential.unwrap_or(Value::Null);
    let verified = rp
        .finish_registration(&credential, &kept.state)
        .map_err(|e| {
            log::info!("passkey registration failed: user_id={} {e}", user.id);
            failed()
        })?;
    let (id, name) = (user.id, kept.name.clone());
    let now = chrono::Utc::now().naive_utc();
    let device = state.auth.device(&req);
    let inserted = state
        .db
        .run(move |c| {
            let event = device
                .event(security_events::Kind::PasskeyAdded)
                .detail(&name);
            security_events::with_event(c, id, event, |c| {
                store::insert(
                    c,
                    &NewPasskey {
                        user_id: id,
                        name: &name,
                        credential: &verified.credential,
                        credential_id: &verified.credential_id,
                        created_at: now,
                    },
                )
            })
            .map_err(|e| {
                if is_unique_violation_of(&e, "credential_id") {
                    AppError::Validation(FieldErrors::from([(
                        "form",
                        vec![Text::new("field-passkey-duplicate")],
                    )]))
                } else {
                    e.into()
                }
            })?;
            let listed = store::list(c, id)?;
            Ok((listed, users::find_by_id(c, id)?))
        })
        .await?;
    let (listed, account) = inserted;
    let new_id = listed.last().map_or(0, |p| p.id);
    log::info!("passkey added: user_id={} passkey_id={new_id}", user.id);
    if let Some(to) = account.as_ref().and_then(users::User::verified_email) {
        state.mailer.send(
            to,
            &user.username,
            Letter::PasskeyAdded {
                name: kept.name.clone(),
            },
        );
    }
    Ok(render::json(
        StatusCode::CREATED,
        &serde_json::json!({ "id": new_id, "name": kept.name }),
    ))
}

/// `POST /account/passkeys/{id}/delete` (recent login): removes one of the
/// account's passkeys; another account's (or no such) id is 404.
pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    format: Format,
    user: web::ReqData<CurrentUser>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let passkey = path.parse::<i32>().map_err(|_| AppError::NotFound)?;
    let (id, device) = (user.id, state.auth.device(&req));
    let deleted = state
        .db
        .run(move |c| {
            Ok(c.transaction(|c| {
                let deleted = store::delete(c, id, passkey)?;
                if deleted {
                    let event = device.event(security_events::Kind::PasskeyRemoved);
                    security_events::record(c, id, chrono::Utc::now().naive_utc(), event)?;
                }
                diesel::QueryResult::Ok(deleted)
            })?)
        })
        .await?;
    if !deleted {
        return Err(AppError::NotFound);
    }
    log::info!("passkey removed: user_id={id} passkey_id={passkey}");
    done(
        &state,
        format,
        Text::new("notice-passkey-removed"),
        "/account/passkeys",
    )
}

/// `POST /login/passkey/start` (anyone; counts toward `LOGIN_IP_LIMIT`):
/// 200 `{"ceremony","options"}` for a discoverable login (no username).
#[utoipa::path(
    post,
    path = "/login/passkey/start",
    operation_id = "passkey_login_start",
    tag = "login",
    responses(
        (status = 200, description = "A ceremony (5 minutes, once) and the options for \
            `navigator.credentials.get`", body = PasskeyCeremony,
            links(("finish" = (operation_id = "passkey_login_finish",
                request_body = json!({ "ceremony": "$response.body#/ceremony" }))))),
        (status = 422, response = errors::ValidationFailed),
        (status = 429, response = errors::TooManyRequests),
    )
)]
pub async fn login_start(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let ip = client_ip::client_ip(&req, &state.settings.trusted_proxies);
    state.throttle.check_ip(ip).inspect_err(|_| {
        state
            .metrics
            .login(LoginMethod::Passkey, LoginOutcome::Throttled);
    })?;
    let rp = rp(&state)?;
    let started = rp.start_login()?;
    let ceremony = begin(&state, None, Kind::Login, started.state).await?;
    Ok(render::json(
        StatusCode::OK,
        &PasskeyCeremony {
            ceremony,
            options: started.options,
        },
    ))
}

/// Checks a login answer to `ceremony` (taken already): the passkey found
/// by its credential id, the user handle its account's, the signature,
/// origin, relying party, challenge and user verification right, and the
/// sign counter moving forward; then the counter and `last_used_at` are
/// stored. Returns the passkey's account; any failure is `PasskeyFailed`
/// (the reason is logged).
async fn verify_assertion(
    state: &AppState,
    ceremony: Option<store::Ceremony>,
    credential: Option<Value>,
    client: &str,
) -> Result<users::User, AppError> {
    let refused = |why: &str| {
        log::info!("passkey login failed: client={client} {why}");
        AppError::PasskeyFailed
    };
    let rp = state.passkeys.as_ref().ok_or(AppError::PasskeyFailed)?;
    let ceremony = ceremony.ok_or_else(|| refused("unknown, used or expired ceremony"))?;
    let credential = credential.unwrap_or(Value::Null);
    let (credential_id, handle) = rp
        .identify(&credential)
        .map_err(|e| refused(&e.to_string()))?;
    let stored = state
        .db
        .read(move |c| Ok(store::find_by_credential_id(c, &credential_id)?))
        .await?
        .ok_or_else(|| refused("unknown credential"))?;
    if handle != Passkeys::user_handle(stored.user_id) {
        return Err(refused("the user handle is not the passkey's account"));
    }
    let updated = rp
        .finish_login(&credential, &ceremony.state, &stored.credential)
        .map_err(|e| refused(&format!("passkey_id={} {e}", stored.id)))?;
    let (passkey, user_id, before) = (stored.id, stored.user_id, stored.credential);
    let now = chrono::Utc::now().naive_utc();
    let (recorded, user) = state
        .db
        .run(move |c| {
            let recorded = store::record_use(c, passkey, &before, &updated, now)?;
            Ok((recorded, users::find_by_id(c, user_id)?))
        })
        .await?;
    if !recorded {
        return Err(refused("another login used this passkey meanwhile"));
    }
    user.ok_or_else(|| refused("the account is gone"))
}

/// `POST /login/passkey/finish` (`{"ceremony","credential"}`, optional
/// `next` and `remember`): the answer checked ([`verify_assertion`]), then
/// a login like a password login, without a TOTP step: a fresh session,
/// 200 `{"id","username","redirect"}`. Any failure is 401 with one message.
#[utoipa::path(
    post,
    path = "/login/passkey/finish",
    operation_id = "passkey_login_finish",
    tag = "login",
    request_body(content = FinishForm, content_type = "application/json"),
    responses(
        (status = 200, description = "Logged in: a fresh session cookie",
            body = PasskeyLogin),
        (status = 400, response = errors::BadRequest),
        (status = 401, response = errors::PasskeyFailed),
        (status = 403, response = errors::AccountLocked),
    )
)]
pub async fn login_finish(
    req: HttpRequest,
    state: web::Data<AppState>,
    Input(form): Input<FinishForm>,
) -> Result<HttpResponse, AppError> {
    let ip = client_ip::client_ip(&req, &state.settings.trusted_proxies);
    let client = client_ip::describe(ip);
    let ceremony = take(&state, form.ceremony, Kind::Login, None).await?;
    let failed = |e| state.metrics.login_failed(LoginMethod::Passkey, e);
    let user = verify_assertion(&state, ceremony, form.credential, &client)
        .await
        .map_err(failed)?;
    let checker = Checker {
        db: &state.db,
        hasher: &state.hasher,
        max_failures: state.settings.login_max_failures,
        metrics: &state.metrics,
    };
    let start = state.auth.session_start(&req, form.remember);
    credentials::refuse_if_account_locked(&checker, &user, LoginMethod::Passkey, &start.device)
        .await
        .map_err(failed)?;
    credentials::second_step_passed(&checker, &user, LoginMethod::Passkey, &start).await?;
    state
        .metrics
        .login(LoginMethod::Passkey, LoginOutcome::Success);
    login::start(&req, &user, &start)?;
    let next = form.next.as_deref().and_then(SafeNext::parse);
    let redirect = next.as_ref().map_or("/dashboard", SafeNext::as_str);
    Ok(render::json(
        StatusCode::OK,
        &PasskeyLogin {
            id: user.id,
            username: user.username,
            redirect: redirect.to_owned(),
        },
    ))
}

/// `POST /account/confirm/passkey/start` (logged in): like
/// `/login/passkey/start`, for a ceremony bound to this account.
pub async fn confirm_start(
    state: web::Data<AppState>,
    user: web::ReqData<CurrentUser>,
) -> Result<HttpResponse, AppError> {
    let rp = rp(&state)?;
    let started = rp.start_login()?;
    let ceremony = begin(&state, Some(user.id), Kind::Login, started.state).await?;
    Ok(render::json(
        StatusCode::OK,
        &PasskeyCeremony {
            ceremony,
            options: started.options,
        },
    ))
}

/// `POST /account/confirm/passkey/finish` (logged in; `{"ceremony",
/// "credential"}`, optional `next`): one of this account's passkeys
/// confirms it is the user, like the password at `/account/confirm`: the
/// session is re-sealed as confirmed now; 200 `{"message","redirect"}`.
/// Any failure, another account's passkey included, is 401.
pub async fn confirm_finish(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: web::ReqData<CurrentUser>,
    Input(form): Input<FinishForm>,
) -> Result<HttpResponse, AppError> {
    let client = client_ip::describe(client_ip::client_ip(&req, &state.settings.trusted_proxies));
    let ceremony = take(&state, form.ceremony, Kind::Login, Some(user.id)).await?;
    let owner = verify_assertion(&state, ceremony, form.credential, &client).await?;
    if owner.id != user.id {
        log::info!(
            "passkey confirmation refused: user_id={} used a passkey of user_id={}",
            user.id,
            owner.id
        );
        return Err(AppError::PasskeyFailed);
    }
    state.auth.confirm(&req, &user.sealed)?;
    log::info!(
        "passkey confirmed for sensitive changes: user_id={}",
        user.id
    );
    let next = form.next.as_deref().and_then(SafeNext::parse);
    let redirect = next.as_ref().map_or("/account", SafeNext::as_str);
    Ok(render::json(
        StatusCode::OK,
        &serde_json::json!({ "message": Text::new("notice-confirmed").localized(), "redirect": redirect }),
    ))
}
