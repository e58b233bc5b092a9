//! `conversations`: list the conversations your business holds with ASAPP and Autocalls,
//! through one normalized model. Built only on the public APIs of `conversations-core`,
//! `asapp-gen`, `autocalls-api` and `conversations-sandbox`.

mod check;
mod cli;
mod config;
mod exit;
mod filters;
mod logging;
mod lookups;
mod offspec;
mod output;
mod progress;
mod providers;
mod sync_cmd;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use conversations_core::{ConversationQuery, Federation};

use crate::filters::WithFilters;
use conversations_sandbox::{FaultSpec, Sandbox, SandboxConfig};
use futures::StreamExt;

use crate::cli::{Cli, Command, CompletionsArgs, ListArgs, SandboxCommand, ServeArgs};
use crate::progress::Progress;

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init(cli.verbose, cli.log_format);
    // One thread: a listing is I/O then output, and handing each page between threads costs
    // more CPU (wake-ups, context switches) than it saves; the next page is still prefetched.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::from(exit::FAILURE);
        }
    };
    runtime.block_on(async {
        match cli.command {
            Command::List(args) => list(args).await,
            Command::Schema => schema(),
            Command::Sync(args) => sync_cmd::run(args).await,
            Command::Sandbox(SandboxCommand::Serve(args)) => serve(args).await,
            Command::Completions(args) => completions(&args),
            Command::Accounts(args) => config::accounts_command(&args),
            Command::Check(args) => check::run(&args).await,
        }
    })
}

fn schema() -> ExitCode {
    let schema = schemars::schema_for!(conversations_core::Conversation);
    match serde_json::to_string_pretty(&schema) {
        Ok(text) => {
            println!("{text}");
            ExitCode::from(exit::OK)
        }
        Err(e) => {
            eprintln!("error: could not render the schema: {e}");
            ExitCode::from(exit::FAILURE)
        }
    }
}

/// `conversations completions SHELL`: the script on stdout.
fn completions(args: &CompletionsArgs) -> ExitCode {
    use clap_complete::Generator;
    let mut command = Cli::command();
    command.set_bin_name("conversations");
    command.build();
    // Rendered in memory first: clap_complete's own `generate` panics on a write error
    // (e.g. a closed pipe); `try_generate` into a buffer cannot fail that way.
    let mut script = Vec::new();
    if let Err(e) = args.shell.try_generate(&command, &mut script) {
        eprintln!(
            "error: could not generate the {} completions: {e}",
            args.shell
        );
        return ExitCode::from(exit::FAILURE);
    }
    match io::stdout().lock().write_all(&script) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(exit::OK),
        Err(e) => {
            eprintln!("error: could not write the completions: {e}");
            ExitCode::from(exit::FAILURE)
        }
    }
}

fn query(args: &ListArgs) -> ConversationQuery {
    let mut query = ConversationQuery::new()
        .with_filters(&args.filters)
        .strict(args.strict);
    query.page_size = args.page_size;
    query.limit = args.limit;
    query
}

async fn list(args: ListArgs) -> ExitCode {
    let base = query(&args);
    let mut options = conversations_transport::ClientOptions::new();
    if let Some(rate) = args.rate {
        options = options.rate_limit(conversations_transport::RateLimit::per_second(rate));
    }
    // Named accounts of the config file, or the providers of --provider from the environment
    // (the sandbox, when asked for, lives until the listing is done).
    let named = !args.accounts.is_empty();
    let (_sandbox, sources): (_, Vec<(std::sync::Arc<str>, _)>) = if named {
        match config::sources_for(&args.accounts, args.config.as_deref(), &options) {
            Ok(sources) => (None, sources),
            Err(code) => return code,
        }
    } else {
        let choice = args.provider.unwrap_or(cli::ProviderChoice::All);
        match providers::setup(args.sandbox, choice, &args.credentials, &options).await {
            Ok((sandbox, sources)) => (
                sandbox,
                sources
                    .into_iter()
                    .map(|s| (std::sync::Arc::from(s.provider()), s))
                    .collect(),
            ),
            Err(code) => return code,
        }
    };

    if let Some(path) = &args.external_ids_from {
        let sources = sources.into_iter().map(|(_, s)| s).collect();
        return lookups::run(&args, path, &base, sources).await;
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
            eprintln!("error: {error}");
        } else {
            eprintln!("note: {name} left out: {error}");
        }
    }
    if federation.is_empty() {
        return ExitCode::from(exit::USAGE);
    }

    // `--output FILE`: a temporary file beside it, renamed into place only on success.
    let temp = match &args.output {
        Some(path) => match output::Destination::create(path) {
            Ok(temp) => Some(temp),
            Err(e) => {
                eprintln!("error: cannot write to {}: {e}", path.display());
                return ExitCode::from(exit::USAGE);
            }
        },
        None => None,
    };
    let sink: Box<dyn io::Write> = match &temp {
        Some(temp) => match temp.writer() {
            Ok(file) => Box::new(file),
            Err(e) => {
                eprintln!("error: cannot write the output file: {e}");
                return ExitCode::from(exit::FAILURE);
            }
        },
        None => Box::new(io::stdout().lock()),
    };
    let mut writer = record_writer(&args, sink);
    let mut progress = Progress::new();
    let mut tally = offspec::Tally::default();
    let mut codes = Vec::new();
    let mut written = 0u64;
    let mut remaining = args.limit;
    let mut items = federation.list();
    // Ctrl-C ends every format cleanly (a JSON array closed), within a poll.
    let interrupt = tokio::signal::ctrl_c();
    tokio::pin!(interrupt);
    let mut interrupted = false;
    loop {
        // Records that are ready are written straight on; before waiting on the network, what
        // is buffered goes out, so a slow listing shows its records as they come.
        let item = match futures::FutureExt::now_or_never(items.next()) {
            Some(item) => {
                // Between ready records, a look at Ctrl-C now and then.
                if written.is_multiple_of(256)
                    && futures::FutureExt::now_or_never(&mut interrupt).is_some()
                {
                    interrupted = true;
                    break;
                }
                item
            }
            None => {
                if let Err(e) = writer.flush() {
                    return broken_output(&progress, &e);
                }
                tokio::select! {
                    item = items.next() => item,
                    _ = &mut interrupt => {
                        interrupted = true;
                        break;
                    }
                }
            }
        };
        let Some(item) = item else { break };
        match item.result {
            Ok(conversation) => {
                let result = if named {
                    writer.write_with(&conversation, &[("account", &item.source)])
                } else {
                    writer.write(&conversation)
                };
                if let Err(e) = result {
                    return broken_output(&progress, &e);
                }
                written += 1;
                progress.record(&item.source);
                tally.record(&conversation);
                // `--limit` bounds the whole listing, across providers.
                if let Some(left) = remaining.as_mut() {
                    *left -= 1;
                    if *left == 0 {
                        break;
                    }
                }
            }
            Err(error) => {
                if named {
                    progress.println(&format!("error: account {}: {error}", item.source));
                } else {
                    progress.println(&format!("error: {error}"));
                }
                codes.push(exit::code_for(&error));
            }
        }
    }
    progress.finish();
    let closed = if written == 0 && !codes.is_empty() {
        writer.finish_failed()
    } else {
        writer.finish()
    };
    drop(writer);
    if let Err(e) = closed {
        return broken_output(&progress, &e);
    }
    for line in tally.summary() {
        eprintln!("{line}");
    }
    if interrupted {
        eprintln!("interrupted: {written} records written");
        return ExitCode::from(exit::INTERRUPTED);
    }
    if codes.is_empty()
        && let (Some(temp), Some(path)) = (temp, &args.output)
        && let Err(e) = temp.persist(path)
    {
        eprintln!("error: cannot write {}: {e}", path.display());
        return ExitCode::from(exit::FAILURE);
    }
    exit::worst(codes)
}

/// `asapp:VALUE` or `autocalls:VALUE`.
fn parse_provider_value(
    spec: &str,
) -> Result<(conversations_sandbox::Provider, &str), &'static str> {
    let (provider, value) = spec
        .split_once(':')
        .ok_or("expected PROVIDER:VALUE, e.g. asapp:50ms")?;
    let provider = match provider {
        "asapp" => conversations_sandbox::Provider::Asapp,
        "autocalls" => conversations_sandbox::Provider::Autocalls,
        _ => return Err("the provider is asapp or autocalls"),
    };
    Ok((provider, value))
}

/// `50ms`, `2s` or a bare number of milliseconds.
fn parse_millis(text: &str) -> Option<std::time::Duration> {
    let (number, scale) = match text {
        t if t.ends_with("ms") => (&t[..t.len() - 2], 1),
        t if t.ends_with('s') => (&t[..t.len() - 1], 1000),
        t => (t, 1),
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .map(std::time::Duration::from_millis)
}

/// The writer for `args.format` over `sink`, with the formula guard and the terminal's width.
pub(crate) fn record_writer<'a>(
    args: &ListArgs,
    sink: Box<dyn io::Write + 'a>,
) -> Box<dyn output::RecordWriter + 'a> {
    output::writer(
        args.format,
        formula_guard(args),
        // A large buffer: a few hundred write calls for a hundred thousand records, not thousands.
        Box::new(io::BufWriter::with_capacity(256 * 1024, sink)),
        terminal_width(),
    )
}

/// Whether CSV cells that spreadsheets would run as formulas are neutralised (`--csv-raw`: not).
pub(crate) fn formula_guard(args: &ListArgs) -> output::FormulaGuard {
    if args.csv_raw {
        output::FormulaGuard::Off
    } else {
        output::FormulaGuard::On
    }
}

/// The terminal's width for tables (120 when stdout is not a terminal).
pub(crate) fn terminal_width() -> usize {
    terminal_size::terminal_size()
        .map(|(w, _)| usize::from(w.0))
        .filter(|_| io::stdout().is_terminal())
        .unwrap_or(120)
}

pub(crate) fn broken_output(progress: &Progress, error: &io::Error) -> ExitCode {
    progress.finish();
    if error.kind() == io::ErrorKind::BrokenPipe {
        // The reader went away (e.g. `| head`): not a failure of ours.
        return ExitCode::from(exit::OK);
    }
    eprintln!("error: could not write output: {error}");
    ExitCode::from(exit::FAILURE)
}

async fn serve(args: ServeArgs) -> ExitCode {
    let mut config =
        SandboxConfig::new().addr(std::net::SocketAddr::from(([127, 0, 0, 1], args.port)));
    if let Some(size) = args.size {
        config = config.dataset_size(size);
    }
    if let Some(seed) = args.seed {
        config = config.seed(seed);
    }
    for spec in &args.faults {
        match spec.parse::<FaultSpec>() {
            Ok(spec) => config = config.fault(spec),
            Err(e) => {
                eprintln!("error: invalid --fault {spec:?}: {e}");
                return ExitCode::from(exit::USAGE);
            }
        }
    }
    for spec in &args.latency {
        match parse_provider_value(spec).and_then(|(p, v)| {
            parse_millis(v)
                .map(|d| (p, d))
                .ok_or("expected a duration like 50ms or 1s")
        }) {
            Ok((provider, latency)) => config = config.latency(provider, latency),
            Err(why) => {
                eprintln!("error: invalid --latency {spec:?}: {why}");
                return ExitCode::from(exit::USAGE);
            }
        }
    }
    for spec in &args.rate_limits {
        match parse_provider_value(spec).and_then(|(p, v)| {
            v.parse::<u32>()
                .ok()
                .filter(|n| *n > 0)
                .map(|n| (p, n))
                .ok_or("expected requests per second, a positive whole number")
        }) {
            Ok((provider, n)) => {
                config =
                    config.rate_limit(provider, conversations_sandbox::RateLimit::per_second(n))
            }
            Err(why) => {
                eprintln!("error: invalid --rate-limit {spec:?}: {why}");
                return ExitCode::from(exit::USAGE);
            }
        }
    }
    let sandbox = match Sandbox::start(config).await {
        Ok(sandbox) => sandbox,
        Err(e) => {
            eprintln!(
                "error: could not start the sandbox on 127.0.0.1:{}: {e}",
                args.port
            );
            return ExitCode::from(exit::FAILURE);
        }
    };
    let demo = sandbox.credentials();
    let banner = format!(
        "conversations sandbox listening on http://{addr}\n\n\
         ASAPP      base URL  {asapp}\n\
         \u{20}          api id    {id}\n\
         \u{20}          secret    {secret}\n\
         Autocalls  base URL  {autocalls}\n\
         \u{20}          api key   {key}\n\n\
         Try:\n  curl -H 'asapp-api-id: {id}' -H 'asapp-api-secret: {secret}' '{asapp}/conversation/v1/conversations?externalId={ext}'\n\
         \u{20} curl -H 'Authorization: Bearer {key}' '{autocalls}/user/conversations?per_page=5'\n\
         \nThese are demo credentials of the local sandbox, not secrets. Ctrl-C stops it.",
        addr = sandbox.addr(),
        asapp = sandbox.asapp_base_url(),
        autocalls = sandbox.autocalls_base_url(),
        id = demo.asapp_api_id,
        secret = demo.asapp_api_secret,
        key = demo.autocalls_api_key,
        ext = sandbox
            .dataset()
            .asapp_external_ids()
            .first()
            .copied()
            .unwrap_or("id-111"),
    );
    println!("{banner}");
    let _ = io::stdout().flush();
    if let Some(path) = &args.ready_file {
        let ready = serde_json::json!({
            "asapp_base_url": sandbox.asapp_base_url(),
            "autocalls_base_url": sandbox.autocalls_base_url(),
        });
        if let Err(e) = std::fs::write(path, ready.to_string()) {
            eprintln!("error: could not write {}: {e}", path.display());
            return ExitCode::from(exit::FAILURE);
        }
    }
    sandbox.serve_forever().await;
    ExitCode::from(exit::OK)
}
