//! How a login was made: what a session record and a login event show.

use crate::i18n::Text;

/// The way a session was logged in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginMethod {
    /// Username and password (TOTP off), or a new registration.
    Password,
    /// Password, then a code from the authenticator app.
    Totp,
    /// Password, then a recovery code.
    RecoveryCode,
    /// A passkey alone.
    Passkey,
}

impl LoginMethod {
    /// The method of a session whose login was not recorded (it began
    /// before session records existed): its record is made when it is next used.
    pub const UNKNOWN: &'static str = "unknown";

    /// Every method (the metrics show each from the start).
    pub const ALL: [Self; 4] = [
        Self::Password,
        Self::Totp,
        Self::RecoveryCode,
        Self::Passkey,
    ];

    /// The stored and JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::Totp => "totp",
            Self::RecoveryCode => "recovery_code",
            Self::Passkey => "passkey",
        }
    }

    /// How a page says it, in the reader's language; `name` is a stored
    /// name (an unknown one is shown as it is).
    pub fn describe(name: &str) -> String {
        Self::label(name).map_or_else(|| name.to_owned(), |text| text.localized())
    }

    /// The message for the stored name `name`, if it is one.
    fn label(name: &str) -> Option<Text> {
        Some(match name {
            "password" => Text::new("account-method-password"),
            "totp" => Text::new("account-method-totp"),
            "recovery_code" => Text::new("account-method-recovery-code"),
            "passkey" => Text::new("account-method-passkey"),
            Self::UNKNOWN => Text::new("account-method-unknown"),
            _ => return None,
        })
    }
}
