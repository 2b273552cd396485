//! The pages: the embedded Tera templates, the values every page shows, and
//! the flash notices a page shows once.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use tera::{Context, Tera};

use crate::assets;
use crate::error::AppError;
use crate::flash::{FlashCookies, Level};
use crate::i18n::{Lang, Text, Translate};

/// Templates compiled into the binary, so it runs from any directory.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("macros.html", include_str!("../../templates/macros.html")),
    (
        "partials/flash.html",
        include_str!("../../templates/partials/flash.html"),
    ),
    ("login.html", include_str!("../../templates/login.html")),
    (
        "register.html",
        include_str!("../../templates/register.html"),
    ),
    (
        "dashboard.html",
        include_str!("../../templates/dashboard.html"),
    ),
    ("account.html", include_str!("../../templates/account.html")),
    (
        "passkeys.html",
        include_str!("../../templates/passkeys.html"),
    ),
    (
        "sessions.html",
        include_str!("../../templates/sessions.html"),
    ),
    (
        "activity.html",
        include_str!("../../templates/activity.html"),
    ),
    ("logout.html", include_str!("../../templates/logout.html")),
    ("error.html", include_str!("../../templates/error.html")),
    (
        "password_forgot.html",
        include_str!("../../templates/password_forgot.html"),
    ),
    (
        "password_reset.html",
        include_str!("../../templates/password_reset.html"),
    ),
    (
        "link_invalid.html",
        include_str!("../../templates/link_invalid.html"),
    ),
    (
        "login_2fa.html",
        include_str!("../../templates/login_2fa.html"),
    ),
    ("confirm.html", include_str!("../../templates/confirm.html")),
    (
        "two_factor.html",
        include_str!("../../templates/two_factor.html"),
    ),
];

/// The logged-in user as pages show it (`user` in a template).
#[derive(Serialize)]
pub struct PageUser<'a> {
    /// User id.
    pub id: i32,
    /// Name as typed at registration.
    pub username: &'a str,
}

/// A notice as a page shows it: in the page's language.
#[derive(Serialize)]
struct Notice {
    level: Level,
    message: String,
}

/// One entry of the language switch.
#[derive(Serialize)]
struct LangChoice {
    code: &'static str,
    name: &'static str,
    current: bool,
}

/// The loaded templates (one set per language, whose `t()` speaks it), the
/// values every page shows, and the flash notices.
pub struct Pages {
    tera: Vec<Tera>,
    asset_version: &'static str,
    allow_registration: bool,
    passkeys: bool,
    remember_days: u64,
    flash: FlashCookies,
}

impl Pages {
    /// Parses every template (a broken template stops the start); `passkeys`
    /// says whether the login page offers them; `remember` is
    /// `REMEMBER_ME_DURATION`, which the login form names.
    pub fn load(
        allow_registration: bool,
        passkeys: bool,
        remember: Duration,
        flash: FlashCookies,
    ) -> Result<Self, tera::Error> {
        let tera = Lang::ALL
            .into_iter()
            .map(|lang| {
                let mut tera = Tera::default();
                tera.register_function("t", Translate(lang));
                tera.add_raw_templates(TEMPLATES.iter().copied())?;
                Ok(tera)
            })
            .collect::<Result<_, tera::Error>>()?;
        Ok(Self {
            tera,
            asset_version: assets::version(),
            allow_registration,
            passkeys,
            remember_days: remember.as_secs() / 86_400,
            flash,
        })
    }

    /// The one-time notices.
    pub fn flash(&self) -> &FlashCookies {
        &self.flash
    }

    /// Renders `template` in the request's language with the shared values
    /// added; `here` is the page's own address, where the language switch
    /// returns to.
    fn render(&self, template: &str, mut ctx: Context, here: &str) -> Result<String, tera::Error> {
        let lang = Lang::current();
        ctx.insert("asset_version", self.asset_version);
        ctx.insert("allow_registration", &self.allow_registration);
        ctx.insert("passkeys_on", &self.passkeys);
        ctx.insert("remember_days", &self.remember_days);
        ctx.insert("lang", lang.code());
        ctx.insert("here", here);
        let choices: Vec<LangChoice> = Lang::ALL
            .into_iter()
            .map(|l| LangChoice {
                code: l.code(),
                name: l.own_name(),
                current: l == lang,
            })
            .collect();
        ctx.insert("languages", &choices);
        let tera = self.tera.get(lang as usize).unwrap_or(&self.tera[0]);
        tera.render(template, &ctx)
    }

    /// Answers with `template` and any flash notices, which are then cleared.
    /// A page for a logged-in user has `user` ([`PageUser`]) in `ctx`.
    pub fn respond(
        &self,
        req: &HttpRequest,
        status: StatusCode,
        template: &str,
        mut ctx: Context,
    ) -> Result<HttpResponse, AppError> {
        let flashes = self.flash.read(req);
        let notices: Vec<Notice> = flashes
            .iter()
            .flatten()
            .map(|f| Notice {
                level: f.level,
                message: f.message.localized(),
            })
            .collect();
        ctx.insert("flashes", &notices);
        let here = match req.query_string() {
            "" => req.path().to_owned(),
            query => format!("{}?{query}", req.path()),
        };
        let html = self
            .render(template, ctx, &here)
            .map_err(|e| anyhow::anyhow!("rendering {template}: {}", tera_cause(&e)))?;
        let mut response = HttpResponse::build(status);
        response.content_type(ContentType::html());
        // Shown once: the page that shows the notices clears them.
        if flashes.is_some() {
            response.cookie(self.flash.removal());
        }
        Ok(response.body(html))
    }

    /// The error page, or `None` when even that fails (then plain text serves).
    pub fn error_page(&self, status: StatusCode, message: &str, here: &str) -> Option<String> {
        let mut ctx = Context::new();
        ctx.insert("status", &status.as_u16());
        ctx.insert("title", &status_title(status));
        ctx.insert("message", message);
        // The error answer was made without asking who is logged in (a refused
        // cross-site post, say): a "Log in" link would suggest a logout.
        ctx.insert("neutral_nav", &true);
        match self.render("error.html", ctx, here) {
            Ok(html) => Some(html),
            Err(e) => {
                log::error!("rendering error.html: {}", tera_cause(&e));
                None
            }
        }
    }
}

/// An error page's heading: the status's reason in the page's language.
fn status_title(status: StatusCode) -> String {
    let id = match status.as_u16() {
        400 => "status-400",
        401 => "status-401",
        403 => "status-403",
        404 => "status-404",
        405 => "status-405",
        409 => "status-409",
        413 => "status-413",
        415 => "status-415",
        422 => "status-422",
        429 => "status-429",
        500 => "status-500",
        503 => "status-503",
        _ => return status.canonical_reason().unwrap_or("Error").to_owned(),
    };
    Text::new(id).localized()
}

/// Tera 1 prints only "Failed to render"; the cause is further down the chain.
fn tera_cause(e: &tera::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_page_is_titled_in_the_readers_language() {
        assert_eq!(status_title(StatusCode::NOT_FOUND), "Not Found");
        let korean = futures_util::FutureExt::now_or_never(
            Lang::Ko.scope(async { status_title(StatusCode::NOT_FOUND) }),
        );
        assert_eq!(korean.as_deref(), Some("페이지를 찾을 수 없음"));
        assert_eq!(status_title(StatusCode::IM_A_TEAPOT), "I'm a teapot");
    }
}
