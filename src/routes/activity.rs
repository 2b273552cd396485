//! `/account/activity`: the account's last 50 security events.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::{page_for, rfc3339, when};
use crate::auth::CurrentUser;
use crate::db::security_events::{self, Kind};
use crate::domain::{LoginMethod, user_agent};
use crate::error::AppError;
use crate::i18n::Text;
use crate::render::{self, Format};
use crate::state::AppState;

/// How many events the page shows.
pub const SHOWN: i64 = 50;

/// `GET /account/activity`: newest first, with when, what, how and from
/// where (JSON: `{"events":[{"at","kind","description","method","address","detail"}]}`).
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    format: Format,
    user: web::ReqData<CurrentUser>,
) -> Result<HttpResponse, AppError> {
    let id = user.id;
    let events = state
        .db
        .read(move |c| Ok(security_events::recent(c, id, SHOWN)?))
        .await?;
    let html = format == Format::Html;
    let rows: Vec<_> = events
        .iter()
        .map(|e| {
            let kind = Kind::parse(&e.kind);
            let description = kind.map_or_else(|| e.kind.clone(), |k| k.description().localized());
            // The page speaks; the JSON keeps the stored method and detail.
            let method = match (&e.method, html) {
                (Some(m), true) => Some(LoginMethod::describe(m)),
                (m, _) => m.clone(),
            };
            let detail = match (&e.detail, html) {
                (Some(d), true) => Some(shown_detail(kind, d)),
                (d, _) => d.clone(),
            };
            let at = if html { when(e.at) } else { rfc3339(e.at) };
            serde_json::json!({
                "at": at,
                "kind": e.kind,
                "description": description,
                "method": method,
                "address": e.address,
                "detail": detail,
            })
        })
        .collect();
    if !html {
        let body = serde_json::json!({ "events": rows });
        return Ok(render::json(StatusCode::OK, &body));
    }
    let mut ctx = page_for(&user);
    ctx.insert("events", &rows);
    state
        .pages
        .respond(&req, StatusCode::OK, "activity.html", ctx)
}

/// An event's stored (English) detail as the page shows it: the few the
/// app writes itself and device labels in the reader's language; a
/// passkey's name, or anything else, as it is.
fn shown_detail(kind: Option<Kind>, detail: &str) -> String {
    // The words as `auth`, `cli` and `routes::email` record them.
    let fixed = match (kind, detail) {
        (Some(Kind::PasskeyAdded), _) => None,
        (_, "logged out") => Some(Text::new("activity-detail-logged-out")),
        (_, "the account is locked") => Some(Text::new("activity-detail-account-locked")),
        (_, "by an operator") => Some(Text::new("activity-detail-by-operator")),
        (Some(Kind::EmailChanged), "changed") => Some(Text::new("activity-detail-email-changed")),
        (Some(Kind::EmailChanged), "removed") => Some(Text::new("activity-detail-email-removed")),
        _ => return user_agent::shown(detail),
    };
    fixed.map_or_else(|| detail.to_owned(), |text| text.localized())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn details_read_in_the_page_language_but_names_stay() {
        let (ended, added) = (Some(Kind::SessionEnded), Some(Kind::PasskeyAdded));
        let korean = Lang::Ko.scope(async {
            [
                shown_detail(ended, "logged out"),
                shown_detail(ended, "Chrome on Windows"),
                shown_detail(added, "Firefox on Linux"),
                shown_detail(added, "logged out"),
            ]
        });
        let korean = actix_web::rt::System::new().block_on(korean);
        let expected = [
            "로그아웃",
            "Windows의 Chrome",
            "Firefox on Linux",
            "logged out",
        ];
        assert_eq!(korean, expected);
        assert_eq!(shown_detail(Some(Kind::EmailChanged), "removed"), "removed");
    }
}
