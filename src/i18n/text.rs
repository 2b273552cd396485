//! [`Text`]: a message kept as its translation id and arguments until the
//! answer is rendered, so that it reaches the reader in the reader's language
//! (a notice may be read on the next page, after the switch).

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::catalog::{self, Arg};
use super::lang::Lang;

/// A message to show: a Fluent id (`locales/*/*.ftl`) and its arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    id: Cow<'static, str>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    args: Vec<(Cow<'static, str>, Arg)>,
}

impl Text {
    /// The message `id`, without arguments.
    pub const fn new(id: &'static str) -> Self {
        Self {
            id: Cow::Borrowed(id),
            args: Vec::new(),
        }
    }

    /// This message with the argument `name` set to `value`.
    #[must_use]
    pub fn with(mut self, name: &'static str, value: impl Into<Arg>) -> Self {
        self.args.push((Cow::Borrowed(name), value.into()));
        self
    }

    /// The message in the language of the request being answered.
    pub fn localized(&self) -> String {
        self.in_lang(Lang::current())
    }

    /// The message in `lang`.
    pub fn in_lang(&self, lang: Lang) -> String {
        catalog::format(
            lang,
            &self.id,
            self.args.iter().map(|(k, v)| (k.as_ref(), v)),
        )
    }
}

/// English, as the logs and `to_string()` show it.
impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.in_lang(Lang::En))
    }
}
