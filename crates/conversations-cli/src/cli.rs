//! The command line: the top-level parser (`Cli`: the global flags and the subcommand) and
//! [`command`], the whole definition as a `clap::Command`.
//!
//! Each subcommand's own flags live with its code in `commands/`; flag groups several
//! subcommands share live in `args.rs`. Doc comments on those definitions are the one
//! source of `--help`, the shell completions and the man pages (`cargo xtask codegen` renders
//! these from [`command`]). All of it builds from clap alone, without the crate's `run`
//! feature.

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use crate::commands::accounts::{ACCOUNTS_HELP, AccountsArgs};
use crate::commands::airbyte::AirbyteCommand;
use crate::commands::check::CheckArgs;
use crate::commands::completions::CompletionsArgs;
use crate::commands::list::ListArgs;
use crate::commands::report::ReportArgs;
use crate::commands::sandbox::SandboxCommand;
use crate::commands::sync::SyncArgs;
use crate::commands::tap::TapArgs;

/// List the conversations your business holds with ASAPP and Autocalls, through one
/// normalized model.
#[derive(Debug, Parser)]
#[command(name = "conversations", version, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
    /// Log requests on stderr: -v for each request (provider, source, attempt, status,
    /// request id, latency, bytes), -vv for more. `RUST_LOG` overrides. Never secrets,
    /// phone numbers or query values.
    // Placed where they were with seven subcommands (clap numbers subcommands and arguments
    // with one counter, and each subcommand's help lists these among its own flags by it).
    #[arg(short, long, action = clap::ArgAction::Count, global = true, display_order = 7)]
    pub(crate) verbose: u8,
    /// Log line format.
    #[arg(
        long,
        value_enum,
        default_value = "text",
        global = true,
        display_order = 8
    )]
    pub(crate) log_format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The subcommands, one per file of [`crate::commands`]; `lib.rs` runs the one given.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List conversations from one provider or all configured providers.
    List(ListArgs),
    /// Print the JSON Schema of the normalized conversation record.
    Schema,
    /// Sync conversations into SQLite or PostgreSQL: incremental, resumable, exactly once.
    Sync(SyncArgs),
    /// Run the built-in sandbox that behaves like both providers' APIs.
    #[command(subcommand)]
    Sandbox(SandboxCommand),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) on stdout.
    ///
    /// For example `conversations completions bash >
    /// ~/.local/share/bash-completion/completions/conversations`; see the README for each
    /// shell.
    Completions(CompletionsArgs),
    /// List the accounts in the config file and those the environment variables set: name,
    /// provider, base URL, and where each one's secret comes from (never the secret).
    #[command(after_long_help = ACCOUNTS_HELP)]
    Accounts(AccountsArgs),
    /// Send one minimal request per configured account: reachable or not, authenticated or
    /// not, latency and the provider's request id.
    Check(CheckArgs),
    /// A Singer tap: SCHEMA, RECORD and STATE messages on stdout, by the engine of `sync`
    /// (also installed as `tap-conversations`).
    Tap(TapArgs),
    /// An Airbyte source: spec, check, discover and read, in the Airbyte protocol on stdout
    /// (also installed as `source-conversations`).
    #[command(subcommand)]
    Airbyte(AirbyteCommand),
    /// Cost, volume and data-quality views of a synced database: a table, CSV, JSON, a chart
    /// (SVG, PNG) or one HTML page with every view's chart and table.
    Report(ReportArgs),
}

/// The whole command line of `conversations`, as `--help`, the completions and the man pages
/// show it.
///
/// ```
/// let command = conversations_cli::cli::command();
/// assert_eq!(command.get_name(), "conversations");
/// assert!(command.find_subcommand("list").is_some());
/// assert!(command.find_subcommand("sandbox").and_then(|s| s.find_subcommand("serve")).is_some());
/// ```
pub fn command() -> clap::Command {
    Cli::command()
}
