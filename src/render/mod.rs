//! Answers: the answer format ([`Format`], one rule per request), the pages
//! ([`Pages`]), and the one renderer of every error answer ([`render_errors`]).

pub mod error_responses;
pub mod errors;
pub mod format;
pub mod pages;
pub mod responses;

pub use errors::render_errors;
pub use format::Format;
pub use pages::{PageUser, Pages};
pub use responses::{json, see_other, text};
