//! Authentication: passwords, the sealed session state, the login guard
//! and the session cookie's policy.

pub mod cache;
pub mod cookie;
pub mod credentials;
pub mod csrf;
pub mod expiry;
pub mod hashing;
pub mod middleware;
pub mod password;
pub mod session;
pub mod throttle;

pub use expiry::SessionPolicy;
pub use middleware::{require_login, require_login_api};
pub use password::Passwords;
pub use session::CurrentUser;
