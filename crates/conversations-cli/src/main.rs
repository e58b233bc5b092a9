//! `conversations`: list the conversations your business holds with ASAPP and Autocalls,
//! through one normalized model. Built only on the public APIs of `conversations-core`,
//! `asapp-gen`, `autocalls-api` and `conversations-sandbox`.

mod cli;
mod config;
mod exit;
mod output;
mod progress;
mod providers;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use conversations_core::{Channel, ConversationQuery, Federation};
use conversations_sandbox::{FaultSpec, Sandbox, SandboxConfig};
use futures::StreamExt;

use crate::cli::{Cli, Command, CompletionsArgs, ListArgs, SandboxCommand, ServeArgs};
use crate::progress::Progress;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
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
            Command::Sandbox(SandboxCommand::Serve(args)) => serve(args).await,
            Command::Completions(args) => completions(&args),
            Command::Accounts(args) => config::accounts_command(&args),
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
    ConversationQuery {
        external_id: args.external_id.clone(),
        channel: args.conversation_type.as_deref().map(Channel::from),
        agent_id: args.assistant_id.map(|id| id.to_string()),
        customer_phone: args.customer_phone.clone(),
        business_phone: args.whatsapp_sender_phone.clone(),
        page_size: args.page_size,
        limit: args.limit,
    }
}

async fn list(args: ListArgs) -> ExitCode {
    let base = query(&args);
    // The sandbox, when asked for, lives until the listing is done.
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
        None => args.credentials,
    };
    let sources = match providers::sources(args.provider, &credentials) {
        Ok(sources) => sources,
        Err(errors) => {
            for e in &errors {
                eprintln!("error: {e}");
            }
            let code = if errors
                .iter()
                .all(|e| matches!(e, providers::SetupError::Missing { .. }))
            {
                exit::AUTH
            } else {
                exit::USAGE
            };
            return ExitCode::from(code);
        }
    };

    let mut federation = Federation::new();
    for source in sources {
        // A page size only goes to sources that page; a one-page source would refuse it.
        let mut query = base.clone();
        if source.capabilities().page_size().is_none() {
            query.page_size = None;
        }
        federation = federation.source(source, query);
    }

    let width = terminal_size::terminal_size()
        .map(|(w, _)| usize::from(w.0))
        .filter(|_| io::stdout().is_terminal())
        .unwrap_or(120);
    let stdout = io::stdout();
    let guard = if args.csv_raw {
        output::FormulaGuard::Off
    } else {
        output::FormulaGuard::On
    };
    let mut writer = output::writer(
        args.format,
        guard,
        Box::new(io::BufWriter::new(stdout.lock())),
        width,
    );
    let mut progress = Progress::new();
    let mut codes = Vec::new();
    let mut remaining = args.limit;
    let mut items = federation.list();
    while let Some(item) = items.next().await {
        match item.result {
            Ok(conversation) => {
                if let Err(e) = writer.write(&conversation) {
                    return broken_output(&progress, &e);
                }
                progress.record(&item.provider);
                // `--limit` bounds the whole listing, across providers.
                if let Some(left) = remaining.as_mut() {
                    *left -= 1;
                    if *left == 0 {
                        break;
                    }
                }
            }
            Err(error) => {
                progress.println(&format!("error: {error}"));
                codes.push(exit::code_for(&error));
            }
        }
    }
    progress.finish();
    if let Err(e) = writer.finish() {
        return broken_output(&progress, &e);
    }
    exit::worst(codes)
}

fn broken_output(progress: &Progress, error: &io::Error) -> ExitCode {
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
