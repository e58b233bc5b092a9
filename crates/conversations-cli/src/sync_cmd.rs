//! `conversations sync`: conversations into SQLite or PostgreSQL through `conversations-sync`,
//! with a progress bar on a terminal, a summary at the end, Ctrl-C that commits and says how
//! to resume, and `--status` for every stream's state.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use conversations_core::{ConversationQuery, ConversationSource, Filter};
use conversations_sandbox::{Sandbox, SandboxConfig};
use conversations_sync::{
    Observer, Outcome, RunCounts, Store, StreamKey, StreamState, Summary, SyncError, SyncOptions,
    Target,
};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::{CredentialArgs, ProviderChoice};
use crate::{exit, providers};

/// Exit code of a run stopped by Ctrl-C (128 + SIGINT), after committing.
const INTERRUPTED: u8 = 130;

#[derive(Debug, Args)]
pub(crate) struct SyncArgs {
    /// Provider to sync (required unless --status).
    #[arg(long, value_enum, required_unless_present = "status")]
    provider: Option<ProviderChoice>,
    /// Where to write: sqlite:PATH or postgres://user@host:port/database.
    #[arg(long, value_name = "DB", default_value = "sqlite:conversations.db")]
    to: String,
    /// Look up the external ids in FILE (one a line; blank lines ignored) and upsert their
    /// conversations: how ASAPP, which has no listing, is synced.
    #[arg(long, value_name = "FILE")]
    external_ids_from: Option<PathBuf>,
    /// An incremental run walks down to the last run's newest record less this (e.g. 3d,
    /// 12h), to pick up conversations still being updated.
    #[arg(long, value_name = "DURATION", default_value = "3d", value_parser = humantime::parse_duration)]
    lookback: Duration,
    /// Walk everything, not just what is new since the last run.
    #[arg(long)]
    full_refresh: bool,
    /// Print every stream's state (position, high-water mark, last run) and exit.
    #[arg(long)]
    status: bool,
    /// Only conversations with this external id.
    #[arg(long, value_name = "ID")]
    external_id: Option<String>,
    /// Only conversations of this type: test, widget, whatsapp or api (Autocalls).
    #[arg(long = "type", value_name = "T")]
    conversation_type: Option<String>,
    /// Only conversations of this assistant (Autocalls' numeric assistant id).
    #[arg(long, value_name = "N")]
    assistant_id: Option<u64>,
    /// Only conversations with this customer phone number (exact match).
    #[arg(long, value_name = "P")]
    customer_phone: Option<String>,
    /// Only conversations from this WhatsApp business number (exact match).
    #[arg(long, value_name = "P")]
    whatsapp_sender_phone: Option<String>,
    /// Records per request, for providers that page (Autocalls: 1-100).
    #[arg(long, value_name = "N")]
    page_size: Option<u32>,
    /// Records per transaction.
    #[arg(long, value_name = "N", default_value_t = 5000, hide = true)]
    batch_size: usize,
    /// Print one JSON line per committed batch on stderr (for tests and scripts).
    #[arg(long, hide = true, env = "CONVERSATIONS_SYNC_PROGRESS_LINES")]
    progress_lines: bool,
    /// Ignore the environment and sync from a built-in sandbox with demo data.
    #[arg(long)]
    sandbox: bool,
    #[command(flatten)]
    credentials: CredentialArgs,
}

impl SyncArgs {
    fn query(&self) -> ConversationQuery {
        let mut query = ConversationQuery::new()
            .with_filter(Filter::ExternalId, self.external_id.clone())
            .with_filter(Filter::Channel, self.conversation_type.clone())
            .with_filter(Filter::AgentId, self.assistant_id.map(|id| id.to_string()))
            .with_filter(Filter::CustomerPhone, self.customer_phone.clone())
            .with_filter(Filter::BusinessPhone, self.whatsapp_sender_phone.clone());
        query.page_size = self.page_size;
        query
    }
}

/// Runs `conversations sync`.
pub(crate) async fn run(args: SyncArgs) -> ExitCode {
    let target: Target = match args.to.parse() {
        Ok(t) => t,
        Err(e) => return fail(&e),
    };
    let store = match Store::open(&target).await {
        Ok(store) => store,
        Err(e) => return fail(&e),
    };
    if args.status {
        return status(&store, &target).await;
    }
    let Some(choice) = args.provider else {
        eprintln!("error: --provider is required");
        return ExitCode::from(exit::USAGE);
    };
    let ids = match &args.external_ids_from {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => match conversations_sync::read_ids(&text) {
                Ok(ids) => Some(ids),
                Err(e) => return fail(&e),
            },
            Err(e) => {
                eprintln!("error: --external-ids-from {}: {e}", path.display());
                return ExitCode::from(exit::USAGE);
            }
        },
        None => None,
    };
    let sandbox = if args.sandbox {
        match Sandbox::start(SandboxConfig::new()).await {
            Ok(sandbox) => Some(sandbox),
            Err(e) => {
                eprintln!("error: could not start the sandbox: {e}");
                return ExitCode::from(exit::FAILURE);
            }
        }
    } else {
        None
    };
    let credentials = match &sandbox {
        Some(sandbox) => providers::sandbox_credentials(sandbox),
        None => args.credentials.clone(),
    };
    let sources = match providers::sources(choice, &credentials) {
        Ok(sources) => sources,
        Err(errors) => {
            for e in &errors {
                eprintln!("error: {e}");
            }
            let all_missing = errors
                .iter()
                .all(|e| matches!(e, providers::SetupError::Missing { .. }));
            return ExitCode::from(if all_missing { exit::AUTH } else { exit::USAGE });
        }
    };

    let (stop, interrupt) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\ninterrupted: committing what was fetched…");
            let _ = stop.send(true);
        }
    });
    let options = SyncOptions::default()
        .batch_size(args.batch_size)
        .lookback(args.lookback)
        .full_refresh(args.full_refresh);
    let mut observer = CliObserver::new(args.progress_lines);
    let mut codes = Vec::new();
    let base = args.query();
    for source in sources {
        let mut query = base.clone();
        if source.capabilities().page_size().is_none() {
            query.page_size = None;
        }
        let result = match &ids {
            Some(ids) => {
                conversations_sync::sync_lookup(
                    &store,
                    source,
                    query,
                    ids.clone(),
                    &options,
                    &mut observer,
                    interrupt.clone(),
                )
                .await
            }
            None => {
                if choice == ProviderChoice::All && needs_ids(source.as_ref(), &query) {
                    observer.println(&format!(
                        "{}: skipped: it has no listing; pass --external-ids-from FILE",
                        source.provider()
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
                println!("{}", summary_line(&summary, &target));
                let code = match &summary.outcome {
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
                            "error: {e}\n{}: what was fetched is committed; run the same \
                             command again to resume from there.",
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
                eprintln!("error: {e}");
                codes.push(code_for(&e));
            }
        }
    }
    if let Some(sandbox) = sandbox {
        sandbox.shutdown().await;
    }
    if codes.contains(&INTERRUPTED) {
        return ExitCode::from(INTERRUPTED);
    }
    exit::worst(codes)
}

/// Whether `source` refuses `query` for want of an external id (ASAPP has no listing).
fn needs_ids(source: &dyn ConversationSource, query: &ConversationQuery) -> bool {
    source
        .capabilities()
        .required()
        .any(|f| f == Filter::ExternalId && query.get(Filter::ExternalId).is_none())
}

fn code_for(error: &SyncError) -> u8 {
    match error {
        SyncError::Source(e) => exit::code_for(e),
        e if e.is_usage() => exit::USAGE,
        _ => exit::FAILURE,
    }
}

fn fail(error: &SyncError) -> ExitCode {
    eprintln!("error: {error}");
    ExitCode::from(code_for(error))
}

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
        "{}: {outcome}: {} records in {} {}: {} inserted, {} updated, {} unchanged, {} with notes, \
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
    )
}

async fn status(store: &Store, target: &Target) -> ExitCode {
    let streams = match store.status().await {
        Ok(streams) => streams,
        Err(e) => return fail(&e),
    };
    if streams.is_empty() {
        println!("{target}: no stream synced yet");
    }
    for s in &streams {
        println!("{}", status_block(s));
    }
    ExitCode::from(exit::OK)
}

fn status_block(s: &StreamState) -> String {
    let c = &s.counts;
    let none = "-";
    format!(
        "{key}\n  status      {status}\n  last run    started {started}, ended {ended}\n  \
         counts      {records} records, {pages} pages: {ins} inserted, {upd} updated, {unch} unchanged, {notes} with notes\n  \
         high-water  {hw}\n  resume      {resume}{message}",
        key = s.key,
        status = s.status,
        started = s.started_at.as_deref().unwrap_or(none),
        ended = s.finished_at.as_deref().unwrap_or(none),
        records = c.records,
        pages = c.pages,
        ins = c.inserted,
        upd = c.updated,
        unch = c.unchanged,
        notes = c.with_notes,
        hw = s.high_water.as_deref().unwrap_or(none),
        resume = s
            .resume
            .as_deref()
            .unwrap_or("none (the next run starts a new walk)"),
        message = s
            .message
            .as_deref()
            .map(|m| format!("\n  note        {m}"))
            .unwrap_or_default(),
    )
}

/// The progress bar (on a terminal) and the machine-readable batch lines (when asked).
struct CliObserver {
    bar: Option<ProgressBar>,
    lines: bool,
}

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

    fn notice(&mut self, key: &StreamKey, text: &str) {
        self.println(&format!("{key}: {text}"));
    }
}
