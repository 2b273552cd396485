//! The translations: Fluent resources compiled into the binary, one bundle
//! per language, loaded once for the process (they are constants: nothing
//! here depends on the settings).

use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use serde::{Deserialize, Serialize};

use super::lang::Lang;

/// One argument of a message: a number (plural rules see it) or a string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Arg {
    /// A count, in seconds, days, characters …
    Num(i64),
    /// A name, an address, a detail.
    Str(String),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Self::Str(s.to_owned())
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Self {
        Self::Str(s)
    }
}

macro_rules! number_args {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Self {
                Self::Num(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
    )*};
}
number_args!(i32, i64, u16, u32, u64, usize);

/// One language's resource files, by name.
macro_rules! files {
    ($lang:literal) => {
        [
            files!(@ $lang, "common.ftl"),
            files!(@ $lang, "pages.ftl"),
            files!(@ $lang, "notices.ftl"),
            files!(@ $lang, "errors.ftl"),
            files!(@ $lang, "mail.ftl"),
            files!(@ $lang, "account.ftl"),
        ]
    };
    (@ $lang:literal, $file:literal) => {
        (
            concat!($lang, "/", $file),
            include_str!(concat!("../../locales/", $lang, "/", $file)),
        )
    };
}

/// The resource files of each language; every file has its twin in every
/// language (the key-parity test checks every id).
pub(super) const SOURCES: [(Lang, &[(&str, &str)]); 2] =
    [(Lang::En, &files!("en")), (Lang::Ko, &files!("ko"))];

type Bundle = FluentBundle<FluentResource>;

static BUNDLES: LazyLock<Result<Vec<Bundle>, String>> = LazyLock::new(load);

fn load() -> Result<Vec<Bundle>, String> {
    SOURCES
        .iter()
        .map(|(lang, files)| {
            let tag = lang
                .code()
                .parse()
                .map_err(|e| format!("language tag {}: {e}", lang.code()))?;
            let mut bundle = FluentBundle::new_concurrent(vec![tag]);
            // No Unicode isolation marks around arguments: the pages are
            // left-to-right, and the marks would show up in text answers.
            bundle.set_use_isolating(false);
            for (name, source) in *files {
                let resource = FluentResource::try_new((*source).to_owned())
                    .map_err(|(_, errors)| format!("{name}: {errors:?}"))?;
                bundle
                    .add_resource(resource)
                    .map_err(|errors| format!("{name}: {errors:?}"))?;
            }
            Ok(bundle)
        })
        .collect()
}

/// Parses every resource: a broken translation file stops the start.
pub fn check() -> Result<(), String> {
    BUNDLES.as_ref().map(|_| ()).map_err(Clone::clone)
}

/// Message `id` in `lang` with `args`; English when `lang` lacks it, the id
/// itself (logged) when every language does.
pub(super) fn format<'a>(
    lang: Lang,
    id: &str,
    args: impl Iterator<Item = (&'a str, &'a Arg)>,
) -> String {
    let Ok(bundles) = BUNDLES.as_ref() else {
        return id.to_owned();
    };
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        let value = match value {
            Arg::Num(n) => FluentValue::from(*n),
            Arg::Str(s) => FluentValue::from(s.as_str()),
        };
        fluent_args.set(name, value);
    }
    let lookup = |lang: Lang| {
        let bundle = bundles.get(lang as usize)?;
        let pattern = bundle.get_message(id)?.value()?;
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
        if !errors.is_empty() {
            log::warn!("translation {id} ({}): {errors:?}", lang.code());
        }
        Some(text.into_owned())
    };
    lookup(lang)
        .or_else(|| lookup(Lang::En))
        .unwrap_or_else(|| {
            log::warn!("no translation for {id}");
            id.to_owned()
        })
}

/// Every message id of `lang`, for the key-parity test.
#[cfg(test)]
pub(super) fn ids(lang: Lang) -> Vec<String> {
    use fluent_syntax::ast::Entry;
    let mut ids = Vec::new();
    for (_, files) in SOURCES.iter().filter(|(l, _)| *l == lang) {
        for (_, source) in *files {
            let resource = FluentResource::try_new((*source).to_owned()).unwrap_or_else(|(r, _)| r);
            for entry in resource.entries() {
                if let Entry::Message(m) = entry {
                    ids.push(m.id.name.to_owned());
                }
            }
        }
    }
    ids
}
