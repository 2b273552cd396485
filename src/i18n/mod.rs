//! English and Korean: which language a request reads ([`Lang`]), the
//! messages ([`Text`], kept as ids until rendered) and the translations
//! (Fluent files under `locales/`, compiled in). Templates call
//! `t(k="id", name=value…)`; each language has its own template set
//! (`render::Pages`) whose `t` is bound to it.

mod catalog;
pub mod lang;
mod text;

use std::collections::HashMap;

pub use catalog::Arg;
pub use catalog::check;
pub use lang::Lang;
pub use text::Text;

/// `problems` in English, one after the other (the command line, the logs).
pub fn english(problems: &[Text]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The templates' `t(k="id", …)`: message `k` in this language, the other
/// arguments passed to it. Escaped like any value (messages hold no HTML).
pub struct Translate(pub Lang);

impl tera::Function for Translate {
    fn call(&self, args: &HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
        let Some(id) = args.get("k").and_then(tera::Value::as_str) else {
            return Err(tera::Error::msg("t() needs k=\"message-id\""));
        };
        let mut params: Vec<(&str, Arg)> = Vec::with_capacity(args.len());
        for (name, value) in args.iter().filter(|(name, _)| name.as_str() != "k") {
            let arg = match value {
                tera::Value::Number(n) => {
                    n.as_i64().map_or_else(|| Arg::Str(n.to_string()), Arg::Num)
                }
                tera::Value::String(s) => Arg::Str(s.clone()),
                other => Arg::Str(other.to_string()),
            };
            params.push((name.as_str(), arg));
        }
        let params = params.iter().map(|(name, arg)| (*name, arg));
        Ok(tera::Value::String(catalog::format(self.0, id, params)))
    }
}

#[cfg(test)]
mod tests;
