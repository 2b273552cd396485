//! `html_t()`, the mail's HTML templates' `t()` for a sentence with markup
//! in it: a name in bold, a link in the middle. The message stays plain text
//! (translators move the placeholders where their grammar puts them); the
//! markup goes around the arguments after the whole sentence is escaped.
//!
//! `{{ html_t(k="mail-passkey-added", name=name, when=when, strong=["name"]) }}`
//! shows `name` in `<strong>`; an argument `X_href=url` makes the argument
//! `X` (its link text) a link to `url`. Numbers pass as numbers (plural rules).

use std::collections::HashMap;

use tera::{Value, escape_html};

use crate::i18n::{Lang, Translate};

/// The style of every link inside a sentence (as templates/mail/*.html).
const LINK_STYLE: &str = "color:#2f55cc;";
/// Brackets an argument's number in the translated sentence until its markup
/// replaces it (private-use characters: no translation holds them, and
/// escaping leaves them alone).
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// `html_t(k="id", strong=[…], X_href=…, …)` in one language: escaped HTML.
pub(super) struct HtmlTranslate(pub Lang);

impl tera::Function for HtmlTranslate {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let strong: Vec<&str> = args
            .get("strong")
            .and_then(Value::as_array)
            .map(|names| names.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut plain = HashMap::with_capacity(args.len());
        let mut marks = Vec::new();
        for (name, value) in args {
            if name == "strong" || name.ends_with("_href") {
                continue;
            }
            let Value::String(shown) = value else {
                plain.insert(name.clone(), value.clone());
                continue;
            };
            if name == "k" {
                plain.insert(name.clone(), value.clone());
                continue;
            }
            let shown = escape_html(shown);
            let href = args.get(&format!("{name}_href")).and_then(Value::as_str);
            let markup = match href {
                Some(href) => format!(
                    "<a href=\"{}\" style=\"{LINK_STYLE}\">{shown}</a>",
                    escape_html(href)
                ),
                None if strong.contains(&name.as_str()) => format!("<strong>{shown}</strong>"),
                None => shown,
            };
            let mark = format!("{OPEN}{}{CLOSE}", marks.len());
            marks.push(markup);
            plain.insert(name.clone(), Value::String(mark));
        }
        let sentence = tera::Function::call(&Translate(self.0), &plain)?;
        let sentence = escape_html(sentence.as_str().unwrap_or_default());
        Ok(Value::String(fill(&sentence, &marks)))
    }

    fn is_safe(&self) -> bool {
        true
    }
}

/// `sentence` with each mark replaced by its markup, in one pass (a value
/// that holds a mark's characters cannot pull in another's markup).
fn fill(sentence: &str, marks: &[String]) -> String {
    let mut out =
        String::with_capacity(sentence.len() + marks.iter().map(String::len).sum::<usize>());
    let mut rest = sentence;
    while let Some((before, after)) = rest.split_once(OPEN) {
        out.push_str(before);
        let Some((number, after)) = after.split_once(CLOSE) else {
            rest = after;
            break;
        };
        if let Some(markup) = number.parse::<usize>().ok().and_then(|i| marks.get(i)) {
            out.push_str(markup);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_become_their_markup_once() {
        let marks = ["<b>\u{E000}1\u{E001}</b>".to_owned(), "<i>x</i>".to_owned()];
        assert_eq!(
            fill("a \u{E000}0\u{E001} b \u{E000}1\u{E001}.", &marks),
            "a <b>\u{E000}1\u{E001}</b> b <i>x</i>."
        );
        assert_eq!(fill("no marks", &marks), "no marks");
        assert_eq!(fill("broken \u{E000}9", &marks), "broken 9");
    }
}
