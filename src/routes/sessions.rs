//! The user's sessions (`/account/sessions`, `/api/sessions`): each one's
//! device, address and times, this one marked; ending one works like a
//! logout of that session (its cookie is revoked: at once on this
//! instance, within a second on the others).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use diesel::Connection as _;
use serde::Serialize;

use super::{page_for, rfc3339, when};
use crate::auth::CurrentUser;
use crate::db::revoked_sessions;
use crate::db::security_events::{self, Kind};
use crate::db::sessions::{self, SessionRecord};
use crate::domain::{LoginMethod, user_agent};
use crate::error::AppError;
use crate::flash::FlashMessage;
use crate::i18n::Text;
use crate::render::{self, Format};
use crate::state::AppState;

/// One session as the API shows it (`Session` in the OpenAPI document).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Session)]
pub struct SessionJson {
    /// Public id (what `DELETE /api/sessions/{id}` takes).
    pub id: String,
    /// Login time, RFC 3339 UTC.
    pub created_at: String,
    /// Last seen (refreshed every few minutes of use), RFC 3339 UTC.
    pub last_seen_at: String,
    /// When the session ends unless used (or at its absolute limit), RFC 3339 UTC.
    pub expires_at: String,
    /// `password`, `totp`, `recovery_code` or `passkey`.
    #[schema(example = "password")]
    pub method: String,
    /// The client's address at login.
    pub address: Option<String>,
    /// "Firefox on Linux", in the reader's language.
    pub label: String,
    /// The `User-Agent` at login.
    pub user_agent: String,
    /// Whether this is the session of the request.
    pub current: bool,
}

/// The user's active sessions, this one first.
async fn active(state: &AppState, user: &CurrentUser) -> Result<Vec<SessionRecord>, AppError> {
    let id = user.id;
    let mut records = state
        .db
        .read(move |c| Ok(sessions::active(c, id, Utc::now().naive_utc())?))
        .await?;
    // Stable: the others stay most recently seen first.
    records.sort_by_key(|r| r.sid != user.sealed.sid);
    Ok(records)
}

/// `GET /account/sessions`: the page (other clients: the JSON of `/api/sessions`).
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    format: Format,
    user: web::ReqData<CurrentUser>,
) -> Result<HttpResponse, AppError> {
    if format != Format::Html {
        return list(state, user).await;
    }
    let records = active(&state, &user).await?;
    let rows: Vec<_> = records
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r.id,
                "label": user_agent::shown(&r.label),
                "method": LoginMethod::describe(&r.method),
                "address": r.address.clone().unwrap_or_else(|| {
                    Text::new("sessions-unknown-address").localized()
                }),
                "created_at": when(r.created_at),
                "last_seen_at": when(r.last_seen_at),
                "current": r.sid == user.sealed.sid,
            })
        })
        .collect();
    let mut ctx = page_for(&user);
    ctx.insert("sessions", &rows);
    state
        .pages
        .respond(&req, StatusCode::OK, "sessions.html", ctx)
}

/// `GET /api/sessions`: 200 with an array of [`SessionJson`], this one first.
#[utoipa::path(
    get,
    path = "/api/sessions",
    operation_id = "list_sessions",
    tag = "session",
    security(("session" = [])),
    responses(
        (status = 200, description = "The user's active sessions, this one first",
            body = Vec<SessionJson>,
            links(("end" = (operation_id = "end_session",
                parameters(("id" = "$response.body#/0/id")))))),
        (status = 401, response = render::error_responses::LoginRequired),
    )
)]
pub async fn list(
    state: web::Data<AppState>,
    user: web::ReqData<CurrentUser>,
) -> Result<HttpResponse, AppError> {
    let records = active(&state, &user).await?;
    let body: Vec<SessionJson> = records
        .into_iter()
        .map(|r| SessionJson {
            current: r.sid == user.sealed.sid,
            id: r.id,
            created_at: rfc3339(r.created_at),
            last_seen_at: rfc3339(r.last_seen_at),
            expires_at: rfc3339(r.expires_at),
            method: r.method,
            address: r.address,
            label: user_agent::shown(&r.label),
            user_agent: r.user_agent,
        })
        .collect();
    Ok(render::json(StatusCode::OK, &body))
}

/// What ending a session did.
enum Ended {
    /// It was this request's own session: logged out.
    This,
    /// Another session of the user ("Firefox on Linux").
    Other(String),
}

/// Ends the user's active session `id`: `Err(NotFound)` when it is not one
/// of them (another user's id included: 404, never 403, so ids reveal nothing).
async fn end(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    id: String,
) -> Result<Ended, AppError> {
    let own = active(state, user)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(AppError::NotFound)?;
    if own.sid == user.sealed.sid {
        // Like `POST /logout`: revoked, recorded, cookie removed.
        state.auth.logout(req).await?;
        return Ok(Ended::This);
    }
    let (user_id, device) = (user.id, state.auth.device(req));
    let ended = state
        .db
        .run(move |c| {
            Ok(c.transaction(|c| {
                let now = Utc::now().naive_utc();
                let ended = sessions::end(c, user_id, &id, now)?;
                if let Some(record) = &ended {
                    // Its cookie, and every copy of it, dies with it.
                    revoked_sessions::revoke(c, &record.sid, record.expires_at, now)?;
                    let event = device.event(Kind::SessionEnded).detail(&record.label);
                    security_events::record(c, user_id, now, event)?;
                }
                diesel::QueryResult::Ok(ended)
            })?)
        })
        .await?
        // Ended meanwhile by another request: gone all the same.
        .ok_or(AppError::NotFound)?;
    state.auth.forget_checks();
    log::info!(
        "session ended: user_id={user_id} session={} ({})",
        ended.id,
        ended.label
    );
    Ok(Ended::Other(ended.label))
}

/// `DELETE /api/sessions/{id}`: 204 (this session too: its cookie is
/// removed); 404 when `id` is not one of the user's active sessions.
#[utoipa::path(
    delete,
    path = "/api/sessions/{id}",
    operation_id = "end_session",
    tag = "session",
    security(("session" = [])),
    params(("id" = String, Path, description = "A session's `id` from `GET /api/sessions`")),
    responses(
        (status = 204, description = "Ended (this session too: its cookie is removed)"),
        (status = 401, response = render::error_responses::LoginRequired),
        (status = 404, response = render::error_responses::NotFound),
    )
)]
pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: web::ReqData<CurrentUser>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    end(&req, &state, &user, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /account/sessions/{id}/logout`: "Log out this session". For
/// another session, 303 back to the list with a notice; for this one, like
/// `POST /logout`. JSON: 200 `{"message"}`.
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    format: Format,
    user: web::ReqData<CurrentUser>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (notice, location) = match end(&req, &state, &user, path.into_inner()).await? {
        Ended::This => (FlashMessage::info(Text::new("notice-logged-out")), "/login"),
        Ended::Other(label) => (
            FlashMessage::success(
                Text::new("notice-session-ended").with("device", user_agent::shown(&label)),
            ),
            "/account/sessions",
        ),
    };
    if format == Format::Json {
        let body = serde_json::json!({ "message": notice.message.localized() });
        return Ok(render::json(StatusCode::OK, &body));
    }
    state.pages.flash().see_other_with(location, notice)
}
