//! `conversations`: list the conversations your business holds with ASAPP and Autocalls,
//! through one normalized model. Built only on the public APIs of `conversations-core`,
//! `asapp-gen`, `autocalls-api` and `conversations-sandbox`.

mod check;
mod commands {
    pub(crate) mod report;
}
mod cli;
mod config;
mod ending;
mod exit;
mod filters;
mod logging;
mod lookups;
mod offspec;
mod output;
mod progress;
mod providers;
mod sync_cmd;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use conversations_core::quote;
use conversations_core::{ConversationQuery, Federation};

use crate::filters::WithFilters;
use conversations_sandbox::{FaultSpec, Sandbox, SandboxConfig};

use crate::cli::{Cli, Command, CompletionsArgs, ListArgs, SandboxCommand, ServeArgs};

fn main() -> ExitCode {
    // First: from here on SIGINT, SIGTERM and SIGHUP end every command the same way.
    if let Err(e) = ending::watch_signals() {
        ending::note(&format!("error: could not watch for signals: {e}"));
        return ExitCode::from(exit::FAILURE);
    }
    ending::run(|| {
        let cli = Cli::parse();
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
        runtime.block_on(async {
            match cli.command {
                Command::List(args) => list(args).await,
                Command::Schema => schema(),
                Command::Sync(args) => sync_cmd::run(args).await,
                Command::Sandbox(SandboxCommand::Serve(args)) => serve(args).await,
                Command::Completions(args) => completions(&args),
                Command::Accounts(args) => config::accounts_command(&args),
                Command::Check(args) => check::run(&args).await,
                Command::Report(args) => commands::report::run(args).await,
            }
        })
    })
}

fn schema() -> ExitCode {
    let schema = schemars::schema_for!(conversations_core::Conversation);
    let printed = match serde_json::to_string_pretty(&schema) {
        Ok(text) => ending::print(&text),
        Err(e) => {
            ending::note(&format!("error: could not render the schema: {e}"));
            return ExitCode::from(exit::FAILURE);
        }
    };
    match printed {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) => ExitCode::from(ending::output_failed("stdout", &e, exit::OK)),
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
        ending::note(&format!(
            "error: could not generate the {} completions: {e}",
            args.shell
        ));
        return ExitCode::from(exit::FAILURE);
    }
    let written = {
        let mut out = io::stdout().lock();
        out.write_all(&script).and_then(|()| out.flush())
    };
    match written {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) => ExitCode::from(ending::output_failed("stdout", &e, exit::OK)),
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
    // Named accounts of the config file, or the providers of --provider from the environment
    // (the sandbox, when asked for, lives until the listing is done).
    let selection = match providers::select(
        args.provider,
        Some(cli::ProviderChoice::All),
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
        return lookups::run(&args, path, &base, sources, named).await;
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

    let mut sink = match output::Sink::open(&args, named) {
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

async fn serve(args: ServeArgs) -> ExitCode {
    let mut config =
        SandboxConfig::new().addr(std::net::SocketAddr::from(([127, 0, 0, 1], args.port)));
    if let Some(size) = args.size {
        config = config.dataset_size(size);
        // Refused before anything is generated (a size too large would grow until memory ran out).
        if let Err(e) = config.check_size() {
            ending::note(&format!("error: invalid --size {size}: {e}"));
            return ExitCode::from(exit::USAGE);
        }
    }
    if let Some(seed) = args.seed {
        config = config.seed(seed);
    }
    for spec in &args.faults {
        match spec.parse::<FaultSpec>() {
            Ok(spec) => config = config.fault(spec),
            Err(e) => {
                // The parser's message quotes parts of the spec: shown for a spec of a
                // sensible length only, so no error line grows with the input.
                let why = if spec.chars().count() > conversations_core::QUOTE_CHARS {
                    "longer than any fault spec".to_owned()
                } else {
                    e.to_string()
                };
                ending::note(&format!(
                    "error: invalid --fault \"{}\": {why}",
                    quote(spec)
                ));
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
                ending::note(&format!(
                    "error: invalid --latency \"{}\": {why}",
                    quote(spec)
                ));
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
                ending::note(&format!(
                    "error: invalid --rate-limit \"{}\": {why}",
                    quote(spec)
                ));
                return ExitCode::from(exit::USAGE);
            }
        }
    }
    let sandbox = match Sandbox::start(config).await {
        Ok(sandbox) => sandbox,
        Err(e) => {
            ending::note(&format!(
                "error: could not start the sandbox on 127.0.0.1:{}: {e}",
                args.port
            ));
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
    // A closed stdout ends the server too, quietly: nobody is reading what it says.
    if let Err(e) = ending::print(&banner) {
        return ExitCode::from(ending::output_failed("stdout", &e, exit::OK));
    }
    if let Some(path) = &args.ready_file {
        let ready = serde_json::json!({
            "asapp_base_url": sandbox.asapp_base_url(),
            "autocalls_base_url": sandbox.autocalls_base_url(),
        });
        if let Err(e) = std::fs::write(path, ready.to_string()) {
            ending::note(&format!("error: could not write {}: {e}", path.display()));
            return ExitCode::from(exit::FAILURE);
        }
    }
    sandbox.serve_forever().await;
    ExitCode::from(exit::OK)
}
