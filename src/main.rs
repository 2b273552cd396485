//! `session-auth`: `.env` → command line → settings → run. Any error is one
//! line on stderr and a non-zero exit status, never a panic trace.

use std::process::ExitCode;

use clap::Parser as _;
use session_auth::cli::{self, Cli};

#[expect(clippy::print_stderr, reason = "an error before the logger starts")]
fn main() -> ExitCode {
    // Variables already in the environment win over `.env`.
    if let Err(e) = dotenvy::dotenv()
        && !e.not_found()
    {
        eprintln!("error: reading .env: {e}");
        return ExitCode::from(2);
    }
    let cli = Cli::parse();
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    cli::run(cli)
}
