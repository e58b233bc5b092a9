//! Command-line arguments (clap derive).
//!
//! `cargo xtask codegen` includes this file too (`#[path]`) to render the man pages in
//! `crates/conversations-cli/man/` from the very same definitions, so it must stay
//! self-contained: std, clap and clap_complete only, nothing from the rest of the binary.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub(crate) verbose: u8,
    /// Log line format.
    #[arg(long, value_enum, default_value = "text", global = true)]
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
    /// Cost, volume and data-quality views of a synced database: a table, CSV, JSON, a chart
    /// (SVG, PNG) or one HTML page with every view's chart and table.
    Report(ReportArgs),
}

/// The config file's shape, under `conversations accounts --help`.
const ACCOUNTS_HELP: &str = "\
The config file (TOML) names accounts; it never holds a secret, only where to find it:

  [accounts.acme-autocalls]
  provider = \"autocalls\"
  base_url = \"https://app.autocalls.ai/api\"  # optional
  # The key is in this environment variable...
  api_key_env = \"ACME_AUTOCALLS_KEY\"
  # ...or is what this command prints:
  # api_key_command = [\"pass\", \"show\", \"autocalls/acme\"]

  [accounts.main-asapp]
  provider = \"asapp\"
  api_id = \"my-api-id\"                 # not a secret
  api_secret_env = \"ASAPP_API_SECRET\"  # or api_secret_command

Without a file, ASAPP_API_ID + ASAPP_API_SECRET and AUTOCALLS_API_KEY make the accounts
`asapp` and `autocalls`, listed as `asapp (env)` and `autocalls (env)`.";

#[derive(Debug, Args)]
pub(crate) struct AccountsArgs {
    /// The accounts config file [default: conversations/config.toml in your config directory,
    /// e.g. ~/.config/conversations/config.toml on Linux, ~/Library/Application
    /// Support/conversations/config.toml on macOS, %APPDATA%\conversations\config.toml on
    /// Windows].
    #[arg(long, env = "CONVERSATIONS_CONFIG", value_name = "PATH", value_parser = config_path)]
    pub(crate) config: Option<PathBuf>,
    /// Also read each account's secret (running its command, if it has one) and build its
    /// client, without sending any request; report what fails.
    #[arg(long)]
    pub(crate) check: bool,
    /// Only these accounts.
    #[arg(value_name = "NAME")]
    pub(crate) names: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The accounts config file (see `conversations accounts`).
    #[arg(long, env = "CONVERSATIONS_CONFIG", value_name = "PATH", value_parser = config_path)]
    pub(crate) config: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) http: HttpArgs,
    /// Only these accounts (default: every configured one).
    #[arg(value_name = "NAME")]
    pub(crate) names: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
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

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Provider to list.
    #[arg(long, value_enum, required_unless_present = "accounts")]
    pub(crate) provider: Option<ProviderChoice>,
    #[command(flatten)]
    pub(crate) filters: FilterArgs,
    /// Look up every id of FILE (one per line; `-` reads stdin; blank lines and surrounding
    /// spaces ignored), many at once, instead of one --external-id. Each JSON record says
    /// which id it answers (`asked_id`). Exit 0 only when every id was answered.
    #[arg(long, value_name = "FILE", conflicts_with = "external_id")]
    pub(crate) external_ids_from: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) pace: PaceArgs,
    #[command(flatten)]
    pub(crate) http: HttpArgs,
    /// Write the ids that could not be looked up to FILE, one per line, for a rerun.
    #[arg(long, value_name = "FILE", requires = "external_ids_from")]
    pub(crate) failed_ids: Option<PathBuf>,
    /// Records per request, for providers that page (Autocalls: 1-100).
    #[arg(long, value_name = "N")]
    pub(crate) page_size: Option<u32>,
    /// Stop after this many records in all.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) limit: Option<u64>,
    /// Output format. In csv, cells starting with = + - @ (or a tab or CR), like every phone
    /// number, get a leading ' so that spreadsheets show them instead of running them as
    /// formulas (OWASP's CSV-injection advice); --csv-raw turns that off.
    #[arg(long, value_enum, default_value = "table")]
    pub(crate) format: Format,
    /// Write to FILE instead of stdout (`-` is stdout): a regular or new file through a
    /// temporary file beside it, renamed into place only when the whole listing succeeded (an
    /// interrupted or failed run leaves FILE as it was); a device, FIFO or socket directly; a
    /// symlink's target. A directory is refused before any request.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Refuse records off their documented types: the first field a provider sent off its
    /// documented type ends the listing with an error naming the provider, record and field.
    /// Without it such records are listed, each with its "notes", and a summary per provider
    /// goes to stderr.
    #[arg(long)]
    pub(crate) strict: bool,
    #[command(flatten)]
    pub(crate) accounts: AccountArgs,
    /// With --format csv, write cells exactly as received, even those a spreadsheet would run
    /// as formulas.
    #[arg(long)]
    pub(crate) csv_raw: bool,
    /// Ignore the environment and list from a built-in sandbox with demo data.
    #[arg(long)]
    pub(crate) sandbox: bool,
    #[command(flatten)]
    pub(crate) credentials: CredentialArgs,
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

#[derive(Debug, Subcommand)]
pub(crate) enum SandboxCommand {
    /// Serve the sandbox on 127.0.0.1 until interrupted.
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    pub(crate) port: u16,
    /// Number of conversations to generate across both providers.
    #[arg(long, value_name = "N")]
    pub(crate) size: Option<usize>,
    /// Seed for the generated data.
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// Faults to inject, e.g. `autocalls:429*2` (repeatable; see the sandbox README).
    #[arg(long = "fault", value_name = "SPEC")]
    pub(crate) faults: Vec<String>,
    /// Latency before each answer of a provider, e.g. `asapp:50ms` (repeatable).
    #[arg(long = "latency", value_name = "PROVIDER:DURATION")]
    pub(crate) latency: Vec<String>,
    /// A real rate limit for a provider in requests per second, e.g. `asapp:100` (repeatable;
    /// beyond it, 429 with Retry-After).
    #[arg(long = "rate-limit", value_name = "PROVIDER:N")]
    pub(crate) rate_limits: Vec<String>,
    /// Write the base URLs and credentials as JSON to this file once listening.
    #[arg(long, value_name = "FILE", hide = true)]
    pub(crate) ready_file: Option<PathBuf>,
}

/// `conversations sync`: see `sync_cmd`.
#[derive(Debug, Args)]
pub(crate) struct SyncArgs {
    /// Provider to sync (required unless --status or --account).
    #[arg(long, value_enum, required_unless_present_any = ["status", "accounts"])]
    pub(crate) provider: Option<ProviderChoice>,
    #[command(flatten)]
    pub(crate) accounts: AccountArgs,
    #[command(flatten)]
    pub(crate) pace: PaceArgs,
    #[command(flatten)]
    pub(crate) http: HttpArgs,
    /// Where to write: sqlite:PATH, or PostgreSQL as libpq takes it: a URL
    /// (postgres://user@host:port/database?sslmode=verify-full) or key=value pairs
    /// ('host=/var/run/postgresql dbname=crm'), the PG* variables and ~/.pgpass filling in
    /// what it leaves out.
    #[arg(long, value_name = "DB", default_value = "sqlite:conversations.db")]
    pub(crate) to: String,
    /// PostgreSQL: keep the tables, the streams' state and their locks in this schema
    /// (created if missing and the role may); lowercase letters, digits and _.
    #[arg(long, value_name = "NAME")]
    pub(crate) schema: Option<String>,
    /// Look up the external ids in FILE (one a line; `-` reads stdin; blank lines ignored;
    /// read as a stream) and upsert their conversations: how ASAPP, which has no listing, is
    /// synced.
    #[arg(long, value_name = "FILE")]
    pub(crate) external_ids_from: Option<PathBuf>,
    /// An incremental run walks down to the last run's newest record less this (e.g. 3d,
    /// 12h), to pick up conversations still being updated.
    #[arg(long, value_name = "DURATION", default_value = "3d", value_parser = humantime::parse_duration)]
    pub(crate) lookback: Duration,
    /// Walk everything, not just what is new since the last run.
    #[arg(long)]
    pub(crate) full_refresh: bool,
    /// Print every stream's state (position, high-water mark, last run, failed ids) and
    /// exit; exit 1, creating nothing, when no sync has written to the database.
    #[arg(long)]
    pub(crate) status: bool,
    /// Write the ids the provider refused for good (recorded as failed; later runs skip
    /// them) to FILE, one a line (`-`: stdout), for --external-ids-from FILE --retry-failed:
    /// after a run, its streams' ids; with --status, every stream's.
    #[arg(long, value_name = "FILE")]
    pub(crate) failed_ids: Option<PathBuf>,
    /// Look up again the ids of --external-ids-from that earlier runs recorded as refused
    /// for good (skipped otherwise); those answered leave the failed list.
    #[arg(long, requires = "external_ids_from")]
    pub(crate) retry_failed: bool,
    #[command(flatten)]
    pub(crate) filters: FilterArgs,
    /// Records per request, for providers that page (Autocalls: 1-100; default: the largest,
    /// the fewest requests). A resumed walk says if it keeps the size it started with.
    #[arg(long, value_name = "N")]
    pub(crate) page_size: Option<u32>,
    /// Records per transaction.
    #[arg(long, value_name = "N", default_value_t = 5000, hide = true)]
    pub(crate) batch_size: usize,
    /// Print one JSON line per committed batch on stderr (for tests and scripts).
    #[arg(long, hide = true, env = "CONVERSATIONS_SYNC_PROGRESS_LINES")]
    pub(crate) progress_lines: bool,
    /// Ignore the environment and sync from a built-in sandbox with demo data.
    #[arg(long)]
    pub(crate) sandbox: bool,
    #[command(flatten)]
    pub(crate) credentials: CredentialArgs,
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

/// A config file's path; an empty one (`CONVERSATIONS_CONFIG=`) is taken, and counts as not
/// set (clap's own path parser refuses it, failing every command).
fn config_path(text: &str) -> Result<PathBuf, std::convert::Infallible> {
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

/// `conversations report`'s arguments.
#[derive(Debug, Args)]
#[command(after_long_help = REPORT_HELP)]
pub(crate) struct ReportArgs {
    /// The view: cost, volume or notes. Left out with --format html: every view.
    #[arg(value_enum)]
    pub(crate) view: Option<ViewArg>,
    /// The database a sync wrote: sqlite:PATH, or PostgreSQL as libpq takes it (as sync --to).
    #[arg(long, value_name = "DB", default_value = "sqlite:conversations.db")]
    pub(crate) from: String,
    /// PostgreSQL: the schema the sync's tables are in (as sync --schema).
    #[arg(long, value_name = "NAME")]
    pub(crate) schema: Option<String>,
    /// The groups of cost and volume (notes: per provider and field).
    #[arg(long, value_enum, default_value = "assistant")]
    pub(crate) by: ByArg,
    /// The periods: local days, ISO weeks (2025-W01) or calendar months (2025-01).
    #[arg(long, value_enum, default_value = "day")]
    pub(crate) per: PerArg,
    /// Conversations created from WHEN (included): 2025-01-31, 2025-01-31T12:00[:00][Z], or a
    /// duration back from now (30d, 12h).
    #[arg(long, value_name = "WHEN")]
    pub(crate) since: Option<String>,
    /// Conversations created before WHEN (left out); as --since.
    #[arg(long, value_name = "WHEN")]
    pub(crate) until: Option<String>,
    /// The IANA time zone days, weeks and months are counted in (Europe/Paris).
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    pub(crate) tz: String,
    /// Keep the N groups with the largest totals over the report; sum the rest as "other".
    #[arg(long, value_name = "N")]
    pub(crate) top: Option<usize>,
    /// table, csv, json, svg, png (one view's chart) or html (charts and tables, one file).
    #[arg(long, value_enum, default_value = "table")]
    pub(crate) format: FormatArg,
    /// Write here instead of standard output (svg, png and html want a file on a terminal).
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<std::path::PathBuf>,
}

const REPORT_HELP: &str = "\
Examples:
  conversations sync --sandbox --provider autocalls
  conversations report --format html --output report.html
  conversations report cost --per week --by channel --since 90d --tz Europe/Paris
  conversations report volume --top 5 --format csv > volume.csv

Costs are the exact sums of the amounts the providers sent (never float noise), shown with
the decimals they sent; CSV and JSON carry the exact decimal. Rows without a creation time
(ASAPP's) are in no period: they are counted per provider in a footer (JSON: \"undated\").";

/// A view, as clap takes it.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ViewArg {
    /// Total cost per group per period.
    Cost,
    /// Conversations and messages per group per period.
    Volume,
    /// Fields off their documented types, per provider, field and period.
    Notes,
}

/// A grouping, as clap takes it.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ByArg {
    /// The AI assistant or agent.
    Assistant,
    /// The channel.
    Channel,
    /// The provider.
    Provider,
    /// The provider or account rows are filed under.
    Source,
}

/// A period length, as clap takes it.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum PerArg {
    /// Local days.
    Day,
    /// ISO weeks.
    Week,
    /// Calendar months.
    Month,
}

/// An output format, as clap takes it.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum FormatArg {
    /// Aligned columns.
    Table,
    /// CSV, exact decimals.
    Csv,
    /// JSON, exact decimals as strings.
    Json,
    /// One view's chart as SVG.
    Svg,
    /// One view's chart as PNG.
    Png,
    /// Every chosen view's chart and table in one self-contained page.
    Html,
}
