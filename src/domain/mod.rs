//! Input parsed into types that are valid by construction: once a handler
//! holds a `Username`, `NewPassword` or `SafeNext`, it can trust it.

mod email;
mod link_problem;
mod login_method;
mod new_password;
mod next;
pub mod user_agent;
mod username;

pub use email::{EmailAddress, masked, normalize_email};
pub use link_problem::LinkProblem;
pub use login_method::LoginMethod;
pub use new_password::{MAX_PASSWORD_BYTES, NewPassword};
pub use next::SafeNext;
pub use username::{Username, normalize_username};
