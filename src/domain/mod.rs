//! Input parsed into types that are valid by construction: once a handler
//! holds a `Username`, `NewPassword` or `SafeNext`, it can trust it.

mod new_password;
mod next;
mod username;

pub use new_password::{MAX_PASSWORD_BYTES, NewPassword};
pub use next::SafeNext;
pub use username::{Username, normalize_username};
