//! `AppState`: what the handlers share, built once at start. Middleware
//! never reads it: each gets only its own piece, captured in `startup`, and
//! no module that this one imports imports it back.

use std::sync::Arc;

use crate::auth::passkeys::Passkeys;
use crate::auth::throttle::Throttle;
use crate::auth::{Authenticator, PasswordHasher};
use crate::config::Settings;
use crate::cookies::SealedCookie;
use crate::db::Database;
use crate::mail::Mailer;
use crate::metrics::Metrics;
use crate::render::Pages;

/// Shared handler state (one per server, reached by each worker through an `Arc`).
pub struct AppState {
    /// Units of database work.
    pub db: Database,
    /// The settings the app was started with.
    pub settings: Settings,
    /// Templates and flash notices (shared with the error renderer).
    pub pages: Arc<Pages>,
    /// bcrypt at the configured cost.
    pub hasher: PasswordHasher,
    /// Checks, re-issues and ends logins (shared with the guard).
    pub auth: Authenticator,
    /// Attempts per client address.
    pub throttle: Throttle,
    /// Composes and queues mail.
    pub mailer: Mailer,
    /// Carries a reset link's token from the address bar to the reset form.
    pub reset_cookie: SealedCookie,
    /// The passkeys' relying party (`None` when `PUBLIC_URL`'s host is an IP
    /// address and `WEBAUTHN_RP_ID` is unset: passkeys are then off).
    pub passkeys: Option<Passkeys>,
    /// Logins, lock-outs and mail counted for `METRICS_ADDR` (off: nothing).
    pub metrics: Metrics,
}
