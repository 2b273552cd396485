//! How a login attempt ended, as the `outcome` label of
//! `session_auth_logins_total` says it.

use crate::error::AppError;

/// The end of one login attempt (or of one step of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginOutcome {
    /// Logged in.
    Success,
    /// Wrong password, unknown username, wrong code, or a passkey that did not pass.
    Failure,
    /// The password was right; the second step (a code) is still to come.
    SecondStepPending,
    /// Refused by the per-address limit (`LOGIN_IP_LIMIT`).
    Throttled,
    /// Refused: the username is locked after too many failures.
    LockedOut,
    /// The right credentials for an account an operator locked.
    AccountLocked,
    /// A second step after its first step expired (or without one).
    Expired,
}

impl LoginOutcome {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::SecondStepPending => "second_step_pending",
            Self::Throttled => "throttled",
            Self::LockedOut => "locked_out",
            Self::AccountLocked => "account_locked",
            Self::Expired => "expired",
        }
    }

    /// The outcome an error of a login step stands for; `None` for errors
    /// that are no attempt's outcome (a missing field, a database outage).
    /// `Throttled` here is the username lock (or, rarely, a full hashing
    /// queue): the per-address limit is checked, and counted, before the
    /// credentials.
    pub fn of_error(error: &AppError) -> Option<Self> {
        match error.cause() {
            AppError::InvalidCredentials | AppError::InvalidCode | AppError::PasskeyFailed => {
                Some(Self::Failure)
            }
            AppError::Throttled { .. } => Some(Self::LockedOut),
            AppError::AccountLocked => Some(Self::AccountLocked),
            AppError::SecondStepExpired => Some(Self::Expired),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn errors_on_a_form_count_as_their_cause() {
        let on_form = AppError::InvalidCredentials.on_form("login.html", tera::Context::new());
        assert_eq!(
            LoginOutcome::of_error(&on_form),
            Some(LoginOutcome::Failure)
        );
        let locked = AppError::Throttled {
            retry_after: Duration::from_secs(60),
        };
        assert_eq!(
            LoginOutcome::of_error(&locked),
            Some(LoginOutcome::LockedOut)
        );
        let missing = AppError::BadRequest(crate::i18n::Text::new("error-json-not-object"));
        assert_eq!(LoginOutcome::of_error(&missing), None);
    }
}
