//! `session-auth users …`, the operator's commands over accounts: `report`
//! reads (list, show), `changes` writes (lock, unlock, reset-password,
//! end-sessions, delete), each change in one transaction.

mod changes;
mod json;
mod report;

use anyhow::Context as _;
use chrono::NaiveDateTime;
use clap::{Args, Subcommand};
use diesel::Connection as _;
use diesel::QueryResult;
use serde::Serialize;

use crate::config::Settings;
use crate::db::accounts::{self, Account};
use crate::db::{self, AnyConnection};
use crate::domain::Username;
use crate::startup::DB_CONNECTION_TIMEOUT;

/// The exit status when NAME matches no account.
pub const NO_ACCOUNT_STATUS: u8 = 3;

/// The long help of `users`.
pub const USERS_HELP: &str = "\
Operator commands for accounts: list and inspect them, lock and unlock them, \
reset a password, end sessions, delete an account.

NAME is a username in any case (Alice and alice are one account). Times are UTC.

A running server checks sessions against the database at least once a \
second, so what these commands end takes effect there within a second.

Exit status:
  0  done, also when there was nothing to do (locking a locked account)
  1  the database failed, or the input was refused; nothing was half-written
  2  bad usage or bad settings
  3  no account named NAME";

/// `users`: the options every subcommand takes, and the subcommand.
#[derive(Debug, Args)]
pub struct UsersArgs {
    /// Print one JSON document on standard output instead of text
    /// (timestamps in RFC 3339, UTC).
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: UsersCommand,
}

/// The subcommands of `users`.
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// List the accounts by id, a page at a time, with their state
    /// (active, locked, locked_out), two-factor, passkeys and active sessions.
    List {
        /// Which page, from 1 (a page past the end is empty, not an error).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
        page: u32,
        /// Accounts per page (1–1000).
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1000))]
        per_page: u32,
    },
    /// Show one account: its facts, its active sessions and its 20 most
    /// recent security events.
    Show {
        /// The username (any case).
        name: String,
    },
    /// Lock the account: every login is refused until it is unlocked, and
    /// every session ends (on a running server within a second).
    Lock {
        /// The username (any case).
        name: String,
    },
    /// Unlock the account, and clear a lock-out after failed logins.
    Unlock {
        /// The username (any case).
        name: String,
    },
    /// Print a one-time password-reset link (works without a verified
    /// email; expires after PASSWORD_RESET_TTL), or with --password-stdin
    /// set the password, which ends every session.
    ResetPassword {
        /// The username (any case).
        name: String,
        /// Read the new password from standard input (one line) and set it,
        /// instead of printing a link.
        #[arg(long)]
        password_stdin: bool,
    },
    /// End every session of the account (on a running server within a
    /// second); the password stays.
    EndSessions {
        /// The username (any case).
        name: String,
    },
    /// Delete the account with its sessions, passkeys, links and history.
    /// There is no confirmation and no undo.
    Delete {
        /// The username (any case).
        name: String,
    },
}

/// NAME matched no account (status [`NO_ACCOUNT_STATUS`]).
#[derive(Debug, thiserror::Error)]
#[error("no account named {0:?}")]
pub struct NoAccount(pub String);

/// What a command did: a line or a table for people, a document for `--json`.
struct Outcome {
    text: String,
    /// Rendered from a struct, so its fields keep their order.
    json: String,
}

impl Outcome {
    /// `text`, and `json` as its document.
    fn new(text: String, json: &impl Serialize) -> anyhow::Result<Self> {
        let json = serde_json::to_string_pretty(json).context("writing the JSON document")?;
        Ok(Self { text, json })
    }

    /// A change's outcome: `{"username": …, "result": …}` and the fields of `more`.
    fn change(
        username: &str,
        result: &str,
        more: serde_json::Value,
        text: String,
    ) -> anyhow::Result<Self> {
        #[derive(Serialize)]
        struct Change<'a> {
            username: &'a str,
            result: &'a str,
            #[serde(flatten)]
            more: serde_json::Value,
        }
        Self::new(
            text,
            &Change {
                username,
                result,
                more,
            },
        )
    }
}

/// Runs `users …`; a [`NoAccount`] error means status 3.
pub fn run(settings: &Settings, args: UsersArgs) -> anyhow::Result<()> {
    let outcome = match args.command {
        UsersCommand::List { page, per_page } => {
            with_connection(settings, |c| report::list(c, page, per_page))?
        }
        UsersCommand::Show { name } => with_connection(settings, |c| report::show(c, &name))?,
        UsersCommand::Lock { name } => with_connection(settings, |c| changes::lock(c, &name))?,
        UsersCommand::Unlock { name } => with_connection(settings, |c| changes::unlock(c, &name))?,
        UsersCommand::ResetPassword {
            name,
            password_stdin: false,
        } => with_connection(settings, |c| changes::reset_link(c, settings, &name))?,
        UsersCommand::ResetPassword {
            name,
            password_stdin: true,
        } => with_connection(settings, |c| changes::set_password(c, settings, &name))?,
        UsersCommand::EndSessions { name } => {
            with_connection(settings, |c| changes::end_sessions(c, &name))?
        }
        UsersCommand::Delete { name } => with_connection(settings, |c| changes::delete(c, &name))?,
    };
    if args.json {
        println!("{}", outcome.json);
    } else {
        print!("{}", outcome.text);
        if !outcome.text.ends_with('\n') {
            println!();
        }
    }
    Ok(())
}

/// Connects (and migrates, like every command) and runs `work`.
fn with_connection<T>(
    settings: &Settings,
    work: impl FnOnce(&mut AnyConnection) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let pool = db::connect_and_migrate(&settings.database_url, 1, DB_CONNECTION_TIMEOUT)?;
    let mut conn = pool.get().context("connecting to the database")?;
    work(&mut conn)
}

/// Now, in UTC as stored.
fn now() -> NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

/// The key NAME is looked up by; a name no account could have is no account.
fn lookup_key(name: &str) -> Result<String, NoAccount> {
    Username::parse(name)
        .map(|u| u.normalized())
        .map_err(|_| NoAccount(name.to_owned()))
}

/// The account named `name` now.
fn find(conn: &mut AnyConnection, name: &str) -> anyhow::Result<Account> {
    let key = lookup_key(name)?;
    accounts::find(conn, &key, now())
        .context("reading the account")?
        .ok_or_else(|| NoAccount(name.to_owned()).into())
}

/// Runs `work` on the account named `name` in one transaction (the account
/// read in it too): all of it is written, or nothing.
fn change<T>(
    conn: &mut AnyConnection,
    name: &str,
    work: impl FnOnce(&mut AnyConnection, &Account) -> QueryResult<T>,
) -> anyhow::Result<T> {
    let key = lookup_key(name)?;
    let done = conn
        .transaction(|c| match accounts::find(c, &key, now())? {
            Some(account) => work(c, &account).map(Some),
            None => Ok(None),
        })
        .context("changing the account")?;
    done.ok_or_else(|| NoAccount(name.to_owned()).into())
}
