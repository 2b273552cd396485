//! Authentication: passwords, the sealed session state, the login guard
//! and the session cookie's policy.

pub mod cookie;
pub mod middleware;
pub mod password;
pub mod session;

pub use middleware::{require_login, require_login_api};
pub use password::Passwords;
pub use session::{CurrentUser, SessionPolicy};
