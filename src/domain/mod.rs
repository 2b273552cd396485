//! Input parsed into types that are valid by construction: once a handler
//! holds a `Username`, `NewPassword` or `SafeNext`, it can trust it.

mod next;
mod password;
mod username;

pub use next::SafeNext;
pub use password::{MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS, NewPassword};
pub use username::{Username, normalize_username};
