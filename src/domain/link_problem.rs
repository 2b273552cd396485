//! Why a link from a mail does not work, as the person is told.

use crate::i18n::Text;

/// A link's token that does not open what it was made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkProblem {
    /// Not one we made (mistyped, cut short, tampered).
    Unknown,
    /// Used already (or voided by a later change).
    Used,
    /// Past its lifetime.
    Expired,
    /// For an address that is no longer the account's.
    Replaced,
}

impl LinkProblem {
    /// What the person is told.
    pub fn text(self) -> Text {
        Text::new(match self {
            Self::Unknown => "link-unknown",
            Self::Used => "link-used",
            Self::Expired => "link-expired",
            Self::Replaced => "link-replaced",
        })
    }
}
