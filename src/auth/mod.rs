//! Authentication: passwords, the sealed session state, the login guard
//! and the session cookie's policy.

pub mod credentials;
pub mod csrf;
pub mod expiry;
pub mod guard;
pub mod hash_threads;
pub mod login;
pub mod password_hasher;
pub mod session_checks;
pub mod session_cookie;
pub mod throttle;

pub use expiry::SessionTimeouts;
pub use guard::{require_login, require_login_api};
pub use login::CurrentUser;
pub use password_hasher::PasswordHasher;
