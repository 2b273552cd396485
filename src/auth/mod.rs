//! Authentication: passwords, the sealed login, the login guard and the
//! session cookie's upkeep.

pub mod authenticator;
pub mod bcrypt_in_turns;
pub mod credentials;
pub mod csrf;
pub mod expiry;
pub mod guard;
pub mod hash_threads;
pub mod login;
pub mod lookup_batches;
pub mod passkeys;
pub mod password_hasher;
pub mod recent;
pub mod recovery_codes;
pub mod session_checks;
pub mod session_cookie;
pub mod session_records;
pub mod throttle;
pub mod tokens;
pub mod totp;
pub mod two_step;

pub use authenticator::Authenticator;
pub use expiry::SessionTimeouts;
pub use guard::require_login;
pub use login::CurrentUser;
pub use password_hasher::PasswordHasher;
