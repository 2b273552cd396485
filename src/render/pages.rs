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
use crate::flash::FlashCookies;

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

/// The loaded templates, the values every page shows, and the flash notices.
pub struct Pages {
    tera: Tera,
    asset_version: &'static str,
    allow_registration: bool,
    passkeys: bool,
    remember_label: String,
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
        let mut tera = Tera::default();
        tera.add_raw_templates(TEMPLATES.iter().copied())?;
        Ok(Self {
            tera,
            asset_version: assets::version(),
            allow_registration,
            passkeys,
            remember_label: remember_label(remember),
            flash,
        })
    }

    /// The one-time notices.
    pub fn flash(&self) -> &FlashCookies {
        &self.flash
    }

    /// Renders `template` with the shared values added.
    fn render(&self, template: &str, mut ctx: Context) -> Result<String, tera::Error> {
        ctx.insert("asset_version", self.asset_version);
        ctx.insert("allow_registration", &self.allow_registration);
        ctx.insert("passkeys_on", &self.passkeys);
        ctx.insert("remember_label", &self.remember_label);
        self.tera.render(template, &ctx)
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
        ctx.insert("flashes", &flashes.as_deref().unwrap_or_default());
        let html = self
            .render(template, ctx)
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
    pub fn error_page(&self, status: StatusCode, message: &str) -> Option<String> {
        let mut ctx = Context::new();
        ctx.insert("status", &status.as_u16());
        ctx.insert("title", status.canonical_reason().unwrap_or("Error"));
        ctx.insert("message", message);
        // The error answer was made without asking who is logged in (a refused
        // cross-site post, say): a "Log in" link would suggest a logout.
        ctx.insert("neutral_nav", &true);
        match self.render("error.html", ctx) {
            Ok(html) => Some(html),
            Err(e) => {
                log::error!("rendering error.html: {}", tera_cause(&e));
                None
            }
        }
    }
}

/// The "remember me" checkbox's label, naming `REMEMBER_ME_DURATION` in days.
fn remember_label(remember: Duration) -> String {
    match remember.as_secs() / 86_400 {
        0 => "Keep me logged in".to_owned(),
        1 => "Keep me logged in for 1 day".to_owned(),
        days => format!("Keep me logged in for {days} days"),
    }
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
    fn the_remember_label_names_the_days() {
        let days = |d: u64| remember_label(Duration::from_secs(d * 86_400));
        assert_eq!(days(30), "Keep me logged in for 30 days");
        assert_eq!(days(1), "Keep me logged in for 1 day");
        assert_eq!(
            remember_label(Duration::from_secs(3600)),
            "Keep me logged in"
        );
    }
}
