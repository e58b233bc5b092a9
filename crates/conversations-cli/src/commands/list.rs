//! `conversations list`: the conversations of one provider, of every configured one, or of
//! named accounts, streamed as pages arrive in the format asked for; with
//! `--external-ids-from FILE`, the lookups of every id in the file instead (see
//! `crate::lookups`).

use std::path::PathBuf;
#[cfg(feature = "run")]
use std::process::ExitCode;

use clap::Args;
#[cfg(feature = "run")]
use {
    crate::filters::{self, WithFilters},
    crate::{ending, exit, lookups, output, providers},
    conversations_core::{ConversationQuery, Federation},
};

use crate::args::{
    AccountArgs, CredentialArgs, FilterArgs, Format, HttpArgs, PaceArgs, ProviderChoice,
};

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

#[cfg(feature = "run")]
impl ListArgs {
    /// What the records are written as, and where.
    fn output(&self) -> output::Options<'_> {
        output::Options {
            format: self.format,
            path: self.output.as_deref(),
            csv_raw: self.csv_raw,
        }
    }
}

/// The query of `args`' filters and bounds.
#[cfg(feature = "run")]
fn query(args: &ListArgs) -> ConversationQuery {
    let mut query = ConversationQuery::new()
        .with_filters(&args.filters)
        .strict(args.strict);
    query.page_size = args.page_size;
    query.limit = args.limit;
    query
}

/// Runs `conversations list`.
#[cfg(feature = "run")]
pub(crate) async fn run(args: ListArgs) -> ExitCode {
    let base = match filters::with_window(query(&args), &args.filters) {
        Ok(query) => query,
        Err(why) => {
            ending::note(&format!("error: {why}"));
            return ExitCode::from(exit::USAGE);
        }
    };
    // Named accounts of the config file, or the providers of --provider from the environment
    // (the sandbox, when asked for, lives until the listing is done).
    let selection = match providers::select(
        args.provider,
        Some(ProviderChoice::All),
        &args.accounts,
        &args.pace,
        &args.http,
        args.sandbox,
        &args.credentials,
    )
    .await
    {
        Ok(selection) => selection,
        Err(code) => return code,
    };
    let named = selection.named;
    let sources = selection.sources;

    if let Some(path) = &args.external_ids_from {
        let options = lookups::Options {
            ids: path,
            failed_ids: args.failed_ids.as_deref(),
            concurrency: args.pace.concurrency,
            limit: args.limit,
            output: args.output(),
        };
        return lookups::run(&options, &base, sources, named).await;
    }

    let mut federation = Federation::new();
    for (name, source) in sources {
        // A page size only goes to sources that page; a one-page source would refuse it.
        let mut query = base.clone();
        if source.capabilities().page_size().is_none() {
            query.page_size = None;
        }
        federation = federation.named_source(name, source, query);
    }
    // A query a source cannot take is known before any request: list from the others, say
    // which were left out and why, and fail before any output only if none can take it.
    let (federation, refused) = federation.split_refused();
    for (name, error) in &refused {
        if federation.is_empty() {
            ending::note(&format!("error: {error}"));
        } else {
            ending::note(&format!("note: {name} left out: {error}"));
        }
    }
    if federation.is_empty() {
        return ExitCode::from(exit::USAGE);
    }

    let mut sink = match output::Sink::open(&args.output(), named) {
        Ok(sink) => sink,
        Err(code) => return code,
    };
    let mut feed = output::Feed::new(federation.list());
    loop {
        let item = match feed.next(&mut sink).await {
            Ok(Some(item)) => item,
            Ok(None) => break,
            Err(code) => return code,
        };
        match item.result {
            Ok(conversation) => {
                if let Err(code) = sink.write(&item.source, &conversation, None) {
                    return code;
                }
                // `--limit` bounds the whole listing, across providers.
                if args.limit.is_some_and(|limit| sink.written() >= limit) {
                    break;
                }
            }
            Err(error) if named => sink.fail(
                &format!("account {}: {error}", item.source),
                exit::code_for(&error),
            ),
            Err(error) => sink.fail(&error.to_string(), exit::code_for(&error)),
        }
    }
    sink.close(feed.interrupted())
}
