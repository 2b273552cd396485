//! The browser harness: the app on a random port with a fresh SQLite
//! database, a chromedriver of its own, and headless Chromium driven through
//! fantoccini.
//!
//! - `browser`: the app and the WebDriver session a test drives ([`Browser`];
//!   [`Browser::second_on`] opens another, with its own profile, on the same app).
//! - `stories`: what a person does there (register, log in, log out).
//! - `chromedriver`: finding chromedriver and owning its processes.
//! - `webauthn`: chromedriver's virtual authenticator, for passkeys.
//! - `other_site`: a second server on another port, for cross-origin pages
//!   ([`OtherSite`]).
//!
//! Browser tests run when `CHROMEDRIVER` names a chromedriver binary (the
//! Chromium binary is `/usr/bin/chromium`, or `CHROMIUM` when set). Without
//! it each test notes that it was skipped and passes, except under `CI=true`,
//! where a missing `CHROMEDRIVER` is a failure.

use std::time::Duration;

mod browser;
mod chromedriver;
mod other_site;
mod stories;
mod webauthn;

pub use browser::Browser;
pub use other_site::OtherSite;

/// How long to wait for a page, an element or chromedriver before failing.
const TIMEOUT: Duration = Duration::from_secs(15);
