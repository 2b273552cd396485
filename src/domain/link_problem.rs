//! Why a link from a mail does not work, as the person is told.

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
    pub fn message(self) -> &'static str {
        match self {
            Self::Unknown => "This link is not valid: it may have been cut short or mistyped.",
            Self::Used => "This link has already been used.",
            Self::Expired => "This link has expired.",
            Self::Replaced => {
                "This link was for an email address that is no longer on the account."
            }
        }
    }
}
