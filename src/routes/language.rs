//! The language switch on every page: `POST /language`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::domain::SafeNext;
use crate::error::{AppError, FieldErrors};
use crate::i18n::{Lang, Text};
use crate::render::{self, Format};
use crate::routes::input::Input;
use crate::state::AppState;

/// `POST /language` fields.
#[derive(Deserialize)]
pub struct LanguageForm {
    lang: Option<String>,
    next: Option<String>,
}

/// `POST /language` (`lang`: `en` or `ko`; `next`: the page to return to):
/// remembers the choice in a cookie for a year. A browser goes back to
/// `next` (a local path, else `/`), JSON gets 200 `{"lang"}`, curl a line
/// of text; all in the new language. Another value is 422.
pub async fn choose(
    state: web::Data<AppState>,
    format: Format,
    Input(form): Input<LanguageForm>,
) -> Result<HttpResponse, AppError> {
    let Some(lang) = form.lang.as_deref().and_then(Lang::parse) else {
        let problem =
            Text::new("field-lang-unknown").with("choices", Lang::ALL.map(Lang::code).join(", "));
        return Err(AppError::Validation(FieldErrors::from([(
            "lang",
            vec![problem],
        )])));
    };
    let cookie = lang.cookie(state.settings.cookie_secure);
    let mut answer = match format {
        Format::Html => {
            let next = form.next.as_deref().and_then(SafeNext::parse);
            render::see_other(next.as_ref().map_or("/", SafeNext::as_str))
        }
        Format::Json => render::json(StatusCode::OK, &serde_json::json!({ "lang": lang.code() })),
        Format::Text => render::text(
            StatusCode::OK,
            &Text::new("notice-lang-chosen").in_lang(lang),
        ),
    };
    answer
        .add_cookie(&cookie)
        .map_err(|e| AppError::Unexpected(e.into()))?;
    Ok(answer)
}
