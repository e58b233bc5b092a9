//! The `conversations` command as a library: list the conversations your business holds with
//! ASAPP and Autocalls, through one normalized model. Built only on the public APIs of
//! `conversations-core`, `conversations-transport`, `asapp-gen`, `autocalls-api`,
//! `conversations-sync` and `conversations-sandbox`.
//!
//! `src/main.rs` only calls [`main`]; a binary that is one subcommand under a name of its own
//! calls [`main_as`]. Inside:
//!
//! - [`cli`]: the top-level parser and [`cli::command`], the whole command line (the man
//!   pages are rendered from it); `commands`: one module per subcommand, its arguments and
//!   its `run`; `args`: flag groups several subcommands share.
//! - `config`: the accounts config file, by job (the file, the accounts, their secrets);
//!   `providers`: the one place sources are built, from flags, the environment, accounts or
//!   the sandbox.
//! - `output` (formats, `--output`), `lookups` (`list --external-ids-from`), `progress`,
//!   `offspec`; `ending` (signals, closed pipes, exit codes from `exit`), `logging`.
//!
//! Without the default `run` feature only [`cli`] is built, from clap alone.

mod args;
pub mod cli;
mod commands;

#[cfg(feature = "run")]
mod config;
#[cfg(feature = "run")]
mod connectors;
#[cfg(feature = "run")]
mod ending;
#[cfg(feature = "run")]
mod exit;
#[cfg(feature = "run")]
mod filters;
#[cfg(feature = "run")]
mod logging;
#[cfg(feature = "run")]
mod lookups;
#[cfg(feature = "run")]
mod offspec;
#[cfg(feature = "run")]
mod output;
#[cfg(feature = "run")]
mod progress;
#[cfg(feature = "run")]
mod providers;

#[cfg(feature = "run")]
use std::ffi::OsString;
#[cfg(feature = "run")]
use std::process::ExitCode;

#[cfg(feature = "run")]
use clap::Parser;

#[cfg(feature = "run")]
use crate::cli::{Cli, Command};

/// Runs `conversations` with this process's arguments; what `src/main.rs` calls.
///
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     conversations_cli::main()
/// }
/// ```
#[cfg(feature = "run")]
pub fn main() -> ExitCode {
    start(Cli::parse)
}

/// Runs one subcommand as a program of its own: `main_as("tap")` in a binary
/// `tap-conversations` runs `conversations tap` with this process's arguments (its help and
/// usage errors show it as `conversations tap`). A binary in `src/bin/` is then one line.
///
/// ```no_run
/// // src/bin/conversations-schema.rs
/// fn main() -> std::process::ExitCode {
///     conversations_cli::main_as("schema")
/// }
/// ```
#[cfg(feature = "run")]
pub fn main_as(subcommand: &str) -> ExitCode {
    start(|| {
        Cli::parse_from(
            [OsString::from("conversations"), OsString::from(subcommand)]
                .into_iter()
                .chain(std::env::args_os().skip(1)),
        )
    })
}

/// Everything a run of any subcommand goes through: signals watched from the start, the
/// command line parsed (`parse`), logs set up, one runtime, and the ending of [`ending::run`].
#[cfg(feature = "run")]
fn start(parse: impl FnOnce() -> Cli) -> ExitCode {
    // First: from here on SIGINT, SIGTERM and SIGHUP end every command the same way.
    if let Err(e) = ending::watch_signals() {
        ending::note(&format!("error: could not watch for signals: {e}"));
        return ExitCode::from(exit::FAILURE);
    }
    ending::run(|| {
        let cli = parse();
        logging::init(cli.verbose, cli.log_format);
        // One thread: a listing is I/O then output, and handing each page between threads
        // costs more CPU (wake-ups, context switches) than it saves; the next page is still
        // prefetched.
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                ending::note(&format!("error: could not start the async runtime: {e}"));
                return ExitCode::from(exit::FAILURE);
            }
        };
        runtime.block_on(dispatch(cli.command))
    })
}

/// Runs the subcommand the command line names.
#[cfg(feature = "run")]
async fn dispatch(command: Command) -> ExitCode {
    use crate::commands::{accounts, check, completions, list, sandbox, schema, sync};
    match command {
        Command::List(args) => list::run(args).await,
        Command::Schema => schema::run(),
        Command::Sync(args) => sync::run(args).await,
        Command::Sandbox(command) => sandbox::run(command).await,
        Command::Completions(args) => completions::run(&args, cli::command()),
        Command::Accounts(args) => accounts::run(&args),
        Command::Check(args) => check::run(&args).await,
        Command::Tap(args) => crate::commands::tap::run(args).await,
        Command::Airbyte(command) => crate::commands::airbyte::run(command).await,
        Command::Report(args) => crate::commands::report::run(args).await,
    }
}
