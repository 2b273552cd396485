//! `session-auth`: `.env` → command line → settings → run. Any error is one
//! line on stderr and a non-zero exit status, never a panic trace.

use std::process::ExitCode;

use clap::Parser as _;
use session_auth::cli::{self, Cli};
use session_auth::logging::{self, LogFormat};

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
    let format = std::env::var("LOG_FORMAT").map_or(Ok(LogFormat::Text), |v| LogFormat::parse(&v));
    match format {
        Ok(format) => logging::init(format),
        Err(problem) => {
            eprintln!("error: LOG_FORMAT: {problem}");
            return ExitCode::from(2);
        }
    }
    cli::run(cli)
}
