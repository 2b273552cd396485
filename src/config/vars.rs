//! Reading one variable: a blank value counts as unset, and a bad one stops
//! the start with one line that names the variable and shows only what is
//! safe to show.

/// A setting that could not be used; its `Display` is the one line `main` prints.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A variable holds a value we cannot use.
    #[error("invalid {name}={value:?}: {reason}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// What it held.
        value: String,
        /// What is wrong and what is expected.
        reason: String,
    },
    /// A secret holds a value we cannot use (the value itself is never printed).
    #[error("invalid {name}: {reason}")]
    InvalidSecret {
        /// The variable.
        name: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A variable that this environment requires is not set.
    #[error("{name} is required {reason}")]
    Missing {
        /// The variable.
        name: &'static str,
        /// When it is required.
        reason: String,
    },
    /// The development key file could not be read or written.
    #[error("development secret key {path}: {source}")]
    DevKey {
        /// The key file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// A variable's name, and how much of a bad value its error may show
/// (a plain `&str` name shows all of it).
#[derive(Clone, Copy)]
pub(super) struct Name {
    name: &'static str,
    shown: Shown,
}

#[derive(Clone, Copy)]
enum Shown {
    All,
    /// Only the scheme: the rest of a URL may carry a password.
    Scheme,
    Nothing,
}

/// A URL that may carry a password: an error shows only its scheme.
pub(super) fn url(name: &'static str) -> Name {
    Name {
        name,
        shown: Shown::Scheme,
    }
}

/// A secret: an error never shows its value.
pub(super) fn secret(name: &'static str) -> Name {
    Name {
        name,
        shown: Shown::Nothing,
    }
}

impl From<&'static str> for Name {
    fn from(name: &'static str) -> Self {
        Self {
            name,
            shown: Shown::All,
        }
    }
}

impl Name {
    fn error(self, raw: &str, reason: String) -> ConfigError {
        let name = self.name;
        let value = match self.shown {
            Shown::All => raw.to_owned(),
            Shown::Scheme => match raw.split_once("://") {
                Some((scheme, _)) => format!("{scheme}://…"),
                None => "…".to_owned(),
            },
            Shown::Nothing => return ConfigError::InvalidSecret { name, reason },
        };
        ConfigError::Invalid {
            name,
            value,
            reason,
        }
    }
}

/// The variables as the settings see them.
pub(super) struct Vars<'a>(pub(super) &'a dyn Fn(&str) -> Option<String>);

impl Vars<'_> {
    /// The variable parsed (trimmed), or `default` when it is unset or blank.
    pub(super) fn read<T>(
        &self,
        name: impl Into<Name>,
        default: T,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, ConfigError> {
        let name = name.into();
        match (self.0)(name.name).filter(|v| !v.trim().is_empty()) {
            None => Ok(default),
            Some(raw) => parse(raw.trim()).map_err(|reason| name.error(&raw, reason)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(name: &'static str, value: &'static str) -> impl Fn(&str) -> Option<String> {
        move |n| (n == name).then(|| value.to_owned())
    }

    fn refuse(_: &str) -> Result<u8, String> {
        Err("no".into())
    }

    #[test]
    fn a_blank_value_counts_as_unset() {
        let var = one("X", "  ");
        assert_eq!(Vars(&var).read("X", 7, refuse).unwrap(), 7);
    }

    #[test]
    fn the_parser_sees_the_trimmed_value() {
        let var = one("X", " 42 ");
        let parse = |v: &str| v.parse::<u8>().map_err(|e| e.to_string());
        assert_eq!(Vars(&var).read("X", 0, parse).unwrap(), 42);
    }

    #[test]
    fn an_error_shows_only_what_may_be_shown() {
        let var = one("X", "smtp://u:hunter2@h");
        let vars = Vars(&var);
        let whole = vars.read("X", 0, refuse).unwrap_err().to_string();
        assert_eq!(whole, r#"invalid X="smtp://u:hunter2@h": no"#);
        let shown = vars.read(url("X"), 0, refuse).unwrap_err().to_string();
        assert_eq!(shown, r#"invalid X="smtp://…": no"#);
        let shown = vars.read(secret("X"), 0, refuse).unwrap_err().to_string();
        assert_eq!(shown, "invalid X: no");
        let var = one("X", "u:hunter2@h");
        let shown = Vars(&var)
            .read(url("X"), 0, refuse)
            .unwrap_err()
            .to_string();
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
