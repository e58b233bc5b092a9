//! `conversations sync`: conversations into SQLite or PostgreSQL through `conversations-sync`,
//! with a progress bar on a terminal, a summary at the end, Ctrl-C that commits and says how
//! to resume, `--status` for every stream's state (never creating a database), and
//! `--failed-ids FILE` for the ids the provider refused for good.

#[cfg(feature = "run")]
use std::io::IsTerminal;
use std::path::PathBuf;
#[cfg(feature = "run")]
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
#[cfg(feature = "run")]
use {
    crate::exit::INTERRUPTED,
    crate::filters::{self, WithFilters},
    crate::{exit, providers},
    conversations_core::{ConversationQuery, ConversationSource, Filter},
    conversations_sync::{
        Notice, Observer, Outcome, RunCounts, Store, StreamKey, StreamState, Summary, SyncError,
        SyncOptions, SyncSource, Target, time_text,
    },
    indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle},
};

use crate::args::{AccountArgs, CredentialArgs, FilterArgs, HttpArgs, PaceArgs, ProviderChoice};

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

#[cfg(feature = "run")]
impl SyncArgs {
    /// The query of the filter flags and bounds, or why a bound cannot be read.
    fn query(&self) -> Result<ConversationQuery, String> {
        let mut query = ConversationQuery::new().with_filters(&self.filters);
        query.page_size = self.page_size;
        filters::with_window(query, &self.filters)
    }
}

#[cfg(feature = "run")]
/// Runs `conversations sync`.
pub(crate) async fn run(args: SyncArgs) -> ExitCode {
    let target: Target = match args.to.parse() {
        Ok(t) => t,
        Err(e) => return fail(&e),
    };
    let base = match args.query() {
        Ok(query) => query,
        Err(why) => {
            eprintln!("error: {why}");
            return ExitCode::from(exit::USAGE);
        }
    };
    if args.status {
        // Reading the state creates nothing: no database there is an error of its own.
        let store = match args.schema.as_deref() {
            Some(schema) => Store::open_existing_in_schema(&target, schema).await,
            None => Store::open_existing(&target).await,
        };
        return match store {
            Ok(store) => {
                warn(&store);
                status(&store, &target, args.failed_ids.as_deref()).await
            }
            Err(e) => fail(&e),
        };
    }
    // The sources are set up on a thread of their own (their HTTP clients load the system's
    // TLS roots: tens of milliseconds of CPU) while this one opens the database (round trips
    // and migrations): the two overlap instead of adding up. Named accounts of the config
    // file (each filed under its name), or the providers of --provider from the environment
    // (the sandbox, when asked for, lives until the end).
    let selecting = select_aside(&args);
    let store = match args.schema.as_deref() {
        Some(schema) => Store::open_in_schema(&target, schema).await,
        None => Store::open(&target).await,
    };
    // Awaited whatever happened: the thread setting up needs this one to drive its I/O.
    let selection = selecting.await;
    let store = match store {
        Ok(store) => store,
        Err(e) => return fail(&e),
    };
    warn(&store);
    // Read as a stream, twice (to count and hash them, then to look them up): a file is
    // read where it is; stdin (`-`) or a pipe is first copied to a temporary file.
    let ids = match &args.external_ids_from {
        Some(path) => {
            let opened = if path.as_os_str() == "-" {
                conversations_sync::IdsInput::copied(std::io::stdin().lock())
            } else {
                conversations_sync::IdsInput::open(path)
            };
            match opened {
                Ok(ids) => Some(ids),
                Err(e) => {
                    eprintln!("error: --external-ids-from {}: {e}", path.display());
                    return ExitCode::from(exit::USAGE);
                }
            }
        }
        None => None,
    };
    let selection = match selection {
        Ok(selection) => selection,
        Err(code) => return code,
    };
    let sandbox = selection.sandbox;
    // Each under its account's name, or its provider's (as `SyncSource::new` would).
    let sources: Vec<SyncSource> = selection
        .sources
        .into_iter()
        .map(|(name, source)| SyncSource::named(name, source))
        .collect();
    // With several sources, one without a listing is skipped (with a note) when no ids are
    // given; alone, it is an error.
    let several = sources.len() > 1;

    // Ctrl-C, SIGTERM and SIGHUP alike: commit what was fetched, say how to resume, exit
    // 128 + the signal.
    let (stop, interrupt) = tokio::sync::watch::channel(false);
    let signals = crate::ending::Interrupt::take();
    let mut first_signal = signals.clone();
    tokio::spawn(async move {
        let signal = first_signal.wait().await;
        crate::ending::note(&format!(
            "\ninterrupted ({signal}): committing what was fetched…"
        ));
        let _ = stop.send(true);
    });
    let mut options = SyncOptions::default()
        .batch_size(args.batch_size)
        .lookback(args.lookback)
        .full_refresh(args.full_refresh)
        .retry_failed(args.retry_failed);
    if let Some(n) = args.pace.concurrency {
        options = options.lookup_concurrency(n as usize);
    }
    let mut observer = CliObserver::new(args.progress_lines);
    let mut codes = Vec::new();
    let mut synced = Vec::new();
    for source in sources {
        let mut query = base.clone();
        if source.source().capabilities().page_size().is_none() {
            query.page_size = None;
        }
        let result = match &ids {
            Some(ids) => {
                conversations_sync::sync_lookup_ids(
                    &store,
                    source,
                    query,
                    ids,
                    &options,
                    &mut observer,
                    interrupt.clone(),
                )
                .await
            }
            None => {
                if several && needs_ids(source.source().as_ref(), &query) {
                    observer.println(&format!(
                        "{}: skipped: it has no listing; pass --external-ids-from FILE",
                        source.name()
                    ));
                    continue;
                }
                conversations_sync::sync_listing(
                    &store,
                    source,
                    query,
                    &options,
                    &mut observer,
                    interrupt.clone(),
                )
                .await
            }
        };
        observer.finish();
        match result {
            Ok(summary) => {
                // A closed stdout ends the run quietly (what was fetched is committed).
                if let Err(e) = crate::ending::print(&summary_line(&summary, &target)) {
                    codes.push(crate::ending::output_failed("stdout", &e, exit::OK));
                    break;
                }
                synced.push(summary.key.clone());
                let code = match &summary.outcome {
                    // Ids refused for good: the others are synced, these are not.
                    Outcome::Complete if summary.counts.failed > 0 => exit::FAILURE,
                    Outcome::Complete => exit::OK,
                    Outcome::Interrupted => {
                        eprintln!(
                            "{}: interrupted; everything fetched is committed. Run the same \
                             command again to resume where it stopped.",
                            summary.key
                        );
                        INTERRUPTED
                    }
                    Outcome::Failed(e) => {
                        eprintln!(
                            "error: {}\n{}: what was fetched is committed; run the same \
                             command again to resume from there.",
                            shown(e),
                            summary.key
                        );
                        code_for(e)
                    }
                    _ => exit::FAILURE,
                };
                codes.push(code);
                if code == INTERRUPTED {
                    break;
                }
            }
            Err(e) => {
                eprintln!("error: {}", shown(&e));
                codes.push(code_for(&e));
            }
        }
    }
    if let Some(sandbox) = sandbox {
        sandbox.shutdown().await;
    }
    if let Some(path) = &args.failed_ids {
        let written = match store.status().await {
            Ok(streams) => {
                let ours = streams.iter().filter(|s| synced.contains(&s.key));
                write_failed_ids(path, ours)
            }
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = written {
            eprintln!("error: --failed-ids {}: {e}", path.display());
            codes.push(exit::FAILURE);
        }
    }
    if codes.contains(&INTERRUPTED) {
        return ExitCode::from(signals.signal().map_or(INTERRUPTED, |s| s.code()));
    }
    exit::worst(codes)
}

#[cfg(feature = "run")]
/// [`providers::select`] for `args`, started now on a blocking thread (its errors printed
/// there); the returned future waits for it.
fn select_aside(
    args: &SyncArgs,
) -> impl std::future::Future<Output = Result<providers::Selection, ExitCode>> + use<> {
    let runtime = tokio::runtime::Handle::current();
    let (provider, accounts, pace, http, sandbox, credentials) = (
        args.provider,
        args.accounts.clone(),
        args.pace.clone(),
        args.http.clone(),
        args.sandbox,
        args.credentials.clone(),
    );
    let selecting = tokio::task::spawn_blocking(move || {
        runtime.block_on(providers::select(
            provider,
            None,
            &accounts,
            &pace,
            &http,
            sandbox,
            &credentials,
        ))
    });
    async move {
        selecting.await.unwrap_or_else(|e| {
            eprintln!("error: setting up the providers failed: {e}");
            Err(ExitCode::from(exit::FAILURE))
        })
    }
}

#[cfg(feature = "run")]
/// Whether `source` refuses `query` for want of an external id (ASAPP has no listing).
fn needs_ids(source: &dyn ConversationSource, query: &ConversationQuery) -> bool {
    source
        .capabilities()
        .required()
        .any(|f| f == Filter::ExternalId && query.get(Filter::ExternalId).is_none())
}

#[cfg(feature = "run")]
/// What opening the database warned about (a password file others can read, ignored).
fn warn(store: &Store) {
    for warning in store.warnings() {
        eprintln!("warning: {warning}");
    }
}

#[cfg(feature = "run")]
fn code_for(error: &SyncError) -> u8 {
    match error {
        SyncError::Source(e) => exit::code_for(e),
        SyncError::Auth { .. } => exit::AUTH,
        e if e.is_usage() => exit::USAGE,
        _ => exit::FAILURE,
    }
}

#[cfg(feature = "run")]
fn fail(error: &SyncError) -> ExitCode {
    eprintln!("error: {}", shown(error));
    ExitCode::from(code_for(error))
}

#[cfg(feature = "run")]
/// `error` as the CLI says it: naming the flag its bad value came from.
fn shown(error: &SyncError) -> String {
    match error {
        SyncError::BadTarget { reason } => format!("invalid --to: {reason}"),
        SyncError::SchemaOnSqlite => {
            "invalid --to: --schema is for PostgreSQL; a SQLite database has none".to_owned()
        }
        SyncError::BadIds { line, reason } => {
            format!("--external-ids-from: line {line}: {reason}")
        }
        SyncError::IdsChanged { reason } => format!("--external-ids-from: {reason}"),
        SyncError::BadState {
            target,
            stream,
            message,
        } => format!(
            "{target}: the saved position of {stream} is unreadable ({message}); rerun with \
             --full-refresh to discard it and start the stream over"
        ),
        other => other.to_string(),
    }
}

#[cfg(feature = "run")]
/// `notice` as the CLI says it: naming the flag that does what it mentions.
fn said(notice: &Notice) -> String {
    match notice {
        Notice::PositionDiscarded => "the saved position was unreadable and is discarded \
                                      (--full-refresh): starting over"
            .to_owned(),
        Notice::LookbackBoundary { floor } => format!(
            "stopped at the lookback boundary ({}: the last walk's newest record less --lookback)",
            time_text(floor)
        ),
        Notice::SkippedFailed { ids } => format!(
            "skipping {ids} {} the provider refused for good before (--retry-failed looks them \
             up again)",
            if *ids == 1 { "id" } else { "ids" }
        ),
        Notice::RecordedFailed { ids } => format!(
            "{ids} {} refused by the provider for good, recorded as failed (sync --status lists \
             them); later runs skip them, --retry-failed looks them up again",
            if *ids == 1 { "id was" } else { "ids were" }
        ),
        other => other.to_string(),
    }
}

#[cfg(feature = "run")]
fn summary_line(summary: &Summary, target: &Target) -> String {
    let c = &summary.counts;
    let secs = summary.duration.as_secs_f64();
    let rate = if secs > 0.0 {
        c.records as f64 / secs
    } else {
        0.0
    };
    let outcome = match &summary.outcome {
        Outcome::Complete => "complete",
        Outcome::Interrupted => "interrupted",
        Outcome::Failed(_) => "failed",
        _ => "ended",
    };
    format!(
        "{}: {outcome}: {} records in {} {}: {} inserted, {} updated, {} unchanged, {} with notes{}{}, \
         in {secs:.1}s ({rate:.0} records/s) into {target}",
        summary.key,
        c.records,
        c.pages,
        if summary.key.query.starts_with("lookup") {
            "lookups"
        } else {
            "pages"
        },
        c.inserted,
        c.updated,
        c.unchanged,
        c.with_notes,
        collisions(c),
        refused(c),
    )
}

#[cfg(feature = "run")]
/// `, N ids refused …` when the provider refused ids of the run for good; nothing otherwise.
fn refused(c: &RunCounts) -> String {
    match c.failed {
        0 => String::new(),
        1 => ", 1 id refused (recorded as failed)".to_owned(),
        n => format!(", {n} ids refused (recorded as failed)"),
    }
}

#[cfg(feature = "run")]
/// Writes the failed ids of `streams` to `path` (`-`: stdout), one a line, each once.
fn write_failed_ids<'a>(
    path: &std::path::Path,
    streams: impl Iterator<Item = &'a StreamState>,
) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    let mut text = String::new();
    for failed in streams.flat_map(|s| &s.failed) {
        if seen.insert(failed.id.as_str()) {
            text.push_str(&failed.id);
            text.push('\n');
        }
    }
    if path == std::path::Path::new("-") {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        return out
            .write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| e.to_string());
    }
    std::fs::write(path, text).map_err(|e| e.to_string())
}

#[cfg(feature = "run")]
/// `, N key collisions …` when records of the run replaced another of their key with other
/// bytes (the run's notice and the rows' notes say more); nothing otherwise.
fn collisions(c: &RunCounts) -> String {
    match c.collisions {
        0 => String::new(),
        1 => ", 1 key collision (the last record of the key kept)".to_owned(),
        n => format!(", {n} key collisions (the last record of each key kept)"),
    }
}

#[cfg(feature = "run")]
async fn status(store: &Store, target: &Target, failed_ids: Option<&std::path::Path>) -> ExitCode {
    let streams = match store.status().await {
        Ok(streams) => streams,
        Err(e) => return fail(&e),
    };
    // PostgreSQL: the server, database, role, encryption and schema (never a password).
    if let Some(server) = store.server()
        && let Err(e) = crate::ending::print(&format!("server: {server}"))
    {
        return ExitCode::from(crate::ending::output_failed("stdout", &e, exit::OK));
    }
    let mut blocks = streams.iter().map(status_block);
    let printed = if streams.is_empty() {
        crate::ending::print(&format!("{target}: no stream synced yet"))
    } else {
        blocks.try_for_each(|block| crate::ending::print(&block))
    };
    if let Err(e) = printed {
        // A closed stdout ends it quietly; a failed write with one line.
        return ExitCode::from(crate::ending::output_failed("stdout", &e, exit::OK));
    }
    if let Some(path) = failed_ids
        && let Err(e) = write_failed_ids(path, streams.iter())
    {
        eprintln!("error: --failed-ids {}: {e}", path.display());
        return ExitCode::from(exit::FAILURE);
    }
    ExitCode::from(exit::OK)
}

#[cfg(feature = "run")]
/// The most failed ids `--status` shows of one stream (`--failed-ids FILE` has them all).
const FAILED_SHOWN: usize = 5;

#[cfg(feature = "run")]
/// The status block's lines for a stream's failed ids: how many, and the first few with the
/// provider's refusal.
fn failed_lines(s: &StreamState) -> String {
    if s.failed.is_empty() {
        return String::new();
    }
    let mut text = format!(
        "\n  failed ids  {} refused by the provider for good; later runs skip them \
         (--retry-failed looks them up again, --failed-ids FILE lists them)",
        s.failed.len()
    );
    for f in s.failed.iter().take(FAILED_SHOWN) {
        text.push_str(&format!("\n              {}  {} ({})", f.id, f.error, f.at));
    }
    if s.failed.len() > FAILED_SHOWN {
        text.push_str(&format!(
            "\n              … and {} more",
            s.failed.len() - FAILED_SHOWN
        ));
    }
    text
}

#[cfg(feature = "run")]
fn status_block(s: &StreamState) -> String {
    let c = &s.counts;
    let none = "-";
    let time = |t: &Option<_>| t.as_ref().map_or_else(|| none.to_owned(), time_text);
    format!(
        "{key}\n  status      {status}\n  last run    started {started}, ended {ended}\n  \
         counts      {records} records, {pages} pages: {ins} inserted, {upd} updated, {unch} unchanged, {notes} with notes{shared}\n  \
         high-water  {hw}\n  resume      {resume}{failed}{message}",
        key = s.key,
        status = match &s.running {
            Some(holder) => format!("{} ({holder})", s.status),
            None => s.status.to_string(),
        },
        started = time(&s.started_at),
        ended = time(&s.finished_at),
        records = c.records,
        pages = c.pages,
        ins = c.inserted,
        upd = c.updated,
        unch = c.unchanged,
        notes = c.with_notes,
        shared = collisions(c),
        hw = time(&s.high_water),
        resume = s.resume.as_ref().map_or_else(
            || "none (the next run starts a new walk)".to_owned(),
            ToString::to_string
        ),
        failed = failed_lines(s),
        message = s
            .message
            .as_deref()
            .map(|m| format!("\n  note        {m}"))
            .unwrap_or_default(),
    )
}

#[cfg(feature = "run")]
/// The progress bar (on a terminal) and the machine-readable batch lines (when asked).
struct CliObserver {
    bar: Option<ProgressBar>,
    lines: bool,
}

#[cfg(feature = "run")]
impl CliObserver {
    fn new(lines: bool) -> Self {
        Self { bar: None, lines }
    }

    fn bar(&mut self, key: &StreamKey) -> Option<&ProgressBar> {
        if self.bar.is_none() && std::io::stderr().is_terminal() && !self.lines {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} {prefix}: {pos} records, {msg} ({per_sec}, {elapsed})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_prefix(key.to_string());
            self.bar = Some(bar);
        }
        self.bar.as_ref()
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }

    fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }
}

#[cfg(feature = "run")]
impl Observer for CliObserver {
    fn fetched(&mut self, key: &StreamKey, totals: &RunCounts) {
        if let Some(bar) = self.bar(key) {
            bar.set_position(totals.records);
            bar.set_message(format!("{} pages", totals.pages));
        }
    }

    fn committed(&mut self, key: &StreamKey, records: u64, totals: &RunCounts) {
        if self.lines {
            let line = serde_json::json!({
                "event": "committed",
                "stream": key.to_string(),
                "records": records,
                "total": totals.records,
                "inserted": totals.inserted,
                "updated": totals.updated,
                "unchanged": totals.unchanged,
            });
            eprintln!("{line}");
        }
    }

    fn notice(&mut self, key: &StreamKey, notice: &Notice) {
        self.println(&format!("{key}: {}", said(notice)));
    }
}

#[cfg(all(test, feature = "run"))]
mod tests {
    use super::*;

    #[test]
    fn notices_name_the_flag_that_does_what_they_mention() {
        let floor = "2026-01-02T03:04:05Z".parse().unwrap();
        assert_eq!(
            said(&Notice::LookbackBoundary { floor }),
            "stopped at the lookback boundary (2026-01-02T03:04:05Z: the last walk's newest \
             record less --lookback)"
        );
        assert!(said(&Notice::SkippedFailed { ids: 1 }).contains("1 id the provider"));
        assert!(said(&Notice::RecordedFailed { ids: 3 }).contains("--retry-failed"));
        assert!(said(&Notice::PositionDiscarded).contains("(--full-refresh)"));
    }

    #[test]
    fn the_summary_and_the_status_say_how_many_records_shared_a_key() {
        let key = StreamKey::listing("autocalls", &ConversationQuery::new());
        let mut counts = RunCounts {
            records: 3,
            pages: 1,
            inserted: 2,
            ..RunCounts::default()
        };
        let summary = |counts| Summary {
            key: key.clone(),
            counts,
            duration: std::time::Duration::from_secs(1),
            outcome: Outcome::Complete,
            notices: Vec::new(),
        };
        let target: Target = "sqlite:c.db".parse().unwrap_or_else(|e| panic!("{e}"));
        let line = summary_line(&summary(counts), &target);
        assert!(line.contains("0 with notes, in"), "{line}");
        counts.collisions = 1;
        let line = summary_line(&summary(counts), &target);
        assert!(
            line.contains("0 with notes, 1 key collision (the last record of the key kept), in"),
            "{line}"
        );
        let mut state = StreamState::new(key.clone());
        state.status = conversations_sync::StreamStatus::Complete;
        state.counts = counts;
        state.counts.collisions = 2;
        let block = status_block(&state);
        assert!(
            block.contains("0 with notes, 2 key collisions (the last record of each key kept)\n"),
            "{block}"
        );
    }

    #[test]
    fn the_status_shows_a_streams_first_failed_ids_and_how_many_more() {
        let key = StreamKey::lookup("asapp", &ConversationQuery::new());
        let failed = (1..=7)
            .map(|i| conversations_sync::FailedId {
                id: format!("crm-{i}"),
                error: "asapp: request failed (HTTP 400)".to_owned(),
                at: "2026-01-01T00:00:00Z".to_owned(),
            })
            .collect();
        let mut state = StreamState::new(key);
        state.status = conversations_sync::StreamStatus::Complete;
        state.failed = failed;
        let block = status_block(&state);
        assert!(
            block.contains("\n  failed ids  7 refused by the provider for good"),
            "{block}"
        );
        assert!(
            block.contains("crm-5  asapp: request failed (HTTP 400) (2026-01-01T00:00:00Z)"),
            "{block}"
        );
        assert!(!block.contains("crm-6"), "{block}");
        assert!(block.contains("… and 2 more"), "{block}");
    }
}
