//! Flag groups and values several subcommands share ([`FilterArgs`], [`CredentialArgs`],
//! [`AccountArgs`], [`HttpArgs`], [`PaceArgs`], [`ProviderChoice`]), and [`Format`], which
//! `list` takes and the output writes. Each flag is documented once, here; a subcommand
//! flattens the group into its own arguments.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

/// Which provider(s) to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ProviderChoice {
    /// ASAPP (requires --external-id).
    Asapp,
    /// Autocalls.
    Autocalls,
    /// Every configured provider, concurrently.
    All,
}

/// How records are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// A table: fitted to the terminal (or to COLUMNS when set), long cells cut with …; into
    /// a file or a pipe, whole values.
    Table,
    /// One JSON array of normalized records.
    Json,
    /// One normalized record per line.
    Ndjson,
    /// A header row, then one row per record with participants flattened; cells that a
    /// spreadsheet would run as formulas (starting with = + - @, tab or CR, like every phone
    /// number) get a leading ' (see --csv-raw).
    Csv,
}

/// The filters `list` and `sync` share; each maps to one of the normalized query's filters.
#[derive(Debug, Clone, Args)]
pub(crate) struct FilterArgs {
    /// Only conversations with this external id (ASAPP externalId, Autocalls external_identifier).
    #[arg(long, value_name = "ID")]
    pub(crate) external_id: Option<String>,
    /// Only conversations of this type: test, widget, whatsapp or api (Autocalls).
    #[arg(long = "type", value_name = "T")]
    pub(crate) conversation_type: Option<String>,
    /// Only conversations of this assistant (Autocalls' numeric assistant id).
    #[arg(long, value_name = "N")]
    pub(crate) assistant_id: Option<u64>,
    /// Only conversations with this customer phone number (exact match, e.g. +14155559876).
    #[arg(long, value_name = "P")]
    pub(crate) customer_phone: Option<String>,
    /// Only conversations from this WhatsApp business number (exact match).
    #[arg(long, value_name = "P")]
    pub(crate) whatsapp_sender_phone: Option<String>,
    /// Only conversations created at or after WHEN: a date (2025-01-31, midnight UTC), a
    /// date-time (2025-01-31T12:00, 2025-01-31T12:00:00+02:00; UTC unless it says) or a
    /// duration back from now (30d, 12h). Autocalls lists newest first: the walk stops at the
    /// first record below WHEN (the order is checked; where it breaks the walk goes on to the
    /// end). Refused for providers whose records carry no creation time (ASAPP).
    #[arg(long, value_name = "WHEN")]
    pub(crate) since: Option<String>,
    /// Only conversations created before WHEN (exclusive); the forms of --since.
    #[arg(long, value_name = "WHEN")]
    pub(crate) until: Option<String>,
}

/// Credentials and endpoints; flags override the environment.
#[derive(Debug, Clone, Args)]
pub(crate) struct CredentialArgs {
    /// ASAPP API id.
    #[arg(long, env = "ASAPP_API_ID", hide_env_values = true, value_name = "ID")]
    pub(crate) asapp_api_id: Option<String>,
    /// ASAPP API secret (prefer the environment variable: flags show in process lists).
    #[arg(
        long,
        env = "ASAPP_API_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub(crate) asapp_api_secret: Option<String>,
    /// ASAPP base URL.
    #[arg(long, env = "ASAPP_BASE_URL", value_name = "URL")]
    pub(crate) asapp_base_url: Option<String>,
    /// Autocalls API key (prefer the environment variable: flags show in process lists).
    #[arg(
        long,
        env = "AUTOCALLS_API_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub(crate) autocalls_api_key: Option<String>,
    /// Autocalls base URL.
    #[arg(long, env = "AUTOCALLS_BASE_URL", value_name = "URL")]
    pub(crate) autocalls_base_url: Option<String>,
}

/// `--account NAME` (repeatable) and the config file that names the accounts.
#[derive(Debug, Clone, Args)]
pub(crate) struct AccountArgs {
    /// Use this account of the config file (repeatable: several accounts, even of one
    /// provider, at once). Listed records say which account (a field in JSON, a column in
    /// CSV and tables), as do errors; a sync files each account's rows and stream under its
    /// name. Without it, the provider(s) of --provider from the environment.
    #[arg(long = "account", value_name = "NAME", conflicts_with_all = ["provider", "sandbox"])]
    pub(crate) accounts: Vec<String>,
    #[command(flatten)]
    pub(crate) file: ConfigArgs,
}

/// `--config PATH`: the accounts config file, for the commands that read accounts.
#[derive(Debug, Clone, Args)]
pub(crate) struct ConfigArgs {
    /// The accounts config file (see `conversations accounts`).
    #[arg(long, env = "CONVERSATIONS_CONFIG", value_name = "PATH", value_parser = config_path)]
    pub(crate) config: Option<PathBuf>,
}

/// How long a request may take and how much of an answer is read.
#[derive(Debug, Clone, Args)]
pub(crate) struct HttpArgs {
    /// Give up on one attempt of a request after this long (e.g. 10s, 2m); an attempt that
    /// timed out is retried like any transport failure.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = humantime::parse_duration)]
    pub(crate) timeout: Duration,
    /// Refuse a response body larger than this (e.g. 64MiB, 1GB, or bytes): memory stays
    /// bounded whatever a server sends. A larger body is an error, not retried.
    #[arg(long, value_name = "SIZE", default_value = "32MiB", value_parser = parse_size)]
    pub(crate) max_body_size: u64,
}

/// How hard a run may press a provider: lookups in flight and requests per second.
#[derive(Debug, Clone, Args)]
pub(crate) struct PaceArgs {
    /// Lookups in flight at once per provider, with --external-ids-from (default 32).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub(crate) concurrency: Option<u32>,
    /// Requests per second per provider (default: each provider's documented limit, 100 for
    /// ASAPP; 429s slow a provider down further on their own).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) rate: Option<u32>,
}

/// A config file's path; an empty one (`CONVERSATIONS_CONFIG=`) is taken, and counts as not
/// set (clap's own path parser refuses it, failing every command).
pub(crate) fn config_path(text: &str) -> Result<PathBuf, std::convert::Infallible> {
    Ok(PathBuf::from(text))
}

/// A size such as `32MiB`, `1 GB` or `1048576` (bytes), read by the `bytesize` crate.
fn parse_size(text: &str) -> Result<u64, String> {
    let size: bytesize::ByteSize = text.trim().parse()?;
    if size.as_u64() == 0 {
        return Err("the size must be more than 0 bytes".to_owned());
    }
    Ok(size.as_u64())
}
