//! The command line: `serve` (default), `migrate`, `create-user`,
//! `generate-secret`, `healthcheck`, and the operator's `users …` (`users`).
#![expect(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the command line answers on the terminal; the server logs through `log`"
)]

use std::io::{BufRead as _, IsTerminal as _, Read as _, Write as _};
use std::net::{TcpStream, ToSocketAddrs as _};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};

use crate::auth::tokens::verification_link;
use crate::config::{SecretKey, Settings};
use crate::db;
use crate::db::security_events::{Event, Kind};
use crate::domain::{EmailAddress, NewPassword, Username};
use crate::error::AppError;
use crate::i18n;
use crate::mail::{Letter, Mailer};
use crate::metrics::Metrics;
use crate::startup::{Application, DB_CONNECTION_TIMEOUT};
use diesel::Connection as _;

mod table;
pub mod users;

/// Session-based login with Actix-web: encrypted cookie sessions, Diesel on
/// PostgreSQL or SQLite. Settings come from the environment and `.env`.
#[derive(Debug, Parser)]
#[command(name = "session-auth", version, about)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations, then serve HTTP (the default).
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Create an account; asks for the password twice unless --password-stdin.
    CreateUser {
        /// 3–32 characters from A-Z a-z 0-9 . _ -
        username: String,
        /// Read the password from standard input (one line) instead of asking.
        #[arg(long)]
        password_stdin: bool,
        /// An email address for the account; a link to verify it is mailed
        /// (MAIL_TRANSPORT) before it is used.
        #[arg(long)]
        email: Option<String>,
    },
    /// Print a new random value for SECRET_KEY.
    GenerateSecret,
    /// Exit 0 when GET /healthz on HOST:PORT answers 200 (for container health checks).
    Healthcheck,
    /// Operator commands for accounts: list, show, lock, unlock,
    /// reset-password, end-sessions, delete.
    #[command(long_about = users::USERS_HELP)]
    Users(users::UsersArgs),
}

/// Runs the command; errors become one line on stderr and a non-zero status
/// (2 for bad settings, 3 for a `users` NAME that matches no account, 1 for
/// anything else).
pub fn run(cli: Cli) -> ExitCode {
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::GenerateSecret = command {
        println!("{}", SecretKey::generate_base64());
        return ExitCode::SUCCESS;
    }
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match command {
        Command::Serve => serve(settings),
        Command::Migrate => migrate(&settings),
        Command::CreateUser {
            username,
            password_stdin,
            email,
        } => create_user(&settings, &username, password_stdin, email.as_deref()),
        Command::Healthcheck => healthcheck(&settings),
        Command::Users(args) => users::run(&settings, args),
        Command::GenerateSecret => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.is::<users::NoAccount>() {
                ExitCode::from(users::NO_ACCOUNT_STATUS)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

fn serve(settings: Settings) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings).await?;
        app.run_until_stopped().await.context("serving")
    })
}

fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let pool = db::pool(&settings.database_url, 1, DB_CONNECTION_TIMEOUT)?;
    let mut conn = pool.get().with_context(|| {
        format!(
            "connecting to the {} database",
            settings.database_url.backend()
        )
    })?;
    let applied = db::run_migrations(&mut conn)?;
    if applied.is_empty() {
        println!("database is up to date");
    }
    for version in applied {
        println!("applied {version}");
    }
    Ok(())
}

fn create_user(
    settings: &Settings,
    raw_name: &str,
    password_stdin: bool,
    email: Option<&str>,
) -> anyhow::Result<()> {
    let username =
        Username::parse(raw_name).map_err(|p| anyhow::anyhow!("{}", i18n::english(&p)))?;
    let email = email
        .map(EmailAddress::parse)
        .transpose()
        .map_err(|problem| anyhow::anyhow!("{problem}"))?;
    let password = read_new_password(password_stdin)?;
    let password = NewPassword::parse(&password, username.as_str())
        .map_err(|p| anyhow::anyhow!("{}", i18n::english(&p)))?;

    let pool = db::connect_and_migrate(&settings.database_url, 1, DB_CONNECTION_TIMEOUT)?;
    let mut conn = pool.get().context("connecting to the database")?;
    let hash =
        bcrypt::hash(password.expose(), settings.bcrypt_cost).context("hashing the password")?;
    let normalized = email.as_ref().map(EmailAddress::normalized);
    let new_user = db::users::NewUser {
        username: username.as_str(),
        username_normalized: &username.normalized(),
        password_hash: &hash,
        created_at: chrono::Utc::now().naive_utc(),
        email: email.as_ref().map(EmailAddress::as_str),
        email_normalized: normalized.as_deref(),
    };
    let created = conn.transaction(|conn| {
        let user = db::users::insert(conn, &new_user)?;
        let created = Event::new(Kind::AccountCreated, None).detail("by an operator");
        db::security_events::record(conn, user.id, new_user.created_at, created)?;
        let link = match &normalized {
            Some(n) => Some(verification_link(conn, &settings.public_url, user.id, n)?),
            None => None,
        };
        Ok((user, link))
    });
    let (user, link) = match created {
        Err(e) if db::is_unique_violation_of(&e, "email") => {
            bail!("that email address belongs to another account")
        }
        Err(e) => match db::unique_violation_as(e, AppError::UsernameTaken) {
            AppError::UsernameTaken => bail!("username {:?} is already taken", username.as_str()),
            other => return Err(anyhow::anyhow!("creating the user: {}", other.log_chain())),
        },
        Ok(created) => created,
    };
    println!("created user {} (id {})", user.username, user.id);
    if let (Some(address), Some(link)) = (email, link) {
        let letter = Letter::VerifyEmail { link };
        if send_now(settings, address.as_str(), &user.username, letter)? {
            println!("sent a link to verify {address}");
        } else {
            eprintln!(
                "warning: the link to verify {address} could not be sent (see the log); \
                 the user can send it again from the account page"
            );
        }
    }
    Ok(())
}

/// Sends one message through `MAIL_TRANSPORT` and waits for it (retries
/// included, 60 s at most); whether it was handed over.
pub(crate) fn send_now(
    settings: &Settings,
    to: &str,
    username: &str,
    letter: Letter,
) -> anyhow::Result<bool> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the mail runtime")?;
    runtime.block_on(async {
        let (mailer, outbox) = Mailer::start(settings, Metrics::off())?;
        mailer.send(to, username, letter);
        let undelivered = outbox
            .finish(Duration::from_secs(60), std::future::pending())
            .await;
        anyhow::Ok(undelivered == 0)
    })
}

/// Reads the password: one line from stdin with `--password-stdin`, else
/// asked twice on the terminal (not echoed), or two lines when stdin is not one.
fn read_new_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        let mut input = String::new();
        std::io::stdin()
            .read_to_string(&mut input)
            .context("reading the password from stdin")?;
        let line = input.lines().next().unwrap_or_default();
        return Ok(line.to_owned());
    }
    let (first, second) = if std::io::stdin().is_terminal() {
        (
            rpassword::prompt_password("Password: ").context("reading the password")?,
            rpassword::prompt_password("Repeat password: ").context("reading the password")?,
        )
    } else {
        let mut lines = std::io::stdin().lock().lines();
        let mut next_line = || -> anyhow::Result<String> {
            lines
                .next()
                .context("expected the password twice on stdin (or use --password-stdin)")?
                .context("reading stdin")
        };
        (next_line()?, next_line()?)
    };
    if first != second {
        bail!("the two passwords do not match");
    }
    Ok(first)
}

fn healthcheck(settings: &Settings) -> anyhow::Result<()> {
    // A server listening on every address is reached on loopback.
    let host = match settings.host.as_str() {
        "0.0.0.0" | "" => "127.0.0.1",
        "::" | "[::]" => "::1",
        other => other,
    };
    let timeout = Duration::from_secs(3);
    let addr = (host, settings.port)
        .to_socket_addrs()
        .with_context(|| format!("resolving {host}"))?
        .next()
        .with_context(|| format!("no address for {host}"))?;
    let mut stream = TcpStream::connect_timeout(&addr, timeout)
        .with_context(|| format!("connecting to {addr}"))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(
        stream,
        "GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )?;
    let mut status_line = String::new();
    std::io::BufReader::new(stream)
        .read_line(&mut status_line)
        .context("reading the answer")?;
    if status_line.split_whitespace().nth(1) == Some("200") {
        println!("healthy");
        Ok(())
    } else {
        bail!("GET /healthz on {addr} answered {:?}", status_line.trim())
    }
}
